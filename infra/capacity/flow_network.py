"""The fabric as arcs and nodes, with the two exact tools the analysis rests on: a linear program and max-flow.

Nodes: the carrier's PoPs, and per site a source (its VNet sending), a gate (behind its circuits) and a
sink (its VNet receiving). Arcs: a circuit's ``out`` (source -> PoP) and ``in`` (PoP -> gate), a span's
two directions, the gateway (gate -> sink). Two arcs never join the same two nodes: a second arc
between them (two spans between one pair of PoPs, two circuits of a site at one location) goes through
a node of its own and an unbounded ``via`` arc, so shortest-path and max-flow routines of
scipy.sparse.csgraph, which see one entry per pair of nodes, see every arc.

The linear program (scipy's HiGHS through ``linprog``) routes a set of site pairs within given
capacities, minimising the rate left unrouted, and returns the capacity duals: the certificate that
makes a shortfall exact (see infra.capacity.rerouting).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from infra.capacity.flows import DemandEdge, FabricGraph, Failure

OUT, IN, SPAN, GATEWAY, VIA = 0, 1, 2, 3, 4
"""Arc kinds: circuit out of a site, circuit into a site, span direction, gateway, link to a node of its own."""

EPS = 1e-6
"""Gb/s below which a shortfall is rounding, not a shortfall."""

HOP = 1e-3
"""Shortest-path weight of a circuit, gateway or via arc; a span weighs 1 + its latency in ms, so routes
are chosen by latency, then by fewer arcs."""

_MBPS = 1000
"""scipy's max-flow works in integers: capacities in Mb/s (rounded down)."""
_INT_INF = 2_000_000_000


@dataclass
class LpSolution:
    """What the linear program found for a set of pairs within given capacities."""

    short: float
    """Rate left unrouted, the least possible for these pairs and capacities."""
    unrouted: np.ndarray
    """Per pair of the network (0 outside the set)."""
    load: np.ndarray
    """Per arc, what the program's routing puts on it."""
    price: np.ndarray
    """Per arc, the capacity's dual price (>= 0; > 0: the capacity limits the routing)."""
    commodities: list[tuple[list[int], np.ndarray, np.ndarray]]
    """Per commodity: its pairs, the arcs it uses and the flow on each."""
    paths: list[tuple[int, np.ndarray, float]] | None = None
    """The routing as paths per pair, when the program was solved over paths (column generation)."""


class FlowNetwork:
    """Nodes, arcs and capacities of the fabric, and the site pairs with the rate each must carry."""

    def __init__(self, g: FabricGraph, demands: Sequence[DemandEdge] | None = None):
        self.g = g
        demands = g.demands if demands is None else demands
        self.node: dict[tuple, int] = {}
        for pop in g.pops:
            self._node(("pop", pop))
        self.n_pops = len(self.node)
        for s in g.sites:
            self._node(("src", s)); self._node(("gate", s)); self._node(("sink", s))
        self._tails: list[int] = []; self._heads: list[int] = []; self._caps: list[float] = []
        self._weights: list[float] = []; self._costs: list[float] = []; self._kinds: list[int] = []
        self.labels: list[str] = []
        self._between: dict[tuple[int, int], int] = {}
        self.out_arc: dict[tuple[str, str], int] = {}
        self.in_arc: dict[tuple[str, str], int] = {}
        self.circuit_pop: dict[int, int] = {}
        """Circuit arc -> the PoP node it meets."""
        for key, c in g.circuits.items():
            pop = ("pop", g.pop_of(c.location))
            self.out_arc[key] = self._arc(("src", key[0]), pop, c.gbps, OUT, f"circuit {key[0]}/{key[1]} (out)")
            self.in_arc[key] = self._arc(pop, ("gate", key[0]), c.gbps, IN, f"circuit {key[0]}/{key[1]} (in)")
            self.circuit_pop[self.out_arc[key]] = self.circuit_pop[self.in_arc[key]] = self.node[pop]
        self.span_arcs: dict[str, tuple[int, int]] = {}
        for name, s in g.spans.items():
            lat = s.latency_ms
            self.span_arcs[name] = (
                self._arc(("pop", s.a), ("pop", s.z), s.gbps, SPAN, f"span {name} ({s.a}->{s.z})", lat),
                self._arc(("pop", s.z), ("pop", s.a), s.gbps, SPAN, f"span {name} ({s.z}->{s.a})", lat),
            )
        self.gw_arc: dict[str, int] = {}
        for s, site in g.sites.items():
            cap = math.inf if site.fastpath else site.gateway_gbps
            self.gw_arc[s] = self._arc(("gate", s), ("sink", s), cap, GATEWAY, f"gateway {s}")
        self.tail = np.array(self._tails, dtype=np.int64)
        self.head = np.array(self._heads, dtype=np.int64)
        self.cap = np.array(self._caps, dtype=float)
        self.weight = np.array(self._weights, dtype=float)
        self.cost = np.array(self._costs, dtype=float)
        self.kind = np.array(self._kinds, dtype=np.int8)
        self.n_nodes, self.n_arcs = len(self.node), len(self._tails)
        self.span_of = {a: name for name, pair in self.span_arcs.items() for a in pair}
        self.circuit_of = {a: k for k, a in self.out_arc.items()} | {a: k for k, a in self.in_arc.items()}
        self.common_arcs = np.nonzero((self.kind == SPAN) | (self.kind == VIA))[0]
        """Arcs any pair may use: spans, and via arcs (reachable only through the arc they extend)."""
        self.site_out = {s: [self.out_arc[(s, c)] for c in site.circuits] for s, site in g.sites.items()}
        self.site_in = {s: [self.in_arc[(s, c)] for c in site.circuits] for s, site in g.sites.items()}
        # Pairs of sites: the rate each must carry (demands of one pair are interchangeable).
        rate: dict[tuple[str, str], float] = defaultdict(float)
        self.pair_demands: dict[tuple[str, str], list[DemandEdge]] = defaultdict(list)
        for d in demands:
            rate[(d.stack, d.to_stack)] += d.gbps
            self.pair_demands[(d.stack, d.to_stack)].append(d)
        self.pairs = sorted(rate)
        self.rate = np.array([rate[p] for p in self.pairs], dtype=float)
        self.pair_index = {p: i for i, p in enumerate(self.pairs)}
        self.pair_src = np.array([self.node[("src", s)] for s, _ in self.pairs], dtype=np.int64)
        self.pair_gate = np.array([self.node[("gate", t)] for _, t in self.pairs], dtype=np.int64)
        self.pair_sink = np.array([self.node[("sink", t)] for _, t in self.pairs], dtype=np.int64)
        self.pair_gw = np.array([self.gw_arc[t] for _, t in self.pairs], dtype=np.int64)
        self._failure_index: tuple | None = None

    # -------------------------------------------------------------------- building

    def _node(self, key: tuple) -> int:
        return self.node.setdefault(key, len(self.node))

    def _arc(self, t: tuple, h: tuple, cap: float, kind: int, label: str, latency: float = 0.0) -> int:
        u, v = self.node[t], self.node[h]
        weight = 1.0 + latency if kind == SPAN else HOP
        cost = 1e-6 * (1.0 + latency) if kind == SPAN else 0.0
        if (u, v) in self._between:  # a second arc between two nodes: through a node of its own
            mid = self._node(("via", len(self.node)))
            arc = self._add(u, mid, cap, weight, cost, kind, label)
            self._add(mid, v, math.inf, HOP, 0.0, VIA, label + " (via)")
            return arc
        self._between[(u, v)] = len(self._tails)
        return self._add(u, v, cap, weight, cost, kind, label)

    def _add(self, u: int, v: int, cap: float, weight: float, cost: float, kind: int, label: str) -> int:
        self._tails.append(u); self._heads.append(v); self._caps.append(cap); self._weights.append(weight)
        self._costs.append(cost); self._kinds.append(kind); self.labels.append(label)
        return len(self._tails) - 1

    # -------------------------------------------------------------------- failures

    def changes(self, f: Failure) -> dict[int, float]:
        """Arc -> capacity under the failure, for every arc it changes."""
        out: dict[int, float] = {}
        for key in f.circuits:
            out[self.out_arc[key]] = 0.0
            out[self.in_arc[key]] = 0.0
        for name in f.spans:
            if name in self.span_arcs:
                a, b = self.span_arcs[name]
                out[a] = out[b] = 0.0
        if f.gateway is not None and math.isfinite(self.cap[self.gw_arc[f.gateway]]):
            a = self.gw_arc[f.gateway]
            out[a] = self.cap[a] / 2
        return out

    def cap_under(self, *changes: dict[int, float]) -> np.ndarray:
        cap = self.cap.copy()
        for ch in changes:
            for a, c in ch.items():
                cap[a] = min(cap[a], c)
        return cap

    # -------------------------------------------------------------------- the linear program

    def arcs_for(self, pair_ids: Sequence[int]) -> np.ndarray:
        """Arcs a commodity of these pairs may use: spans, the out arcs of their sources, the in arcs and
        gateways of their destinations."""
        parts = [self.common_arcs]
        for s in {self.pairs[i][0] for i in pair_ids}:
            parts.append(np.array(self.site_out[s], dtype=np.int64))
        for t in {self.pairs[i][1] for i in pair_ids}:
            parts.append(np.array(self.site_in[t] + [self.gw_arc[t]], dtype=np.int64))
        return np.unique(np.concatenate(parts))

    def commodities(self, pair_ids: Sequence[int]) -> list[list[int]]:
        """The pairs as few commodities as possible: each the pairs of one source, or of one destination
        (flows of one commodity are interchangeable, so the program stays exact); greedily, the site that
        gathers the most pairs not yet in a commodity first."""
        left = set(pair_ids)
        members: dict[tuple[int, str], set[int]] = defaultdict(set)
        for i in left:
            s, t = self.pairs[i]
            members[(0, s)].add(i)
            members[(1, t)].add(i)
        groups = []
        while left:
            key = max(members, key=lambda k: (len(members[k]), -k[0], k[1]))
            grp = sorted(members.pop(key))
            groups.append(grp)
            left.difference_update(grp)
            for i in grp:
                s, t = self.pairs[i]
                for k in ((0, s), (1, t)):
                    if k in members:
                        members[k].discard(i)
                        if not members[k]:
                            del members[k]
        return groups

    def solve(self, pair_ids: Sequence[int], cap: np.ndarray) -> LpSolution:
        """Route the pairs within `cap` (per arc), minimising the rate left unrouted (scipy's HiGHS).

        One commodity per group of `commodities`; exact for the rate left unrouted."""
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix

        pair_ids = sorted(pair_ids)
        groups = self.commodities(pair_ids)
        rows, cols, vals = [], [], []
        b_eq: list[np.ndarray] = []
        col = row = 0
        col_arcs: list[np.ndarray] = []
        spans: list[tuple[int, int]] = []
        src_row: dict[int, int] = {}
        sink_row: dict[int, int] = {}
        for grp in groups:
            arcs = self.arcs_for(grp)
            nodes, inv = np.unique(np.concatenate([self.tail[arcs], self.head[arcs]]), return_inverse=True)
            n = len(arcs)
            cols_k = np.arange(col, col + n)
            rows += [row + inv[:n], row + inv[n:]]
            cols += [cols_k, cols_k]
            vals += [np.ones(n), -np.ones(n)]
            b = np.zeros(len(nodes))
            where = {int(v): r for r, v in enumerate(nodes)}
            for i in grp:
                src_row[i], sink_row[i] = row + where[int(self.pair_src[i])], row + where[int(self.pair_sink[i])]
                b[where[int(self.pair_src[i])]] += self.rate[i]
                b[where[int(self.pair_sink[i])]] -= self.rate[i]
            b_eq.append(b)
            col_arcs.append(arcs)
            spans.append((col, col + n))
            col += n
            row += len(nodes)
        n_x = col
        # Unrouted rate per pair: leaves its source's row and its sink's row.
        k = len(pair_ids)
        rows += [np.array([src_row[i] for i in pair_ids], dtype=np.int64),
                 np.array([sink_row[i] for i in pair_ids], dtype=np.int64)]
        cols += [n_x + np.arange(k), n_x + np.arange(k)]
        vals += [np.ones(k), -np.ones(k)]
        n_var = n_x + k
        a_eq = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(row, n_var))
        arc_of_col = np.concatenate(col_arcs)
        # A capacity that holds every pair of the program at once cannot bind: no row for it.
        finite = cap[arc_of_col] < float(self.rate[pair_ids].sum()) + EPS
        ub_arcs = np.unique(arc_of_col[finite])
        row_of_arc = np.full(self.n_arcs, -1)
        row_of_arc[ub_arcs] = np.arange(len(ub_arcs))
        ub_cols = np.nonzero(finite)[0]
        a_ub = csr_matrix((np.ones(len(ub_cols)), (row_of_arc[arc_of_col[ub_cols]], ub_cols)),
                          shape=(len(ub_arcs), n_var))
        b_ub = np.maximum(cap[ub_arcs], 0.0)
        c = np.concatenate([np.zeros(n_x), np.ones(k)])
        bounds = np.zeros((n_var, 2))
        bounds[:, 1] = np.inf
        bounds[n_x:, 1] = self.rate[pair_ids]
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.concatenate(b_eq), bounds=bounds, method="highs")
        if res.status != 0:
            raise RuntimeError(f"the flow program did not solve: {res.message}")
        x = np.maximum(res.x[:n_x], 0.0)
        unrouted = np.zeros(len(self.pairs))
        unrouted[pair_ids] = np.maximum(res.x[n_x:], 0.0)
        load = np.bincount(arc_of_col, weights=x, minlength=self.n_arcs)
        price = np.zeros(self.n_arcs)
        if len(ub_arcs):
            price[ub_arcs] = np.maximum(-res.ineqlin.marginals, 0.0)
        commodities = [(grp, col_arcs[j], x[a:b]) for j, (grp, (a, b)) in enumerate(zip(groups, spans))]
        return LpSolution(float(unrouted[pair_ids].sum()), unrouted, load, price, commodities)

    def decompose(self, sol: LpSolution) -> list[tuple[int, np.ndarray, float]]:
        """The program's flows as paths per pair: (pair, arcs from source to sink, Gb/s).

        Walks each commodity from a pair's source along arcs with flow left to whichever of the
        commodity's sinks it reaches, cancelling any cycle met on the way. A commodity's pairs share a
        source or a destination, so the source walked from and the sink reached name the pair (flow of a
        destination's commodity into its one sink belongs to the pair of the source it left)."""
        if sol.paths is not None:
            return list(sol.paths)
        tol = 1e-9
        out: list[tuple[int, np.ndarray, float]] = []
        for grp, arcs, x in sol.commodities:
            left = dict(zip(arcs.tolist(), x.tolist()))
            out_of: dict[int, list[int]] = defaultdict(list)
            for a, v in left.items():
                if v > tol:
                    out_of[int(self.tail[a])].append(a)
            pair_of = {(int(self.pair_src[i]), int(self.pair_sink[i])): i for i in grp}
            sinks = {int(self.pair_sink[i]) for i in grp}
            need = {i: self.rate[i] - sol.unrouted[i] for i in grp}
            for i in grp:
                guard = 0
                start = int(self.pair_src[i])
                while need[i] > tol and guard < 10_000:
                    guard += 1
                    node, path, seen = start, [], {start: 0}
                    while node not in sinks:
                        options = [a for a in out_of[node] if left[a] > tol]
                        if not options:
                            break
                        a = max(options, key=left.__getitem__)
                        path.append(a)
                        node = int(self.head[a])
                        if node in seen:  # a cycle: cancel it and walk on from where it closed
                            cycle = path[seen[node]:]
                            m = min(left[b] for b in cycle)
                            for b in cycle:
                                left[b] -= m
                            del path[seen[node]:]
                            seen = {n: k for n, k in seen.items() if k <= seen[node]}
                            continue
                        seen[node] = len(path)
                    if node not in sinks or not path:
                        break
                    j = pair_of[(start, node)]
                    amount = min(need[j], *(left[a] for a in path))
                    if amount <= tol:
                        break
                    for a in path:
                        left[a] -= amount
                    need[j] -= amount
                    out.append((j, np.array(path, dtype=np.int64), amount))
        return out

    # -------------------------------------------------------------------- max-flow (scipy)

    def csr_structure(self):
        """The arcs as one CSR matrix, built once (no two arcs join the same nodes); each use copies it."""
        if not hasattr(self, "_csr"):
            from scipy.sparse import csr_matrix

            order = np.lexsort((self.head, self.tail))
            indptr = np.searchsorted(self.tail[order], np.arange(self.n_nodes + 1)).astype(np.int32)
            m = csr_matrix((np.ones(self.n_arcs, dtype=np.int32), self.head[order].astype(np.int32), indptr),
                           shape=(self.n_nodes, self.n_nodes))
            self._csr = (m, order)
        return self._csr

    def max_flow(self, cap: np.ndarray, source: int, sink: int) -> float:
        """Most that flows from node to node within `cap` (Gb/s, rounded down to Mb/s)."""
        from scipy.sparse.csgraph import maximum_flow

        m, order = self.csr_structure()
        c = cap[order]
        g = m.copy()
        g.data = np.where(np.isfinite(c), np.minimum(np.floor(np.maximum(c, 0.0) * _MBPS), _INT_INF),
                          _INT_INF).astype(np.int32)
        return maximum_flow(g, source, sink, method="dinic").flow_value / _MBPS

    # -------------------------------------------------------------------- the carrier alone

    def carrier(self) -> CarrierGraph:
        if not hasattr(self, "_carrier"):
            self._carrier = CarrierGraph(self)
        return self._carrier

    # -------------------------------------------------------------------- failures as arrays

    def failure_index(self, failures: Sequence[Failure]):
        """For every failure, the arcs it cuts (capacity 0) and the gateway arc it halves (-1: none), and
        per arc the failures that cut it: (cut CSR by failure, cut CSR by arc, halved)."""
        if self._failure_index is None or self._failure_index[0] is not failures:
            from scipy.sparse import csr_matrix

            rows, cols, halved = [], [], np.full(len(failures), -1, dtype=np.int64)
            for j, f in enumerate(failures):
                for a, c in self.changes(f).items():
                    if c == 0.0:
                        rows.append(j); cols.append(a)
                    else:
                        halved[j] = a
            m = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(len(failures), self.n_arcs))
            m.sum_duplicates(); m.sort_indices()
            self._failure_index = (failures, m, m.T.tocsr(), halved)
        _, by_failure, by_arc, halved = self._failure_index
        return by_failure, by_arc, halved


class CarrierGraph:
    """The carrier's part of the network: PoPs and the nodes of parallel spans (compact ids), span arcs
    and their via arcs, as a CSR structure in arc order ``order`` (rows by tail, then head)."""

    def __init__(self, net: FlowNetwork):
        from scipy.sparse import csr_matrix

        in_carrier = np.zeros(net.n_nodes, dtype=bool)
        in_carrier[:net.n_pops] = True
        in_carrier[net.head[net.kind == SPAN]] = True
        self.nodes = np.nonzero(in_carrier)[0]
        self.n = len(self.nodes)
        self.index = np.full(net.n_nodes, -1)
        self.index[self.nodes] = np.arange(self.n)
        arcs = np.nonzero(in_carrier[net.tail] & in_carrier[net.head])[0]
        self.order = arcs[np.lexsort((self.index[net.head[arcs]], self.index[net.tail[arcs]]))]
        self.tails = self.index[net.tail[self.order]]
        self.heads = self.index[net.head[self.order]].astype(np.int32)
        self.indptr = np.searchsorted(self.tails, np.arange(self.n + 1)).astype(np.int32)
        self.weight = net.weight[self.order]
        self.graph = csr_matrix((self.weight.copy(), self.heads, self.indptr), shape=(self.n, self.n))
        """Weighted by latency; searches set its data in place (inf: no room)."""
        self._components = None

    def _graph_of(self, alive: np.ndarray):
        from scipy.sparse import csr_matrix

        m = alive[self.order]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.tails[m], minlength=self.n))]).astype(np.int32)
        return csr_matrix((np.ones(int(m.sum())), self.heads[m], indptr), shape=(self.n, self.n))

    def reaches(self, alive: np.ndarray, start: int, targets: np.ndarray) -> bool:
        """Does every target (carrier ids) lie in the part of `start` over the arcs alive? (A breadth-first
        search, cheaper than every part when the answer is mostly yes.)"""
        from scipy.sparse.csgraph import breadth_first_order

        seen = np.zeros(self.n, dtype=bool)
        seen[breadth_first_order(self._graph_of(alive), start, directed=True, return_predecessors=False)] = True
        return bool(seen[targets].all())

    def components(self, alive: np.ndarray) -> np.ndarray:
        """Labels of the carrier's nodes, connected over the arcs alive (a mask over every arc of the
        network). Spans are alive in both directions or neither, so strong components (scipy's Pearce
        algorithm, which needs no transpose) are the connected parts."""
        from scipy.sparse.csgraph import connected_components

        return connected_components(self._graph_of(alive), directed=True, connection="strong")[1]
