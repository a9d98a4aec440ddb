"""Failure scenarios over the option space: what each failure takes, whichever options are chosen.

The failures are the analysis's own (infra/capacity/flows.py): a carrier span, a shared-risk group (every
span in it), a PoP (its spans and the circuits at its peering location), a circuit, a peering location
(its circuits), one of a gateway's two instances (halves it). A circuit at an ExpressRoute Metro location
survives the loss of its PoP or location, as there. A scenario is nothing failed, one failure, or (for
the critical demands, which alone are carried then) two.

Here a failure names what it takes in the option space: the loss of a peering location takes the new
circuits the solver might put there as well as the existing ones, so one scenario constrains every
candidate design alike. The loss of one circuit at an ordinary location is dominated by the loss of the
location (both are required, and whatever survives the larger loss survives the smaller), so a circuit
the analysis names stands for its location; at a Metro location, which survives that, it stands for the
loss of the site's largest circuit there (failure kind 'circuit', name '<site>/<location>').
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

from infra.capacity import flows
from infra.solver.options import OptionSpace

KINDS = ("span", "shared-risk group", "PoP", "circuit", "peering location", "gateway")
"""The analysis's failure kinds (flows.Failure.kind)."""


@dataclass(frozen=True, order=True)
class FailureKey:
    kind: str
    name: str
    """Span, group, PoP, location or site; a circuit: '<site>/<Metro location>' (its largest circuit there)."""

    def __str__(self) -> str:
        if self.kind == "gateway":
            return f"one of the two instances of gateway {self.name}"
        if self.kind == "circuit":
            site, location = self.name.split("/", 1)
            return f"the largest circuit of {site} at {location}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True, order=True)
class Scenario:
    failures: tuple[FailureKey, ...] = ()
    critical_only: bool = False
    """Two failures: only the critical demands are carried (and must fit)."""

    @property
    def label(self) -> str:
        if not self.failures:
            return "nothing failed"
        return " and ".join(map(str, self.failures))

    def effect(self, site: str, location: str, pop: str, metro: bool) -> str | None:
        """What the scenario does to a site's circuits at a location: 'all' lost, its 'largest' lost, or None."""
        out = None
        for f in self.failures:
            if not metro and ((f.kind == "peering location" and f.name == location) or (f.kind == "PoP" and f.name == pop)):
                return "all"
            if f.kind == "circuit" and f.name == f"{site}/{location}":
                out = "largest"
        return out

    def dead_spans(self, space: OptionSpace) -> set[str]:
        out: set[str] = set()
        for f in self.failures:
            if f.kind == "span":
                out.add(f.name)
            elif f.kind == "shared-risk group":
                out |= {n for n, s in space.spans.items() if f.name in s.srlgs}
            elif f.kind == "PoP":
                out |= {n for n, s in space.spans.items() if f.name in (s.a, s.z)}
        return out

    def halves_gateway(self, site: str) -> bool:
        return any(f.kind == "gateway" and f.name == site for f in self.failures)


BASELINE = Scenario()


def from_analysis(failure: flows.Failure, second: flows.Failure | None,
                  where: Mapping[tuple[str, str], tuple[str, bool]]) -> Scenario:
    """The scenario of a shortfall the analysis reported; `where` gives each designed circuit (site, name)
    its location and whether that is a Metro location."""
    keys = []
    for f in (failure, second):
        if f is None:
            continue
        if f.kind == "circuit":
            site, name = f.name.split("/", 1)
            location, metro = where[(site, name)]
            keys.append(FailureKey("circuit", f"{site}/{location}") if metro
                        else FailureKey("peering location", location))
        else:
            keys.append(FailureKey(f.kind, f.name))
    keys = sorted(set(keys))
    return Scenario(tuple(keys), second is not None and len(keys) > 1)


def local(space: OptionSpace) -> list[Scenario]:
    """The failures that touch one site's own circuits or gateway, and (for sites with critical traffic)
    every pair of them: the scenarios whose site-local cut conditions the model always carries.

    A location's loss takes every non-Metro circuit there, so it dominates the loss of any one of them;
    a circuit's own failure is listed only where the location's loss does not take it (Metro)."""
    critical_sites = {d.stack for d in space.demands if d.critical} | {d.to_stack for d in space.demands if d.critical}
    out: dict[Scenario, None] = {BASELINE: None}
    for site, opts in space.sites.items():
        domains: list[FailureKey] = []
        for loc in opts.locations():
            if opts.is_metro(loc):
                domains.append(FailureKey("circuit", f"{site}/{loc}"))
            else:
                domains.append(FailureKey("peering location", loc))
        domains.append(FailureKey("gateway", site))
        for f in domains:
            out[Scenario((f,))] = None
        if site in critical_sites:
            for a, b in combinations(domains, 2):
                out[Scenario(tuple(sorted((a, b))), True)] = None
    return list(out)


__all__ = ["BASELINE", "FailureKey", "KINDS", "Scenario", "from_analysis", "local"]
