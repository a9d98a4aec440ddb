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

The flow problem is a multi-commodity flow, one commodity per destination site (exact for
feasibility: flows to one sink are interchangeable), solved as one linear program with scipy's
HiGHS (``linprog``), minimising the rate left unrouted, then latency. Failures (each alone): a span,
a shared-risk group (every span in it), a PoP (its spans and the circuits at its location), a circuit,
a peering location (its circuits, except ExpressRoute Metro circuits), one of a gateway's two
instances (halves it; the two-instance model is DESIGN.md's, *unverified* in the docs). New fibre
counts only from its in-service date, on the day the plan is for.

Speed: a failure that changes no arc carrying baseline flow is skipped; one whose reduced arcs still
hold their baseline load is settled by the baseline; otherwise the flow on each reduced arc is
re-routed around it by max-flow (scipy.sparse.csgraph.maximum_flow) in what the baseline leaves;
then a linear program frees only the commodities on the reduced arcs, the others fixed; only when
that fails is the full program solved, which is exact. A shortfall is only ever reported from the
full program, with the resources it saturates (the capacity rows with a non-zero dual).

Critical demands must also fit after any two failures, with only critical traffic carried. Pairs
are pruned exactly: a pair leaves the critical routing after its first failure intact unless the
second failure reduces an arc that routing uses.

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
from infra.capacity.report import Violation
from infra.spec import FabricSpec, ReplicationDemand

CircuitKey = tuple[str, str]
"""(stack, circuit name)."""

EPS = 1e-6
"""Gb/s below which a shortfall is rounding, not a shortfall."""

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
        for pop, loc in self.pops.items():
            if loc == location:
                return pop
        raise KeyError(f"no PoP serves {location!r}")  # the loader's cross-check refuses such input

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
            for pop, loc in self.pops.items():
                spans = frozenset(n for n, s in self.spans.items() if pop in (s.a, s.z))
                lost = frozenset(k for k, c in self.circuits.items() if c.location == loc and not c.metro)
                out.append(Failure("PoP", pop, circuits=lost, spans=spans))
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
    """False: available/worst are the bound the pair's circuits and gateway set (large fabrics)."""


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
        }


# ------------------------------------------------------------------------------------------------
# The network: nodes, arcs, the linear program
# ------------------------------------------------------------------------------------------------


class _Network:
    def __init__(self, g: FabricGraph, demands: Sequence[DemandEdge] | None = None):
        self.g = g
        demands = g.demands if demands is None else demands
        self.node: dict[tuple, int] = {}
        for pop in g.pops:
            self._node(("pop", pop))
        self.n_pops = len(self.node)
        for s in g.sites:
            self._node(("src", s)); self._node(("gate", s)); self._node(("sink", s))
        tails, heads, caps, costs, labels, kinds = [], [], [], [], [], []

        def arc(t: tuple, h: tuple, cap: float, cost: float, label: str, kind: str) -> int:
            tails.append(self.node[t]); heads.append(self.node[h]); caps.append(cap); costs.append(cost)
            labels.append(label); kinds.append(kind)
            return len(tails) - 1

        self.out_arc: dict[CircuitKey, int] = {}
        self.in_arc: dict[CircuitKey, int] = {}
        for key, c in g.circuits.items():
            pop = ("pop", g.pop_of(c.location))
            self.out_arc[key] = arc(("src", key[0]), pop, c.gbps, 0.0, f"circuit {key[0]}/{key[1]} (out)", "out")
            self.in_arc[key] = arc(pop, ("gate", key[0]), c.gbps, 0.0, f"circuit {key[0]}/{key[1]} (in)", "in")
        self.span_arcs: dict[str, tuple[int, int]] = {}
        for name, s in g.spans.items():
            cost = 1e-6 * (1.0 + s.latency_ms)
            self.span_arcs[name] = (arc(("pop", s.a), ("pop", s.z), s.gbps, cost, f"span {name} ({s.a}->{s.z})", "span"),
                                    arc(("pop", s.z), ("pop", s.a), s.gbps, cost, f"span {name} ({s.z}->{s.a})", "span"))
        self.gw_arc: dict[str, int] = {}
        for s, site in g.sites.items():
            cap = math.inf if site.fastpath else site.gateway_gbps
            self.gw_arc[s] = arc(("gate", s), ("sink", s), cap, 0.0, f"gateway {s}", "gateway")
        self.tail, self.head = np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64)
        self.cap, self.cost = np.array(caps, dtype=float), np.array(costs, dtype=float)
        self.labels, self.kinds = labels, kinds
        self.n_nodes, self.n_arcs = len(self.node), len(tails)
        self.span_arc_ids = np.array([a for pair in self.span_arcs.values() for a in pair], dtype=np.int64)
        # Commodities: one per destination; rates per (source, destination) pair of sites.
        rate: dict[tuple[str, str], float] = defaultdict(float)
        self.pair_demands: dict[tuple[str, str], list[DemandEdge]] = defaultdict(list)
        for d in demands:
            rate[(d.stack, d.to_stack)] += d.gbps
            self.pair_demands[(d.stack, d.to_stack)].append(d)
        self.pairs = sorted(rate)
        self.rate = np.array([rate[p] for p in self.pairs])
        self.pair_index = {p: i for i, p in enumerate(self.pairs)}
        self.dests = sorted({t for _, t in self.pairs})
        self.sources_of: dict[str, list[int]] = defaultdict(list)
        for i, (_, t) in enumerate(self.pairs):
            self.sources_of[t].append(i)
        self.site_out = {s: [self.out_arc[(s, c)] for c in site.circuits] for s, site in g.sites.items()}
        self.site_in = {s: [self.in_arc[(s, c)] for c in site.circuits] for s, site in g.sites.items()}
        self.has_row = np.ones(self.n_nodes, dtype=bool)
        for s in g.sites:
            self.has_row[self.node[("sink", s)]] = False
        self._csr = None

    def arcs_between(self) -> dict[tuple[int, int], list[int]]:
        if not hasattr(self, "_between"):
            self._between: dict[tuple[int, int], list[int]] = defaultdict(list)
            for arc, (u, v) in enumerate(zip(self.tail.tolist(), self.head.tolist())):
                self._between[(u, v)].append(arc)
        return self._between

    def arcs_out_of(self) -> list[np.ndarray]:
        if not hasattr(self, "_out_of"):
            order = np.argsort(self.tail, kind="stable")
            bounds = np.searchsorted(self.tail[order], np.arange(self.n_nodes + 1))
            self._out_of = [order[bounds[v]:bounds[v + 1]] for v in range(self.n_nodes)]
        return self._out_of

    def _node(self, key: tuple) -> int:
        return self.node.setdefault(key, len(self.node))

    def arcs_of(self, t: str, sources: Sequence[int]) -> np.ndarray:
        """Arcs commodity t may use: every span, the out arcs of its sources, its in arcs and gateway."""
        parts = [self.span_arc_ids, np.array(self.site_in[t] + [self.gw_arc[t]], dtype=np.int64)]
        for i in sources:
            parts.append(np.array(self.site_out[self.pairs[i][0]], dtype=np.int64))
        return np.unique(np.concatenate(parts))

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

    # -------------------------------------------------------------------- the linear program

    def solve(self, pair_ids: Sequence[int], cap: np.ndarray) -> _Solution:
        """Route the pairs within `cap` (per arc), minimising the rate left unrouted, then latency."""
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix

        pair_ids = list(pair_ids)
        by_dest: dict[str, list[int]] = defaultdict(list)
        for i in pair_ids:
            by_dest[self.pairs[i][1]].append(i)
        cols_arc, cols_dest, eq_r, eq_c, eq_v = [], [], [], [], []
        col = 0
        dests = sorted(by_dest)
        for k, t in enumerate(dests):
            arcs = self.arcs_of(t, by_dest[t])
            n = len(arcs)
            cols = np.arange(col, col + n)
            base = k * self.n_nodes
            for nodes, sign in ((self.tail[arcs], 1.0), (self.head[arcs], -1.0)):
                keep = self.has_row[nodes]
                eq_r.append(base + nodes[keep]); eq_c.append(cols[keep]); eq_v.append(np.full(keep.sum(), sign))
            cols_arc.append(arcs); cols_dest.append(np.full(n, k))
            col += n
        arc_of_col = np.concatenate(cols_arc) if cols_arc else np.zeros(0, dtype=np.int64)
        n_x = col
        # Unrouted rate per pair: enters its source's conservation row.
        b_eq = np.zeros(len(dests) * self.n_nodes)
        k_of = {t: k for k, t in enumerate(dests)}
        u_rows = []
        for j, i in enumerate(pair_ids):
            s, t = self.pairs[i]
            r = k_of[t] * self.n_nodes + self.node[("src", s)]
            b_eq[r] += self.rate[i]
            u_rows.append(r)
        eq_r.append(np.array(u_rows, dtype=np.int64)); eq_c.append(n_x + np.arange(len(pair_ids)))
        eq_v.append(np.ones(len(pair_ids)))
        n_var = n_x + len(pair_ids)
        a_eq = csr_matrix((np.concatenate(eq_v), (np.concatenate(eq_r), np.concatenate(eq_c))),
                          shape=(len(b_eq), n_var))
        finite = np.isfinite(cap[arc_of_col])
        ub_arcs = np.unique(arc_of_col[finite])
        row_of_arc = np.full(self.n_arcs, -1)
        row_of_arc[ub_arcs] = np.arange(len(ub_arcs))
        ub_cols = np.nonzero(finite)[0]
        a_ub = csr_matrix((np.ones(len(ub_cols)), (row_of_arc[arc_of_col[ub_cols]], ub_cols)),
                          shape=(len(ub_arcs), n_var))
        b_ub = np.maximum(cap[ub_arcs], 0.0)
        c = np.concatenate([self.cost[arc_of_col], np.ones(len(pair_ids))])
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if res.status != 0:
            raise RuntimeError(f"the flow program did not solve: {res.message}")
        x = res.x[:n_x]
        unrouted = np.zeros(len(self.pairs))
        unrouted[pair_ids] = res.x[n_x:]
        load = np.bincount(arc_of_col, weights=x, minlength=self.n_arcs)
        flows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        dest_of_col = np.concatenate(cols_dest) if cols_dest else np.zeros(0, dtype=np.int64)
        used = x > 1e-9
        for k, t in enumerate(dests):
            m = used & (dest_of_col == k)
            flows[t] = (arc_of_col[m], x[m])
        duals = np.zeros(self.n_arcs)
        if len(ub_arcs):
            duals[ub_arcs] = res.ineqlin.marginals
        short = float(unrouted.sum())
        return _Solution(short, unrouted, load, flows, duals)

    # -------------------------------------------------------------------- max-flow (scipy)

    def csr_structure(self):
        """The arc structure as a CSR matrix once (parallel arcs share one entry, their "slot");
        each max-flow copies it and only sets the capacities."""
        if self._csr is None:
            from scipy.sparse import csr_matrix

            keys = self.tail * self.n_nodes + self.head
            uniq, slot = np.unique(keys, return_inverse=True)
            rows, cols = uniq // self.n_nodes, uniq % self.n_nodes
            m = csr_matrix((np.ones(len(uniq), dtype=np.int32), (rows, cols)), shape=(self.n_nodes, self.n_nodes))
            m.sort_indices()
            # Parallel arcs of one slot, in arc order: the flow of a slot fills them one after another.
            order = np.argsort(slot, kind="stable")
            self._csr = (m, slot, uniq, order)
        return self._csr

    def max_flow(self, cap: np.ndarray, source: int, sink: int) -> tuple[float, np.ndarray]:
        """Max flow from node to node within `cap` (Gb/s, rounded down to Mb/s): value and flow per arc."""
        from scipy.sparse.csgraph import maximum_flow

        m, slot, uniq, order = self.csr_structure()
        ints = np.where(np.isfinite(cap), np.floor(np.maximum(cap, 0.0) * _MBPS), _INT_INF)
        g = m.copy()
        g.data = np.minimum(np.bincount(slot, weights=ints, minlength=len(uniq)), _INT_INF).astype(np.int32)
        res = maximum_flow(g, source, sink, method="dinic")
        fl = res.flow.tocsr() if hasattr(res.flow, "tocsr") else res.flow
        fl.sort_indices()
        # The flow on each slot: look its (row, col) up among the flow matrix's sorted entries.
        rows = np.repeat(np.arange(fl.shape[0]), np.diff(fl.indptr))
        fkeys = rows * self.n_nodes + fl.indices
        pos = np.searchsorted(fkeys, uniq)
        pos = np.minimum(pos, len(fkeys) - 1) if len(fkeys) else pos
        found = (len(fkeys) > 0) & (fkeys[pos] == uniq) if len(fkeys) else np.zeros(len(uniq), dtype=bool)
        per_slot = np.where(found, np.asarray(fl.data)[pos] if len(fkeys) else 0, 0).astype(float)
        per_slot = np.maximum(per_slot, 0.0)
        # Split a slot's flow over its parallel arcs, each up to its capacity, in arc order.
        caps = ints[order]
        slots = slot[order]
        cum = np.cumsum(caps)
        first = np.r_[True, slots[1:] != slots[:-1]]
        base = np.maximum.accumulate(np.where(first, cum - caps, 0))
        before = cum - caps - base
        take = np.clip(per_slot[slots] - before, 0, caps)
        flow = np.zeros(self.n_arcs)
        flow[order] = take / _MBPS
        return res.flow_value / _MBPS, flow


@dataclass
class _Solution:
    short: float
    unrouted: np.ndarray
    load: np.ndarray
    flows: dict[str, tuple[np.ndarray, np.ndarray]]
    duals: np.ndarray


# ------------------------------------------------------------------------------------------------
# Settling one failure (or two): skip, baseline, re-route, restricted LP, full LP
# ------------------------------------------------------------------------------------------------


def _settle(net: _Network, pair_ids: list[int], base: _Solution | None, load: np.ndarray,
            cap_f: np.ndarray, changed: dict[int, float], stats: dict[str, int]) -> tuple[np.ndarray, _Solution | None]:
    """Loads that carry every pair under `cap_f`, or the exact solution when none exists.

    Returns (loads, None) when a routing is found without the full program, else (loads, solution)."""
    over = [a for a in changed if load[a] > cap_f[a] + EPS]
    if not any(load[a] > EPS for a in changed):
        stats["skipped"] += 1
        return load, None
    if not over:
        stats["baseline"] += 1
        return load, None
    rerouted = _reroute(net, load, cap_f, over)
    if rerouted is not None:
        stats["rerouted"] += 1
        return rerouted, None
    if base is not None and base.flows:
        sol = _restricted(net, pair_ids, base, cap_f, changed)
        if sol is not None:
            stats["lp_restricted"] += 1
            return sol, None
    stats["lp_full"] += 1
    sol = net.solve(pair_ids, cap_f)
    return sol.load, sol


def _reroute(net: _Network, load: np.ndarray, cap: np.ndarray, over: list[int]) -> np.ndarray | None:
    """Send each over-full arc's excess around it in what is left (any commodity: all of an arc's
    flow goes from its tail to its head, so a detour from tail to head carries it): first along one
    shortest detour with room for all of it (breadth-first search, scipy.sparse.csgraph), else split
    by max-flow."""
    load = load.copy()
    out_of = net.arcs_out_of()
    for a in over:
        excess = load[a] - cap[a]
        if net.kinds[a] == "gateway":
            return None  # the only way into the site's VNet
        head = int(net.head[a])
        if net.kinds[a] != "in" and cap[out_of[head]].sum() <= EPS:
            return None  # the arc leads into a dead PoP: no detour reaches it
        left = cap - load
        left[a] = 0.0
        # Detours one after another (fewest hops first, each as full as its narrowest arc allows),
        # a few at most; then max-flow for what is still left.
        need = excess
        for _ in range(DETOURS):
            path = _detour(net, left, int(net.tail[a]), head, 1e-3)
            if path is None:
                break
            push = min(need, float(left[path].min()))
            load[path] += push
            left[path] -= push
            need -= push
            if need <= EPS:
                break
        if need > EPS:
            got, flow = net.max_flow(np.maximum(left, 0.0), int(net.tail[a]), head)
            if got < need - EPS:
                return None
            load += flow * (need / got)
        load[a] -= excess
    return load


DETOURS = 4
"""Detours tried one after another for one over-full arc before max-flow."""


def _detour(net: _Network, left: np.ndarray, source: int, sink: int, amount: float) -> np.ndarray | None:
    """Arcs of a fewest-hop path from source to sink on arcs with `amount` left, or None."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    ok = np.nonzero(left >= amount - EPS)[0]
    if not len(ok):
        return None
    g = csr_matrix((np.ones(len(ok)), (net.tail[ok], net.head[ok])), shape=(net.n_nodes, net.n_nodes))
    _, pred = breadth_first_order(g, source, directed=True, return_predecessors=True)
    if sink != source and pred[sink] < 0:
        return None
    # Each hop: of the parallel arcs between the two nodes, the one with the most left.
    between = net.arcs_between()
    arcs, v = [], sink
    while v != source:
        u = int(pred[v])
        arcs.append(max(between[(u, v)], key=lambda arc: left[arc]))
        v = u
    return np.array(arcs, dtype=np.int64)


def _restricted(net: _Network, pair_ids: list[int], base: _Solution, cap_f: np.ndarray,
                changed: dict[int, float]) -> np.ndarray | None:
    """Free the commodities that use a reduced arc; keep the others where the baseline put them."""
    touched = np.array(list(changed), dtype=np.int64)
    free_dests = [t for t, (arcs, _) in base.flows.items() if np.isin(arcs, touched).any()]
    if len(free_dests) >= len(base.flows):
        return None
    fixed = base.load.copy()
    for t in free_dests:
        arcs, x = base.flows[t]
        np.subtract.at(fixed, arcs, x)
    free = [i for i in pair_ids if net.pairs[i][1] in set(free_dests)]
    sol = net.solve(free, cap_f - fixed)
    if sol.short > EPS:
        return None
    return fixed + sol.load


# ------------------------------------------------------------------------------------------------
# The analysis
# ------------------------------------------------------------------------------------------------


def analyse(specs: Sequence[FabricSpec], carrier=None, on: dt.date | None = None,
            timings: dict[str, float] | None = None) -> FlowReport:
    """Demands fit now, after every single failure, and (critical ones) after any two.

    `timings`, when given, receives seconds per phase: baseline, single, figures, two."""
    clock = _Clock(timings)
    g = build(specs, carrier, on)
    report = FlowReport(g)
    if not g.demands:
        report.demands, report.sites = {}, _site_figures(g, g.failures(), None, {})
        report.failures = len(g.failures())
        report.spans = []
        return report
    net = _Network(g)
    failures = g.failures()
    report.failures = len(failures)
    all_pairs = list(range(len(net.pairs)))

    base = net.solve(all_pairs, net.cap)
    clock.lap("baseline")
    exact = len(net.pairs) <= EXACT_FIGURES_PAIRS
    alone = _alone_figures(net) if exact else _alone_bounds(net)
    clock.lap("figures")
    report.unroutable = [d for i, p in enumerate(net.pairs) if alone[i][0] <= EPS for d in net.pair_demands[p]]
    unroutable_pairs = {i for i, p in enumerate(net.pairs) if alone[i][0] <= EPS}
    if base.short > EPS:
        # Pairs without any path are reported as such, not as a shortfall of everyone.
        if base.short - sum(net.rate[i] for i in unroutable_pairs) > EPS:
            report.shortfalls.append(_shortfall(net, None, None, base, all_pairs, unroutable_pairs))
    normal = base.load
    worst_load, worst_by = normal.copy(), [None] * net.n_arcs
    per_pair_short: dict[int, tuple[float, Failure, tuple[Saturated, ...]]] = {}
    routable = [i for i in all_pairs if i not in unroutable_pairs]
    base_ok = base.short - sum(net.rate[i] for i in unroutable_pairs) <= EPS
    for f in failures:
        changed = net.changes(f)
        if not changed:
            report.stats["skipped"] += 1
            continue
        cap_f = net.cap.copy()
        for a, c in changed.items():
            cap_f[a] = c
        if not base_ok:
            continue  # the baseline is already short: failures only repeat it
        load_f, sol = _settle(net, routable, base, normal, cap_f, changed, report.stats)
        if sol is not None and sol.short > EPS:
            sf = _shortfall(net, f, None, sol, routable, unroutable_pairs)
            report.shortfalls.append(sf)
            for d, s in sf.short_by_demand:
                i = net.pair_index[(d.stack, d.to_stack)]
                if s > per_pair_short.get(i, (0.0,))[0]:
                    per_pair_short[i] = (s, f, sf.saturated)
        worse = load_f > worst_load + EPS
        for a in np.nonzero(worse)[0]:
            worst_load[a], worst_by[a] = load_f[a], f
    clock.lap("single")
    report.spans = [
        ArcUse(net.labels[a], "span", net.cap[a], normal[a], worst_load[a], worst_by[a])
        for name in g.spans for a in net.span_arcs[name]
    ]
    report.demands = _demand_figures(net, failures, base, alone, per_pair_short, exact)
    report.sites = _site_figures(g, failures, net, report.demands)
    clock.lap("figures")
    if base_ok:
        _two_failures(net, failures, report)
    clock.lap("two")
    return report


class _Clock:
    """Adds the seconds since the last lap to a phase (for the bench)."""

    def __init__(self, out: dict[str, float] | None):
        import time

        self.out, self.now, self.t = out, time.perf_counter, time.perf_counter()

    def lap(self, phase: str) -> None:
        if self.out is not None:
            t = self.now()
            self.out[phase] = self.out.get(phase, 0.0) + t - self.t
            self.t = t


def _shortfall(net: _Network, f: Failure | None, second: Failure | None, sol: _Solution, pair_ids: Sequence[int],
               skip: set[int] = frozenset(), critical_only: bool = False) -> Shortfall:
    ids = [i for i in pair_ids if i not in skip]
    short_pairs = [i for i in ids if sol.unrouted[i] > EPS / max(1, len(ids))]
    demands_of = lambda i: [d for d in net.pair_demands[net.pairs[i]] if d.critical or not critical_only]
    short_demands = tuple(d for i in short_pairs for d in demands_of(i))
    component = tuple(d for i in ids for d in demands_of(i))
    by_demand = []
    for i in short_pairs:
        ds = demands_of(i)
        total = sum(d.gbps for d in ds) or 1.0
        by_demand += [(d, sol.unrouted[i] * d.gbps / total) for d in ds]
    # Binding capacity rows (non-zero dual); an arc the failure took away is the failure, not a saturation.
    saturated = tuple(sorted(
        (s for s in (Saturated(net.labels[a], sol.load[a], _cap_under(net, a, f, second))
                     for a in np.nonzero(sol.duals < -1e-9)[0]) if s.capacity_gbps > EPS),
        key=lambda s: s.resource,
    ))
    short = float(sum(sol.unrouted[i] for i in ids))
    return Shortfall(f, short, short_demands or component, float(sum(net.rate[i] for i in ids)), component,
                     saturated, second, tuple(by_demand))


def _cap_under(net: _Network, a: int, *failures: Failure | None) -> float:
    cap = net.cap[a]
    for f in failures:
        if f is not None:
            cap = min(cap, net.changes(f).get(a, cap))
    return cap


EXACT_FIGURES_PAIRS = 100
"""Pairs of sites up to which each pair's own figures (available, worst failure) are exact max-flows;
beyond, they are the bound its circuits and gateway set (scipy's max-flow costs milliseconds a call)."""


def _alone_bounds(net: _Network) -> list[tuple[float, None]]:
    """Per pair: what its circuits (out of A, into B) and B's gateway allow, an upper bound."""
    out = []
    for s, t in net.pairs:
        bound = min(net.cap[net.site_out[s]].sum(), net.cap[net.site_in[t]].sum(), net.cap[net.gw_arc[t]])
        out.append((float(bound), None))
    return out


def _alone_figures(net: _Network) -> list[tuple[float, np.ndarray]]:
    """Per pair of sites: the most the fabric carries between them with nothing else on it."""
    out = []
    for s, t in net.pairs:
        out.append(net.max_flow(net.cap, net.node[("src", s)], net.node[("sink", t)]))
    return out


def _demand_figures(net: _Network, failures: list[Failure], base: _Solution,
                    alone: list[tuple[float, np.ndarray]],
                    short: dict[int, tuple[float, Failure, tuple[Saturated, ...]]],
                    exact: bool = True) -> dict[tuple[str, str], DemandFigures]:
    changes = [net.changes(f) for f in failures]
    out: dict[tuple[str, str], DemandFigures] = {}
    for i, (s, t) in enumerate(net.pairs):
        v0, flow = alone[i]
        if flow is None:  # bounds only: the endpoint failures' effect on the same bound
            worst, worst_f = v0, None
            for j, ch in enumerate(changes):
                cap_f = None
                for a in ch:
                    if a in net.site_out[s] or a in net.site_in[t] or a == net.gw_arc[t]:
                        cap_f = cap_f if cap_f is not None else net.cap.copy()
                        cap_f[a] = ch[a]
                if cap_f is not None:
                    b = min(cap_f[net.site_out[s]].sum(), cap_f[net.site_in[t]].sum(), cap_f[net.gw_arc[t]])
                    if b < worst - EPS:
                        worst, worst_f = float(b), failures[j]
            cands = []
        # Failures that reduce an arc this pair's max-flow uses, most damaging bound first. The flow
        # left after removing what crosses the reduced arcs is a lower bound: once it cannot beat the
        # worst found, no later candidate can.
        else:
            cands = []
            for j, ch in enumerate(changes):
                lost = sum(max(0.0, flow[a] - c) for a, c in ch.items())
                if lost > EPS:
                    cands.append((v0 - lost, j))
            worst, worst_f = v0, None
        for bound, j in sorted(cands):
            if bound >= worst - EPS:
                break
            cap_f = net.cap.copy()
            for a, c in changes[j].items():
                cap_f[a] = c
            got = net.max_flow(cap_f, net.node[("src", s)], net.node[("sink", t)])[0]
            if got < worst - EPS:
                worst, worst_f = got, failures[j]
        paths = tuple(_decompose(net, base, i))
        sp = short.get(i)
        for d in net.pair_demands[(s, t)]:
            share = d.gbps / net.rate[i]
            out[(d.stack, d.name)] = DemandFigures(
                d, v0, worst, worst_f, paths, float(base.unrouted[i] * share),
                0.0 if sp is None else sp[0] * share, None if sp is None else sp[1], () if sp is None else sp[2],
                exact,
            )
    return out


def _decompose(net: _Network, sol: _Solution, i: int, limit: int = 8) -> list[PathPiece]:
    """The pieces of pair i's routing: walk the destination's flow from the source, largest arcs first."""
    s, t = net.pairs[i]
    if t not in sol.flows:
        return []
    arcs, x = sol.flows[t]
    left = defaultdict(float)
    for a, v in zip(arcs.tolist(), x.tolist()):
        left[a] += v
    out_of: dict[int, list[int]] = defaultdict(list)
    for a in left:
        out_of[int(net.tail[a])].append(a)
    need = net.rate[i] - sol.unrouted[i]
    src, sink = net.node[("src", s)], net.node[("sink", t)]
    circuit_of = {a: k for k, a in net.out_arc.items()} | {a: k for k, a in net.in_arc.items()}
    span_of = {a: name for name, pair in net.span_arcs.items() for a in pair}
    pieces: list[PathPiece] = []
    while need > EPS and len(pieces) < limit:
        node, path, seen = src, [], {src}
        while node != sink:
            options = [a for a in out_of[node] if left[a] > EPS and int(net.head[a]) not in seen]
            if not options:
                break
            a = max(options, key=lambda a: left[a])
            path.append(a)
            node = int(net.head[a])
            seen.add(node)
        if node != sink:
            break
        amount = min(need, *(left[a] for a in path))
        for a in path:
            left[a] -= amount
        need -= amount
        pieces.append(PathPiece(amount, circuit_of[path[0]], tuple(span_of[a] for a in path if a in span_of),
                                circuit_of[path[-2]]))
    return pieces


def _site_figures(g: FabricGraph, failures: list[Failure], net: _Network | None,
                  demands: dict[tuple[str, str], DemandFigures]) -> dict[str, SiteFigures]:
    out: dict[str, SiteFigures] = {}
    into: dict[str, list[tuple[CircuitKey, CircuitKey]]] = defaultdict(list)
    for link in g.links:
        for src, dst in ((link.a, link.b), (link.b, link.a)):
            into[dst[0]].append((src, dst))
    for s, site in g.sites.items():
        total = sum(g.circuits[(s, c)].gbps for c in site.circuits)
        gw = None if site.fastpath else site.gateway_gbps
        worst, worst_f = min(total, gw if gw is not None else math.inf), None
        for f in failures:
            lost = sum(g.circuits[k].gbps for k in f.circuits if k[0] == s)
            if not lost and f.gateway != s:
                continue
            left = total - lost
            if gw is not None:
                left = min(left, gw / 2 if f.gateway == s else gw)
            if left < worst - EPS:
                worst, worst_f = left, f
        paths = into.get(s, [])
        gr = _global_reach(g, paths, s, None)
        gr_worst = gr
        for f in failures:
            if f.gateway == s or any(k in f.circuits for p in paths for k in p):
                gr_worst = min(gr_worst, _global_reach(g, paths, s, f))
        mine = [fig for (stack, _), fig in demands.items() if stack == s and fig.worst_shortfall_failure is not None]
        worst_demand = max(mine, key=lambda fig: fig.worst_shortfall_gbps).worst_shortfall_failure if mine else None
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


def _two_failures(net_all: _Network, failures: list[Failure], report: FlowReport) -> None:
    critical = [d for d in net_all.g.demands if d.critical]
    if not critical:
        return
    net = _Network(net_all.g, critical)
    ids = list(range(len(net.pairs)))
    base = net.solve(ids, net.cap)
    if base.short > EPS:
        return  # the single-failure analysis reports it (demands-fit)
    changes = [net.changes(f) for f in failures]
    stats: dict[str, int] = defaultdict(int)
    touches = lambda load, ch: any(load[a] > c + EPS for a, c in ch.items())
    first = [j for j, ch in enumerate(changes) if touches(base.load, ch)]
    in_first = set(first)
    seen_pairs: set[tuple[int, int]] = set()
    for j in first:
        cap1 = net.cap.copy()
        for a, c in changes[j].items():
            cap1[a] = c
        load1, sol1 = _settle(net, ids, base, base.load, cap1, changes[j], stats)
        if sol1 is not None and sol1.short > EPS:
            continue  # short after one failure: reported by the single-failure analysis
        for k, ch in enumerate(changes):
            if k == j or (k in in_first and (min(j, k), max(j, k)) in seen_pairs):
                continue
            seen_pairs.add((min(j, k), max(j, k)))
            if not touches(load1, ch):
                continue
            report.pairs += 1
            cap2 = cap1.copy()
            for a, c in ch.items():
                cap2[a] = min(cap2[a], c)
            both = dict(changes[j])
            for a, c in ch.items():
                both[a] = min(both.get(a, c), c)
            _, sol = _settle(net, ids, None, load1, cap2, both, stats)
            if sol is not None and sol.short > EPS:
                report.shortfalls.append(_shortfall(net, failures[j], failures[k], sol, ids, critical_only=True))
    for key, n in stats.items():
        report.stats[f"two_{key}"] += n


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
    "PathPiece", "Saturated", "Shortfall", "SiteFigures", "SiteNode", "SpanEdge", "analyse", "build",
    "hours_to_copy", "violations",
]
