"""The fabric as a flow network: do all declared demands fit at once, and after any single failure?

The graph (one per fabric, built from every stack's spec):

- **circuits**: each carries its bandwidth in each direction (ER_FAQ_DOC: "the ExpressRoute circuit
  bandwidth is duplex"; the burst to twice that over both links is not counted on). Direction
  "out" leaves the site's VNet for the carrier, "in" enters it.
- **gateways**: one per site, in front of traffic INTO the site's VNet: on-premises (here: the
  other end of a Global Reach link) to VNet; for VNet-to-VNet traffic over ExpressRoute
  articles/expressroute/virtual-network-connectivity-guidance.md names the gateway as the
  bottleneck in the data path. FastPath sends that traffic straight to the VMs
  (FASTPATH_DOC: "sends network traffic directly to virtual machines in the virtual network,
  bypassing the gateway"), so a gateway with FastPath effective (asked for and supported by the
  SKU) limits nothing. Traffic from the VNet to the circuit never passes the gateway: the gateway
  exchanges routes and receives inbound traffic, while VMs send outbound traffic to the Microsoft
  edge routers directly. FASTPATH_DOC and ER_GW_DOC describe FastPath for the on-premises-to-VNet
  direction only, which is consistent with that, but neither states the outbound path outright;
  the statement comes from practitioners' notes (e.g. github.com/nyquist/memory2go,
  cloud/azure/architect/ExpressRoute.md: "Traffic from VNET to MSEE bypasses Gateway"). Treat it
  as *unverified*: without it, a gateway would limit both directions, which only makes a
  non-FastPath site tighter.
- **Global Reach links** between a circuit of one site and a circuit of another. A link carries at
  most the smaller circuit's bandwidth (GLOBAL_REACH_DOC), which the circuit capacities already
  enforce, so a link adds no constraint of its own. Links are not transitive: traffic from A to B
  uses one direct link between a circuit of A and a circuit of B, never a third site. So every path
  of a demand A -> B is ``circuit a (out) -> link -> circuit b (in) [-> gateway of B]``, and a path
  formulation of the multi-commodity flow is small.
- **peering locations**: failure domains; losing one loses every circuit there, in every site,
  except ExpressRoute Metro circuits, which are dual-homed to two locations of one city.

Failures (each alone): a circuit; a peering location; a gateway, meaning one of its two instances,
which halves its throughput and does not matter where FastPath is effective (the two-instance
model is DESIGN.md's; ER_GW_DOC only says maintenance reduces a gateway's capacity: *unverified*). A demand set fits if a linear program (scipy ``linprog``, HiGHS) can
route every demand at its rate within every capacity.

Speed: demands that share no capacity are solved apart (connected components). A failure that
touches no path of any demand is skipped. Otherwise the baseline routing is checked first (still
within the reduced capacities?), then the affected demands are re-routed one by one by max-flow on
what the others leave; only when that fails is a linear program solved: for the affected demands
with the others fixed where the baseline put them, then with their neighbours (demands sharing a
circuit or gateway) freed too, up to NEIGHBOURHOOD_ROUNDS times, and finally for their whole
component, which is exact. A small LP that routes everything proves the failure survivable; a
shortfall is only ever reported from the exact component LP.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from infra.capacity import network
from infra.capacity.report import Violation
from infra.spec import FabricSpec, ReplicationDemand

CircuitKey = tuple[str, str]
"""(stack, circuit name)."""

EPS = 1e-6
"""Gb/s below which a shortfall is rounding, not a shortfall."""


# ------------------------------------------------------------------------------------------------
# The graph
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CircuitNode:
    stack: str
    name: str
    gbps: float
    """Per direction."""
    location: str
    metro: bool = False

    @property
    def key(self) -> CircuitKey:
        return (self.stack, self.name)


@dataclass(frozen=True)
class SiteNode:
    stack: str
    circuits: tuple[str, ...]
    gateway_sku: str
    gateway_gbps: float
    fastpath: bool
    """FastPath effective: the gateway limits nothing on the data path."""


@dataclass(frozen=True)
class LinkEdge:
    """A Global Reach link as its owner (the stack sorting first) creates it."""

    name: str
    a: CircuitKey
    b: CircuitKey
    prefix: str


@dataclass(frozen=True)
class DemandEdge:
    stack: str
    name: str
    to_stack: str
    gbps: float
    dataset_tb: float | None = None

    @property
    def label(self) -> str:
        return f"{self.stack}/{self.name}"


@dataclass(frozen=True)
class Failure:
    kind: str
    """'circuit', 'peering location' or 'gateway'."""
    name: str
    circuits: frozenset[CircuitKey] = frozenset()
    """Circuits lost."""
    gateway: str | None = None
    """Stack whose gateway loses one of its two instances."""

    def __str__(self) -> str:
        if self.kind == "gateway":
            return f"one of the two instances of gateway {self.name}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class FabricGraph:
    sites: dict[str, SiteNode]
    circuits: dict[CircuitKey, CircuitNode]
    links: tuple[LinkEdge, ...]
    demands: tuple[DemandEdge, ...]

    def failures(self) -> list[Failure]:
        """Every single failure of the fabric: each circuit, each peering location, each gateway."""
        out = [Failure("circuit", f"{s}/{c}", frozenset({(s, c)})) for (s, c) in self.circuits]
        by_location: dict[str, set[CircuitKey]] = defaultdict(set)
        for key, c in self.circuits.items():
            if not c.metro:  # dual-homed: survives one of its two locations
                by_location[c.location].add(key)
        out += [Failure("peering location", loc, frozenset(keys)) for loc, keys in sorted(by_location.items())]
        out += [Failure("gateway", s, gateway=s) for s in self.sites]
        return out


def build(specs: Sequence[FabricSpec]) -> FabricGraph:
    """The graph of a fabric whose cross-stack references resolve (assess checks that first)."""
    by_name = {s.stack: s for s in specs}
    sites: dict[str, SiteNode] = {}
    circuits: dict[CircuitKey, CircuitNode] = {}
    links: list[LinkEdge] = []
    demands: list[DemandEdge] = []
    for spec in specs:
        ic = spec.interconnect
        sites[spec.stack] = SiteNode(
            spec.stack, tuple(ic.circuits), ic.gateway.label, network.gateway_gbps(spec),
            network.fastpath_effective(spec),
        )
        for name in ic.circuits:
            location = ic.peering_location_of(name)
            circuits[(spec.stack, name)] = CircuitNode(
                spec.stack, name, ic.bandwidth_gbps_of(name), location, spec.catalog.is_metro(location),
            )
        for name, link in ic.global_reach.items():
            # The owner creates the link; a declaration only the other side makes creates nothing.
            peer = by_name.get(link.peer_stack)
            if link.owned_by(spec.stack) and peer is not None and link.peer_circuit in peer.interconnect.circuits:
                links.append(LinkEdge(name, (spec.stack, link.circuit), (link.peer_stack, link.peer_circuit),
                                      str(link.prefix)))
        for name, d in spec.demands.items():
            if d.to_stack in by_name:
                demands.append(DemandEdge(
                    spec.stack, name, d.to_stack, d.gbps,
                    d.dataset_tb if isinstance(d, ReplicationDemand) else None,
                ))
    return FabricGraph(sites, circuits, tuple(links), tuple(demands))


# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    """Demands that do not fit together, with nothing failed (failure None) or after one failure."""

    failure: Failure | None
    short_gbps: float
    """The least total rate that cannot be carried."""
    demands: tuple[DemandEdge, ...]
    """The demands left short in the routing found (where the shortfall lands)."""
    needed_gbps: float
    """What the demands of the affected component need together."""
    component: tuple[DemandEdge, ...] = ()
    """Every demand competing for the same capacity (the connected component)."""


@dataclass(frozen=True)
class DemandFigures:
    demand: DemandEdge
    available_gbps: float
    """Most the fabric carries for this demand alone (and any other demand between the same two sites)."""
    worst_failure_gbps: float
    worst_failure: Failure | None


@dataclass(frozen=True)
class SiteFigures:
    stack: str
    n_minus_1_gbps: float
    """Bandwidth into the site (circuits, and the gateway unless FastPath) after its worst failure."""
    worst_failure: Failure | None
    global_reach_gbps: float
    """Most the other sites can send into this one over their Global Reach links, nothing failed."""
    global_reach_n_minus_1_gbps: float
    """The same after the worst single failure anywhere in the fabric."""


@dataclass
class FlowReport:
    graph: FabricGraph
    shortfalls: list[Shortfall] = field(default_factory=list)
    unroutable: list[DemandEdge] = field(default_factory=list)
    """Demands with no direct Global Reach link between their two sites."""
    demands: dict[tuple[str, str], DemandFigures] = field(default_factory=dict)
    sites: dict[str, SiteFigures] = field(default_factory=dict)
    failures: int = 0
    """Single failures analysed (every circuit, peering location and gateway)."""
    stats: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """How each failure was settled: skipped, baseline, rerouted, lp_restricted, lp_component."""


# ------------------------------------------------------------------------------------------------
# The flow problem: commodities (site pairs), paths, resources
# ------------------------------------------------------------------------------------------------


class _Flows:
    """Indexes of the path formulation: resources are ints, paths are (commodity, resources)."""

    def __init__(self, g: FabricGraph):
        self.g = g
        self.res: dict[tuple, int] = {}
        self.cap: list[float] = []
        for key, c in g.circuits.items():
            self._resource(("out", key), c.gbps)
            self._resource(("in", key), c.gbps)
        for s, site in g.sites.items():
            if not site.fastpath:
                self._resource(("gw", s), site.gateway_gbps)
        # Commodities: demands between the same two sites share every path, so they are one.
        pairs: dict[tuple[str, str], list[DemandEdge]] = defaultdict(list)
        for d in g.demands:
            pairs[(d.stack, d.to_stack)].append(d)
        self.pairs = list(pairs)
        self.pair_demands = [tuple(pairs[p]) for p in self.pairs]
        self.rate = [sum(d.gbps for d in pairs[p]) for p in self.pairs]
        pair_index = {p: k for k, p in enumerate(self.pairs)}
        # Paths: every link, in the direction of a demand between its two sites.
        self.paths: list[tuple[int, CircuitKey, CircuitKey, tuple[int, ...]]] = []
        seen: set[tuple[int, CircuitKey, CircuitKey]] = set()
        self.paths_of: list[list[int]] = [[] for _ in self.pairs]
        for link in g.links:
            for src, dst in ((link.a, link.b), (link.b, link.a)):
                k = pair_index.get((src[0], dst[0]))
                if k is None or (k, src, dst) in seen:
                    continue
                seen.add((k, src, dst))
                used = [self.res[("out", src)], self.res[("in", dst)]]
                if ("gw", dst[0]) in self.res:
                    used.append(self.res[("gw", dst[0])])
                self.paths_of[k].append(len(self.paths))
                self.paths.append((k, src, dst, tuple(used)))
        self.routable = [k for k in range(len(self.pairs)) if self.paths_of[k]]
        self.users: list[set[int]] = [set() for _ in self.cap]
        for k, _, _, used in self.paths:
            for r in used:
                self.users[r].add(k)
        self.resources_of = [sorted({r for p in self.paths_of[k] for r in self.paths[p][3]}) for k in range(len(self.pairs))]
        self.component = self._components()

    def _resource(self, key: tuple, cap: float) -> None:
        self.res[key] = len(self.cap)
        self.cap.append(cap)

    def _components(self) -> list[int]:
        parent = list(range(len(self.pairs)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for users in self.users:
            first, *rest = sorted(users) if users else (None,)
            for k in rest:
                parent[find(k)] = find(first)
        return [find(k) for k in range(len(self.pairs))]

    def changed_by(self, f: Failure) -> dict[int, float]:
        """Resource -> capacity under the failure, for every resource it changes."""
        out: dict[int, float] = {}
        for key in f.circuits:
            out[self.res[("out", key)]] = 0.0
            out[self.res[("in", key)]] = 0.0
        if f.gateway is not None and ("gw", f.gateway) in self.res:
            r = self.res[("gw", f.gateway)]
            out[r] = self.cap[r] / 2
        return out

    # -------------------------------------------------------------------- linear programs

    def lp(self, ks: Sequence[int], cap: Sequence[float] | dict[int, float]) -> tuple[float, dict[int, float], dict[int, float]]:
        """Route commodities `ks` within `cap`, minimising the total rate left unrouted.

        Returns (shortfall, unrouted per commodity, flow per path)."""
        # Imported here: `fabric validate` on a fabric without demands never pays for scipy.
        import numpy as np
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix

        path_ids = [p for k in ks for p in self.paths_of[k]]
        col = {p: i for i, p in enumerate(path_ids)}
        n_x, n_u = len(path_ids), len(ks)
        rows: dict[int, int] = {}
        ub_r, ub_c = [], []
        for p in path_ids:
            for r in self.paths[p][3]:
                ub_r.append(rows.setdefault(r, len(rows)))
                ub_c.append(col[p])
        a_ub = csr_matrix((np.ones(len(ub_r)), (ub_r, ub_c)), shape=(len(rows), n_x + n_u))
        b_ub = np.array([max(0.0, cap[r]) for r in rows])
        eq_r, eq_c = [], []
        for i, k in enumerate(ks):
            for p in self.paths_of[k]:
                eq_r.append(i)
                eq_c.append(col[p])
            eq_r.append(i)
            eq_c.append(n_x + i)
        a_eq = csr_matrix((np.ones(len(eq_r)), (eq_r, eq_c)), shape=(n_u, n_x + n_u))
        b_eq = np.array([self.rate[k] for k in ks])
        c = np.concatenate([np.zeros(n_x), np.ones(n_u)])
        bounds = [(0, None)] * n_x + [(0, self.rate[k]) for k in ks]
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status != 0:  # cannot happen: routing nothing is always feasible
            raise RuntimeError(f"flow LP failed: {res.message}")
        unrouted = {k: float(res.x[n_x + i]) for i, k in enumerate(ks)}
        flows = {p: float(res.x[col[p]]) for p in path_ids}
        return float(res.fun), unrouted, flows

    def solve(self, ks: Sequence[int], cap: Sequence[float]) -> tuple[float, dict[int, float], dict[int, float]]:
        """`lp`, or the exact max-flow when there is one commodity.

        Several commodities are first routed one after the other by max-flow on what the earlier ones
        left: if every one fits, that routing proves the set fits and no LP is needed (nor scipy's
        import, a third of a second). Only a greedy miss, which proves nothing, goes to the LP."""
        if len(ks) > 1:
            greedy = self.greedy(ks, cap)
            return greedy if greedy is not None else self.lp(ks, cap)
        (k,) = ks
        got, x = self.max_flow(k, cap, self.rate[k])
        return max(0.0, self.rate[k] - got), {k: max(0.0, self.rate[k] - got)}, x

    def greedy(self, ks: Sequence[int], cap: Sequence[float]) -> tuple[float, dict[int, float], dict[int, float]] | None:
        """Commodities routed in turn on residual capacity; None as soon as one does not fit."""
        residual = _Caps(cap, {})
        flows: dict[int, float] = {}
        for k in sorted(ks, key=lambda k: -self.rate[k]):
            got, x = self.max_flow(k, residual, self.rate[k])
            if got < self.rate[k] - EPS:
                return None
            for p, v in x.items():
                flows[p] = flows.get(p, 0.0) + v
                for r in self.paths[p][3]:
                    residual.changed[r] = residual[r] - v
        return 0.0, {k: 0.0 for k in ks}, flows

    # -------------------------------------------------------------------- max-flow of one commodity

    def max_flow(self, k: int, cap: Sequence[float] | dict[int, float], limit: float = math.inf) -> tuple[float, dict[int, float]]:
        """Most of commodity k that fits in `cap` (at most `limit`), and the flow per path."""
        return _max_flow([(self.paths[p][3], p) for p in self.paths_of[k]], cap, limit)


def _max_flow(paths: Sequence[tuple[tuple[int, ...], int]], cap, limit: float = math.inf) -> tuple[float, dict[int, float]]:
    """Max flow source -> out(a) -> in(b) [-> gateway] -> sink, one infinite edge a -> b per path.

    Every path ends at the same gateway (one commodity, or everything into one site), which is in
    series with all of them: the flow is min(gateway, flow without it). Without the gateway the
    graph falls apart into pieces joined by shared circuits; a piece of one path carries the
    smaller of its two circuits, a larger piece gets Edmonds-Karp. Most pieces are single paths.
    """
    gateways = {used[2] for used, _ in paths if len(used) > 2}
    if len(gateways) > 1:
        raise ValueError("paths into different gateways are not one commodity")
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for used, _ in paths:
        parent[find(("o", used[0]))] = find(("i", used[1]))
    pieces: dict[tuple[str, int], list[tuple[tuple[int, ...], int]]] = defaultdict(list)
    for item in paths:
        pieces[find(("o", item[0][0]))].append(item)
    total, flows = 0.0, {}
    for piece in pieces.values():
        if len(piece) == 1:
            (used, p), = piece
            f = max(0.0, min(cap[used[0]], cap[used[1]]))
            flows[p] = f
            total += f
        else:
            f, x = _edmonds_karp(piece, cap)
            flows.update(x)
            total += f
    bound = min(limit, max(0.0, cap[next(iter(gateways))]) if gateways else math.inf)
    if total > bound:
        # Less through every path alike stays within every capacity.
        scale = bound / total
        flows = {p: f * scale for p, f in flows.items()}
        total = bound
    return total, flows


def _edmonds_karp(paths: Sequence[tuple[tuple[int, ...], int]], cap) -> tuple[float, dict[int, float]]:
    """Edmonds-Karp on source -> out(a) -> in(b) -> sink for one piece (a few dozen nodes at most)."""
    nodes: dict[tuple[str, int], int] = {}
    head: list[list[int]] = [[], []]  # 0 source, 1 sink
    to: list[int] = []
    res: list[float] = []

    def edge(u: int, v: int, c: float) -> int:
        head[u].append(len(to)); to.append(v); res.append(c)
        head[v].append(len(to)); to.append(u); res.append(0.0)
        return len(to) - 2

    def node(key: tuple[str, int], src: bool) -> int:
        if key not in nodes:
            nodes[key] = len(head)
            head.append([])
            c = max(0.0, cap[key[1]])
            edge(0, nodes[key], c) if src else edge(nodes[key], 1, c)
        return nodes[key]

    path_edges = {p: edge(node(("o", used[0]), True), node(("i", used[1]), False), math.inf) for used, p in paths}
    total = 0.0
    while True:
        prev = [-1] * len(head)
        prev[0] = -2
        queue = deque([0])
        while queue and prev[1] == -1:
            u = queue.popleft()
            for e in head[u]:
                if res[e] > EPS and prev[to[e]] == -1:
                    prev[to[e]] = e
                    queue.append(to[e])
        if prev[1] == -1:
            return total, {p: res[e ^ 1] for p, e in path_edges.items()}
        push, v = math.inf, 1
        while v != 0:
            e = prev[v]
            push = min(push, res[e])
            v = to[e ^ 1]
        v = 1
        while v != 0:
            e = prev[v]
            res[e] -= push
            res[e ^ 1] += push
            v = to[e ^ 1]
        total += push


# ------------------------------------------------------------------------------------------------
# The analysis
# ------------------------------------------------------------------------------------------------


def analyse(specs: Sequence[FabricSpec]) -> FlowReport:
    """Demands fit now and after every single failure; per-demand and per-site figures."""
    g = build(specs)
    fl = _Flows(g)
    report = FlowReport(g)
    failures = g.failures()
    report.failures = len(failures)
    changes = [fl.changed_by(f) for f in failures]

    report.unroutable = [d for k in range(len(fl.pairs)) if not fl.paths_of[k] for d in fl.pair_demands[k]]

    # Baseline: every component at full capacity.
    components: dict[int, list[int]] = defaultdict(list)
    for k in fl.routable:
        components[fl.component[k]].append(k)
    flow = [0.0] * len(fl.paths)
    short_components: set[int] = set()
    for root, ks in components.items():
        short, unrouted, x = fl.solve(ks, fl.cap)
        for p, v in x.items():
            flow[p] = v
        if short > EPS:
            short_components.add(root)
            report.shortfalls.append(_shortfall(fl, None, short, ks, unrouted))
    usage = [0.0] * len(fl.cap)
    for p, (_, _, _, used) in enumerate(fl.paths):
        for r in used:
            usage[r] += flow[p]

    for f, changed in zip(failures, changes):
        affected = {k for r in changed for k in fl.users[r] if fl.component[k] not in short_components}
        if not affected:
            report.stats["skipped"] += 1
            continue
        if all(usage[r] <= c + EPS for r, c in changed.items()):
            report.stats["baseline"] += 1
            continue
        cap_f = list(fl.cap)
        for r, c in changed.items():
            cap_f[r] = c
        if _reroute(fl, affected, flow, usage, cap_f):
            report.stats["rerouted"] += 1
            continue
        roots = sorted({fl.component[k] for k in affected})
        if _fits_around(fl, affected, flow, usage, cap_f, sum(len(components[r]) for r in roots), report.stats):
            continue
        report.stats["lp_component"] += 1
        for root in roots:
            ks = components[root]
            short, unrouted, _ = fl.solve(ks, cap_f)
            if short > EPS:
                report.shortfalls.append(_shortfall(fl, f, short, ks, unrouted))

    report.demands = _demand_figures(fl, failures, changes)
    report.sites = _site_figures(fl, failures, changes)
    return report


NEIGHBOURHOOD_ROUNDS = 3
"""Times the set of freed demands grows by its neighbours before the whole component is solved."""


def _fits_around(fl: _Flows, affected: set[int], flow: list[float], usage: list[float], cap: list[float],
                 component_size: int, stats: dict[str, int]) -> bool:
    """Free the affected demands, then also their neighbours (demands sharing a circuit or gateway
    with them), and so on; everything else stays where the baseline routed it. A small LP that
    routes everything proves the failure survivable; only when none does is the component solved."""
    free = set(affected)
    for round_ in range(NEIGHBOURHOOD_ROUNDS + 1):
        if round_ > 0:
            grown = {k2 for k in free for r in fl.resources_of[k] for k2 in fl.users[r]}
            if len(grown) == len(free):
                return False  # the neighbourhood is the component
            free = grown
        if len(free) >= component_size or (len(free) == 1 and round_ == 0):
            # The whole component (solved by the caller), or one demand, whose re-route by max-flow
            # already failed and is exact.
            if len(free) >= component_size:
                return False
            continue
        rest = {r: cap[r] - usage[r] for k in free for r in fl.resources_of[k]}
        for k in free:
            for p in fl.paths_of[k]:
                for r in fl.paths[p][3]:
                    rest[r] += flow[p]
        short, _, _ = fl.lp(sorted(free), rest)
        if short <= EPS:
            stats[f"lp_neighbourhood_{round_}"] += 1
            return True
    return False


def _reroute(fl: _Flows, affected: set[int], flow: list[float], usage: list[float], cap: list[float]) -> bool:
    """Re-route the affected commodities one by one (largest first) in what the others leave."""
    used = list(usage)
    for k in affected:
        for p in fl.paths_of[k]:
            for r in fl.paths[p][3]:
                used[r] -= flow[p]
    for k in sorted(affected, key=lambda k: -fl.rate[k]):
        left = {r: cap[r] - used[r] for r in fl.resources_of[k]}
        got, x = fl.max_flow(k, left, fl.rate[k])
        if got < fl.rate[k] - EPS:
            return False
        for p, v in x.items():
            for r in fl.paths[p][3]:
                used[r] += v
    return True


def _shortfall(fl: _Flows, f: Failure | None, short: float, ks: Sequence[int], unrouted: dict[int, float]) -> Shortfall:
    short_demands = tuple(d for k in ks if unrouted[k] > EPS / len(ks) for d in fl.pair_demands[k])
    component = tuple(d for k in ks for d in fl.pair_demands[k])
    return Shortfall(f, short, short_demands or component, sum(fl.rate[k] for k in ks), component)


def _failures_by_resource(fl: _Flows, changes: list[dict[int, float]]) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in fl.cap]
    for i, changed in enumerate(changes):
        for r in changed:
            out[r].append(i)
    return out


def _demand_figures(fl: _Flows, failures: list[Failure], changes: list[dict[int, float]]) -> dict[tuple[str, str], DemandFigures]:
    touching = _failures_by_resource(fl, changes)
    out: dict[tuple[str, str], DemandFigures] = {}
    for k in range(len(fl.pairs)):
        available = fl.max_flow(k, fl.cap)[0] if fl.paths_of[k] else 0.0
        worst, worst_f = available, None
        for i in sorted({i for r in fl.resources_of[k] for i in touching[r]}):
            got = fl.max_flow(k, _Caps(fl.cap, changes[i]))[0]
            if got < worst - EPS:
                worst, worst_f = got, failures[i]
        for d in fl.pair_demands[k]:
            out[(d.stack, d.name)] = DemandFigures(d, available, worst, worst_f)
    return out


def _site_figures(fl: _Flows, failures: list[Failure], changes: list[dict[int, float]]) -> dict[str, SiteFigures]:
    g = fl.g
    out: dict[str, SiteFigures] = {}
    # Paths into each site over Global Reach, from every linked circuit of every other site.
    into: dict[str, list[tuple[tuple[int, ...], int]]] = defaultdict(list)
    for i, link in enumerate(g.links):
        for src, dst in ((link.a, link.b), (link.b, link.a)):
            used = [fl.res[("out", src)], fl.res[("in", dst)]]
            if ("gw", dst[0]) in fl.res:
                used.append(fl.res[("gw", dst[0])])
            into[dst[0]].append((tuple(used), 2 * i + (src != link.a)))
    touching = _failures_by_resource(fl, changes)
    # Each failure's loss of circuit bandwidth per site it touches.
    lost_by_site: dict[str, list[tuple[Failure, float]]] = defaultdict(list)
    for f in failures:
        lost: dict[str, float] = defaultdict(float)
        for key in f.circuits:
            lost[key[0]] += g.circuits[key].gbps
        if f.gateway is not None:
            lost[f.gateway] += 0.0
        for s, gbps in lost.items():
            lost_by_site[s].append((f, gbps))
    for s, site in g.sites.items():
        total = sum(g.circuits[(s, c)].gbps for c in site.circuits)
        gw = None if site.fastpath else site.gateway_gbps
        worst, worst_f = min(total, gw if gw is not None else math.inf), None
        for f, lost_gbps in lost_by_site[s]:
            left = total - lost_gbps
            if gw is not None:
                left = min(left, gw / 2 if f.gateway == s else gw)
            if left < worst - EPS:
                worst, worst_f = left, f
        paths = into.get(s, [])
        gr = _max_flow(paths, fl.cap)[0] if paths else 0.0
        gr_worst = gr
        involved = {i for used, _ in paths for r in used for i in touching[r]}
        for i in sorted(involved):
            gr_worst = min(gr_worst, _max_flow(paths, _Caps(fl.cap, changes[i]))[0])
        out[s] = SiteFigures(s, max(0.0, worst), worst_f, gr, gr_worst)
    return out


# ------------------------------------------------------------------------------------------------
# Violations
# ------------------------------------------------------------------------------------------------


def violations(report: FlowReport) -> list[Violation]:
    out: list[Violation] = []
    for d in report.unroutable:
        out.append(Violation(
            "demand-path",
            f"no Global Reach link joins a circuit of {d.stack} and a circuit of {d.to_stack}, so the "
            f"{_gbps(d.gbps)} Gb/s to {d.to_stack} has no route; Global Reach is not transitive (traffic "
            "never passes through a third site): declare a link between the two sites in both stack files",
            stack=d.stack, path=f"demands.{d.name}",
        ))
    for sf in report.shortfalls:
        listed = sf.component if len(sf.component) <= MESSAGE_DEMANDS else sf.demands
        labels = ", ".join(f"{d.label} -> {d.to_stack} ({_gbps(d.gbps)} Gb/s)" for d in listed[:MESSAGE_DEMANDS])
        if len(listed) > MESSAGE_DEMANDS:
            labels += f" and {len(listed) - MESSAGE_DEMANDS} more"
        if listed == sf.component:
            need = "it needs" if len(listed) == 1 else "they need together"
        else:
            need = f"that the {len(sf.component)} demands sharing these circuits need together"
        share = f"short by {_gbps(sf.short_gbps)} Gb/s of the {_gbps(sf.needed_gbps)} Gb/s {need}"
        one = len(listed) == 1
        if sf.failure is None:
            invariant = "demands-fit"
            message = (f"{labels} {'does' if one else 'do'} not fit even with nothing failed: {share}; add circuit "
                       "bandwidth or Global Reach links between these sites (or gateway throughput), or lower the "
                       "demands")
        else:
            invariant = "demands-survive-failure"
            message = (f"after losing {sf.failure}, {labels} no longer {'fits' if one else 'fit'}: {share}; add a "
                       "circuit at another peering location or a Global Reach link on another route, or lower "
                       "the demands")
        # Every stack whose demand competes for the capacity hears of it, at that demand's key.
        for stack in dict.fromkeys(d.stack for d in listed):
            mine = [d for d in listed if d.stack == stack]
            out.append(Violation(
                invariant, message, stack=stack,
                path=f"demands.{mine[0].name}" if len(mine) == 1 else "demands",
            ))
    return out


MESSAGE_DEMANDS = 8
"""Demands a shortfall message names before it says 'and N more'."""


def _gbps(x: float) -> str:
    return f"{x:g}" if abs(x - round(x)) < 1e-9 else f"{x:.2f}"


class _Caps:
    """Capacities under one failure: the baseline list with the failure's changes on top."""

    __slots__ = ("base", "changed")

    def __init__(self, base: Sequence[float], changed: dict[int, float]):
        self.base, self.changed = base, changed

    def __getitem__(self, r: int) -> float:
        return self.changed.get(r, self.base[r])


def hours_to_copy(dataset_tb: float, gbps: float) -> float | None:
    """Hours to copy `dataset_tb` terabytes (10^12 bytes) at `gbps` Gb/s; None at zero rate."""
    return None if gbps <= 0 else dataset_tb * 8000 / gbps / 3600


__all__ = [
    "CircuitNode", "DemandEdge", "DemandFigures", "FabricGraph", "Failure", "FlowReport", "LinkEdge",
    "Shortfall", "SiteFigures", "SiteNode", "analyse", "build", "hours_to_copy", "violations",
]
