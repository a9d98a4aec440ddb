"""Routing in one scenario, as Benders cuts: what the program must give the carrier graph so that it routes.

The graph is the analysis's own (infra/capacity/flows.py): per site a source, a gate and a sink; a site's
circuits at a PoP as one arc out (source -> PoP) and one in (PoP -> gate), each their bandwidth together;
each span both ways; the gateway (gate -> sink), unbounded with FastPath. A scenario takes what it fails.

For a candidate design (the capacities c of the program's solution), the routing program is the linear
program "route every demand carried in the scenario, per destination, with as little left unrouted as
possible" (scipy's HiGHS, `linprog`). Its optimum V(c) is convex in the capacities, and its duals
(lambda <= 0 on each capacity row) are a subgradient, so for every design

    V(c') >= V(c) + sum_a lambda_a (c'_a - c_a),

and a design routes only if V(c') <= 0: hence the cut

    sum_a (-lambda_a) c'_a  >=  V(c) + sum_a (-lambda_a) c_a,

linear in the program's variables (c'_a is each arc's capacity expression in the scenario). It is valid for
every design, so the program stays a relaxation and its bound a lower bound (the classical Benders
feasibility cut of network design; metric inequalities). A cut holds only a few arcs (those the routing
saturates), so the program stays small where a multi-commodity flow per scenario would grow by every
commodity on every arc (tens of thousands of variables per scenario for 50 sites).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from infra.solver.model import MARGIN, Lin, Model
from infra.solver.scenarios import Scenario

ArcKey = tuple[str, ...]
"""('out', site, PoP), ('in', site, PoP), ('span', name, 'az' | 'za'), ('gw', site)."""

TOLERANCE = 1e-6
"""Gb/s left unrouted below which a scenario routes (the analysis's EPS)."""


@dataclass(frozen=True)
class Cut:
    scenario: Scenario
    coefficients: tuple[tuple[ArcKey, float], ...]
    rhs: float

    def lhs(self, model: Model) -> Lin:
        """The cut's left-hand side in a program (its arcs' capacity expressions in the scenario)."""
        caps = arcs(model, self.scenario)
        out = Lin()
        for key, coef in self.coefficients:
            cap = caps.get(key)
            if cap is not None:
                out.add(cap, coef)
        return out


def arcs(model: Model, scenario: Scenario) -> dict[ArcKey, Lin]:
    """Each arc alive in the scenario and its capacity expression in the program."""
    out: dict[ArcKey, Lin] = {}
    for (site, pop), cap in model._circuit_caps(scenario).items():
        if not cap.zero:
            out[("out", site, pop)] = cap
            out[("in", site, pop)] = cap
    dead = scenario.dead_spans(model.space)
    for name in model.space.spans:
        if name not in dead:
            cap = model.span(name)
            if not cap.zero:
                out[("span", name, "az")] = cap
                out[("span", name, "za")] = cap
    for site in model.space.sites:
        out[("gw", site)] = model.gateway(site, scenario.halves_gateway(site))
    return out


def value(expr: Lin, x: np.ndarray) -> float:
    return expr.const + sum(c * float(x[k]) for k, c in expr.terms.items())


def fits(model: Model, x: np.ndarray, scenario: Scenario, loads: dict[ArcKey, float]) -> bool:
    """Whether a routing found before (its load per arc) still fits the capacities of the solution `x`: then
    the scenario routes, with no program to solve."""
    caps = arcs(model, scenario)
    return all(k in caps and value(caps[k], x) >= load - 1e-9 for k, load in loads.items())


def check(model: Model, x: np.ndarray, scenario: Scenario) -> tuple[float, Cut | None, dict[ArcKey, float]]:
    """Route the scenario within the capacities of the solution `x`: (Gb/s left unrouted, the cut when some
    is, the load per arc of the routing found)."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    space = model.space
    demands = [d for d in space.demands if d.critical or not scenario.critical_only]
    if not demands:
        return 0.0, None, {}
    caps = arcs(model, scenario)
    keys = list(caps)
    cap = np.array([max(0.0, value(caps[k], x)) for k in keys])
    node: dict[tuple, int] = {("pop", p): i for i, p in enumerate(space.pops)}
    for s in space.sites:
        node[("src", s)] = len(node)
        node[("gate", s)] = len(node)
    tail: list[int] = []
    head: list[int | None] = []
    """Each arc's two nodes; a gateway's arc ends at its site's sink, which is no node (flow leaves there)."""
    for k in keys:
        if k[0] == "out":
            tail.append(node[("src", k[1])]); head.append(node[("pop", k[2])])
        elif k[0] == "in":
            tail.append(node[("pop", k[2])]); head.append(node[("gate", k[1])])
        elif k[0] == "span":
            s = space.spans[k[1]]
            a, z = (s.a, s.z) if k[2] == "az" else (s.z, s.a)
            tail.append(node[("pop", a)]); head.append(node[("pop", z)])
        else:
            tail.append(node[("gate", k[1])]); head.append(None)
    rate: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for d in demands:
        rate[d.to_stack][d.stack] += d.gbps
    n_nodes = len(node)
    rows, cols, vals, b_eq = [], [], [], []
    arc_of_col: list[int] = []
    slack_rows: list[int] = []
    spans_idx = [a for a, k in enumerate(keys) if k[0] == "span"]
    by_site: dict[tuple[str, str], list[int]] = defaultdict(list)
    for a, k in enumerate(keys):
        if k[0] != "span":
            by_site[(k[0], k[1])].append(a)
    for i, (t, sources) in enumerate(sorted(rate.items())):
        row0 = i * n_nodes  # one flow-conservation row per node, per destination
        allowed = spans_idx + by_site[("in", t)] + by_site[("gw", t)]
        for src in sources:
            allowed = allowed + by_site[("out", src)]
        for a in allowed:
            col = len(arc_of_col)
            arc_of_col.append(a)
            rows.append(row0 + tail[a]); cols.append(col); vals.append(1.0)
            if head[a] is not None:
                rows.append(row0 + head[a]); cols.append(col); vals.append(-1.0)
        supply = np.zeros(n_nodes)
        for s, r in sources.items():
            supply[node[("src", s)]] = r * (1 + MARGIN) + MARGIN
            slack_rows.append(row0 + node[("src", s)])
        b_eq.append(supply)
    n_flow = len(arc_of_col)
    for j, r in enumerate(slack_rows):
        rows.append(r); cols.append(n_flow + j); vals.append(1.0)
    n_var = n_flow + len(slack_rows)
    a_eq = csr_matrix((vals, (rows, cols)), shape=(len(rate) * n_nodes, n_var))
    arc_of_col_a = np.array(arc_of_col, dtype=np.int64)
    used_arcs, row_of_col = np.unique(arc_of_col_a, return_inverse=True)  # one capacity row per arc used
    a_ub = csr_matrix((np.ones(n_flow), (row_of_col, np.arange(n_flow))), shape=(len(used_arcs), n_var))
    c = np.concatenate([np.zeros(n_flow), np.ones(len(slack_rows))])
    res = linprog(c, A_ub=a_ub, b_ub=cap[used_arcs], A_eq=a_eq, b_eq=np.concatenate(b_eq), bounds=(0, None),
                  method="highs")
    if res.status != 0:
        raise RuntimeError(f"the routing program did not solve: {res.message}")
    short = float(res.fun)
    load = np.bincount(arc_of_col_a, weights=res.x[:n_flow], minlength=len(keys))
    loads = {keys[a]: float(load[a]) for a in np.nonzero(load > 1e-9)[0].tolist()}
    if short <= TOLERANCE:
        return short, None, loads
    lam = np.asarray(res.ineqlin.marginals)  # <= 0: what one more Gb/s on the arc saves
    coefficients, rhs = [], short
    for i, a in enumerate(used_arcs.tolist()):
        mu = -float(lam[i])
        if mu > 1e-9:
            coefficients.append((keys[a], mu))
            rhs += mu * cap[a]
    return short, Cut(scenario, tuple(coefficients), rhs), loads


__all__ = ["ArcKey", "Cut", "arcs", "check", "fits", "value"]
