"""The fabric as a flow network over the carrier: do all demands fit, and after any failure?

Which traffic may take which path is decided by Azure's documentation (the path rules in
infra/catalog.py, section "Paths between sites"):

- **the carrier path** carries every inter-site demand: VNet A -> a circuit of A (out) -> the PoP
  serving that circuit's peering location -> carrier spans -> the PoP of a circuit of B -> that
  circuit (in) -> B's gateway unless FastPath -> VNet B. From Azure's side this is VNet-to-on-premises
  at one end and on-premises-to-VNet at the other, ExpressRoute's documented purpose; between the
  two circuits the traffic is on the carrier's own fibre.
- **Global Reach** links circuits "to make a private network between your on-premises networks";
  Azure documents no VNet-to-VNet traffic over it, so no demand is routed over a Global Reach link.
  Its figures (``global_reach_gbps``) are what on-premises networks behind the circuits can exchange.
- **global VNet peering** is Azure's documented VNet-to-VNet path (Microsoft's backbone, never the
  carrier's fibre). The fabric declares none, so none is modelled; a demand with ``path: carrier``
  could never take one anyway.

The graph: nodes are the carrier's PoPs and, per site, a source (its VNet sending), a gate (behind
its circuits) and a sink (its VNet receiving). Arcs: a circuit's ``out`` (source -> PoP) and ``in``
(PoP -> gate), each its bandwidth (ER_FAQ_DOC: circuit bandwidth is duplex); a span's two directions,
each its capacity; the gateway (gate -> sink), unbounded where FastPath is effective (FASTPATH_DOC).
Traffic from the VNet to the circuit does not pass the gateway (*unverified*; see below). A site
never carries another site's traffic: its sink has no way out and its gate only leads to its sink.

Without ``stacks/fabric.yaml`` the carrier's network is not modelled: every peering location meets
one unbounded carrier node, so only circuits and gateways bound the demands, and spans, shared-risk
groups and PoPs cannot fail.

The flow problem is a multi-commodity flow between pairs of sites (demands of one pair are
interchangeable), minimising the rate left unrouted. Failures (each alone): a span, a shared-risk
group (every span in it), a PoP (its spans and the circuits at its location), a circuit, a peering
location (its circuits, except ExpressRoute Metro circuits), one of a gateway's two instances (halves
it; the two-instance model is DESIGN.md's, *unverified* in the docs). New fibre counts only from its
in-service date, on the day the plan is for.

How it is solved (infra/capacity/rerouting.py, flow_network.py), so that a fabric of hundreds of sites
takes seconds: the routing with nothing failed is kept as paths per pair of sites, each pair along its
least-latency path with room (the carrier's shortest paths from each PoP, scipy.sparse.csgraph, computed
once). Per failure, only the paths crossing an arc it over-fills move: a path that lost a circuit is
routed again from its site, one that lost spans or a transit PoP detours between the PoPs around the
cut; a failure whose detours all find room is survivable, proven by the routing found. Otherwise a
path program (column generation with scipy's HiGHS) frees the pairs whose detours found no room, holds
the others where they are, and grows until its capacity prices certify it (no held path crosses a
priced capacity): its optimum is then the least shortfall over every routing of every pair, by linear
programming duality. A shortfall is only ever reported from such a proven optimum, with the resources
it saturates (the capacities with a non-zero price).

Critical demands must also fit after any two failures, with only critical traffic carried. Pairs of
failures are pruned exactly (see ``_two_failures``): over arcs that could carry all the critical
traffic meant for them, a critical pair with three routes no single failure shares cannot be cut off
by two failures; for the others, only pairs of failures that cut every such route are checked, and
when that reasoning does not apply, a pair leaves the critical routing after its first failure intact
unless the second failure lowers an arc that routing uses.

Per-pair figures (``available_gbps``, ``worst_failure_gbps``) are exact: the cut at the two sites'
circuits and gateway meets a routing inside the carrier's connected parts (``_PairFigures``), and
scipy's max-flow decides where they do not meet.

The outbound-bypasses-the-gateway statement comes from practitioners' notes (e.g.
github.com/nyquist/memory2go, cloud/azure/architect/ExpressRoute.md: "Traffic from VNET to MSEE
bypasses Gateway"); FASTPATH_DOC and ER_GW_DOC describe the gateway for inbound traffic only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from infra.capacity import network
from infra.capacity.flow_network import EPS, SPAN, VIA, FlowNetwork
from infra.capacity.rerouting import PRICE_TOL, Router, Routing, Settled, by_program, settle
from infra.capacity.report import Violation
from infra.spec import FabricSpec, ReplicationDemand

CircuitKey = tuple[str, str]
"""(stack, circuit name)."""

VIRTUAL_POP = "(carrier)"
"""The one unbounded carrier node used when no carrier network is declared."""

_MBPS = 1000
"""Max-flow works in integers: capacities in Mb/s (rounded down), needs rounded up."""
_INT_INF = 2_000_000_000


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
    """A Global Reach link as its owner (the stack sorting first) creates it: on-premises traffic only."""

    name: str
    a: CircuitKey
    b: CircuitKey
    prefix: str


@dataclass(frozen=True)
class SpanEdge:
    name: str
    a: str
    z: str
    gbps: float
    """Per direction, what this fabric may use."""
    srlgs: tuple[str, ...] = ()
    new: bool = False
    in_service: dt.date | None = None
    latency_ms: float = 1.0


@dataclass(frozen=True)
class DemandEdge:
    stack: str
    name: str
    to_stack: str
    gbps: float
    dataset_tb: float | None = None
    critical: bool = False
    path: str = "any"

    @property
    def label(self) -> str:
        return f"{self.stack}/{self.name}"


@dataclass(frozen=True)
class Failure:
    kind: str
    """'span', 'shared-risk group', 'PoP', 'circuit', 'peering location' or 'gateway'."""
    name: str
    circuits: frozenset[CircuitKey] = frozenset()
    """Circuits lost."""
    spans: frozenset[str] = frozenset()
    """Spans lost."""
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
    pops: dict[str, str | None] = field(default_factory=lambda: {VIRTUAL_POP: None})
    """PoP -> the peering location it serves (None: transit)."""
    spans: dict[str, SpanEdge] = field(default_factory=dict)
    """Spans in service on `on`."""
    pending: dict[str, SpanEdge] = field(default_factory=dict)
    """New fibre not yet in service on `on`: drawn, not counted."""
    carrier: str | None = None
    """Whose network; None: no carrier network declared (one unbounded node)."""
    on: dt.date = field(default_factory=dt.date.today)

    def pop_of(self, location: str) -> str:
        if self.carrier is None:
            return VIRTUAL_POP
        if "_pop_at" not in self.__dict__:  # frozen dataclass: cache the index once
            object.__setattr__(self, "_pop_at", {loc: pop for pop, loc in reversed(self.pops.items()) if loc})
        try:
            return self.__dict__["_pop_at"][location]
        except KeyError:
            raise KeyError(f"no PoP serves {location!r}") from None  # the loader's cross-check refuses such input

    def srlgs(self) -> dict[str, tuple[str, ...]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for s in self.spans.values():
            for g in s.srlgs:
                groups[g].append(s.name)
        return {g: tuple(m) for g, m in sorted(groups.items())}

    def failures(self) -> list[Failure]:
        """Every single failure: each span, shared-risk group, PoP, circuit, peering location, gateway."""
        out = [Failure("span", n, spans=frozenset({n})) for n in self.spans]
        out += [Failure("shared-risk group", g, spans=frozenset(m)) for g, m in self.srlgs().items()]
        if self.carrier is not None:
            spans_at: dict[str, set[str]] = defaultdict(set)
            for n, s in self.spans.items():
                spans_at[s.a].add(n)
                spans_at[s.z].add(n)
            circuits_at: dict[str, set[CircuitKey]] = defaultdict(set)
            for k, c in self.circuits.items():
                if not c.metro:
                    circuits_at[c.location].add(k)
            for pop, loc in self.pops.items():
                lost = frozenset(circuits_at.get(loc, ())) if loc is not None else frozenset()
                out.append(Failure("PoP", pop, circuits=lost, spans=frozenset(spans_at.get(pop, ()))))
        out += [Failure("circuit", f"{s}/{c}", frozenset({(s, c)})) for (s, c) in self.circuits]
        by_location: dict[str, set[CircuitKey]] = defaultdict(set)
        for key, c in self.circuits.items():
            if not c.metro:  # dual-homed: survives one of its two locations
                by_location[c.location].add(key)
        out += [Failure("peering location", loc, frozenset(keys)) for loc, keys in sorted(by_location.items())]
        out += [Failure("gateway", s, gateway=s) for s in self.sites]
        return out


def build(specs: Sequence[FabricSpec], carrier=None, on: dt.date | None = None) -> FabricGraph:
    """The graph of a fabric whose cross-stack references resolve (assess checks that first).

    `carrier` is an infra.carrier.CarrierSpec or None; `on` the day planned for (default today)."""
    on = on or dt.date.today()
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
            peer = by_name.get(link.peer_stack)
            if link.owned_by(spec.stack) and peer is not None and link.peer_circuit in peer.interconnect.circuits:
                links.append(LinkEdge(name, (spec.stack, link.circuit), (link.peer_stack, link.peer_circuit),
                                      str(link.prefix)))
        for name, d in spec.demands.items():
            if d.to_stack in by_name:
                demands.append(DemandEdge(
                    spec.stack, name, d.to_stack, d.gbps,
                    d.dataset_tb if isinstance(d, ReplicationDemand) else None, d.critical, d.path,
                ))
    if carrier is None:
        return FabricGraph(sites, circuits, tuple(links), tuple(demands), on=on)
    spans, pending = {}, {}
    for name, s in carrier.spans.items():
        edge = SpanEdge(name, s.a, s.z, float(s.gbps), tuple(s.srlgs), s.status == "new", s.in_service, s.latency)
        (spans if s.in_service_on(on) else pending)[name] = edge
    pops = {name: p.peering_location for name, p in carrier.pops.items()}
    return FabricGraph(sites, circuits, tuple(links), tuple(demands), pops, spans, pending, carrier.carrier, on)


# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saturated:
    """A capacity the full program fills and that limits the routing (non-zero dual)."""

    resource: str
    load_gbps: float
    capacity_gbps: float

    def __str__(self) -> str:
        return f"{self.resource} ({_gbps(self.load_gbps)} of {_gbps(self.capacity_gbps)} Gb/s)"

    def to_json(self) -> dict:
        return {"resource": self.resource, "load_gbps": round(self.load_gbps, 3),
                "capacity_gbps": round(self.capacity_gbps, 3)}


@dataclass(frozen=True)
class Shortfall:
    """Demands that do not fit together: nothing failed (failures ()), one failure, or two (critical)."""

    failure: Failure | None
    short_gbps: float
    """The least total rate that cannot be carried."""
    demands: tuple[DemandEdge, ...]
    """The demands left short in the routing found (where the shortfall lands)."""
    needed_gbps: float
    """What the competing demands need together."""
    component: tuple[DemandEdge, ...] = ()
    """Every demand competing for the capacity."""
    saturated: tuple[Saturated, ...] = ()
    """The resources the exact program fills and that limit it."""
    second: Failure | None = None
    """The second failure of a two-failure shortfall (critical demands only)."""
    short_by_demand: tuple[tuple[DemandEdge, float], ...] = ()

    @property
    def failures(self) -> tuple[Failure, ...]:
        return tuple(f for f in (self.failure, self.second) if f is not None)


@dataclass(frozen=True)
class PathPiece:
    """Part of a demand's routing in the baseline: one circuit out, spans, one circuit in."""

    gbps: float
    out: CircuitKey
    spans: tuple[str, ...]
    into: CircuitKey
    via: str = "carrier"

    def __str__(self) -> str:
        hops = " -> ".join(self.spans) if self.spans else "(same PoP)"
        return f"{self.out[0]}/{self.out[1]} -> {hops} -> {self.into[0]}/{self.into[1]}"

    def to_json(self) -> dict:
        return {"via": self.via, "gbps": round(self.gbps, 3), "out": f"{self.out[0]}/{self.out[1]}",
                "spans": list(self.spans), "in": f"{self.into[0]}/{self.into[1]}"}


@dataclass(frozen=True)
class DemandFigures:
    demand: DemandEdge
    available_gbps: float
    """Most the fabric carries between the two sites with nothing else on it (no failure)."""
    worst_failure_gbps: float
    """The same after the single failure that leaves the least."""
    worst_failure: Failure | None
    paths: tuple[PathPiece, ...] = ()
    """How the baseline routes this demand's pair of sites (shared by demands of the pair)."""
    short_gbps: float = 0.0
    """Shortfall of this demand with nothing failed (0: it fits)."""
    worst_shortfall_gbps: float = 0.0
    """Its largest shortfall after a single failure, with every demand carried together."""
    worst_shortfall_failure: Failure | None = None
    saturated: tuple[Saturated, ...] = ()
    """What limits it where it is short (nothing failed, else the failure above)."""
    exact: bool = True
    """False: worst_failure_gbps is a lower bound (the max-flow budget, MAX_FLOWS, ran out)."""


@dataclass(frozen=True)
class SiteFigures:
    stack: str
    n_minus_1_gbps: float
    """Bandwidth into the site (circuits, and the gateway unless FastPath) after its worst failure."""
    worst_failure: Failure | None
    global_reach_gbps: float
    """Most the on-premises networks behind other sites' circuits can send into this site's circuits
    over Global Reach, nothing failed (on-premises traffic; no VNet demand uses it)."""
    global_reach_n_minus_1_gbps: float
    """The same after the worst single failure anywhere in the fabric."""
    worst_demand_failure: Failure | None = None
    """The single failure that leaves the site's own demands the largest shortfall (None: none does)."""


@dataclass(frozen=True)
class ArcUse:
    label: str
    kind: str
    capacity_gbps: float
    normal_gbps: float
    worst_gbps: float
    worst_failure: Failure | None

    def to_json(self) -> dict:
        return {"resource": self.label, "capacity_gbps": _num(self.capacity_gbps),
                "normal_gbps": round(self.normal_gbps, 3), "worst_gbps": round(self.worst_gbps, 3),
                "worst_failure": None if self.worst_failure is None else str(self.worst_failure)}


@dataclass
class FlowReport:
    graph: FabricGraph
    shortfalls: list[Shortfall] = field(default_factory=list)
    unroutable: list[DemandEdge] = field(default_factory=list)
    """Demands with no carrier path at all between their two sites."""
    demands: dict[tuple[str, str], DemandFigures] = field(default_factory=dict)
    sites: dict[str, SiteFigures] = field(default_factory=dict)
    failures: int = 0
    """Single failures analysed."""
    pairs: int = 0
    """Pairs of failures that had to be checked for the critical demands (the rest pruned exactly)."""
    critical_pairs: int = 0
    """Pairs of sites with critical demands between them."""
    critical_immune: int = 0
    """Of those, the pairs with three routes no single failure shares (no two failures cut them off)."""
    spans: list[ArcUse] = field(default_factory=list)
    """Carrier span use per direction: normal, and the worst over single failures."""
    stats: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """How each failure was settled: skipped, baseline, rerouted, lp_restricted, lp_full."""

    def carrier_json(self) -> dict:
        g = self.graph
        return {
            "carrier": g.carrier, "on": g.on.isoformat(), "pops": len(g.pops) if g.carrier else 0,
            "spans": [u.to_json() for u in self.spans],
            "pending_spans": [{"span": s.name, "in_service": s.in_service.isoformat() if s.in_service else None}
                              for s in g.pending.values()],
            "failures": self.failures, "failure_pairs_checked": self.pairs,
            "critical_site_pairs": self.critical_pairs, "critical_site_pairs_immune": self.critical_immune,
        }


# ------------------------------------------------------------------------------------------------
# The analysis
# ------------------------------------------------------------------------------------------------


def analyse(specs: Sequence[FabricSpec], carrier=None, on: dt.date | None = None,
            timings: dict[str, float] | None = None) -> FlowReport:
    """Demands fit now, after every single failure, and (critical ones) after any two.

    `timings`, when given, receives seconds per phase: baseline, single, figures, two."""
    clock = _Clock(timings)
    return _analyse(build(specs, carrier, on), clock)


def analyse_graph(g: FabricGraph) -> FlowReport:
    """The same analysis of a graph built already (the rule tests build small graphs directly)."""
    return _analyse(g, _Clock(None))


def _analyse(g: FabricGraph, clock: _Clock) -> FlowReport:
    report = FlowReport(g)
    failures = g.failures()
    report.failures = len(failures)
    if not g.demands:
        report.sites = _site_figures(g, failures, {})
        return report
    net_all = FlowNetwork(g)
    figures = _PairFigures(net_all, failures)
    available = figures.available()
    clock.lap("figures")
    # Pairs without any path are reported as such, and routed by no one.
    unroutable = {net_all.pairs[i] for i in range(len(net_all.pairs)) if available[i] <= EPS}
    report.unroutable = [d for p in sorted(unroutable) for d in net_all.pair_demands[p]]
    net = net_all if not unroutable else FlowNetwork(g, [d for d in g.demands if (d.stack, d.to_stack) not in unroutable])
    router = Router(net)
    base = _route_all(net, router)
    clock.lap("baseline")
    base_ok = base.exact is None
    if not base_ok:
        report.shortfalls.append(_shortfall(net, None, None, base))
    normal = base.load
    worst_load, worst_by = normal.copy(), np.full(net.n_arcs, -1)
    per_pair_short: dict[tuple[str, str], tuple[float, Failure, tuple[Saturated, ...]]] = {}
    by_failure, _, halved = net.failure_index(failures)
    touched = _touches(net, base.load, by_failure, halved) if base_ok and net.pairs else np.zeros(len(failures), bool)
    for j, f in enumerate(failures):
        changed = _changed(by_failure, halved, j)
        if not len(changed):
            report.stats["skipped"] += 1
            continue
        if not base_ok:
            continue  # the baseline is already short: failures only repeat it
        if not touched[j]:
            report.stats["skipped"] += 1
            continue
        st = settle(net, router, base.routing, _cap_with(net, by_failure, halved, j), changed)
        report.stats[st.how] += 1
        if st.exact is not None:
            sf = _shortfall(net, f, None, st)
            report.shortfalls.append(sf)
            # Per pair of sites, its whole shortfall: each demand's figure is its share of it.
            pair_short: dict[tuple[str, str], float] = defaultdict(float)
            for d, s in sf.short_by_demand:
                pair_short[(d.stack, d.to_stack)] += s
            for key, s in pair_short.items():
                if s > per_pair_short.get(key, (0.0,))[0]:
                    per_pair_short[key] = (s, f, sf.saturated)
        worse = np.nonzero(st.load > worst_load + EPS)[0]
        worst_load[worse], worst_by[worse] = st.load[worse], j
    clock.lap("single")
    span_loads = {}
    for name in g.spans:
        for k, a in enumerate(net.span_arcs[name]):
            span_loads[(name, k)] = (net.labels[a], net.cap[a], normal[a], worst_load[a],
                                     failures[worst_by[a]] if worst_by[a] >= 0 else None)
    report.spans = [ArcUse(label, "span", cap, n, w, f) for label, cap, n, w, f in span_loads.values()]
    worst = figures.worst()
    report.demands = _demand_figures(net_all, net, base, available, worst, per_pair_short)
    report.sites = _site_figures(g, failures, report.demands)
    clock.lap("figures")
    if base_ok:
        _two_failures(g, failures, report)
    clock.lap("two")
    return report


class _Clock:
    """Adds the seconds since the last lap to a phase (for the bench): wall-clock under the phase's name,
    CPU time of this process under ``<phase>_cpu``."""

    def __init__(self, out: dict[str, float] | None):
        import time

        self.out, self.now, self.cpu = out, time.perf_counter, time.process_time
        self.t, self.c = self.now(), self.cpu()

    def lap(self, phase: str) -> None:
        if self.out is not None:
            t, c = self.now(), self.cpu()
            self.out[phase] = self.out.get(phase, 0.0) + t - self.t
            self.out[phase + "_cpu"] = self.out.get(phase + "_cpu", 0.0) + c - self.c
            self.t, self.c = t, c


def _route_all(net: FlowNetwork, router: Router) -> Settled:
    """The routing with nothing failed: every pair along its least-latency path with room, one after
    another (scipy's Dijkstra); what that leaves unrouted goes to the exact program."""
    room = net.cap.copy()
    requests = [[int(net.pair_src[i]), int(net.pair_sink[i]), float(net.rate[i])] for i in range(len(net.pairs))]
    pieces, left = router.route(requests, room)
    routing = Routing.from_paths(net, [(i, a, x) for i, ps in enumerate(pieces) for a, x in ps])
    if not any(left):
        return Settled("rerouted", routing.load, routing)
    return by_program(net, routing, net.cap, {i for i, x in enumerate(left) if x > 0}, want_paths=True,
                      router=router)


def _changed(by_failure, halved: np.ndarray, j: int) -> np.ndarray:
    cut = by_failure.indices[by_failure.indptr[j]:by_failure.indptr[j + 1]]
    return np.append(cut, halved[j]).astype(np.int64) if halved[j] >= 0 else cut.astype(np.int64)


def _cap_with(net: FlowNetwork, by_failure, halved: np.ndarray, *js: int) -> np.ndarray:
    cap = net.cap.copy()
    for j in js:
        cap[by_failure.indices[by_failure.indptr[j]:by_failure.indptr[j + 1]]] = 0.0
        if halved[j] >= 0:
            cap[halved[j]] = min(cap[halved[j]], net.cap[halved[j]] / 2)
    return cap


def _touches(net: FlowNetwork, load: np.ndarray, by_failure, halved: np.ndarray) -> np.ndarray:
    """Per failure: does it lower an arc that carries traffic?"""
    out = np.asarray(by_failure @ (load > EPS).astype(np.float64)).ravel() > 0
    has = halved >= 0
    out[has] |= load[halved[has]] > EPS
    return out


def _shortfall(net: FlowNetwork, f: Failure | None, second: Failure | None, st: Settled) -> Shortfall:
    sol = st.exact
    assert sol is not None
    ids = list(st.component)
    short_pairs = [i for i in ids if sol.unrouted[i] > EPS / max(1, len(ids))]
    demands_of = lambda i: net.pair_demands[net.pairs[i]]
    short_demands = tuple(d for i in short_pairs for d in demands_of(i))
    component = tuple(d for i in ids for d in demands_of(i))
    by_demand = []
    for i in short_pairs:
        ds = demands_of(i)
        total = sum(d.gbps for d in ds) or 1.0
        by_demand += [(d, sol.unrouted[i] * d.gbps / total) for d in ds]
    changes = [net.changes(x) for x in (f, second) if x is not None]
    cap = net.cap_under(*changes)
    # Priced capacities; an arc the failure took away is the failure, not a saturation.
    saturated = tuple(sorted(
        (s for s in (Saturated(net.labels[a], sol.load[a], cap[a]) for a in np.nonzero(sol.price > PRICE_TOL)[0])
         if s.capacity_gbps > EPS),
        key=lambda s: s.resource,
    ))
    return Shortfall(f, float(sol.short), short_demands or component, float(sum(net.rate[i] for i in ids)),
                     component, saturated, second, tuple(by_demand))


# ------------------------------------------------------------------------------------------------
# Per pair of sites: the most the fabric carries between them alone
# ------------------------------------------------------------------------------------------------

MAX_FLOWS = 2000
"""scipy max-flows the per-pair figures may run (milliseconds each); beyond, a pair's worst-failure figure
is the lower bound below and marked not exact."""


class _PairFigures:
    """For each pair of sites, the most the fabric carries from one to the other with nothing else on it,
    with nothing failed and after each single failure, exactly and mostly without a max-flow:

    - at most U = min(live circuits out of A, live circuits into B, B's gateway): a cut;
    - at least, per connected part C of the carrier over spans of at least theta (the largest U over all
      pairs, nothing failed), min(A's live circuits in C, B's live circuits in C), summed over the parts
      and capped by the gateway: flow routed inside a part crosses each span of a spanning tree with at
      most U <= theta, so it fits.

    When the two bounds meet (always, when no span is narrower than theta) the figure is exact;
    otherwise scipy's max-flow decides, only where the lower bound could still be the worst."""

    def __init__(self, net: FlowNetwork, failures: list[Failure]):
        self.net, self.failures = net, failures
        g = net.g
        sites = list(g.sites)
        index = {s: k for k, s in enumerate(sites)}
        out, into, site_of = [], [], []
        for s in sites:
            for a, b in zip(net.site_out[s], net.site_in[s]):
                out.append(a); into.append(b); site_of.append(index[s])
        self.out = np.array(out, dtype=np.int64)
        self.into = np.array(into, dtype=np.int64)
        self.site_of = np.array(site_of, dtype=np.int64)
        self.n_sites = len(sites)
        self.carrier = net.carrier()
        self.pop = self.carrier.index[np.array([net.circuit_pop[a] for a in out], dtype=np.int64)]
        # Circuits are listed site by site: per-site reductions over the sites that have any.
        self.sites_with = np.unique(self.site_of)
        self.first = np.searchsorted(self.site_of, self.sites_with)
        self.gw = np.array([net.gw_arc[s] for s in sites], dtype=np.int64)
        self.src = np.array([index[s] for s, _ in net.pairs], dtype=np.int64)
        self.dst = np.array([index[t] for _, t in net.pairs], dtype=np.int64)
        cap = net.cap
        u0 = self._bound(cap, np.arange(len(net.pairs)))
        self.theta = float(u0.max()) if len(u0) else 0.0
        self.strong = ((net.kind == SPAN) & (cap >= self.theta - EPS)) | (net.kind == VIA)
        self.all_strong = bool(self.strong[net.kind == SPAN].all())
        self.base_labels = self._labels(np.zeros(0, dtype=np.int64))
        self.max_flows = 0
        self.exact = np.ones(len(net.pairs), dtype=bool)

    def _bound(self, cap: np.ndarray, ids: np.ndarray) -> np.ndarray:
        out = np.bincount(self.site_of, weights=cap[self.out], minlength=self.n_sites)
        into = np.bincount(self.site_of, weights=cap[self.into], minlength=self.n_sites)
        s, t = self.src[ids], self.dst[ids]
        return np.minimum(np.minimum(out[s], into[t]), cap[self.gw][t])

    def _labels(self, cut: np.ndarray) -> np.ndarray:
        keep = self.strong.copy()
        keep[cut] = False
        return self.carrier.components(keep)

    def _figures(self, cap: np.ndarray, labels: np.ndarray, worst: np.ndarray | None,
                 ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(value, exact) for the pairs `ids` under `cap`: exact where the bounds meet or a max-flow ran;
        else the lower bound, and only computed where it could beat `worst`."""
        upper = self._bound(cap, ids)
        live_out, live_in = cap[self.out] > EPS, cap[self.into] > EPS
        lab = labels[self.pop].astype(np.int64)
        value = upper.copy()
        exact = (upper <= EPS) | self._in_one_part(cap, labels, ids)
        for k in np.nonzero(~exact)[0].tolist():
            i = int(ids[k])
            s, t = self.src[i], self.dst[i]
            mine = self.site_of == s
            theirs = self.site_of == t
            lower = 0.0
            for c in set(lab[mine & live_out].tolist()) & set(lab[theirs & live_in].tolist()):
                lower += min(cap[self.out[mine & live_out & (lab == c)]].sum(),
                             cap[self.into[theirs & live_in & (lab == c)]].sum())
            lower = min(lower, cap[self.gw[t]])
            if lower >= upper[k] - EPS or self.all_strong:
                value[k], exact[k] = lower, True
                continue
            value[k] = lower
            if worst is not None and lower >= worst[i] - EPS:
                exact[k] = True  # cannot be the worst: its exact figure is not needed
                continue
            if self.max_flows < MAX_FLOWS:
                self.max_flows += 1
                value[k] = self.net.max_flow(cap, int(self.net.pair_src[i]), int(self.net.pair_sink[i]))
                exact[k] = True
        return value, exact

    def _in_one_part(self, cap: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Per pair of `ids`: every live circuit out of its source and into its destination lands in one
        and the same part of the carrier under `labels` (then the bounds meet: its figure is exact)."""
        live_out, live_in = cap[self.out] > EPS, cap[self.into] > EPS
        lab = labels[self.pop].astype(np.int64)
        big = np.iinfo(np.int64).max
        comp = []
        for live in (live_out, live_in):
            lo = np.full(self.n_sites, big)
            hi = np.full(self.n_sites, -1)
            if len(self.first):
                lo[self.sites_with] = np.minimum.reduceat(np.where(live, lab, big), self.first)
                hi[self.sites_with] = np.maximum.reduceat(np.where(live, lab, -1), self.first)
            comp.append(np.where(lo == hi, hi, np.where(hi < 0, -1, -2)))
        c_out, c_in = comp[0][self.src[ids]], comp[1][self.dst[ids]]
        return (c_out >= 0) & (c_out == c_in)

    def _still_one(self, cut: np.ndarray, cap: np.ndarray) -> bool:
        """With nothing failed the live circuits' PoPs are in one part, and still are without the arcs cut."""
        live = self.pop[(cap[self.out] > EPS) | (cap[self.into] > EPS)]
        if not len(live) or len(np.unique(self.base_labels[live])) != 1:
            return False
        keep = self.strong.copy()
        keep[cut] = False
        return self.carrier.reaches(keep, int(live[0]), live)

    def _splits(self, labels: np.ndarray, cap: np.ndarray) -> bool:
        """Do the carrier's parts under `labels` group the PoPs of live circuits otherwise than nothing failed?"""
        live = (cap[self.out] > EPS) | (cap[self.into] > EPS)
        if not live.any():
            return False
        before, after = self.base_labels[self.pop[live]], labels[self.pop[live]]
        n = len(np.unique(before))
        both = before.astype(np.int64) * (int(after.max()) + 1) + after
        return len(np.unique(after)) != n or len(np.unique(both)) != n

    def available(self) -> np.ndarray:
        ids = np.arange(len(self.net.pairs))
        value, exact = self._figures(self.net.cap, self.base_labels, None, ids)
        self.exact &= exact
        self._available = value
        return value

    def worst(self) -> tuple[np.ndarray, list[Failure | None], np.ndarray]:
        """Per pair: the least it can carry after a single failure, which failure (the first in order
        that leaves that least; None: no failure lowers it), and whether the figure is exact.

        A failure that splits no part of the carrier changes only the pairs of the sites it touches, and,
        where it cuts a span narrower than theta, the pairs whose circuits lie in different parts (their
        traffic crosses between parts over such spans)."""
        net = self.net
        by_failure, _, halved = net.failure_index(self.failures)
        worst = self._available.copy()
        worst_by = np.full(len(net.pairs), -1)
        everyone = np.arange(len(net.pairs))
        weak = (net.kind == SPAN) & ~self.strong
        across = np.nonzero((self._available > EPS) & ~self._in_one_part(net.cap, self.base_labels, everyone))[0]
        site_of_arc = np.full(net.n_arcs, -1)
        site_of_arc[self.out], site_of_arc[self.into], site_of_arc[self.gw] = self.site_of, self.site_of, \
            np.arange(self.n_sites)
        touching = [[] for _ in range(self.n_sites)]
        for i, (s, t) in enumerate(zip(self.src.tolist(), self.dst.tolist())):
            touching[s].append(i)
            if t != s:
                touching[t].append(i)
        touching = [np.array(x, dtype=np.int64) for x in touching]
        for j in range(len(self.failures)):
            cut = by_failure.indices[by_failure.indptr[j]:by_failure.indptr[j + 1]]
            if not len(cut) and halved[j] < 0:
                continue
            cap = _cap_with(net, by_failure, halved, j)
            labels = self.base_labels
            if self.strong[cut].any() and not self._still_one(cut, cap):
                labels = self._labels(cut)
            if labels is not self.base_labels and self._splits(labels, cap):
                ids = everyone
            else:
                sites = np.unique(site_of_arc[np.append(cut, halved[j]) if halved[j] >= 0 else cut])
                sites = sites[sites >= 0]
                ids = np.unique(np.concatenate([touching[s] for s in sites.tolist()] + [np.zeros(0, np.int64)]))
                if weak[cut].any():
                    ids = np.union1d(ids, across)
                if not len(ids):
                    continue
            value, exact = self._figures(cap, labels, worst, ids)
            self.exact[ids] &= exact
            better = value < worst[ids] - EPS
            worst[ids[better]], worst_by[ids[better]] = value[better], j
        return worst, [self.failures[j] if j >= 0 else None for j in worst_by], self.exact.copy()


def _demand_figures(net_all: FlowNetwork, net: FlowNetwork, base: Settled, available: np.ndarray, worst,
                    short: dict[tuple[str, str], tuple[float, Failure, tuple[Saturated, ...]]]
                    ) -> dict[tuple[str, str], DemandFigures]:
    worst_gbps, worst_f, exact = worst
    routing = base.routing
    out: dict[tuple[str, str], DemandFigures] = {}
    for i, pair in enumerate(net_all.pairs):
        j = net.pair_index.get(pair)
        paths = tuple(_pieces(net, routing, j)) if j is not None and routing is not None else ()
        unrouted = float(routing.unrouted[j]) if j is not None and routing is not None else float(net_all.rate[i])
        sp = short.get(pair)
        for d in net_all.pair_demands[pair]:
            share = d.gbps / net_all.rate[i]
            out[(d.stack, d.name)] = DemandFigures(
                d, float(available[i]), float(worst_gbps[i]), worst_f[i], paths, unrouted * share,
                0.0 if sp is None else sp[0] * share, None if sp is None else sp[1], () if sp is None else sp[2],
                bool(exact[i]),
            )
    return out


def _pieces(net: FlowNetwork, routing: Routing, i: int, limit: int = 8) -> list[PathPiece]:
    """Pair i's paths in the baseline, largest first, alike paths merged."""
    merged: dict[tuple[int, ...], float] = defaultdict(float)
    for k in routing.of_pairs([i]).tolist():
        merged[tuple(routing.path(k).tolist())] += float(routing.amount[k])
    out = []
    for arcs, gbps in sorted(merged.items(), key=lambda kv: -kv[1])[:limit]:
        circuits = [net.circuit_of[a] for a in arcs if a in net.circuit_of]
        out.append(PathPiece(gbps, circuits[0], tuple(net.span_of[a] for a in arcs if a in net.span_of), circuits[-1]))
    return out


def _site_figures(g: FabricGraph, failures: list[Failure], demands: dict[tuple[str, str], DemandFigures]
                  ) -> dict[str, SiteFigures]:
    out: dict[str, SiteFigures] = {}
    into: dict[str, list[tuple[CircuitKey, CircuitKey]]] = defaultdict(list)
    for link in g.links:
        for src, dst in ((link.a, link.b), (link.b, link.a)):
            into[dst[0]].append((src, dst))
    lost_at: dict[str, list[tuple[float, int]]] = defaultdict(list)
    """Per site: (Gb/s of its circuits lost, failure index) for each failure that touches it."""
    for j, f in enumerate(failures):
        lost: dict[str, float] = defaultdict(float)
        for k in f.circuits:
            lost[k[0]] += g.circuits[k].gbps
        if f.gateway is not None:
            lost.setdefault(f.gateway, 0.0)
        for s, x in lost.items():
            lost_at[s].append((x, j))
    mine: dict[str, list[DemandFigures]] = defaultdict(list)
    for (stack, _), fig in demands.items():
        if fig.worst_shortfall_failure is not None:
            mine[stack].append(fig)
    for s, site in g.sites.items():
        total = sum(g.circuits[(s, c)].gbps for c in site.circuits)
        gw = None if site.fastpath else site.gateway_gbps
        worst, worst_f = min(total, gw if gw is not None else math.inf), None
        for lost, j in lost_at[s]:
            f = failures[j]
            left = total - lost
            if gw is not None:
                left = min(left, gw / 2 if f.gateway == s else gw)
            if left < worst - EPS:
                worst, worst_f = left, f
        paths = into.get(s, [])
        gr = _global_reach(g, paths, s, None)
        gr_worst = gr
        if paths:
            ends = {k for p in paths for k in p}
            seen: set[tuple[frozenset[CircuitKey], bool]] = set()
            for f in failures:
                # What a failure does here is which link ends it takes and whether it halves the gateway;
                # failures that do the same (a PoP and its only circuit, say) need one max-flow.
                taken, halved = frozenset(k for k in f.circuits if k in ends), f.gateway == s
                if (taken or halved) and (taken, halved) not in seen:
                    seen.add((taken, halved))
                    gr_worst = min(gr_worst, _global_reach(g, paths, s, f))
        worst_demand = max(mine[s], key=lambda fig: fig.worst_shortfall_gbps).worst_shortfall_failure if mine[s] else None
        out[s] = SiteFigures(s, max(0.0, worst), worst_f, gr, gr_worst, worst_demand)
    return out


def _global_reach(g: FabricGraph, paths: list[tuple[CircuitKey, CircuitKey]], s: str, f: Failure | None) -> float:
    """Most the far ends of the site's Global Reach links can send into it (bipartite max-flow)."""
    if not paths:
        return 0.0
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    lost = f.circuits if f else frozenset()
    srcs = sorted({a for a, _ in paths}); dsts = sorted({b for _, b in paths})
    n = 2 + len(srcs) + len(dsts)
    idx = {("s", k): 2 + i for i, k in enumerate(srcs)} | {("d", k): 2 + len(srcs) + i for i, k in enumerate(dsts)}
    rows, cols, data = [], [], []

    def arc(u: int, v: int, c: float) -> None:
        rows.append(u); cols.append(v); data.append(int(min(_INT_INF, max(0.0, c) * _MBPS)))

    for k in srcs:
        arc(0, idx[("s", k)], 0.0 if k in lost else g.circuits[k].gbps)
    for k in dsts:
        arc(idx[("d", k)], 1, 0.0 if k in lost else g.circuits[k].gbps)
    for a, b in paths:
        arc(idx[("s", a)], idx[("d", b)], _INT_INF / _MBPS)
    m = csr_matrix((np.array(data, dtype=np.int32), (rows, cols)), shape=(n, n))
    got = maximum_flow(m, 0, 1).flow_value / _MBPS
    site = g.sites[s]
    if not site.fastpath:
        got = min(got, site.gateway_gbps / (2 if f is not None and f.gateway == s else 1))
    return got


# ------------------------------------------------------------------------------------------------
# Two failures, critical demands only
# ------------------------------------------------------------------------------------------------


def _two_failures(g: FabricGraph, failures: list[Failure], report: FlowReport) -> None:
    """Every pair of single failures after which the critical demands (alone) do not fit.

    A pair matters only if it could leave a critical demand short, found without trying them all:

    - **ample capacity.** An arc is ample when it could carry all the critical traffic that may ever use
      it (a span: every critical demand together; a site's circuit or gateway: that site's critical
      traffic; a gateway that fails keeps half). If every critical pair of sites still has a path over
      ample arcs, routing each over such a path fits. So a pair of failures can only leave a critical
      demand short if it cuts every ample path of some critical pair.
    - **immune pairs.** A critical pair with three ample paths, no failure cutting two of them (each
      found once every arc of every failure cutting an earlier one is taken away), keeps one after any
      two failures: nothing to check.
    - **exposed pairs.** For the others: one failure j cuts the pair's ample path P0, the other cuts its
      ample path after j. Those pairs of failures are checked by the connectivity of the ample arcs left
      (scipy's connected components); the few where an exposed pair is cut off, and every j after which
      an exposed pair has no ample path left, are settled in full (below).
    - **in full** (also when a critical pair has no ample path at all): the critical routing after j is
      settled and kept as paths; a second failure k matters only if it lowers an arc that routing
      uses beyond what it carries, and is then settled on top of it (re-route, else the exact program).
    """
    critical = [d for d in g.demands if d.critical]
    if not critical:
        return
    net = FlowNetwork(g, critical)
    router = Router(net)
    base = _route_all(net, router)
    if base.exact is not None:
        return  # short with nothing failed: the analysis of all demands reports it
    stats: dict[str, int] = defaultdict(int)
    by_failure, by_arc, halved = net.failure_index(failures)
    after: dict[int, Settled] = {}
    checked: set[tuple[int, int]] = set()
    found: list[tuple[int, int, Settled]] = []

    def settled(j: int) -> Settled:
        if j not in after:
            after[j] = settle(net, router, base.routing, _cap_with(net, by_failure, halved, j),
                              _changed(by_failure, halved, j), want_paths=True)
        return after[j]

    def in_full(j: int, k: int) -> None:
        key = (min(j, k), max(j, k))
        if key in checked:
            return
        checked.add(key)
        first, second = settled(j), settled(k)
        if first.exact is not None or second.exact is not None:
            return  # short after one failure alone: the single-failure analysis reports it
        changed = np.unique(np.concatenate([_changed(by_failure, halved, j), _changed(by_failure, halved, k)]))
        st = settle(net, router, first.routing, _cap_with(net, by_failure, halved, j, k), changed)
        stats[st.how] += 1
        if st.exact is not None:
            found.append((key[0], key[1], st))

    def touching(routing: Routing, j: int) -> list[int]:
        """Failures that lower an arc of the routing after j below what it carries there."""
        cap_j = _cap_with(net, by_failure, halved, j)
        load = routing.load
        hit = np.asarray(by_failure @ (load > EPS).astype(np.float64)).ravel() > 0
        has = halved >= 0
        h = halved[has]
        hit[has] |= load[h] > np.minimum(cap_j[h], net.cap[h] / 2) + EPS
        hit[j] = False
        return np.nonzero(hit)[0].tolist()

    ample = _Ample(net, by_failure, by_arc, halved)
    report.critical_pairs = len(net.pairs)
    report.critical_immune = 0 if ample.paths is None else len(net.pairs) - len(ample.exposed)
    if ample.paths is None:  # some critical pair has no ample path: settle everything in full
        for j in np.nonzero(_touches(net, base.load, by_failure, halved))[0].tolist():
            if settled(j).exact is None:
                for k in touching(settled(j).routing, j):
                    in_full(j, k)
    else:
        candidates, full = ample.candidates()
        for j, k in sorted(candidates):
            if (j, k) in checked:
                continue
            if ample.connected(j, k):
                checked.add((j, k))
                stats["ample"] += 1
            else:
                in_full(j, k)
        for j in sorted(full):
            if settled(j).exact is None:
                for k in touching(settled(j).routing, j):
                    in_full(j, k)
    report.pairs = len(checked)
    for j, k, st in sorted(found, key=lambda x: (x[0], x[1])):
        report.shortfalls.append(_shortfall(net, failures[j], failures[k], st))
    for key, n in stats.items():
        report.stats[f"two_{key}"] += n


class _Ample:
    """The critical pairs' paths over ample arcs, and which pairs of failures could cut them all."""

    IMMUNE_PATHS = 3
    """Paths no one failure cuts two of: with three, no two failures cut them all."""

    def __init__(self, net: FlowNetwork, by_failure, by_arc, halved: np.ndarray):
        from scipy.sparse import csr_matrix

        self.net, self.by_failure, self.by_arc, self.halved = net, by_failure, by_arc, halved
        g = net.g
        need_out: dict[str, float] = defaultdict(float)
        need_in: dict[str, float] = defaultdict(float)
        for (s, t), r in zip(net.pairs, net.rate.tolist()):
            need_out[s] += r
            need_in[t] += r
        total = float(net.rate.sum())
        cap = net.cap
        ok = np.zeros(net.n_arcs, dtype=bool)
        ok[net.kind == VIA] = True
        ok[net.kind == SPAN] = cap[net.kind == SPAN] >= total - EPS
        site_of_gw = {}
        for s in g.sites:
            for a in net.site_out[s]:
                ok[a] = cap[a] >= need_out[s] - EPS
            for a in net.site_in[s]:
                ok[a] = cap[a] >= need_in[s] - EPS
            ok[net.gw_arc[s]] = cap[net.gw_arc[s]] >= need_in[s] - EPS
            site_of_gw[net.gw_arc[s]] = s
        self.ok = ok
        # What a failure cuts of the ample arcs: what it takes away, and a gateway it halves below its need.
        self.gw_cut = np.full(len(halved), -1)
        for j in np.nonzero(halved >= 0)[0].tolist():
            a = int(halved[j])
            if ok[a] and cap[a] / 2 < need_in[site_of_gw[a]] - EPS:
                self.gw_cut[j] = a
        self._gw_failures: dict[int, list[int]] = defaultdict(list)
        for j in np.nonzero(self.gw_cut >= 0)[0].tolist():
            self._gw_failures[int(self.gw_cut[j])].append(j)
        self.carrier = net.carrier()
        self.order = np.lexsort((net.head, net.tail))
        self.keys = net.tail[self.order] * net.n_nodes + net.head[self.order]
        indptr = np.searchsorted(net.tail[self.order], np.arange(net.n_nodes + 1)).astype(np.int32)
        self._graph = csr_matrix((np.ones(net.n_arcs), net.head[self.order].astype(np.int32), indptr),
                                 shape=(net.n_nodes,) * 2)
        self.out_pair, self.out_arc = self._flat(net.site_out, 0)
        self.in_pair, self.in_arc = self._flat(net.site_in, 1)
        self.out_pop = self.carrier.index[[net.circuit_pop[a] for a in self.out_arc.tolist()]].astype(np.int64)
        self.in_pop = self.carrier.index[[net.circuit_pop[a] for a in self.in_arc.tolist()]].astype(np.int64)
        self.paths = self._paths(self.ok, range(len(net.pairs)))
        if any(p is None for p in self.paths):
            self.paths = None
            self.exposed: list[int] = []
            return
        self.exposed = [i for i in range(len(net.pairs)) if not self._immune(i)]
        """Critical pairs two failures might cut off (the others have three paths no failure shares)."""

    def _flat(self, arcs_of: dict[str, list[int]], end: int) -> tuple[np.ndarray, np.ndarray]:
        pairs, arcs = [], []
        for i, pair in enumerate(self.net.pairs):
            for a in arcs_of[pair[end]]:
                pairs.append(i); arcs.append(a)
        return np.array(pairs, dtype=np.int64), np.array(arcs, dtype=np.int64)

    def cut(self, j: int) -> np.ndarray:
        c = self.by_failure.indices[self.by_failure.indptr[j]:self.by_failure.indptr[j + 1]].astype(np.int64)
        return np.append(c, self.gw_cut[j]) if self.gw_cut[j] >= 0 else c

    def _alive(self, *js: int) -> np.ndarray:
        alive = self.ok.copy()
        for j in js:
            alive[self.cut(j)] = False
        return alive

    def _paths(self, alive: np.ndarray, pairs) -> list[np.ndarray | None]:
        """Per pair: the arcs of a fewest-arc path over the arcs alive (None: none)."""
        from scipy.sparse.csgraph import dijkstra

        net = self.net
        pairs = list(pairs)
        self._graph.data[:] = np.where(alive[self.order], 1.0, np.inf)
        sources = sorted({int(net.pair_src[i]) for i in pairs})
        row = {u: k for k, u in enumerate(sources)}
        dist, pred = dijkstra(self._graph, indices=sources, return_predecessors=True)
        out: list[np.ndarray | None] = []
        for i in pairs:
            r, w, u = row[int(net.pair_src[i])], int(net.pair_sink[i]), int(net.pair_src[i])
            if not np.isfinite(dist[r, w]):
                out.append(None)
                continue
            nodes, v = [w], w
            while v != u:
                v = int(pred[r, v])
                nodes.append(v)
            n = np.array(nodes[::-1], dtype=np.int64)
            out.append(self.order[np.searchsorted(self.keys, n[:-1] * net.n_nodes + n[1:])])
        return out

    def hits(self, arcs: np.ndarray) -> set[int]:
        """Failures that cut any of the arcs."""
        out = set()
        for a in arcs.tolist():
            out.update(self.by_arc.indices[self.by_arc.indptr[a]:self.by_arc.indptr[a + 1]].tolist())
            out.update(self._gw_failures.get(a, ()))
        return out

    def _immune(self, i: int) -> bool:
        """Does pair i have IMMUNE_PATHS ample paths, no failure cutting two of them? Each path is found
        once every arc cut by a failure that cuts an earlier path is taken away."""
        alive = self.ok.copy()
        path = self.paths[i]
        for _ in range(self.IMMUNE_PATHS - 1):
            for j in self.hits(path):
                alive[self.cut(j)] = False
            path = self._paths(alive, [i])[0]
            if path is None:
                return False
        return True

    def candidates(self) -> tuple[set[tuple[int, int]], set[int]]:
        """Pairs of failures (j < k) that cut every ample path of an exposed critical pair, and failures
        after which an exposed critical pair has no ample path left (to be settled in full)."""
        pairs: set[tuple[int, int]] = set()
        full: set[int] = set()
        first: dict[int, list[int]] = defaultdict(list)
        for i in self.exposed:
            for j in self.hits(self.paths[i]):
                first[j].append(i)
        for j, ids in sorted(first.items()):
            for i, path in zip(ids, self._paths(self._alive(j), ids)):
                if path is None:
                    full.add(j)
                    continue
                for k in self.hits(path):
                    if k != j:
                        pairs.add((min(j, k), max(j, k)))
        return pairs, full

    def connected(self, j: int, k: int) -> bool:
        """After failures j and k, does every exposed critical pair still have a path over ample arcs?
        (The carrier's connected parts, then a live ample circuit at each end in one part.)"""
        net = self.net
        alive = self._alive(j, k)
        ids = np.array(self.exposed, dtype=np.int64)
        if not alive[net.pair_gw[ids]].all():
            return False
        labels = self.carrier.components(alive)
        n = self.carrier.n
        o = np.isin(self.out_pair, ids) & alive[self.out_arc]
        i = np.isin(self.in_pair, ids) & alive[self.in_arc]
        a = self.out_pair[o] * n + labels[self.out_pop[o]]
        b = self.in_pair[i] * n + labels[self.in_pop[i]]
        return len(np.unique(np.intersect1d(a, b) // n)) == len(ids)


# ------------------------------------------------------------------------------------------------
# Violations
# ------------------------------------------------------------------------------------------------


def violations(report: FlowReport) -> list[Violation]:
    out: list[Violation] = []
    for d in report.unroutable:
        out.append(Violation(
            "demand-path",
            f"no carrier path joins a circuit of {d.stack} and a circuit of {d.to_stack}, so the {_gbps(d.gbps)} Gb/s "
            f"to {d.to_stack} has no route: the carrier's spans between their PoPs are missing or not in service on "
            f"{report.graph.on.isoformat()} (Global Reach carries on-premises traffic only, never VNet to VNet)",
            stack=d.stack, path=f"demands.{d.name}",
        ))
    two_seen = 0
    for sf in report.shortfalls:
        listed = sf.demands
        labels = ", ".join(f"{d.label} -> {d.to_stack} ({_gbps(d.gbps)} Gb/s)" for d in listed[:MESSAGE_DEMANDS])
        if len(listed) > MESSAGE_DEMANDS:
            labels += f" and {len(listed) - MESSAGE_DEMANDS} more"
        if listed == sf.component:
            need = "it needs" if len(listed) == 1 else "they need together"
        else:
            need = f"that the {len(sf.component)} competing demands need together"
        share = f"short by {_gbps(sf.short_gbps)} Gb/s of the {_gbps(sf.needed_gbps)} Gb/s {need}"
        if sf.saturated:
            share += "; saturated: " + ", ".join(map(str, sf.saturated[:MESSAGE_DEMANDS]))
        elif sf.failures:
            share += "; every route left for it is cut"
        if len(sf.short_by_demand) > 1:
            share += " (" + ", ".join(f"{d.label} short by {_gbps(x)}" for d, x in sf.short_by_demand[:MESSAGE_DEMANDS]) + ")"
        one = len(listed) == 1
        if sf.failure is None:
            invariant = "demands-fit"
            message = (f"{labels} {'does' if one else 'do'} not fit even with nothing failed: {share}; add circuit, "
                       "span or gateway capacity on these routes, or lower the demands")
        elif sf.second is None:
            invariant = "demands-survive-failure"
            message = (f"after losing {sf.failure}, {labels} no longer {'fits' if one else 'fit'}: {share}; add a "
                       "circuit at another peering location or a span on another route, or lower the demands")
        else:
            two_seen += 1
            if two_seen > MESSAGE_PAIRS:
                continue
            invariant = "demands-survive-two-failures"
            message = (f"critical: after losing {sf.failure} and {sf.second}, {labels} no longer "
                       f"{'fits' if one else 'fit'} (only critical demands carried): {share}; add a route that "
                       "shares neither failure, or mark fewer demands critical")
        for stack in dict.fromkeys(d.stack for d in listed):
            mine = [d for d in listed if d.stack == stack]
            out.append(Violation(
                invariant, message, stack=stack,
                path=f"demands.{mine[0].name}" if len(mine) == 1 else "demands",
            ))
    if two_seen > MESSAGE_PAIRS:
        first = next(sf for sf in report.shortfalls if sf.second is not None)
        out.append(Violation(
            "demands-survive-two-failures",
            f"{two_seen - MESSAGE_PAIRS} more pairs of failures leave critical demands short (first listed above)",
            stack=first.demands[0].stack, path="demands",
        ))
    return out


MESSAGE_DEMANDS = 8
"""Demands a shortfall message names before it says 'and N more'."""
MESSAGE_PAIRS = 20
"""Two-failure shortfalls reported one by one before the rest are counted."""


def _gbps(x: float) -> str:
    return f"{x:g}" if abs(x - round(x)) < 1e-9 else f"{x:.2f}"


def _num(x: float) -> float | int:
    if not math.isfinite(x):
        return None  # type: ignore[return-value]
    return int(x) if float(x).is_integer() else round(x, 3)


def hours_to_copy(dataset_tb: float, gbps: float) -> float | None:
    """Hours to copy `dataset_tb` terabytes (10^12 bytes) at `gbps` Gb/s; None at zero rate."""
    return None if gbps <= 0 else dataset_tb * 8000 / gbps / 3600


__all__ = [
    "ArcUse", "CircuitNode", "DemandEdge", "DemandFigures", "FabricGraph", "Failure", "FlowReport", "LinkEdge",
    "PathPiece", "Saturated", "Shortfall", "SiteFigures", "SiteNode", "SpanEdge", "analyse", "analyse_graph", "build",
    "hours_to_copy", "violations",
]
