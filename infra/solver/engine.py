"""`fabric solve`'s loop: solve the program, check the design with the analysis, add what it finds short.

1. The fabric as it is, assessed (infra.capacity.assess): if every demand fits under the failure policy
   and the interconnect rules hold, nothing changes (the solver never trades what exists for something
   cheaper).
2. Each site alone (model.py, `only=site`): its options, its rules, the cut conditions of every failure that
   touches its own circuits or gateway. Small programs; each optimum is a lower bound on what any design
   spends at that site, since the whole program only adds constraints.
3. Scenario generation with the failure analysis (infra/capacity/flows.py: every single failure and, for
   the critical demands, every pair) as the oracle: a candidate design goes through it; each scenario it
   finds short becomes known; every later candidate must route every known scenario, which routing cuts
   enforce (routing.py: Benders cuts from the duals of the flow program, valid for every design).
   First the sites' own optima with the cheapest span upgrades that route the known scenarios with every
   site at its most (`only=SPANS`, whose optimum bounds the spans' share). If the analysis confirms that
   design, it is optimal within the sum of the bounds.
4. Otherwise the whole program, the bounds as cuts: first with the sites the shortfalls involve free and
   the others held at their own optimum (a restriction, quick; its design's gap is taken against the
   bounds), then, if that is not within the gap, with every site free (HiGHS's own bound then counts too).
5. The design is assessed in full (every stack rule, prefixes, the flows); what `--write` writes validates.

Every program only ever holds valid constraints (relaxations), so every bound is a lower bound on the
cheapest design, and a design the analysis confirms is optimal within the gap reported. When a relaxation
has no solution, no combination of options makes the fabric fit: `binding` names the limit, from the
analysis of the fabric with every option at its most within Azure's circuit limits.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from infra import capacity, catalog
from infra.capacity import flows
from infra.capacity.report import Violation
from infra.solver import routing
from infra.solver import scenarios as sc
from infra.solver.design import Chosen, Design, apply, choose
from infra.solver.model import CARVED_PER_PORT, PORTS_PER_SIZE, SPANS, Model, Solved
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

MAX_SCENARIOS_PER_ROUND = 40
"""Scenarios made known per round (the worst shortfalls first)."""


@dataclass(frozen=True)
class Round:
    number: int
    known: int
    """Scenarios known (routed by cuts) in this round's program."""
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
        return {"round": self.number, "known_scenarios": self.known, "added": list(self.added), "status": self.status,
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
          progress: Progress | None = None, taken_config_keys: Mapping[str, set[str]] | None = None,
          assessment: capacity.Assessment | None = None) -> Result:
    """The cheapest changes that make every demand fit under the failure policy (see the module doc).

    `assessment`: the fabric's own, when the caller has it already (infra.workspace.load_fabric)."""
    say = progress or (lambda _: None)
    start, cpu0 = time.perf_counter(), time.process_time()

    def done(**kw) -> Result:
        return Result(seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu0,
                      prices_source=prices.source, **kw)

    on = on or dt.date.today()
    before = assessment if assessment is not None else capacity.assess(specs, carrier, on)
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
    site_bound = sum(bounds.values())
    sites_chosen = _merge(parts)
    say(f"each site alone: {len(bounds)} programs, {stats[0]:,} variables ({stats[1]:,} integer), HiGHS "
        f"{time.perf_counter() - t_sites:.1f} s; together {objective:+,.2f} USD/month, bound {site_bound:+,.2f}")
    rounds.append(Round(0, 0, (), "each site alone", objective, site_bound, _gap(objective, site_bound), stats[3],
                        0.0, *stats[:3]))
    has_offers = any(s.offers for s in space.spans.values())
    known: list[sc.Scenario] = [sc.BASELINE]
    """Scenarios every candidate must route: nothing failed, and each the analysis found a candidate short in."""
    cuts: list[routing.Cut] = []
    loads: dict[sc.Scenario, dict] = {}
    """Per known scenario, the loads of a routing found: a solution with room for them routes it."""
    involved: set[str] = set()
    reports: list[flows.FlowReport] = []

    def time_left() -> float:
        return time_limit - (time.perf_counter() - start)

    def benders(make: Callable[[], Model], fix: Callable[[Model], None] | None = None):
        """Solve, route every known scenario at the solution, add the cuts of those that do not route,
        until the solution routes them all: (model, solved), or (None, solved) when there is no solution."""
        recent: list[sc.Scenario] = []
        while True:
            model = make()
            if fix is not None:
                fix(model)
            solved = model.solve(time_left(), gap)
            if solved.x is None:
                return None, solved
            # The scenarios cut last time first: while one of them still does not route, the others wait.
            new = _cuts(model, solved.x, recent, loads)
            if not new:
                new = _cuts(model, solved.x, [s for s in known if s not in recent], loads)
            if not new:
                return model, solved
            recent = [c.scenario for c in new]
            cuts.extend(new)
            say(f"  {len(new)} routing cut(s): {', '.join(sorted({c.scenario.label for c in new})[:3])}"
                f"{' ...' if len(new) > 3 else ''} ({len(cuts)} in all); HiGHS {solved.seconds:.1f} s")
            if time_left() <= 0.5:
                return None, solved

    def analyse(chosen: Chosen, label: str, solved: Solved | None) -> tuple[Design, flows.FlowReport, list, list]:
        """The candidate's design through the failure analysis; what it finds short becomes known."""
        design = apply(space, specs, carrier, chosen, taken_config_keys)
        t0 = time.perf_counter()
        report = flows.analyse(design.specs, design.carrier, on)
        every = list(_short_scenarios(report, design))
        added = _to_add(every, known)
        n = len(rounds)
        labels = tuple(a.label for a in added)
        if solved is not None:
            rounds.append(_round(n, known, labels, solved, time.perf_counter() - t0))
        else:
            rounds.append(Round(n, len(known), labels, label, None, None, None, 0.0, time.perf_counter() - t0,
                                0, 0, 0))
        say(f"round {n} ({label}): " + (_progress(rounds[-1]) + "; " if solved is not None else "")
            + (f"the analysis finds {len(every)} scenario(s) short" if every else "the analysis confirms every scenario")
            + (f", adds {', '.join(labels[:3])}{' ...' if len(labels) > 3 else ''}" if labels else ""))
        known.extend(added)
        involved.update(_involved(report))
        reports.append(report)
        return design, report, every, added

    # 2. The sites' own optima with the cheapest span upgrades that route every known scenario with every
    #    site at its most (a relaxation too: its optimum bounds the spans' share). When the analysis confirms
    #    the result, it is optimal within the sum of the bounds.
    span_bound, span_objective = 0.0, 0.0
    spans_before = None
    while _within_regions(space, sites_chosen):
        # Nothing failed is known from the start, so the spans it needs are bought before the first analysis.
        model, solved = benders(lambda: Model(space, cuts, (), only=SPANS))
        if model is None:
            if solved.status == "infeasible":
                say("even with every site at its most, the carrier's spans cannot route every scenario")
                return infeasible()
            return out_of_time("no span design found")
        span_bound = solved.bound if solved.bound is not None else solved.objective
        span_objective = solved.objective
        chosen = _merge([sites_chosen, choose(model, solved.x)])
        if spans_before is not None and chosen.spans == spans_before:
            break  # the spans alone cannot mend what the analysis found: the sites must change too
        spans_before = chosen.spans
        design, report, short, added = analyse(
            chosen, "each site's own optimum" + (", the cheapest span upgrades" if has_offers else ""), None)
        if not short:
            total, lower = objective + span_objective, site_bound + span_bound
            return _finish(done, design, report, rounds, _gap(total, lower), lower, mine, untouched, space,
                           len(local) + len(known))
        if not added or not has_offers:
            break  # the spans cannot mend it (or what is short is known already): the sites must change
        if time_left() <= 0.5:
            return out_of_time("no design proven")
    lower = site_bound + span_bound

    # 3. The whole program (every site, the spans, regions, the routing cuts), with the bounds as cuts: first
    #    with only the sites the shortfalls involve free and the others at their own optimum (a restriction
    #    that finds a design quickly; its gap is taken against the bounds), then all of it if needed.
    free: set[str] = set(involved)
    while True:
        if time_left() <= 0.5:
            return out_of_time("no design proven")
        restricted = free != set(space.sites)

        def make() -> Model:
            return Model(space, cuts, local, site_bounds=bounds, span_bound=span_bound if has_offers else None)

        def hold(model: Model) -> None:
            for site in space.sites:
                if restricted and site not in free:
                    model.fix(site, sites_chosen)

        model, solved = benders(make, hold)
        if model is None:
            if restricted and solved.status == "infeasible":
                wider = free | involved | set().union(*(_involved(r, widely=True) for r in reports))
                free = wider if wider != free else set(space.sites)
                say(f"holding the other sites at their own optimum leaves no design; freeing {len(free)} site(s)")
                continue
            rounds.append(_round(len(rounds), known, (), solved, 0.0))
            say(_progress(rounds[-1]))
            if solved.status == "infeasible":
                return infeasible()
            return out_of_time(f"HiGHS found no design ({solved.status})")
        if not restricted and solved.bound is not None:
            lower = max(lower, solved.bound)
        label = f"the whole program, {len(free)} site(s) free" if restricted else "the whole program"
        design, report, short, added = analyse(choose(model, solved.x), label, solved)
        if short and not added:
            raise RuntimeError("the program's routing and the analysis disagree: the design routes "
                               + ", ".join(s.label for s in short[:3]) + " by the one and not by the other")
        free |= involved
        if not short:
            found_gap = _gap(solved.objective, lower)
            if found_gap <= gap or not restricted:
                return _finish(done, design, report, rounds, found_gap, lower, mine, untouched, space,
                               len(local) + len(known))
            say(f"{100 * found_gap:.2f}% above the bound; solving with every site free")
            free = set(space.sites)


SITE_GAP = 1e-4
"""Relative gap each site's own program is solved to (they are small)."""


def _cuts(model: Model, x, scenarios: Sequence[sc.Scenario], loads: dict) -> list[routing.Cut]:
    """The routing cut of each scenario that the solution `x` does not route (one known to fit is skipped)."""
    out = []
    for scenario in scenarios:
        if scenario in loads and routing.fits(model, x, scenario, loads[scenario]):
            continue
        _, cut, found = routing.check(model, x, scenario)
        if cut is None:
            loads[scenario] = found
        else:
            out.append(cut)
    return out


def _to_add(short: Sequence[sc.Scenario], known: Sequence[sc.Scenario]) -> list[sc.Scenario]:
    """The scenarios a round makes known: those found short and not known yet, the worst first, at most
    MAX_SCENARIOS_PER_ROUND of them."""
    return [s for s in short if s not in known][:MAX_SCENARIOS_PER_ROUND]


def _involved(report: flows.FlowReport, widely: bool = False) -> set[str]:
    """The sites a shortfall involves: those whose circuits or gateway it saturates (`widely`: also the two
    ends of each demand left short)."""
    out: set[str] = set()
    for d in report.unroutable:
        out |= {d.stack, d.to_stack}
    for sf in report.shortfalls:
        if widely:
            for d in sf.demands:
                out |= {d.stack, d.to_stack}
        for sat in sf.saturated:
            words = sat.resource.split()
            if words[0] == "circuit":
                out.add(words[1].split("/")[0])
            elif words[0] == "gateway":
                out.add(words[1])
    return out


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


def _finish(done, design: Design, report: flows.FlowReport, rounds, gap_value, bound, mine, untouched, space,
            scenarios) -> Result:
    """The design assessed in full, as infra.capacity.assess does, with the failure analysis the loop ran on
    it last (the same function on the same design): every rule the solver keeps must hold."""
    from infra.capacity import fabric as cross

    specs = design.specs
    problems = cross.prefix_overlaps(specs) + cross.references(specs)
    if problems:
        raise RuntimeError(f"the design has bad input: {problems[0].message}")
    found = [v for s in specs for v in capacity.stack_capacity(s)[1]]
    found += cross.global_reach(specs) + cross.circuit_limits(specs) + flows.violations(report)
    left_over = tuple(v for v in found if v.invariant in SOLVER_INVARIANTS)
    # The programs' bounds include a cent per change (the tie-break): never above the design's own cost.
    bound = min(bound, design.monthly_usd)
    return done(feasible_before=False, feasible_after=not left_over, status="solved", design=design,
                rounds=tuple(rounds), gap=gap_value, bound_usd=bound, before=mine, untouched=untouched,
                after=left_over, notes=space.notes, scenarios=scenarios)


def _short_scenarios(report: flows.FlowReport, design: Design) -> dict[sc.Scenario, set[str]]:
    """Each scenario the analysis finds short -> the destinations of the demands left short, worst first."""
    worst: dict[sc.Scenario, float] = {}
    dests: dict[sc.Scenario, set[str]] = {}
    if report.unroutable:
        worst[sc.BASELINE] = float("inf")
        dests[sc.BASELINE] = {d.to_stack for d in report.unroutable}
    for sf in report.shortfalls:
        s = sc.from_analysis(sf.failure, sf.second, design.where) if sf.failure is not None else sc.BASELINE
        worst[s] = max(worst.get(s, 0.0), sf.short_gbps)
        dests.setdefault(s, set()).update(d.to_stack for d in sf.demands)
    return {s: dests[s] for s in sorted(worst, key=lambda s: (-worst[s], s))}


def _round(n: int, known, added: tuple[str, ...], s: Solved, analysis: float) -> Round:
    return Round(n, len(known), added, s.status, s.objective, s.bound, s.gap, s.seconds, analysis, s.n_vars,
                 s.n_integer, s.n_rows)


def _progress(r: Round) -> str:
    head = (f"{r.known} scenario(s) known, {r.variables:,} variables "
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
    """Every option at its most, within Azure's circuit limits: existing circuits at the top of their
    ladder; as many new circuits as the site may still connect (16 per VNet and gateway, 10 per region: each
    site gets its region's whole room here), the largest on offer (carved from new Direct ports where those
    are larger), spread over the locations one at a time, 4 per location at most; the gateway that limits
    least; every span at its largest offer."""
    steps, provider, ports, room = {}, {}, {}, {}
    gateways = {}
    region_limit = catalog.CIRCUITS_PER_REGION_PER_SUBSCRIPTION.value
    for site, opts in space.sites.items():
        for c in opts.circuits:
            if c.steps:
                steps[(site, c.key)] = max(c.steps, key=lambda s: s.gbps)
        best = max(opts.gateways, key=lambda o: (o.fastpath, o.gbps * (o.max_units or 1), o.max_circuits, o.current))
        gateways[site] = (best, best.max_units if best.scalable else None)
        left = min(opts.max_circuits, best.max_circuits,
                   len(opts.circuits) + region_limit - space.region_existing.get(opts.region, 0)) - len(opts.circuits)
        # (location, its best new circuit: (Gb/s, port size or None, step)), largest first.
        offers = []
        for n in opts.new:
            top_provider = max(n.provider, key=lambda s: s.gbps, default=None)
            top_port = max(n.ports, key=lambda z: max(s.gbps for s in z.carved), default=None)
            carve = max(top_port.carved, key=lambda s: s.gbps) if top_port else None
            if carve is not None and (top_provider is None or carve.gbps >= top_provider.gbps):
                offers.append((carve.gbps, n, top_port.gbps, carve))
            elif top_provider is not None:
                offers.append((top_provider.gbps, n, None, top_provider))
        offers.sort(key=lambda t: (-t[0], t[1].location))
        taken: dict[str, int] = {}
        while left > 0 and offers:
            progressed = False
            for gbps, n, size, step in offers:
                if left <= 0:
                    break
                if taken.get(n.location, 0) >= min(n.room, CARVED_PER_PORT * PORTS_PER_SIZE if size else n.room):
                    continue
                taken[n.location] = taken.get(n.location, 0) + 1
                left -= 1
                progressed = True
                if size is None:
                    provider[(site, n.location)] = ((step, taken[n.location]),)
                else:
                    count = taken[n.location]
                    ports[(site, n.location, size)] = (-(-count // CARVED_PER_PORT), ((step, count),))
            if not progressed:
                break
        offered = {n.location for n in opts.new}
        for r in opts.port_rooms:
            if r.location not in offered and left > 0:
                top = max(r.carved, key=lambda s: s.gbps)
                free = r.gbps * catalog.DIRECT_OVERSUBSCRIPTION.value - sum(
                    c.max_gbps for c in opts.circuits if c.port == r.port)
                k = min(CARVED_PER_PORT, int(free // top.gbps), left)
                if k > 0:
                    room[(site, r.port)] = ((top, k),)
                    left -= k
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
            f"{site} with every option at its most (within Azure's circuit limits)"
            + (f" (saturated: {', '.join(limit[:6])})" if limit else ""),
            demands=tuple(x.label for x, _ in short), site=site, failure=when, needed_gbps=d.gbps, most_gbps=most,
            limit=limit)
    checked = capacity.assess(design.specs, design.carrier, on)
    counts = [v for v in checked.violations if v.invariant in ("circuits-per-region", "gateway-circuits")]
    if counts:
        v = counts[0]
        return Binding(
            "every demand fits with every option at its most, each site using its region's whole room, but the "
            "sites of one region cannot share it: " + "; ".join(f"{x.stack}: {x.message}" for x in counts[:3]),
            site=v.stack, limit=tuple(dict.fromkeys(x.invariant for x in counts)))
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
