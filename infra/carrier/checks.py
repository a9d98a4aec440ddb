"""The carrier file against the catalog and the stacks: bad input (exit 2) found only together.

- every PoP's peering location is one the provider serves (the catalog, plus any stack's
  ``catalog_overrides.peering_locations``);
- every circuit of every stack sits at a peering location some PoP serves: otherwise the model
  would not know where the circuit meets the carrier's network.
"""

from __future__ import annotations

from collections.abc import Mapping

from infra import catalog
from infra.carrier.loader import LoadedCarrier
from infra.spec import DirectCircuit
from infra.stackfile import LoadedStack, SpecIssue


def known_locations(stacks: Mapping[str, LoadedStack]) -> set[str]:
    known = set(catalog.PEERING_LOCATIONS)
    for s in stacks.values():
        known |= set(s.spec.catalog.peering_locations)
    return known


def problems(carrier: LoadedCarrier, stacks: Mapping[str, LoadedStack]) -> list[SpecIssue]:
    out: list[SpecIssue] = []
    known = known_locations(stacks)
    spec = carrier.spec
    for name, pop in spec.pops.items():
        if pop.peering_location is not None and pop.peering_location not in known:
            out.append(carrier.file.issue(
                ("pops", name, "peering_location"),
                f"not a peering location of the provider; allowed: {', '.join(sorted(known))} (or null for a "
                "transit PoP; a stack may add locations with catalog_overrides.peering_locations)",
                pop.peering_location,
            ))
    served = {p.peering_location for p in spec.pops.values() if p.peering_location}
    for stack in stacks.values():
        ic = stack.spec.interconnect
        for name, c in ic.circuits.items():
            loc = ic.peering_location_of(name)
            if loc in served:
                continue
            key = ("ports", c.port, "peering_location") if isinstance(c, DirectCircuit) else ("circuits", name, "peering_location")
            out.append(stack.file.issue(
                ("ai-fabric:interconnect", *key),
                f"circuit {name!r} is at {loc!r}, which no PoP of {carrier.file.display} serves; add a PoP with "
                f"peering_location: {loc} (served now: {', '.join(sorted(served)) or 'none'})",
                loc,
            ))
    return out
