"""Routings as path flows, and how one survives a failure: keep, re-route, or prove the shortfall exact.

A routing is every pair's traffic as paths (arrays of arc ids, source to sink) with a rate each, and the
load they put on every arc. A failure (or two) lowers some capacities; settling it:

1. **skipped**: no arc it changes carries traffic;
2. **baseline**: the arcs it lowers still hold what they carry;
3. **rerouted**: only the paths crossing an over-full arc move. A path that lost a circuit is routed
   again from its source (BGP moves it to the site's other circuits); a path that lost only spans or
   transit PoPs keeps its ends and detours between the last PoP before the cut and the first after it
   (the carrier's restoration). Detours are least-latency paths in what is left (scipy.sparse.csgraph's
   Dijkstra from every detour start at once), split over several paths when one is too narrow. A
   routing found this way carries everything within every capacity: the failure is survivable;
4. otherwise **a linear program** (HiGHS) over the pairs whose paths moved, the others held where they
   are, in what they leave. If it carries everything, survivable. If not, its capacity prices are
   checked against the held paths: when none of them crosses a priced arc, the prices are a dual
   solution of the program over every pair with the same value, so the shortfall is the least
   possible (exact, by linear programming duality); otherwise the pairs on priced arcs are freed too
   and the program solved again (**lp_full** when that frees every pair).

A shortfall is therefore only ever reported from a program whose optimality over the whole fabric is
proven, and names the capacities with a non-zero price.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from infra.capacity.flow_network import EPS, GATEWAY, IN, OUT, VIA, FlowNetwork, LpSolution

ROUNDS = 6
"""Rounds of shortest paths (each on what the previous left) before a re-route gives up for the program."""

PRICE_TOL = 1e-9
"""A capacity dual above this limits the routing."""

_TOL = 1e-9


@dataclass
class Routing:
    """Path flows: path k carries ``amount[k]`` Gb/s of pair ``pair[k]`` over arcs ``arcs[ptr[k]:ptr[k+1]]``."""

    net: FlowNetwork
    pair: np.ndarray
    amount: np.ndarray
    ptr: np.ndarray
    arcs: np.ndarray
    load: np.ndarray
    unrouted: np.ndarray
    """Per pair of the network: rate this routing leaves unrouted."""

    @classmethod
    def from_paths(cls, net: FlowNetwork, paths: list[tuple[int, np.ndarray, float]],
                   unrouted: np.ndarray | None = None) -> Routing:
        pair = np.array([p for p, _, _ in paths], dtype=np.int64)
        amount = np.array([x for _, _, x in paths], dtype=float)
        lens = np.array([len(a) for _, a, _ in paths], dtype=np.int64)
        ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        arcs = np.concatenate([a for _, a, _ in paths]).astype(np.int64) if paths else np.zeros(0, dtype=np.int64)
        load = np.bincount(arcs, weights=np.repeat(amount, lens), minlength=net.n_arcs)
        if unrouted is None:
            routed = np.bincount(pair, weights=amount, minlength=len(net.pairs))
            unrouted = np.maximum(net.rate - routed, 0.0)
        return cls(net, pair, amount, ptr, arcs, load, unrouted)

    def path(self, k: int) -> np.ndarray:
        return self.arcs[self.ptr[k]:self.ptr[k + 1]]

    def keeping(self, keep: np.ndarray, more: list[tuple[int, np.ndarray, float]],
                unrouted: np.ndarray | None = None) -> Routing:
        """The paths where `keep` (a mask over paths) is true, and `more` paths."""
        lens = np.diff(self.ptr)
        entry_keep = np.repeat(keep, lens)
        pair = np.concatenate([self.pair[keep], np.array([p for p, _, _ in more], dtype=np.int64)])
        amount = np.concatenate([self.amount[keep], np.array([x for _, _, x in more], dtype=float)])
        new_lens = np.concatenate([lens[keep], np.array([len(a) for _, a, _ in more], dtype=np.int64)])
        arcs = np.concatenate([self.arcs[entry_keep]] + [a for _, a, _ in more]).astype(np.int64)
        ptr = np.concatenate([[0], np.cumsum(new_lens)]).astype(np.int64)
        load = np.bincount(arcs, weights=np.repeat(amount, new_lens), minlength=self.net.n_arcs)
        if unrouted is None:
            routed = np.bincount(pair, weights=amount, minlength=len(self.net.pairs))
            unrouted = np.maximum(self.net.rate - routed, 0.0)
        return Routing(self.net, pair, amount, ptr, arcs, load, unrouted)

    def paths(self) -> list[tuple[int, np.ndarray, float]]:
        return [(int(self.pair[k]), self.path(k), float(self.amount[k])) for k in range(len(self.pair))]

    def _index(self):
        if not hasattr(self, "_by_arc"):
            lens = np.diff(self.ptr)
            path_of_entry = np.repeat(np.arange(len(self.pair)), lens)
            order = np.argsort(self.arcs, kind="stable")
            bounds = np.searchsorted(self.arcs[order], np.arange(self.net.n_arcs + 1))
            self._by_arc = (path_of_entry[order], bounds)
            by_pair = np.argsort(self.pair, kind="stable")
            self._by_pair = (by_pair, np.searchsorted(self.pair[by_pair], np.arange(len(self.net.pairs) + 1)))
        return self._by_arc

    def through(self, arcs: np.ndarray) -> np.ndarray:
        """Paths crossing any of the arcs."""
        paths, bounds = self._index()
        parts = [paths[bounds[a]:bounds[a + 1]] for a in arcs.tolist()]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def of_pairs(self, pairs) -> np.ndarray:
        """Paths of the pairs."""
        self._index()
        order, bounds = self._by_pair
        parts = [order[bounds[i]:bounds[i + 1]] for i in pairs]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


class Router:
    """Least-latency paths in what capacity is left, with scipy.sparse.csgraph's Dijkstra.

    The carrier's shortest paths with nothing failed are computed once per PoP they start from (Dijkstra
    from that PoP, when first asked for: on any carrier, only the rows used are kept); a request first
    tries them in order of latency, each over circuits with room for it, and takes the first whose every
    arc has room: a failure removes routes, it does not call for a new search. Only when none of those has room does a search run, over the carrier's
    spans with room (Dijkstra from all the source's PoPs at once), and only when no single path has room
    for the whole request is it split over several (rounds of searches over the whole network)."""

    CANDIDATES = 12
    """Pairs of circuits (out, in) tried in order of latency before a search."""

    def __init__(self, net: FlowNetwork):
        from scipy.sparse import csr_matrix

        self.net = net
        self.order = np.lexsort((net.head, net.tail))
        self.keys = net.tail[self.order] * net.n_nodes + net.head[self.order]
        self.weight = net.weight[self.order]
        indptr = np.searchsorted(net.tail[self.order], np.arange(net.n_nodes + 1)).astype(np.int32)
        self._graph = csr_matrix((self.weight.copy(), net.head[self.order].astype(np.int32), indptr),
                                 shape=(net.n_nodes, net.n_nodes))
        self.searches = 0
        # The carrier: PoPs and the nodes of their parallel spans; its arcs: spans and their via arcs.
        cg = net.carrier()
        self.carrier_nodes, self.cidx, self.c_order = cg.nodes, cg.index, cg.order
        # A matrix of its own, weighted by latency: searches set its weights in place (inf: no room), and
        # the network's carrier graph is shared by every router built on it.
        self._carrier = csr_matrix((cg.weight.copy(), cg.heads, cg.indptr), shape=(cg.n, cg.n))
        self._c_weight = cg.weight
        self._free = csr_matrix((cg.weight.copy(), cg.heads, cg.indptr), shape=(cg.n, cg.n))
        """The carrier with nothing failed, never changed: the table's rows are searched in it."""
        self._rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._paths: dict[tuple[int, int], np.ndarray] = {}
        self._cands: dict[tuple[int, int], tuple[list[int], list[np.ndarray]]] = {}
        # Per site: its circuits' arcs (with any via arc) to and from the carrier, and the PoP of each.
        self._out: dict[int, tuple[np.ndarray, list[np.ndarray], np.ndarray]] = {}
        self._in: dict[int, tuple[np.ndarray, list[np.ndarray], np.ndarray, int]] = {}
        via_after = {int(net.tail[a]): a for a in np.nonzero(net.kind == VIA)[0].tolist()}
        for s in net.g.sites:
            outs, ins = net.site_out[s], net.site_in[s]
            chains_out = [np.array([a] + ([via_after[int(net.head[a])]] if int(net.head[a]) in via_after else []),
                                   dtype=np.int64) for a in outs]
            chains_in = [np.array([a] + ([via_after[int(net.head[a])]] if int(net.head[a]) in via_after else []),
                                  dtype=np.int64) for a in ins]
            pops_out = np.array([self.cidx[net.circuit_pop[a]] for a in outs], dtype=np.int64)
            pops_in = np.array([self.cidx[net.circuit_pop[a]] for a in ins], dtype=np.int64)
            self._out[net.node[("src", s)]] = (np.array(outs, dtype=np.int64), chains_out, pops_out)
            self._in[net.node[("sink", s)]] = (np.array(ins, dtype=np.int64), chains_in, pops_in, net.gw_arc[s])

    def arcs_of(self, nodes: list[int]) -> np.ndarray:
        """Arc ids along a node sequence."""
        n = np.array(nodes, dtype=np.int64)
        return self.order[np.searchsorted(self.keys, n[:-1] * self.net.n_nodes + n[1:])]

    def trees(self, room: np.ndarray, at_least: float, sources: list[int]):
        """(distances, predecessors) from each source over arcs with more than `at_least` room."""
        from scipy.sparse.csgraph import dijkstra

        self._graph.data[:] = np.where(room[self.order] > at_least, self.weight, np.inf)
        self.searches += 1
        return dijkstra(self._graph, directed=True, indices=sources, return_predecessors=True)

    # -------------------------------------------------------------------- one path with room for all

    def table(self, a: int) -> tuple[np.ndarray, np.ndarray]:
        """(distances, predecessors) from carrier node a to every carrier node with nothing failed."""
        if a not in self._rows:
            from scipy.sparse.csgraph import dijkstra

            self._rows[a] = dijkstra(self._free, directed=True, indices=a, return_predecessors=True)
        return self._rows[a]

    def _carrier_path(self, a: int, b: int) -> np.ndarray:
        """Arcs of the table's shortest path between carrier nodes a and b (nothing failed)."""
        key = (a, b)
        if key not in self._paths:
            pred = self.table(a)[1]
            nodes, v = [b], b
            while v != a:
                v = int(pred[v])
                nodes.append(v)
            self._paths[key] = self.arcs_of(self.carrier_nodes[nodes[::-1]].tolist()) if len(nodes) > 1 \
                else np.zeros(0, dtype=np.int64)
        return self._paths[key]

    def _search(self, room: np.ndarray, x: float, sources: np.ndarray):
        """Dijkstra over the carrier's arcs with room for x, from the nearest of the sources (carrier ids)."""
        from scipy.sparse.csgraph import dijkstra

        self._carrier.data[:] = np.where(room[self.c_order] > x - _TOL, self._c_weight, np.inf)
        self.searches += 1
        return dijkstra(self._carrier, directed=True, indices=sources, return_predecessors=True, min_only=True)

    def _walk(self, pred: np.ndarray, b: int) -> np.ndarray:
        nodes, v = [b], b
        while pred[v] >= 0:
            v = int(pred[v])
            nodes.append(v)
        return self.arcs_of(self.carrier_nodes[nodes[::-1]].tolist()) if len(nodes) > 1 else np.zeros(0, dtype=np.int64)

    def _candidates(self, u: int, w: int):
        """The CANDIDATES shortest whole paths from source u to sink w with nothing failed, one per pair of
        circuits (out, in), in order of latency; each built when first asked for."""
        key = (u, w)
        if key not in self._cands:
            pops_out = self._out[u][2]
            pops_in = self._in[w][2]
            cost = np.array([self.table(int(p))[0][pops_in] for p in pops_out.tolist()]).reshape(
                len(pops_out), len(pops_in))
            order = [f for f in np.argsort(cost, axis=None, kind="stable")[:self.CANDIDATES].tolist()
                     if np.isfinite(cost.flat[f])]
            self._cands[key] = (order, [])
        order, built = self._cands[key]
        for k in range(len(order)):
            if k == len(built):
                outs, chains_out, pops_out = self._out[u]
                ins, chains_in, pops_in, gw = self._in[w]
                o, i = divmod(order[k], len(ins))
                mid = self._carrier_path(int(pops_out[o]), int(pops_in[i]))
                built.append(np.concatenate([chains_out[o], mid, chains_in[i], [gw]]).astype(np.int64))
            yield built[k]

    def _whole(self, u: int, w: int, x: float, room: np.ndarray) -> np.ndarray | None:
        """A path from a site's source to a site's sink with room for x, or None."""
        outs, chains_out, pops_out = self._out[u]
        ins, chains_in, pops_in, gw = self._in[w]
        if room[gw] < x - _TOL:
            return None
        for arcs in self._candidates(u, w):
            if room[arcs].min() >= x - _TOL:
                return arcs
        ok_out = np.nonzero(room[outs] >= x - _TOL)[0]
        ok_in = np.nonzero(room[ins] >= x - _TOL)[0]
        if not len(ok_out) or not len(ok_in):
            return None
        dist, pred, src = self._search(room, x, pops_out[ok_out])
        d = dist[pops_in[ok_in]]
        i = int(np.argmin(d))
        if not np.isfinite(d[i]):
            return None
        b = int(pops_in[ok_in[i]])
        o = ok_out[int(np.nonzero(pops_out[ok_out] == src[b])[0][0])]
        return np.concatenate([chains_out[o], self._walk(pred, b), chains_in[ok_in[i]], [gw]])

    def _segment(self, u: int, w: int, x: float, room: np.ndarray) -> np.ndarray | None:
        """A path between two PoPs with room for x, or None."""
        a, b = int(self.cidx[u]), int(self.cidx[w])
        if np.isfinite(self.table(a)[0][b]):
            mid = self._carrier_path(a, b)
            if not len(mid) or room[mid].min() >= x - _TOL:
                return mid
        dist, pred, _ = self._search(room, x, np.array([a]))
        return self._walk(pred, b) if np.isfinite(dist[b]) else None

    def route(self, requests: list[list], room: np.ndarray) -> tuple[list[list[tuple[np.ndarray, float]]], list[float]]:
        """Carry each request [from node, to node, Gb/s] in `room` (per arc, updated in place): per request
        the pieces (arcs, Gb/s) that carry it, and what is left of each (0: carried).

        A request is from a site's source to a site's sink, or between two PoPs (a detour)."""
        pieces: list[list[tuple[np.ndarray, float]]] = [[] for _ in requests]
        need = [float(r[2]) for r in requests]
        for k, (u, w, x) in enumerate(requests):
            u, w = int(u), int(w)
            arcs = self._whole(u, w, x, room) if u in self._out else self._segment(u, w, x, room)
            if arcs is not None:
                room[arcs] -= x
                pieces[k].append((arcs, x))
                need[k] = 0.0
        return self._split(requests, room, pieces, need)

    def _split(self, requests, room, pieces, need):
        """What no single path carries whole: rounds of shortest paths, each pushing what its narrowest arc
        allows."""
        for rnd in range(ROUNDS):
            pending = [k for k in range(len(requests)) if need[k] > _TOL]
            if not pending:
                break
            sources = sorted({int(requests[k][0]) for k in pending})
            row = {u: i for i, u in enumerate(sources)}
            dist, pred = self.trees(room, _TOL, sources)
            moved = False
            for k in pending:
                u, w = int(requests[k][0]), int(requests[k][1])
                r = row[u]
                if not np.isfinite(dist[r, w]):
                    continue
                nodes, v = [w], w
                p = pred[r]
                while v != u:
                    v = int(p[v])
                    nodes.append(v)
                nodes.reverse()
                arcs = self.arcs_of(nodes)
                push = min(need[k], float(room[arcs].min()))
                if push <= _TOL:
                    continue
                room[arcs] -= push
                pieces[k].append((arcs, push))
                need[k] -= push
                moved = True
            if not moved:
                break
        return pieces, [n if n > _TOL else 0.0 for n in need]


@dataclass
class Settled:
    """How a failure (or two) was settled, and the routing after it."""

    how: str
    """'skipped', 'baseline', 'rerouted', 'lp_restricted' or 'lp_full'."""
    load: np.ndarray
    routing: Routing | None = None
    """The routing after the failure, when paths were asked for and everything fits."""
    exact: LpSolution | None = None
    """The exact program's solution when something does not fit."""
    component: tuple[int, ...] = ()
    """Pairs competing for the capacity of a shortfall: short, or on a priced arc."""

    @property
    def short(self) -> float:
        return 0.0 if self.exact is None else self.exact.short


def settle(net: FlowNetwork, router: Router, routing: Routing, cap: np.ndarray, changed: np.ndarray,
           want_paths: bool = False) -> Settled:
    """Settle capacities `cap` (lowered on arcs `changed`) for `routing`: a routing that fits, or the exact
    shortfall."""
    load = routing.load
    if not (load[changed] > EPS).any():
        return Settled("skipped", load, routing)
    over = changed[load[changed] > cap[changed] + EPS]
    if not len(over):
        return Settled("baseline", load, routing)
    affected = routing.through(over)
    free = set(routing.pair[affected].tolist())
    if not (net.kind[over] == GATEWAY).any():  # a gateway is the only way into its site: no detour
        done, partial = _reroute(net, router, routing, cap, over, affected, want_paths)
        if done is not None:
            return done
        routing, free = partial
    free |= set(np.nonzero(routing.unrouted > _TOL)[0].tolist())
    return by_program(net, routing, cap, free, want_paths, router)


def _reroute(net: FlowNetwork, router: Router, routing: Routing, cap: np.ndarray, over: np.ndarray,
             affected: np.ndarray, want_paths: bool) -> tuple[Settled | None, tuple[Routing, set[int]] | None]:
    """Move the paths crossing over-full arcs: (settled, None) when every one finds room, else (None,
    (the routing with the moves that fit, the pairs left for the program))."""
    starts, ends = routing.ptr[affected], routing.ptr[affected + 1]
    lens = ends - starts
    offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
    local = np.arange(lens.sum()) - np.repeat(offsets, lens)
    idx = local + np.repeat(starts, lens)
    arcs = routing.arcs[idx]
    is_over = np.zeros(net.n_arcs, dtype=bool)
    is_over[over] = True
    hit = is_over[arcs]
    first = np.minimum.reduceat(np.where(hit, local, 1 << 40), offsets)
    last = np.maximum.reduceat(np.where(hit, local, -1), offsets)
    circuit = hit & ((net.kind[arcs] == OUT) | (net.kind[arcs] == IN))
    whole = np.logical_or.reduceat(circuit, offsets)
    # A cut arc followed by its via arc: the detour ends beyond the via arc.
    nxt = np.minimum(starts + last + 1, ends - 1)
    last = np.where((starts + last + 1 < ends) & (net.kind[routing.arcs[nxt]] == VIA), last + 1, last)
    first = np.where(whole, 0, first)
    last = np.where(whole, lens - 1, last)
    u = np.where(whole, net.pair_src[routing.pair[affected]], net.tail[routing.arcs[starts + first]])
    w = np.where(whole, net.pair_sink[routing.pair[affected]], net.head[routing.arcs[starts + last]])
    amount = routing.amount[affected]
    # Free the replaced segments, then detour each (start, end) once for all the paths sharing it.
    seg_mask = (local >= np.repeat(first, lens)) & (local <= np.repeat(last, lens))
    removed = np.bincount(arcs[seg_mask], weights=np.repeat(amount, lens)[seg_mask], minlength=net.n_arcs)
    room = cap - routing.load + removed
    requests: dict[tuple[int, int], list] = {}
    members: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, (a, b, x) in enumerate(zip(u.tolist(), w.tolist(), amount.tolist())):
        req = requests.setdefault((a, b), [a, b, 0.0])
        req[2] += x
        members[(a, b)].append(k)
    keys = sorted(requests, key=lambda key: -requests[key][2])
    pieces, left = router.route([requests[key] for key in keys], room)
    fits = not any(left)
    if fits and not want_paths:
        added = np.zeros(net.n_arcs)
        for ps in pieces:
            for a, x in ps:
                np.add.at(added, a, x)
        return Settled("rerouted", routing.load - removed + added), None
    # The routing after: paths the failure left alone, and the moved ones along their detours. When some
    # detour found no room, the detours that did are kept and the pairs of the others go to the program.
    failed = {int(routing.pair[affected[k]]) for key, x in zip(keys, left) if x > 0 for k in members[key]}
    keep = np.ones(len(routing.pair), dtype=bool)
    keep[affected] = False
    paths = []
    for key, ps, x in zip(keys, pieces, left):
        if x > 0:
            continue
        total = requests[key][2]
        for k in members[key]:
            p = affected[k]
            path = routing.path(p)
            head, tail = path[:first[k]], path[last[k] + 1:]
            share = float(routing.amount[p]) / total
            for a, x in ps:
                paths.append((int(routing.pair[p]), np.concatenate([head, a, tail]), x * share))
    after = routing.keeping(keep, paths, routing.unrouted.copy())
    if fits:
        return Settled("rerouted", after.load, after), None
    return None, (after, failed)


def by_program(net: FlowNetwork, routing: Routing, cap: np.ndarray, free: set[int], want_paths: bool,
               router: Router | None = None) -> Settled:
    """The program over the freed pairs, the others held, grown until its prices certify it."""
    all_pairs = set(range(len(net.pairs)))
    while True:
        freed = routing.of_pairs(sorted(free))
        keep = np.ones(len(routing.pair), dtype=bool)
        keep[freed] = False
        held = np.nonzero(keep)[0]
        lens = np.diff(routing.ptr)
        entry_held = np.repeat(keep, lens)
        held_load = np.bincount(routing.arcs[entry_held], weights=np.repeat(routing.amount, lens)[entry_held],
                                minlength=net.n_arcs)
        room = np.maximum(cap - held_load, 0.0)
        starts: dict[int, list[np.ndarray]] = defaultdict(list)
        for k in freed.tolist():
            starts[int(routing.pair[k])].append(routing.path(k))
        sol = by_columns(net, router, sorted(free), room, starts, cap > _TOL) if router is not None else None
        if sol is None:
            sol = net.solve(sorted(free), room)
        how = "lp_full" if free == all_pairs else "lp_restricted"
        priced = sol.price > PRICE_TOL
        on_priced: set[int] = set()
        if len(held) and sol.short > EPS:
            crossing = np.logical_or.reduceat(priced[routing.arcs] & entry_held, routing.ptr[:-1]) & keep
            on_priced = set(routing.pair[crossing].tolist())
        if on_priced:
            free |= on_priced
            continue
        sol.load = sol.load + held_load
        out = Settled(how, sol.load)
        if sol.short > EPS:
            out.exact, out.component = sol, _component(net, sol, free, priced)
        if want_paths:
            out.routing = routing.keeping(keep, net.decompose(sol), sol.unrouted.copy())
        return out


def _component(net: FlowNetwork, sol: LpSolution, free: set[int], priced: np.ndarray) -> tuple[int, ...]:
    """The pairs left short, and those the program routes over a priced capacity."""
    out = {i for i in free if sol.unrouted[i] > EPS / max(1, len(free))}
    for i, arcs, _ in net.decompose(sol):
        if priced[arcs].any():
            out.add(i)
    return tuple(sorted(out))


START_CANDIDATES = 3
"""Shortest routes (nothing failed) each pair starts the path program with; pricing adds the others."""

COLUMN_ROUNDS = 40
"""Pricing rounds of the path program before it gives way to the program over arcs."""


def by_columns(net: FlowNetwork, router: Router, pair_ids: list[int], cap: np.ndarray,
               starts: dict[int, list[np.ndarray]], usable: np.ndarray) -> LpSolution | None:
    """The least rate the pairs leave unrouted within `cap`, as a program over paths (column generation).

    Columns: each pair's own paths and its shortest routes with nothing failed, over `usable` arcs (those
    the failure left, even when others already fill them: their price is part of the certificate). The
    program (HiGHS) prices the capacities (y) and the pairs (pi); a pair's path of y-length below its pi
    would lower the optimum, so Dijkstra (scipy) over the y-lengths adds each pair's shortest path until
    none is shorter than its pi: then (pi, y) is a dual solution of the program over every path (an arc
    the failure took has no capacity, so any price on it costs nothing), and the optimum is that
    program's. None when that takes more than COLUMN_ROUNDS rounds."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    bounded = cap < float(net.rate[pair_ids].sum()) + EPS
    row_of = {i: r for r, i in enumerate(pair_ids)}
    cols: list[tuple[int, np.ndarray]] = []
    seen: set[tuple[int, bytes]] = set()

    def add(i: int, arcs: np.ndarray) -> bool:
        key = (i, arcs.tobytes())
        if key in seen or not usable[arcs].all():
            return False
        seen.add(key)
        cols.append((i, arcs))
        return True

    for i in pair_ids:
        for arcs in starts.get(i, []):
            add(i, arcs)
        for _, arcs in zip(range(START_CANDIDATES), router._candidates(int(net.pair_src[i]),
                                                                       int(net.pair_sink[i]))):
            add(i, arcs)
    k = len(pair_ids)
    rate = net.rate[pair_ids]
    for _ in range(COLUMN_ROUNDS):
        n = len(cols)
        lens = np.array([len(a) for _, a in cols], dtype=np.int64)
        entries = np.concatenate([a for _, a in cols]) if cols else np.zeros(0, dtype=np.int64)
        col_of_entry = np.repeat(np.arange(n), lens)
        keep = bounded[entries]
        rows_arcs, row_idx = np.unique(entries[keep], return_inverse=True)
        a_ub = csr_matrix((np.ones(int(keep.sum())), (row_idx, col_of_entry[keep])), shape=(len(rows_arcs), n + k))
        a_eq = csr_matrix((np.ones(n + k), (np.concatenate([[row_of[i] for i, _ in cols], np.arange(k)]).astype(int),
                                            np.arange(n + k))), shape=(k, n + k))
        c = np.concatenate([np.zeros(n), np.ones(k)])
        res = linprog(c, A_ub=a_ub if len(rows_arcs) else None, b_ub=cap[rows_arcs] if len(rows_arcs) else None,
                      A_eq=a_eq, b_eq=rate, bounds=(0, None), method="highs")
        if res.status != 0:
            return None
        y = np.zeros(net.n_arcs)
        if len(rows_arcs):
            y[rows_arcs] = np.maximum(-res.ineqlin.marginals, 0.0)
        pi = res.eqlin.marginals
        # Pricing: each pair's shortest path by y (latency breaks ties), over arcs with any room.
        router._graph.data[:] = np.where(usable[router.order], y[router.order] + 1e-9 * router.weight, np.inf)
        sources = sorted({int(net.pair_src[i]) for i in pair_ids})
        srow = {u: r for r, u in enumerate(sources)}
        dist, pred = dijkstra(router._graph, indices=sources, return_predecessors=True)
        added = False
        for r, i in enumerate(pair_ids):
            if pi[r] <= PRICE_TOL:
                continue
            u, w = int(net.pair_src[i]), int(net.pair_sink[i])
            sr = srow[u]
            if not np.isfinite(dist[sr, w]):
                continue
            nodes, v = [w], w
            while v != u:
                v = int(pred[sr, v])
                nodes.append(v)
            arcs = router.arcs_of(nodes[::-1])
            if y[arcs].sum() < pi[r] - PRICE_TOL and add(i, arcs):
                added = True
        if not added:
            x = np.maximum(res.x[:n], 0.0)
            unrouted = np.zeros(len(net.pairs))
            unrouted[pair_ids] = np.maximum(res.x[n:], 0.0)
            load = np.bincount(entries, weights=np.repeat(x, lens), minlength=net.n_arcs)
            paths = [(i, arcs, float(v)) for (i, arcs), v in zip(cols, x.tolist()) if v > _TOL]
            return LpSolution(float(unrouted[pair_ids].sum()), unrouted, load, y, [], paths)
    return None
