"""More rules of the flow network (infra/capacity/flow_network.py) on a three-site fabric built in the test,
each against an independent oracle: a dense program with one commodity per pair, a hand-written Dijkstra
over the capacity prices (the dual certificate), and hand-counted cuts."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from infra.capacity import flows
from infra.capacity.flow_network import GATEWAY, IN, OUT, SPAN, VIA, FlowNetwork, LpSolution
from infra.carrier import CarrierSpec
from tests.infra.capacity.small_fabric import DAY, dense_shortfall, site, sync


def graph() -> flows.FabricGraph:
    carrier = CarrierSpec.model_validate({
        "carrier": "Lumen",
        "pops": {"WDC": {"peering_location": "Washington DC"}, "NYC": {"peering_location": "New York"},
                 "SVL": {"peering_location": "Silicon Valley"}, "LV": {"peering_location": "Las Vegas"}},
        "spans": {"w-s": {"a": "WDC", "z": "SVL", "gbps": 6}, "w-s2": {"a": "WDC", "z": "SVL", "gbps": 6},
                  "n-l": {"a": "NYC", "z": "LV", "gbps": 4}, "w-n": {"a": "WDC", "z": "NYC", "gbps": 8}}})
    east = site("eastus", 10, {"wdc": "Washington DC", "nyc": "New York"},
                {"sync": sync("westus3", 15), "c": sync("centralus", 4)})
    west = site("westus3", 30, {"svl": "Silicon Valley", "lv": "Las Vegas"}, {"back": sync("eastus", 3)})
    central = site("centralus", 50, {"nyc": "New York"}, {"w": sync("westus3", 5)}, fastpath=False)
    return flows.build([east, west, central], carrier, DAY)



def priced_distance(net: FlowNetwork, y: np.ndarray, src: int, dst: int) -> float:
    """Shortest src -> dst by the arcs' prices (a plain heap Dijkstra)."""
    best = {src: 0.0}
    heap = [(0.0, src)]
    while heap:
        d, v = heapq.heappop(heap)
        if v == dst:
            return d
        if d > best.get(v, np.inf):
            continue
        for a in np.nonzero(net.tail == v)[0]:
            h, nd = int(net.head[a]), d + float(y[a])
            if nd < best.get(h, np.inf) - 1e-12:
                best[h] = nd
                heapq.heappush(heap, (nd, h))
    return np.inf


def failure(kind: str, name: str, **parts) -> flows.Failure:
    return flows.Failure(kind, name, **parts)


FAILURES = [None, failure("span", "w-s", spans=frozenset({"w-s"})),
            failure("span", "w-n", spans=frozenset({"w-n", "w-s2"})),
            failure("circuit", "eastus/wdc", circuits=frozenset({("eastus", "wdc")})),
            failure("gateway", "centralus", gateway="centralus")]


@pytest.mark.parametrize("f", FAILURES, ids=str)
def test_the_arc_program_reaches_the_optimum_of_one_commodity_per_pair_and_prices_prove_it(f):
    g = graph()
    net = FlowNetwork(g)
    cap = net.cap_under(net.changes(f)) if f else net.cap.copy()
    for ids in (range(len(net.pairs)), [net.pair_index[("eastus", "westus3")], net.pair_index[("centralus", "westus3")]]):
        ids = list(ids)
        sol = net.solve(ids, cap)
        expected = dense_shortfall(net, cap, ids)
        assert sol.short == pytest.approx(expected, abs=1e-6)
        assert sol.unrouted[ids].sum() == pytest.approx(sol.short, abs=1e-9)
        assert np.all(sol.load <= cap + 1e-6) and np.all(sol.price >= 0)
        # The prices are a dual solution worth the optimum: sum_i rate_i min(1, y-distance_i) - sum_a cap_a y_a.
        finite = np.where(np.isfinite(cap), cap, 0.0)
        assert np.all(sol.price[~np.isfinite(cap)] == 0)
        dual = sum(net.rate[i] * min(1.0, priced_distance(net, sol.price, int(net.pair_src[i]), int(net.pair_sink[i])))
                   for i in ids) - float(sol.price @ finite)
        assert dual == pytest.approx(sol.short, abs=1e-6)
        # Per pair: carried equals the paths decompose finds, each a walk from its source to its sink.
        carried = np.zeros(len(net.pairs))
        for i, arcs, x in net.decompose(sol):
            assert net.tail[arcs[0]] == net.pair_src[i] and net.head[arcs[-1]] == net.pair_sink[i]
            assert all(net.head[a] == net.tail[b] for a, b in zip(arcs, arcs[1:]))
            carried[i] += x
        assert carried[ids] == pytest.approx(net.rate[ids] - sol.unrouted[ids], abs=1e-6)
        assert sum(len(grp) for grp, _, _ in sol.commodities) == len(ids)


def test_a_shortfall_is_priced_on_the_capacities_that_limit_it_and_nowhere_else():
    net = FlowNetwork(graph())
    i = net.pair_index[("eastus", "westus3")]
    sol = net.solve([i], net.cap)
    # 15 Gb/s into westus3: 10 through its svl circuit, 4 more over NYC-LV to its lv circuit: 1 short.
    assert sol.short == pytest.approx(1)
    priced = {net.labels[a] for a in np.nonzero(sol.price > 1e-9)[0]}
    assert priced == {"circuit westus3/svl (in)", "span n-l (NYC->LV)"}
    cap = net.cap.copy()
    cap[list(net.span_arcs["n-l"])] = 0.0
    sol = net.solve([i], cap)
    assert sol.short == pytest.approx(5)
    # A price on a cut span costs nothing (its capacity is 0); of what is left only the svl circuit binds.
    assert {net.labels[a] for a in np.nonzero((sol.price > 1e-9) & (cap > 0))[0]} == {"circuit westus3/svl (in)"}
    assert net.solve([i], net.cap * 10).short == pytest.approx(0) and not net.solve([i], net.cap * 10).price.any()


def test_a_destinations_commodity_gives_each_pair_the_paths_from_its_own_source():
    """Two pairs into westus3 form one commodity: each path is its own source's (a bug fixed: paths were
    all given to one pair, and the other pair's flow was dropped)."""
    net = FlowNetwork(graph())
    ids = [net.pair_index[("eastus", "westus3")], net.pair_index[("centralus", "westus3")]]
    sol = net.solve(ids, net.cap)
    assert [sorted(grp) for grp, _, _ in sol.commodities] == [sorted(ids)]
    carried = dict.fromkeys(ids, 0.0)
    for i, arcs, x in net.decompose(sol):
        assert net.tail[arcs[0]] == net.pair_src[i]
        carried[i] += x
    assert sum(carried.values()) == pytest.approx(14)  # what westus3's circuits take in
    assert [carried[i] + sol.unrouted[i] for i in ids] == pytest.approx([15, 5])


def test_every_arc_has_its_ends_kind_and_capacity_and_a_second_one_between_two_nodes_a_via():
    g = graph()
    net = FlowNetwork(g)
    assert net.n_arcs == len(net.labels) == len(net.cap) == len(net.kind) == len(net.weight)
    assert net.n_pops == 4 and net.n_nodes == 4 + 3 * 3 + 2
    for (s, c), a in net.out_arc.items():
        assert (net.kind[a], net.cap[a], net.tail[a]) == (OUT, 10.0, net.node[("src", s)])
        assert net.head[a] == net.circuit_pop[a] == net.node[("pop", g.pop_of(g.circuits[(s, c)].location))]
        b = net.in_arc[(s, c)]
        assert (net.kind[b], net.cap[b], net.head[b], net.circuit_pop[b]) == (IN, 10.0, net.node[("gate", s)],
                                                                              net.circuit_pop[a])
        assert net.circuit_of[a] == net.circuit_of[b] == (s, c)
    assert net.cap[net.gw_arc["eastus"]] == np.inf and net.cap[net.gw_arc["centralus"]] == 4.0
    assert set(net.kind[list(net.gw_arc.values())]) == {GATEWAY}
    a, b = net.span_arcs["w-s"]
    assert (net.tail[a], net.head[a]) == (net.head[b], net.tail[b]) == (net.node[("pop", "WDC")], net.node[("pop", "SVL")])
    assert net.weight[a] == 2.0 and net.cost[a] == pytest.approx(2e-6) and net.weight[net.gw_arc["eastus"]] == 1e-3
    a2, _ = net.span_arcs["w-s2"]
    via = np.nonzero(net.kind == VIA)[0]
    assert net.tail[a2] == net.node[("pop", "WDC")] and net.head[a2] not in range(net.n_pops)
    assert set(net.tail[via]) == {net.head[a2], net.head[net.span_arcs["w-s2"][1]]}
    assert np.all(net.cap[via] == np.inf) and np.all(net.cost[via] == 0)
    assert set(net.common_arcs) == set(np.nonzero((net.kind == SPAN) | (net.kind == VIA))[0])
    assert net.span_of[a] == "w-s" and net.span_of[a2] == "w-s2"
    # Pairs: sorted, with their summed rates and ends.
    assert net.pairs == [("centralus", "westus3"), ("eastus", "centralus"), ("eastus", "westus3"), ("westus3", "eastus")]
    assert list(net.rate) == [5, 4, 15, 3]
    assert [d.name for d in net.pair_demands[("eastus", "westus3")]] == ["sync"]
    i = net.pair_index[("centralus", "westus3")]
    assert (net.pair_src[i], net.pair_gate[i], net.pair_sink[i], net.pair_gw[i]) == (
        net.node[("src", "centralus")], net.node[("gate", "westus3")], net.node[("sink", "westus3")], net.gw_arc["westus3"])
    only = FlowNetwork(g, [d for d in g.demands if d.stack == "westus3"])
    assert only.pairs == [("westus3", "eastus")]


def test_a_failure_zeroes_what_it_cuts_and_halves_only_a_gateway_without_fastpath():
    net = FlowNetwork(graph())
    ch = net.changes(failure("circuit", "x", circuits=frozenset({("eastus", "wdc")}), spans=frozenset({"n-l", "gone"})))
    assert ch == {net.out_arc[("eastus", "wdc")]: 0.0, net.in_arc[("eastus", "wdc")]: 0.0,
                  net.span_arcs["n-l"][0]: 0.0, net.span_arcs["n-l"][1]: 0.0}
    assert net.changes(failure("gateway", "centralus", gateway="centralus")) == {net.gw_arc["centralus"]: 2.0}
    assert net.changes(failure("gateway", "eastus", gateway="eastus")) == {}
    both = net.cap_under({net.gw_arc["centralus"]: 2.0, 0: 5.0}, {net.gw_arc["centralus"]: 3.0, 1: 0.0})
    assert both[net.gw_arc["centralus"]] == 2.0 and both[0] == 5.0 and both[1] == 0.0
    assert np.array_equal(np.delete(both, [0, 1, net.gw_arc["centralus"]]), np.delete(net.cap, [0, 1, net.gw_arc["centralus"]]))
    assert net.cap[net.gw_arc["centralus"]] == 4.0  # the network's own capacities untouched


def test_failures_as_arrays_list_each_cut_by_failure_and_by_arc_and_the_gateway_halved():
    net = FlowNetwork(graph())
    fs = [failure("span", "n-l", spans=frozenset({"n-l"})), failure("gateway", "centralus", gateway="centralus"),
          failure("circuit", "c", circuits=frozenset({("centralus", "nyc")}))]
    by_failure, by_arc, halved = net.failure_index(fs)
    assert sorted(by_failure[0].indices) == sorted(net.span_arcs["n-l"]) and by_failure[1].nnz == 0
    assert sorted(by_failure[2].indices) == sorted([net.out_arc[("centralus", "nyc")], net.in_arc[("centralus", "nyc")]])
    assert list(halved) == [-1, net.gw_arc["centralus"], -1]
    assert list(by_arc[net.span_arcs["n-l"][1]].indices) == [0] and by_arc.shape == (net.n_arcs, 3)
    assert net.failure_index(fs)[0] is by_failure  # the same list: kept
    other = fs[:1]
    assert net.failure_index(other)[0].shape == (1, net.n_arcs)  # another list: built again


def test_commodities_group_pairs_by_a_shared_source_or_destination_largest_first():
    net = FlowNetwork(graph())
    ids = list(range(len(net.pairs)))
    groups = net.commodities(ids)
    assert sorted(i for grp in groups for i in grp) == ids
    for grp in groups:
        assert len({net.pairs[i][0] for i in grp}) == 1 or len({net.pairs[i][1] for i in grp}) == 1
    # Two pairs from eastus, two into westus3: ties go to the source; then what is left.
    e = {net.pair_index[("eastus", "centralus")], net.pair_index[("eastus", "westus3")]}
    assert set(groups[0]) == e and len(groups) == 3
    arcs = set(net.arcs_for([net.pair_index[("centralus", "westus3")]]).tolist())
    assert arcs == set(net.common_arcs) | set(net.site_out["centralus"]) | set(net.site_in["westus3"]) | {net.gw_arc["westus3"]}


def test_max_flow_is_the_cut_in_whole_megabits_and_an_unbounded_arc_counts_as_two_million_gbps():
    net = FlowNetwork(graph())
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    assert net.max_flow(net.cap, src, sink) == pytest.approx(14.0)  # westus3's svl circuit, and 4 over NYC-LV
    cap = net.cap.copy()
    cap[net.span_arcs["n-l"][0]] = 0.0015
    assert net.max_flow(cap, src, sink) == 10.001  # rounded down to whole Mb/s
    cap[net.span_arcs["n-l"][0]] = -1.0
    assert net.max_flow(cap, src, sink) == 10.0
    assert net.max_flow(net.cap, net.node[("gate", "eastus")], net.node[("sink", "eastus")]) == 2_000_000.0
    assert net.max_flow(net.cap, net.node[("gate", "centralus")], net.node[("sink", "centralus")]) == 4.0
    assert net.csr_structure() is net.csr_structure() and net.carrier() is net.carrier()


def test_the_carrier_graph_joins_pops_over_live_spans_both_ways():
    net = FlowNetwork(graph())
    cg = net.carrier()
    assert cg.n == net.n_pops + 2 and set(net.kind[cg.order]) == {SPAN, VIA}
    alive = np.ones(net.n_arcs, dtype=bool)
    pop = {p: cg.index[net.node[("pop", p)]] for p in ("WDC", "NYC", "SVL", "LV")}
    lab = cg.components(alive)
    assert len({lab[pop[p]] for p in pop}) == 1
    assert cg.reaches(alive, pop["LV"], np.array([pop["SVL"], pop["WDC"]]))
    alive[list(net.span_arcs["w-n"])] = False
    lab = cg.components(alive)
    assert lab[pop["WDC"]] == lab[pop["SVL"]] != lab[pop["NYC"]] == lab[pop["LV"]]
    assert not cg.reaches(alive, pop["LV"], np.array([pop["NYC"], pop["WDC"]]))
    assert cg.reaches(alive, pop["LV"], np.array([pop["NYC"]]))


def test_the_carrier_graph_keeps_a_pop_no_span_reaches_as_a_part_of_its_own():
    carrier = CarrierSpec.model_validate({
        "carrier": "Lumen",
        "pops": {"WDC": {"peering_location": "Washington DC"}, "CHI": {"peering_location": "Chicago"},
                 "SVL": {"peering_location": "Silicon Valley"}},
        "spans": {"w-s": {"a": "WDC", "z": "SVL", "gbps": 6}}})
    east = site("eastus", 10, {"wdc": "Washington DC"}, {"sync": sync("westus3", 1)})
    west = site("westus3", 30, {"svl": "Silicon Valley", "chi": "Chicago"})
    net = FlowNetwork(flows.build([east, west], carrier, DAY))
    cg = net.carrier()
    chi = cg.index[net.node[("pop", "CHI")]]
    assert cg.n == 3 and chi >= 0 and list(cg.index[cg.nodes]) == [0, 1, 2]
    lab = cg.components(np.ones(net.n_arcs, dtype=bool))
    assert len(set(lab)) == 2 and lab[chi] not in {lab[cg.index[net.node[("pop", p)]]] for p in ("WDC", "SVL")}
    assert cg.reaches(np.ones(net.n_arcs, dtype=bool), chi, np.array([chi]))
    assert not cg.reaches(np.ones(net.n_arcs, dtype=bool), chi, np.array([cg.index[net.node[("pop", "WDC")]]]))


def test_decomposing_a_flow_with_a_cycle_cancels_the_cycle_and_keeps_each_pairs_rate():
    net = FlowNetwork(graph())
    i = net.pair_index[("eastus", "westus3")]
    a, b = net.span_arcs["w-s"]
    path = [net.out_arc[("eastus", "wdc")], a, net.in_arc[("westus3", "svl")], net.gw_arc["westus3"]]
    x = np.zeros(net.n_arcs)
    x[path] = 10.0
    x[b] = 12.0   # SVL -> WDC and back WDC -> SVL: a cycle of 12, wider than the path, so the walk enters it
    x[a] += 12.0
    arcs = np.arange(net.n_arcs)
    unrouted = np.zeros(len(net.pairs))
    unrouted[i] = 5.0
    sol = LpSolution(5.0, unrouted, x, np.zeros(net.n_arcs), [([i], arcs, x)])
    out = net.decompose(sol)
    assert [(j, list(p)) for j, p, _ in out] == [(i, path)]
    assert out[0][2] == pytest.approx(10.0)
    given = [(i, np.array(path), 1.0)]
    assert net.decompose(LpSolution(0.0, unrouted, x, x, [], given)) == given
    # A second cycle through the same PoP, over the parallel span and its via arcs: cancelled as well.
    a2, b2 = net.span_arcs["w-s2"]
    vias = [int(v) for v in np.nonzero(net.kind == VIA)[0]]
    x[[a2, b2, *vias]] = 11.0
    out = net.decompose(LpSolution(5.0, unrouted, x, np.zeros(net.n_arcs), [([i], arcs, x)]))
    assert [(j, list(p)) for j, p, _ in out] == [(i, path)]
    assert out[0][2] == pytest.approx(10.0)


def test_decomposing_stops_where_the_flow_ends_short_of_what_a_pair_is_said_to_carry():
    """Flow of 10 for a pair said to carry 11, and 1 more out of its other circuit that goes nowhere: the
    paths carry the 10 that reach the sink, no more."""
    net = FlowNetwork(graph())
    i = net.pair_index[("eastus", "westus3")]
    path = [net.out_arc[("eastus", "wdc")], net.span_arcs["w-s"][0], net.in_arc[("westus3", "svl")],
            net.gw_arc["westus3"]]
    x = np.zeros(net.n_arcs)
    x[path] = 10.0
    x[net.out_arc[("eastus", "nyc")]] = 1.0
    unrouted = np.zeros(len(net.pairs))
    unrouted[i] = 4.0
    out = net.decompose(LpSolution(4.0, unrouted, x, np.zeros(net.n_arcs), [([i], np.arange(net.n_arcs), x)]))
    assert [(j, list(p), v) for j, p, v in out] == [(i, path, 10.0)]
    x[net.out_arc[("eastus", "nyc")]] = 0.0
    out = net.decompose(LpSolution(4.0, unrouted, x, np.zeros(net.n_arcs), [([i], np.arange(net.n_arcs), x)]))
    assert [(j, list(p), v) for j, p, v in out] == [(i, path, 10.0)]


def test_commodities_cover_each_pair_once_whichever_groups_are_taken_first():
    """Pure grouping of pairs: a source with three pairs (tying a destination with three, the source
    first), then the destination's, then what is left; ties of size and kind go to the later name."""
    net = FlowNetwork(graph())
    net.pairs = [("x", "t"), ("y", "t"), ("z", "t"), ("x", "u"), ("w", "u"), ("w", "v"), ("w", "r")]
    groups = net.commodities(range(len(net.pairs)))
    assert groups == [[4, 5, 6], [0, 1, 2], [3]]
    net.pairs = [("a", "x"), ("a", "y"), ("b", "p"), ("b", "q")]
    assert net.commodities(range(4)) == [[2, 3], [0, 1]]
    assert net.commodities([0, 2]) == [[2], [0]]
