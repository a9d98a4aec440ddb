"""`fabric solve`'s loop: solve the program, check the design with the analysis, add what it finds short.

1. The fabric as it is, assessed (infra.capacity.assess): if every demand fits under the failure policy
   and the interconnect rules hold, nothing changes (the solver never trades what exists for something
   cheaper).
2. The option space (options.py) and the program (model.py) with the site-local scenarios and, routed
   exactly, nothing-failed.
3. Scenario generation: solve; build the design; run the failure analysis (infra/capacity/flows.py,
   every single failure and, for critical demands, every pair) on it as the oracle; each failure it
   finds a demand short after becomes a scenario the program routes exactly; solve again. The program
   only ever holds valid constraints, so its bound stays a lower bound on the cheapest design; the loop
   ends when the analysis finds nothing short, and the design is then optimal within the gap HiGHS
   proved on the last program.
4. The design is assessed in full (every stack rule, prefixes, the flows); what it writes validates.

When the program has no solution, no combination of options makes the fabric fit (the program is a
relaxation): `binding` names the limit, from the analysis of the fabric with every option at its most.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from infra import capacity, catalog
from infra.capacity import flows
from infra.capacity.report import Violation
from infra.solver import scenarios as sc
from infra.solver.design import Chosen, Design, apply, choose
from infra.solver.model import CARVED_PER_PORT, PORTS_PER_SIZE, Model, Solved
from infra.solver.options import Limits, OptionSpace, build
from infra.solver.prices import OptionPrices
from infra.spec import FabricSpec

DEMAND_INVARIANTS = frozenset({"demand-path", "demands-fit", "demands-survive-failure", "demands-survive-two-failures"})
RULES_KEPT = frozenset({
    "gateway-throughput", "gateway-circuits", "circuits-per-location", "gateway-subnet", "location-redundancy",
    "gateway-availability", "direct-port-oversubscription", "circuit-reach", "circuits-per-region",
    "fastpath-support", "vlan-unique",
})
"""Interconnect rules every design keeps (infra/capacity/network.py, fabric.py)."""
FIXED_BY_ADDING = frozenset({"gateway-throughput", "gateway-circuits", "location-redundancy", "gateway-availability",
                             "fastpath-support"})
"""Of those, the ones a design can mend by adding: the others need something taken away or renumbered."""
SOLVER_INVARIANTS = DEMAND_INVARIANTS | RULES_KEPT

MAX_SCENARIOS_PER_ROUND = 12
"""Scenarios added to the exact program per round (the worst shortfalls first): keeps the program small."""


@dataclass(frozen=True)
class Round:
    number: int
    exact: int
    """Scenarios routed exactly in this round's program."""
    added: tuple[str, ...]
    """Scenarios the analysis found short after, added for the next round."""
    status: str
    objective_usd: float | None
    bound_usd: float | None
    gap: float | None
    milp_seconds: float
    analysis_seconds: float
    variables: int
    integers: int
    rows: int

    def to_json(self) -> dict:
        return {"round": self.number, "exact_scenarios": self.exact, "added": list(self.added), "status": self.status,
                "objective_usd": _r(self.objective_usd), "bound_usd": _r(self.bound_usd), "gap": self.gap,
                "milp_seconds": round(self.milp_seconds, 3), "analysis_seconds": round(self.analysis_seconds, 3),
                "variables": self.variables, "integers": self.integers, "rows": self.rows}


@dataclass(frozen=True)
class Binding:
    """Why nothing makes the fabric fit: the demand, where it is limited, the most it can get there."""

    message: str
    demands: tuple[str, ...] = ()
    site: str | None = None
    failure: str | None = None
    needed_gbps: float | None = None
    most_gbps: float | None = None
    """The most any combination of options carries for these demands there (with every option at its most)."""
    limit: tuple[str, ...] = ()
    """The resources (or rules) that bind."""

    def to_json(self) -> dict:
        return {"message": self.message, "demands": list(self.demands), "site": self.site, "failure": self.failure,
                "needed_gbps": _r(self.needed_gbps, 3), "most_gbps": _r(self.most_gbps, 3), "limit": list(self.limit)}


@dataclass(frozen=True)
class Result:
    feasible_before: bool
    feasible_after: bool
    status: str
    """'fits' (nothing to change), 'solved', 'infeasible', or 'unsolved' (no design within the time)."""
    design: Design | None = None
    rounds: tuple[Round, ...] = ()
    gap: float | None = None
    """Relative gap HiGHS proved on the last program (0: optimal)."""
    bound_usd: float | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    binding: Binding | None = None
    before: tuple[Violation, ...] = ()
    """What does not fit today (the solver's invariants)."""
    untouched: tuple[Violation, ...] = ()
    """Violations outside what the solver changes (compute, access, Global Reach), left as they are."""
    after: tuple[Violation, ...] = ()
    """Violations of the solver's invariants the design still has (empty when it is right)."""
    notes: tuple[str, ...] = ()
    prices_source: str = ""
    scenarios: int = 0
    """Scenarios the program carries (local and exact)."""

    @property
    def changes(self):
        return self.design.changes if self.design is not None else ()

    @property
    def monthly_usd_delta(self) -> float:
        return self.design.monthly_usd if self.design is not None else 0.0


Progress = Callable[[str], None]


def solve(specs: Sequence[FabricSpec], carrier=None, on: dt.date | None = None, *, prices: OptionPrices,
          limits: Limits = Limits(), time_limit: float = 60.0, gap: float = 0.005,
          progress: Progress | None = None, taken_config_keys: Mapping[str, set[str]] | None = None) -> Result:
    """The cheapest changes that make every demand fit under the failure policy (see the module doc)."""
    say = progress or (lambda _: None)
    start, cpu0 = time.perf_counter(), time.process_time()

    def done(**kw) -> Result:
        return Result(seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu0,
                      prices_source=prices.source, **kw)

    on = on or dt.date.today()
    before = capacity.assess(specs, carrier, on)
    if before.input_problems:
        raise ValueError(f"the fabric has bad input: {before.input_problems[0].message}")
    mine = tuple(v for v in before.violations if v.invariant in SOLVER_INVARIANTS)
    untouched = tuple(v for v in before.violations if v.invariant not in SOLVER_INVARIANTS)
    if not mine:
        say("the fabric fits: every demand under the failure policy, every interconnect rule; nothing to change")
        return done(feasible_before=True, feasible_after=True, status="fits", untouched=untouched)
    stuck = [v for v in mine if v.invariant in RULES_KEPT - FIXED_BY_ADDING]
    if stuck:
        return done(feasible_before=False, feasible_after=False, status="infeasible", before=mine, untouched=untouched,
                    binding=Binding(
                        "solve only adds capacity; these rules need something removed or renumbered first: "
                        + "; ".join(f"{v.stack}: {v.message}" for v in stuck),
                        site=stuck[0].stack, limit=tuple(v.invariant for v in stuck)))
    space = build(specs, carrier, prices, on, limits)
    for note in space.notes:
        say(f"note: {note}")
    local = sc.local(space)
    size = space.size
    say(f"{size['sites']} sites, {size['circuits']} circuits, new circuits offered at {size['locations_offered']} "
        f"site-locations, {size['span_offers']} span offers, {size['demands']} demands; {len(local)} site-local "
        f"scenarios; prices: {prices.source}")
    rounds: list[Round] = []

    def out_of_time(what: str) -> Result:
        return done(feasible_before=False, feasible_after=False, status="unsolved", rounds=tuple(rounds), before=mine,
                    untouched=untouched, notes=space.notes,
                    binding=Binding(f"{what} within the time limit of {time_limit:g} s; give more time (--time-limit)"))

    def infeasible() -> Result:
        return done(feasible_before=False, feasible_after=False, status="infeasible", rounds=tuple(rounds),
                    before=mine, untouched=untouched, binding=diagnose(space, specs, carrier, on), notes=space.notes,
                    scenarios=len(local))

    # 1. Each site alone: its options, rules and local scenarios. Its optimum bounds its share of any design
    #    from below (the whole program only adds constraints), and the union is often the answer.
    bounds: dict[str, float] = {}
    parts: list[Chosen] = []
    objective = 0.0
    t_sites = time.perf_counter()
    stats = [0, 0, 0, 0.0]
    for site in sorted(space.sites):
        left = time_limit - (time.perf_counter() - start)
        if left <= 0.5:
            return out_of_time("no design found")
        model = Model(space, (), local, only=site)
        solved = model.solve(left, min(gap, SITE_GAP))
        stats = [stats[0] + solved.n_vars, stats[1] + solved.n_integer, stats[2] + solved.n_rows,
                 stats[3] + solved.seconds]
        if solved.status == "infeasible":
            rounds.append(Round(0, 0, (), f"infeasible at {site}", None, None, None, stats[3], 0.0, *stats[:3]))
            say(f"site {site} alone: no combination of its options meets its own needs")
            return infeasible()
        if solved.x is None:
            return out_of_time(f"no design for site {site} found")
        bounds[site] = solved.bound if solved.bound is not None else solved.objective
        objective += solved.objective
        parts.append(choose(model, solved.x))
    bound = sum(bounds.values())
    chosen = _merge(parts)
    site_gap = _gap(objective, bound)
    say(f"each site alone: {len(bounds)} programs, {stats[0]:,} variables ({stats[1]:,} integer), HiGHS "
        f"{time.perf_counter() - t_sites:.1f} s; together {objective:+,.2f} USD/month, bound {bound:+,.2f}")
    exact: list[sc.Scenario] = [sc.BASELINE]
    design: Design | None = None
    solved_gap = site_gap
    n = 0
    if _within_regions(space, chosen):
        design = apply(space, specs, carrier, chosen, taken_config_keys)
        t0 = time.perf_counter()
        report = flows.analyse(design.specs, design.carrier, on)
        short = _short_scenarios(report, design)
        exact += [s for s in short if s != sc.BASELINE][:MAX_SCENARIOS_PER_ROUND]
        rounds.append(Round(0, 0, tuple(s.label for s in short[:MAX_SCENARIOS_PER_ROUND]), "optimal per site",
                            objective, bound, site_gap, stats[3], time.perf_counter() - t0, *stats[:3]))
        say(f"round 0 (the sites' own optima together): "
            + (f"the analysis finds {len(short)} scenario(s) short" if short else "the analysis confirms every scenario"))
        if not short:
            return _finish(done, specs, design, carrier, on, rounds, site_gap, bound, mine, untouched, space,
                           len(local) + len(exact))
    else:
        rounds.append(Round(0, 0, (), "over a region's circuit limit", objective, bound, site_gap, stats[3], 0.0,
                            *stats[:3]))
        say("round 0: the sites' own optima together exceed a region's circuit limit")

    # 2. The whole fabric: routing, shared spans, regions; the sites' bounds as cuts. Scenario generation.
    while True:
        left = time_limit - (time.perf_counter() - start)
        if left <= 0.5:
            return out_of_time("no design proven")
        model = Model(space, exact, local, site_bounds=bounds)
        solved = model.solve(left, gap)
        n += 1
        if solved.x is None:
            rounds.append(_round(n, exact, (), solved, 0.0))
            say(_progress(rounds[-1]))
            if solved.status == "infeasible":
                return infeasible()
            return out_of_time(f"HiGHS found no design ({solved.status})")
        chosen = choose(model, solved.x)
        design = apply(space, specs, carrier, chosen, taken_config_keys)
        t0 = time.perf_counter()
        report = flows.analyse(design.specs, design.carrier, on)
        seconds = time.perf_counter() - t0
        short = _short_scenarios(report, design)
        known = set(exact)
        added = [s for s in short if s not in known][:MAX_SCENARIOS_PER_ROUND]
        rounds.append(_round(n, exact, tuple(s.label for s in added), solved, seconds))
        say(_progress(rounds[-1]) + (f"; the analysis finds {len(short)} scenario(s) short" if short else
                                     "; the analysis confirms every scenario"))
        if not short:
            lower = max(bound, solved.bound if solved.bound is not None else bound)
            solved_gap = _gap(solved.objective, lower)
            return _finish(done, specs, design, carrier, on, rounds, solved_gap, lower, mine, untouched, space,
                           len(local) + len(exact))
        if not added:
            raise RuntimeError("the program routes every scenario the analysis finds short: "
                               + ", ".join(s.label for s in short[:3]))
        exact += added


SITE_GAP = 1e-4
"""Relative gap each site's own program is solved to (they are small)."""


def _gap(objective: float, bound: float) -> float:
    return max(0.0, objective - bound) / max(abs(objective), 1.0)


def _merge(parts: Sequence[Chosen]) -> Chosen:
    out = Chosen()
    for p in parts:
        out.steps.update(p.steps); out.provider.update(p.provider); out.ports.update(p.ports)
        out.room.update(p.room); out.gateways.update(p.gateways); out.spans.update(p.spans)
    return out


def _within_regions(space: OptionSpace, chosen: Chosen) -> bool:
    added: dict[str, int] = {}
    for (site, _), got in chosen.provider.items():
        added[site] = added.get(site, 0) + sum(k for _, k in got)
    for (site, _, _), (_, got) in chosen.ports.items():
        added[site] = added.get(site, 0) + sum(k for _, k in got)
    for (site, _), got in chosen.room.items():
        added[site] = added.get(site, 0) + sum(k for _, k in got)
    limit = catalog.CIRCUITS_PER_REGION_PER_SUBSCRIPTION.value
    for region, stacks in space.regions.items():
        if space.region_existing.get(region, 0) + sum(added.get(s, 0) for s in stacks) > limit:
            return False
    return True


def _finish(done, specs, design: Design, carrier, on, rounds, gap_value, bound, mine, untouched, space,
            scenarios) -> Result:
    """The design assessed in full: every rule the solver keeps must hold."""
    after = capacity.assess(design.specs, design.carrier, on)
    if after.input_problems:
        raise RuntimeError(f"the design has bad input: {after.input_problems[0].message}")
    left_over = tuple(v for v in after.violations if v.invariant in SOLVER_INVARIANTS)
    return done(feasible_before=False, feasible_after=not left_over, status="solved", design=design,
                rounds=tuple(rounds), gap=gap_value, bound_usd=bound, before=mine, untouched=untouched,
                after=left_over, notes=space.notes, scenarios=scenarios)


def _short_scenarios(report: flows.FlowReport, design: Design) -> list[sc.Scenario]:
    worst: dict[sc.Scenario, float] = {}
    if report.unroutable:
        worst[sc.BASELINE] = float("inf")
    for sf in report.shortfalls:
        s = sc.from_analysis(sf.failure, sf.second, design.where) if sf.failure is not None else sc.BASELINE
        worst[s] = max(worst.get(s, 0.0), sf.short_gbps)
    return sorted(worst, key=lambda s: (-worst[s], s))


def _round(n: int, exact: list, added: tuple[str, ...], s: Solved, analysis: float) -> Round:
    return Round(n, len(exact), added, s.status, s.objective, s.bound, s.gap, s.seconds, analysis, s.n_vars,
                 s.n_integer, s.n_rows)


def _progress(r: Round) -> str:
    head = (f"round {r.number}: {r.exact} scenario(s) routed exactly, {r.variables:,} variables "
            f"({r.integers:,} integer), {r.rows:,} rows; HiGHS {r.status} in {r.milp_seconds:.1f} s")
    if r.objective_usd is not None:
        head += f", incumbent {r.objective_usd:+,.2f} USD/month"
    if r.gap is not None:
        head += f", gap {100 * r.gap:.2f}%"
    if r.added:
        head += f"; adds {', '.join(r.added[:4])}{' ...' if len(r.added) > 4 else ''}"
    return head


# ------------------------------------------------------------------------------------------------
# When nothing fits: the binding limit
# ------------------------------------------------------------------------------------------------


def most_design(space: OptionSpace) -> Chosen:
    """Every option at its most: existing circuits at the top of their ladder, every location filled up to
    its 4 circuits with the largest new ones (carved from new Direct ports where those are larger), the
    gateway that limits least, every span at its largest offer. Azure's per-region and per-gateway circuit
    counts are not applied here (they are what the program adds on top)."""
    steps, provider, ports, room = {}, {}, {}, {}
    gateways = {}
    for site, opts in space.sites.items():
        for c in opts.circuits:
            if c.steps:
                steps[(site, c.key)] = max(c.steps, key=lambda s: s.gbps)
        for n in opts.new:
            best_provider = max(n.provider, key=lambda s: s.gbps, default=None)
            best_port = max(n.ports, key=lambda z: max(s.gbps for s in z.carved), default=None)
            carve = max(best_port.carved, key=lambda s: s.gbps) if best_port else None
            if carve is not None and (best_provider is None or carve.gbps >= best_provider.gbps):
                count = min(n.room, CARVED_PER_PORT * PORTS_PER_SIZE)
                ports[(site, n.location, best_port.gbps)] = (-(-count // CARVED_PER_PORT), ((carve, count),))
                if n.room > count and best_provider is not None:
                    provider[(site, n.location)] = ((best_provider, n.room - count),)
            elif best_provider is not None:
                provider[(site, n.location)] = ((best_provider, n.room),)
        offered = {n.location for n in opts.new}
        for r in opts.port_rooms:
            if r.location not in offered:
                top = max(r.carved, key=lambda s: s.gbps)
                left = r.gbps * catalog.DIRECT_OVERSUBSCRIPTION.value - sum(
                    c.max_gbps for c in opts.circuits if c.port == r.port)
                k = min(CARVED_PER_PORT, int(left // top.gbps))
                if k > 0:
                    room[(site, r.port)] = ((top, k),)
        best = max(opts.gateways, key=lambda o: (o.fastpath, o.gbps * (o.max_units or 1), o.current))
        gateways[site] = (best, best.max_units if best.scalable else None)
    spans = {name: max(s.offers, key=lambda o: o.gbps) for name, s in space.spans.items() if s.offers}
    return Chosen(steps, provider, ports, room, gateways, spans)


def diagnose(space: OptionSpace, specs: Sequence[FabricSpec], carrier, on: dt.date) -> Binding:
    """The binding limit: the analysis of the fabric with every option at its most names the demands still
    short, after which failure, what they get at most and what saturates."""
    design = apply(space, specs, carrier, most_design(space))
    report = flows.analyse(design.specs, design.carrier, on)
    if report.unroutable:
        d = report.unroutable[0]
        return Binding(
            f"{d.label} -> {d.to_stack} ({d.gbps:.2f} Gb/s) has no carrier path at all: no circuit of {d.stack} "
            f"and circuit of {d.to_stack} are joined by spans in service on {on.isoformat()}",
            demands=(d.label,), site=d.stack, needed_gbps=d.gbps, most_gbps=0.0, limit=("carrier spans",))
    if report.shortfalls:
        sf = max(report.shortfalls, key=lambda s: (s.short_gbps / max(s.needed_gbps, 1e-9), s.short_gbps))
        short = sf.short_by_demand or tuple((d, sf.short_gbps * d.gbps / max(sf.needed_gbps, 1e-9)) for d in sf.demands)
        d, gone = max(short, key=lambda t: t[1])
        most = max(0.0, d.gbps - gone)
        site = _site_of(sf, d)
        when = ("with nothing failed" if sf.failure is None else
                f"after losing {sf.failure}" + (f" and {sf.second}" if sf.second is not None else ""))
        limit = tuple(s.resource for s in sf.saturated)
        return Binding(
            f"{d.label} -> {d.to_stack} needs {d.gbps:.2f} Gb/s; {when}, at most {most:.2f} Gb/s of it fits at "
            f"{site} with every option at its most"
            + (f" (saturated: {', '.join(limit[:6])})" if limit else ""),
            demands=tuple(x.label for x, _ in short), site=site, failure=when, needed_gbps=d.gbps, most_gbps=most,
            limit=limit)
    checked = capacity.assess(design.specs, design.carrier, on)
    counts = [v for v in checked.violations if v.invariant in ("circuits-per-region", "gateway-circuits")]
    if counts:
        v = counts[0]
        return Binding(
            "every demand fits with every option at its most, but not within Azure's circuit limits: "
            + "; ".join(f"{x.stack}: {x.message}" for x in counts[:3]),
            site=v.stack, limit=tuple(x.invariant for x in counts))
    return Binding("no combination of the options keeps every interconnect rule (location redundancy, circuits per "
                   "location); see the violations above", limit=("interconnect rules",))


def _site_of(sf: flows.Shortfall, d: flows.DemandEdge) -> str:
    """Where the limit is: the site whose circuits or gateway saturate, else the carrier's spans."""
    sites = []
    for s in sf.saturated:
        words = s.resource.split()
        if words[0] == "circuit":
            sites.append(words[1].split("/")[0])
        elif words[0] == "gateway":
            sites.append(words[1])
    if sites:
        return max(set(sites), key=sites.count)
    if any(s.resource.startswith("span") for s in sf.saturated):
        return f"the carrier spans between {d.stack} and {d.to_stack}"
    return d.stack


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits)


__all__ = ["Binding", "DEMAND_INVARIANTS", "RULES_KEPT", "Result", "Round", "SOLVER_INVARIANTS", "diagnose",
           "most_design", "solve"]
