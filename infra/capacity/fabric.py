"""Rules across stacks: disjoint prefixes, references between sites, Global Reach pairs."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from infra import catalog
from infra.capacity.report import Violation
from infra.spec import FabricSpec
from infra.spec.messages import did_you_mean

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class InputProblem:
    """Bad input found only by looking at several stacks: reported like a spec error (exit 2)."""

    stack: str
    loc: Loc
    """Path inside the stack's config, e.g. ('ai-fabric:site', 'address_space', 0)."""
    value: Any
    message: str
    other: tuple[str, Loc] | None = None
    """The other side of a clash (stack, path), so the report can give its file and line too."""
    other_value: Any = None
    """The other side's value (an overlapping prefix), so either side can be reported first."""


@dataclass(frozen=True)
class _Prefix:
    stack: str
    loc: Loc
    net: ipaddress.IPv4Network
    link: frozenset[tuple[str, str]] | None = None
    """For a Global Reach /29: the two (stack, circuit) ends; the same link declared on both sides."""

    @property
    def where(self) -> str:
        return f"{self.stack}: {'.'.join(map(str, self.loc))}"


def _prefixes(spec: FabricSpec) -> Iterator[_Prefix]:
    s = spec.stack
    for i, net in enumerate(spec.site.address_space):
        yield _Prefix(s, ("ai-fabric:site", "address_space", i), net)
    for name, c in spec.interconnect.circuits.items():
        base = ("ai-fabric:interconnect", "circuits", name, "private_peering")
        yield _Prefix(s, (*base, "primary_prefix"), c.private_peering.primary_prefix)
        yield _Prefix(s, (*base, "secondary_prefix"), c.private_peering.secondary_prefix)
    for name, link in spec.interconnect.global_reach.items():
        ends = frozenset({(s, link.circuit), (link.peer_stack, link.peer_circuit)})
        yield _Prefix(s, ("ai-fabric:interconnect", "global_reach", name, "prefix"), link.prefix, ends)


def prefix_overlaps(specs: Sequence[FabricSpec]) -> list[InputProblem]:
    """Every pair of overlapping prefixes across the fabric (a sweep over sorted ranges)."""
    prefixes = sorted(
        (p for spec in specs for p in _prefixes(spec)),
        key=lambda p: (int(p.net.network_address), -p.net.prefixlen),
    )
    out: list[InputProblem] = []
    active: list[_Prefix] = []
    for p in prefixes:
        start = int(p.net.network_address)
        active = [a for a in active if int(a.net.broadcast_address) >= start]
        for a in active:
            if a.link is not None and a.link == p.link and a.net == p.net:
                continue  # one Global Reach link declared by both of its sites
            out.append(InputProblem(
                p.stack, p.loc, str(p.net),
                f"overlaps {a.net} ({a.where}); every prefix of the fabric must be disjoint",
                other=(a.stack, a.loc), other_value=str(a.net),
            ))
        active.append(p)
    return out


def references(specs: Sequence[FabricSpec]) -> list[InputProblem]:
    """Peer stacks and circuits named by Global Reach links and demands must exist."""
    by_name = {s.stack: s for s in specs}
    out: list[InputProblem] = []
    for s in specs:
        for name, link in s.interconnect.global_reach.items():
            loc: Loc = ("ai-fabric:interconnect", "global_reach", name)
            peer = by_name.get(link.peer_stack)
            if peer is None:
                out.append(InputProblem(s.stack, (*loc, "peer_stack"), link.peer_stack,
                                        f"no such stack; known: {', '.join(by_name)}."
                                        + did_you_mean(link.peer_stack, by_name)))
            elif link.peer_circuit not in peer.interconnect.circuits:
                out.append(InputProblem(s.stack, (*loc, "peer_circuit"), link.peer_circuit,
                                        f"stack {peer.stack} has no such circuit; it has "
                                        f"{', '.join(peer.interconnect.circuits)}."
                                        + did_you_mean(link.peer_circuit, peer.interconnect.circuits)))
        for name, d in s.demands.items():
            if d.to_stack not in by_name:
                out.append(InputProblem(s.stack, ("ai-fabric:demands", name, "to_stack"), d.to_stack,
                                        f"no such stack; known: {', '.join(by_name)}."
                                        + did_you_mean(d.to_stack, by_name)))
    return out


def global_reach(specs: Sequence[FabricSpec]) -> list[Violation]:
    """Each link declared on both sides alike, at two peering locations, Premium across geographies."""
    by_name = {s.stack: s for s in specs}
    out: list[Violation] = []
    for s in specs:
        for name, link in s.interconnect.global_reach.items():
            path = f"interconnect.global_reach.{name}"
            peer = by_name.get(link.peer_stack)
            if peer is None or link.peer_circuit not in peer.interconnect.circuits:
                continue  # reported by references()
            mirror = [
                l for l in peer.interconnect.global_reach.values()
                if l.peer_stack == s.stack and l.peer_circuit == link.circuit and l.circuit == link.peer_circuit
            ]
            if not mirror:
                out.append(Violation(
                    "global-reach-pair",
                    f"{s.stack}/{link.circuit} <-> {peer.stack}/{link.peer_circuit} is declared only in {s.stack}; "
                    f"declare it in {peer.stack} too, with prefix {link.prefix}",
                    stack=s.stack, path=path,
                ))
            elif mirror[0].prefix != link.prefix:
                out.append(Violation(
                    "global-reach-pair",
                    f"{s.stack} gives the link prefix {link.prefix}, {peer.stack} gives {mirror[0].prefix}; use one /29",
                    stack=s.stack, path=f"{path}.prefix",
                ))
            if not link.owned_by(s.stack):
                continue  # the pair's rules below are reported once, by the owner
            here_loc = s.interconnect.peering_location_of(link.circuit)
            there_loc = peer.interconnect.peering_location_of(link.peer_circuit)
            if here_loc == there_loc:
                out.append(Violation(
                    "global-reach-locations",
                    f"{s.stack}/{link.circuit} and {peer.stack}/{link.peer_circuit} are both at {here_loc}; Global "
                    "Reach joins circuits at different peering locations",
                    stack=s.stack, path=path,
                ))
            here_geo = s.catalog.peering_locations[here_loc][1]
            there_geo = peer.catalog.peering_locations.get(there_loc, ("", there_loc))[1]
            tiers = (s.interconnect.circuits[link.circuit].tier, peer.interconnect.circuits[link.peer_circuit].tier)
            if here_geo != there_geo and tiers != ("Premium", "Premium"):
                out.append(Violation(
                    "global-reach-premium",
                    f"{s.stack}/{link.circuit} ({here_geo}, {tiers[0]}) and {peer.stack}/{link.peer_circuit} "
                    f"({there_geo}, {tiers[1]}) are in different geopolitical regions; both must be Premium",
                    stack=s.stack, path=path,
                ))
    return out


def circuit_limits(specs: Iterable[FabricSpec]) -> list[Violation]:
    """At most 10 circuits per region (per subscription): stacks of one region share that limit."""
    by_region: dict[str, list[FabricSpec]] = {}
    for s in specs:
        by_region.setdefault(s.site.region, []).append(s)
    out = []
    limit = catalog.CIRCUITS_PER_REGION_PER_SUBSCRIPTION.value
    for region, group in by_region.items():
        n = sum(len(s.interconnect.circuits) for s in group)
        if n > limit:
            out.append(Violation(
                "circuits-per-region",
                f"stacks {', '.join(s.stack for s in group)} declare {n} circuits in {region}; Azure allows {limit} "
                "per region per subscription",
                stack=group[0].stack, path="interconnect.circuits",
            ))
    return out
