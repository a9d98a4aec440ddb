"""The mixed-integer program: which options to take so that every demand fits, at the least monthly cost.

Decision variables (binary unless said): per circuit option and step, take that bandwidth (at most one
step each); per new Direct port, open it; per gateway option, choose it (exactly one per site), with the
ErGwScale units an integer; per span offer, take it (at most one per span).

Capacities are linear in them: a circuit carries its bandwidth today plus what the chosen step adds; a
gateway its SKU's throughput (ErGwScale: units x 1 Gb/s), or unboundedly with FastPath (a big-M term that
no demand reaches); a span its capacity plus what the chosen offer adds.

Constraints:

- the rules of the catalog a design must keep (the spec-level invariants of infra/capacity/network.py and
  fabric.py): at most 4 circuits per peering location per VNet, the gateway SKU's circuit limit and 16 per
  VNet (15 without a /26 GatewaySubnet), 10 per region per subscription, circuits on a Direct port within
  twice its size, a carved circuit only on an open port, gateway throughput covering the circuits unless
  FastPath, a second peering location where a site has one;
- site-local cut conditions for every scenario that touches a site's own circuits or gateway (its
  circuits out carry what it sends, its circuits in and its gateway what it receives): necessary, cheap,
  and what binds in most fabrics;
- for the scenarios generated so far (each failure, or nothing failed, that the analysis found a candidate
  short in), routing cuts (infra/solver/routing.py): Benders feasibility cuts from the multi-commodity
  flow over the carrier graph of infra/capacity/flows.py (circuit out, spans, circuit in, gateway), each
  valid for every design, added until the program's design routes every one of those scenarios.

Both sets are relaxations of "every scenario routes": the program's bound is a lower bound on the true
optimum, and a solution the analysis confirms is optimal within the gap HiGHS proves.

Objective: the monthly cost of the changes, plus a cent per change so that among equal costs the design
with fewer changes wins. A change that would lower the bill (a cheaper gateway that carries more) counts
as free, never as a saving: the solver changes what the demands need, not what merely costs less.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from infra import catalog
from infra.solver.options import CircuitOption, GatewayOption, OptionSpace
from infra.solver.scenarios import Scenario

CHANGE_USD = 0.01
"""Added per change so that, among designs of equal cost, the one with fewer changes wins."""
MARGIN = 0.0
"""Margin on every demand. None: a demand that fills a capacity exactly fits, as the analysis says (it
reports a shortfall above 1e-6 Gb/s only), and HiGHS's feasibility tolerance (1e-7) is below that."""


class Lin:
    """A linear expression: constant + sum of coefficient x variable."""

    __slots__ = ("const", "terms")

    def __init__(self, const: float = 0.0, terms: dict[int, float] | None = None):
        self.const = const
        self.terms = terms if terms is not None else {}

    def add(self, other: Lin, scale: float = 1.0) -> Lin:
        self.const += scale * other.const
        for k, v in other.terms.items():
            self.terms[k] = self.terms.get(k, 0.0) + scale * v
        return self

    def scaled(self, scale: float) -> Lin:
        return Lin(self.const * scale, {k: v * scale for k, v in self.terms.items()})

    @property
    def zero(self) -> bool:
        return self.const <= 0 and not self.terms


@dataclass
class Program:
    """Variables and rows for scipy.optimize.milp, built incrementally."""

    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    row_lo: list[np.ndarray] = field(default_factory=list)
    row_hi: list[np.ndarray] = field(default_factory=list)
    n_rows: int = 0
    n_vars: int = 0
    contradiction: bool = False
    """A row without variables that does not hold (e.g. a routing cut no option can touch)."""

    def var(self, lb: float = 0.0, ub: float = 1.0, cost: float = 0.0, integer: bool = True) -> int:
        self.lb.append(lb); self.ub.append(ub); self.cost.append(cost); self.integer.append(1 if integer else 0)
        self.n_vars += 1
        return self.n_vars - 1

    def row(self, expr: Lin, lo: float = -math.inf, hi: float = math.inf) -> None:
        """lo <= expr <= hi (the expression's constant moves to the bounds)."""
        if not expr.terms:
            if not lo - 1e-9 <= expr.const <= hi + 1e-9:
                self.contradiction = True
            return
        keys = np.fromiter(expr.terms.keys(), dtype=np.int64, count=len(expr.terms))
        vals = np.fromiter(expr.terms.values(), dtype=float, count=len(expr.terms))
        self.block(np.zeros(len(keys), dtype=np.int64), keys, vals, np.array([lo - expr.const]),
                   np.array([hi - expr.const]))

    def block(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Rows numbered from 0 within the block."""
        self.rows.append(rows + self.n_rows); self.cols.append(cols); self.vals.append(vals)
        self.row_lo.append(lo); self.row_hi.append(hi)
        self.n_rows += len(lo)


@dataclass
class Variables:
    """Where each decision lives in the program."""

    steps: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    """(site, existing circuit) -> [(step index, binary)]."""
    provider: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    """(site, location) -> [(step index, how many new provider circuits of that bandwidth)]."""
    ports: dict[tuple[str, str, int], int] = field(default_factory=dict)
    """(site, location, port size) -> how many new Direct ports."""
    carved: dict[tuple[str, str, int], list[tuple[int, int]]] = field(default_factory=dict)
    """(site, location, port size) -> [(step index, how many circuits carved from the new ports)]."""
    room: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    """(site, existing port) -> [(step index, how many more circuits carved from it)]."""
    largest: dict[tuple[str, str], int] = field(default_factory=dict)
    """(site, Metro location) -> the bandwidth of its largest circuit there (continuous)."""
    gateways: dict[str, list[tuple[GatewayOption, int, int | None]]] = field(default_factory=dict)
    """site -> [(option, choice binary, units integer or None)]."""
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """span -> [(offer index, binary)]."""


@dataclass(frozen=True)
class Solved:
    status: str
    """'optimal', 'time limit' (a solution, gap above the target), 'infeasible', 'no solution in time'."""
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    n_vars: int
    n_integer: int
    n_rows: int
    nodes: int | None


SPANS = "(spans)"
"""`Model(only=SPANS)`: the carrier's spans alone, every site at its most."""
CARVED_PER_PORT = 2
"""Circuits carved from one port: two of the port's size reach its 2x limit, so more never help."""
PORTS_PER_SIZE = 2
"""New Direct ports of one size a site may open at one location."""


class Model:
    """The program for one option space, a set of scenarios routed exactly, and the local scenarios."""

    def __init__(self, space: OptionSpace, cuts: Sequence, local: Iterable[Scenario],
                 only: str | None = None, site_bounds: dict[str, float] | None = None,
                 span_bound: float | None = None):
        """`cuts`: the routing cuts found so far (infra/solver/routing.py). `only`: a site's name for the
        program of that site alone (its options, rules and local cuts; no routing, no spans), or SPANS for the
        carrier's spans alone (every site at its most, with the routing cuts): relaxations whose optima bound
        that share of any design's cost from below.
        `site_bounds`, `span_bound`: such bounds, added as valid cuts on the shares of the objective."""
        self.space = space
        self.mode = "full" if only is None else "spans" if only == SPANS else "site"
        self.sites = {} if self.mode == "spans" else {only: space.sites[only]} if only is not None else dict(space.sites)
        self.p = Program()
        self.v = Variables()
        self.owner: dict[int, str] = {}
        self._cap_cache: dict[tuple[str, str], Lin] = {}
        self._design()
        self._rules()
        for sc in local if self.mode != "spans" else ():
            self._local_cuts(sc)
        if self.mode != "site":
            for cut in cuts:  # routing.Cut: valid for every design
                self.p.row(cut.lhs(self), lo=cut.rhs)
        for site, bound in (site_bounds or {}).items():
            self.p.row(self.site_cost(site), lo=bound)
        if span_bound is not None and self.v.spans:
            self.p.row(self.site_cost(SPANS), lo=span_bound)

    def site_cost(self, site: str) -> Lin:
        """The site's share of the objective (its circuits, ports and gateway); SPANS: the spans' share."""
        return Lin(0.0, {x: self.p.cost[x] for x, s in self.owner.items() if s == site and self.p.cost[x]})

    def fix(self, site: str, chosen) -> None:
        """Hold a site at a design (design.Chosen): its variables' bounds become their values there."""
        v, p = self.v, self.p

        def hold(var: int, value: float) -> None:
            p.lb[var] = p.ub[var] = float(value)

        opts = self.sites[site]
        for c in opts.circuits:
            step = chosen.steps.get((site, c.key))
            for k, x in v.steps[(site, c.key)]:
                hold(x, 1.0 if step is not None and c.steps[k] == step else 0.0)
        for n in opts.new:
            got = dict(chosen.provider.get((site, n.location), ()))
            for k, x in v.provider[(site, n.location)]:
                hold(x, got.get(n.provider[k], 0))
            for size in n.ports:
                key = (site, n.location, size.gbps)
                count, carved = chosen.ports.get(key, (0, ()))
                hold(v.ports[key], count)
                got = dict(carved)
                for k, x in v.carved[key]:
                    hold(x, got.get(size.carved[k], 0))
        for r in opts.port_rooms:
            got = dict(chosen.room.get((site, r.port), ()))
            for k, x in v.room[(site, r.port)]:
                hold(x, got.get(r.carved[k], 0))
        option, units = chosen.gateways[site]
        for o, g, u in v.gateways[site]:
            hold(g, 1.0 if o == option else 0.0)
            if u is not None:
                hold(u, units if o == option else 0.0)

    # ------------------------------------------------------------------------------------ design

    def _design(self) -> None:
        p, v = self.p, self.v
        for site, opts in self.sites.items():
            first = p.n_vars
            for c in opts.circuits:
                vs = [(k, p.var(cost=step.monthly_usd + CHANGE_USD)) for k, step in enumerate(c.steps)]
                v.steps[(site, c.key)] = vs
                if len(vs) > 1:
                    p.row(Lin(0.0, {x: 1.0 for _, x in vs}), hi=1.0)
            for n in opts.new:
                v.provider[(site, n.location)] = [
                    (k, p.var(ub=float(n.room), cost=step.monthly_usd + CHANGE_USD)) for k, step in enumerate(n.provider)]
                for size in n.ports:
                    key = (site, n.location, size.gbps)
                    v.ports[key] = p.var(ub=float(min(PORTS_PER_SIZE, n.room)), cost=size.monthly_usd + CHANGE_USD)
                    v.carved[key] = [(k, p.var(ub=float(min(n.room, CARVED_PER_PORT * PORTS_PER_SIZE)),
                                               cost=step.monthly_usd + CHANGE_USD)) for k, step in enumerate(size.carved)]
            for r in opts.port_rooms:
                v.room[(site, r.port)] = [(k, p.var(ub=float(CARVED_PER_PORT), cost=step.monthly_usd + CHANGE_USD))
                                          for k, step in enumerate(r.carved)]
            for loc in opts.locations():
                if opts.is_metro(loc):
                    v.largest[(site, loc)] = p.var(ub=math.inf, integer=False)
            gws = []
            # Costs relative to the gateway of today (exactly one option is chosen), so the objective is the
            # change in monthly cost and HiGHS's relative gap is a gap on that. A gateway that would cost less
            # than today's counts as free: the solver changes nothing for a saving alone (a gateway change is
            # an outage, or at least a risk), only for what the demands need.
            now = opts.current_gateway_usd
            for o in opts.gateways:
                step = 0.0 if o.current else CHANGE_USD
                if o.scalable:
                    g = p.var(cost=step)
                    u = p.var(lb=0.0, ub=float(o.max_units), cost=0.0)
                    extra = p.var(lb=0.0, ub=math.inf, cost=1.0, integer=False)  # >= units x price - today's
                    p.row(Lin(0.0, {u: 1.0, g: -float(o.max_units)}), hi=0.0)
                    p.row(Lin(0.0, {u: 1.0, g: -float(o.min_units)}), lo=0.0)
                    p.row(Lin(0.0, {extra: 1.0, u: -o.monthly_usd, g: now}), lo=0.0)
                    gws.append((o, g, u))
                else:
                    gws.append((o, p.var(cost=max(0.0, o.monthly_usd - now) + step), None))
            v.gateways[site] = gws
            p.row(Lin(0.0, {g: 1.0 for _, g, _ in gws}), lo=1.0, hi=1.0)
            self.owner.update({x: site for x in range(first, p.n_vars)})
        for name, s in (self.space.spans.items() if self.mode != "site" else ()):
            vs = [(k, p.var(cost=max(0.0, o.delta_usd) + CHANGE_USD)) for k, o in enumerate(s.offers)]
            self.owner.update({x: SPANS for _, x in vs})
            v.spans[name] = vs
            if len(vs) > 1:
                p.row(Lin(0.0, {x: 1.0 for _, x in vs}), hi=1.0)

    def cap(self, c: CircuitOption) -> Lin:
        base = c.current_gbps
        return Lin(base, {x: c.steps[k].gbps - base for k, x in self.v.steps[(c.site, c.key)]})

    def _new_terms(self, site: str, location: str) -> list[tuple[int, float]]:
        """(count variable, Gb/s per circuit) of every new circuit the site may add at the location."""
        out = []
        opts = self.space.sites[site]
        for n in opts.new:
            if n.location != location:
                continue
            out += [(x, n.provider[k].gbps) for k, x in self.v.provider[(site, location)]]
            for size in n.ports:
                out += [(x, size.carved[k].gbps) for k, x in self.v.carved[(site, location, size.gbps)]]
        for r in opts.port_rooms:
            if r.location == location:
                out += [(x, r.carved[k].gbps) for k, x in self.v.room[(site, r.port)]]
        return out

    def cap_at(self, site: str, location: str) -> Lin:
        """Everything the site has at a location: its circuits there and the new ones (a site without
        variables here: the most it can have there). A new expression each call (callers change it)."""
        key = (site, location)
        if key not in self._cap_cache:
            self._cap_cache[key] = self._cap_at(site, location)
        cached = self._cap_cache[key]
        return Lin(cached.const, dict(cached.terms))

    def _cap_at(self, site: str, location: str) -> Lin:
        if site not in self.sites:
            return Lin(most_at(self.space.sites[site], location)[0])
        out = Lin()
        for c in self.space.sites[site].circuits:
            if c.location == location:
                out.add(self.cap(c))
        for x, gbps in self._new_terms(site, location):
            out.terms[x] = out.terms.get(x, 0.0) + gbps
        return out

    def new_count_at(self, site: str, location: str) -> Lin:
        return Lin(0.0, {x: 1.0 for x, _ in self._new_terms(site, location)})

    def gateway(self, site: str, halved: bool = False) -> Lin:
        """Gateway capacity; FastPath as a big-M that stays above every demand into the site when halved."""
        big = 4.0 * (1.0 + sum(d.gbps for d in self.space.demands if d.to_stack == site))
        if site not in self.sites:
            most = max((big if o.fastpath else o.gbps * (o.max_units if o.scalable else 1))
                       for o in self.space.sites[site].gateways)
            return Lin(most * (0.5 if halved else 1.0))
        out = Lin()
        for o, g, u in self.v.gateways[site]:
            if o.fastpath:
                out.terms[g] = out.terms.get(g, 0.0) + big
            elif o.scalable:
                assert u is not None
                out.terms[u] = out.terms.get(u, 0.0) + o.gbps
            else:
                out.terms[g] = out.terms.get(g, 0.0) + o.gbps
        return out.scaled(0.5) if halved else out

    def span(self, name: str) -> Lin:
        s = self.space.spans[name]
        return Lin(s.gbps, {x: s.offers[k].gbps - s.gbps for k, x in self.v.spans[name]})

    # ------------------------------------------------------------------------------------ catalog rules

    def _rules(self) -> None:
        p, v = self.p, self.v
        limit_location = catalog.CIRCUITS_PER_PEERING_LOCATION_PER_VNET.value
        region_new: dict[str, Lin] = defaultdict(Lin)
        for site, opts in self.sites.items():
            count = Lin(float(len(opts.circuits)))
            for loc in opts.locations():
                here = self.new_count_at(site, loc)
                p.row(here, hi=float(limit_location - opts.existing_per_location.get(loc, 0)))
                count.add(here)
            # Circuits carved from new ports: two per port; from an existing port: within twice its size.
            for n in opts.new:
                for size in n.ports:
                    key = (site, n.location, size.gbps)
                    row = Lin(0.0, {x: 1.0 for _, x in v.carved[key]})
                    row.terms[v.ports[key]] = -float(CARVED_PER_PORT)
                    p.row(row, hi=0.0)
            for r in opts.port_rooms:
                total = Lin()
                for c in opts.circuits:
                    if c.port == r.port:
                        total.add(self.cap(c))
                for k, x in v.room[(site, r.port)]:
                    total.terms[x] = r.carved[k].gbps
                p.row(total, hi=float(r.gbps * catalog.DIRECT_OVERSUBSCRIPTION.value))
            # Circuits per VNet and per gateway SKU, per region.
            p.row(count, hi=float(opts.max_circuits))
            by_gateway = Lin().add(count)
            for o, g, _ in v.gateways[site]:
                by_gateway.terms[g] = by_gateway.terms.get(g, 0.0) - o.max_circuits
            p.row(by_gateway, hi=0.0)
            region_new[opts.region].add(count).add(Lin(-float(len(opts.circuits))))
            # Gateway throughput covers the circuits unless FastPath.
            circuits = Lin()
            for loc in opts.locations():
                circuits.add(self.cap_at(site, loc))
            big = sum(c.max_gbps for c in opts.circuits) + sum(
                n.room * max([s.gbps for s in n.provider] + [s.gbps for z in n.ports for s in z.carved])
                for n in opts.new) + sum(CARVED_PER_PORT * max(s.gbps for s in r.carved) for r in opts.port_rooms) + 1.0
            gw = self.gateway(site)
            for o, g, _ in v.gateways[site]:
                if o.fastpath:
                    gw.terms[g] = big
            p.row(circuits.add(gw, -1.0), hi=0.0)
            # Redundancy: a site at one location gains a second one (or a Metro location).
            if opts.single_location:
                here = {c.location for c in opts.circuits}
                other = Lin()
                for loc in opts.locations():
                    if loc not in here or opts.is_metro(loc):
                        other.add(self.new_count_at(site, loc))
                p.row(other, lo=1.0)
            # The largest circuit at a Metro location: at least each circuit there (the program keeps it least).
            for (s, loc), lam in v.largest.items():
                if s != site:
                    continue
                for c in opts.circuits:
                    if c.location == loc:
                        p.row(Lin(0.0, {lam: 1.0}).add(self.cap(c), -1.0), lo=0.0)
                for x, gbps in self._new_terms(site, loc):
                    on = p.var()  # 1 when at least one circuit of this kind is added here
                    p.row(Lin(0.0, {x: 1.0, on: -float(limit_location)}), hi=0.0)
                    p.row(Lin(0.0, {lam: 1.0, on: -gbps}), lo=0.0)
        limit_region = catalog.CIRCUITS_PER_REGION_PER_SUBSCRIPTION.value
        for region, expr in region_new.items():
            p.row(expr, hi=float(limit_region - self.space.region_existing[region]))

    # ------------------------------------------------------------------------------------ scenarios

    def _demand(self, scenario: Scenario) -> list:
        return [d for d in self.space.demands if d.critical or not scenario.critical_only]

    def _alive_at(self, scenario: Scenario, site: str, location: str) -> Lin | None:
        """What the site keeps at a location in the scenario (None: nothing)."""
        opts = self.space.sites[site]
        effect = scenario.effect(site, location, opts.pop(location), opts.is_metro(location))
        if effect == "all":
            return None
        cap = self.cap_at(site, location)
        if effect == "largest":
            if site in self.sites:
                cap.terms[self.v.largest[(site, location)]] = -1.0
            else:
                cap.const -= most_at(opts, location)[1]
        return cap

    def _circuit_caps(self, scenario: Scenario) -> dict[tuple[str, str], Lin]:
        """(site, PoP) -> the capacity of the site's circuits there that survive."""
        out: dict[tuple[str, str], Lin] = {}
        for site, opts in self.space.sites.items():
            for loc in opts.locations():
                alive = self._alive_at(scenario, site, loc)
                if alive is not None:
                    out.setdefault((site, opts.pop(loc)), Lin()).add(alive)
        return out

    def _local_cuts(self, scenario: Scenario) -> None:
        demands = self._demand(scenario)
        out_need: dict[str, float] = defaultdict(float)
        in_need: dict[str, float] = defaultdict(float)
        for d in demands:
            out_need[d.stack] += d.gbps
            in_need[d.to_stack] += d.gbps
        for site, opts in self.sites.items():
            touched = not scenario.failures or scenario.halves_gateway(site) or any(
                scenario.effect(site, loc, opts.pop(loc), opts.is_metro(loc)) for loc in opts.locations())
            if not touched:
                continue
            alive = Lin()
            for loc in opts.locations():
                cap = self._alive_at(scenario, site, loc)
                if cap is not None:
                    alive.add(cap)
            for need in (out_need.get(site, 0.0), in_need.get(site, 0.0)):
                if need > 0:
                    self.p.row(alive, lo=_rate(need))
            if in_need.get(site, 0.0) > 0:
                self.p.row(self.gateway(site, scenario.halves_gateway(site)), lo=_rate(in_need[site]))

    # ------------------------------------------------------------------------------------ solving

    def solve(self, time_limit: float, gap: float) -> Solved:
        from scipy.optimize import LinearConstraint, milp
        from scipy.sparse import csr_matrix

        p = self.p
        n_int = int(sum(p.integer))
        if p.contradiction:
            return Solved("infeasible", None, None, None, None, 0.0, p.n_vars, n_int, p.n_rows, 0)
        if p.n_vars == 0:  # nothing to choose, and nothing contradicted
            return Solved("optimal", np.zeros(0), 0.0, 0.0, 0.0, 0.0, 0, 0, p.n_rows, 0)
        if not p.rows:  # nothing to choose under no constraint: keep everything as it is
            p.block(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0))
        a = csr_matrix((np.concatenate(p.vals), (np.concatenate(p.rows), np.concatenate(p.cols))),
                       shape=(p.n_rows, p.n_vars))
        start = time.perf_counter()
        with _stdout_to_stderr():
            res = milp(
                np.array(p.cost), integrality=np.array(p.integer), bounds=(np.array(p.lb), np.array(p.ub)),
                constraints=LinearConstraint(a, np.concatenate(p.row_lo), np.concatenate(p.row_hi)),
                options={"time_limit": max(1.0, time_limit), "mip_rel_gap": gap, "presolve": True, "disp": False},
            )
        seconds = time.perf_counter() - start
        bound = getattr(res, "mip_dual_bound", None)
        nodes = getattr(res, "mip_node_count", None)
        if res.status == 2:
            return Solved("infeasible", None, None, None, None, seconds, p.n_vars, n_int, p.n_rows, nodes)
        if res.x is None:
            status = "no solution in time" if res.status == 1 else f"solver stopped: {res.message}"
            return Solved(status, None, None, bound, None, seconds, p.n_vars, n_int, p.n_rows, nodes)
        objective = float(res.fun)
        gap_now = getattr(res, "mip_gap", None)
        if gap_now is None and bound is not None:
            gap_now = abs(objective - bound) / max(1.0, abs(objective))
        status = "optimal" if res.status == 0 else "time limit"
        return Solved(status, np.asarray(res.x), objective, bound, gap_now, seconds, p.n_vars, n_int, p.n_rows, nodes)


@contextlib.contextmanager
def _stdout_to_stderr():
    """HiGHS (1.x, as scipy bundles it) prints some internal messages on the process's stdout even with
    disp off ('HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();'); stdout carries
    `fabric solve --format json`, so file descriptor 1 points at stderr while it runs."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real file descriptor (captured output): nothing to guard
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def most_at(opts, location: str) -> tuple[float, float]:
    """The most a site can have at a location (every circuit there at the top of its ladder, the rest of the
    4 filled with the largest new circuits), and the largest single circuit among them."""
    tops = [c.max_gbps for c in opts.circuits if c.location == location]
    largest_new = 0.0
    for n in opts.new:
        if n.location == location:
            largest_new = max([largest_new, *(s.gbps for s in n.provider), *(s.gbps for z in n.ports for s in z.carved)])
            tops += [largest_new] * n.room
    for r in opts.port_rooms:
        if r.location == location:
            tops += [max(s.gbps for s in r.carved)] * CARVED_PER_PORT
    return float(sum(tops)), float(max(tops, default=0.0))


def _rate(gbps: float) -> float:
    return gbps * (1 + MARGIN) + MARGIN


__all__ = ["CHANGE_USD", "Lin", "Model", "Program", "Solved", "Variables"]
