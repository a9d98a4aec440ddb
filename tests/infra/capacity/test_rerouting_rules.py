"""The rules of re-routing after a failure (infra/capacity/rerouting.py) on a three-site fabric built in the
test, each against an independent oracle (a dense program with one commodity per pair over every arc, in
test_flow_network_more_rules style): a failure moves only the paths it cuts, a re-route never exceeds a
capacity left, a shortfall is the least possible, column generation reaches the arc program's optimum."""

from __future__ import annotations

import numpy as np
import pytest

from infra.capacity import flows
from infra.capacity.flow_network import EPS, FlowNetwork
from infra.capacity.flow_network import LpSolution
from infra.capacity.rerouting import Router, Routing, Settled, _component, _reroute, by_columns, by_program, settle
from infra.carrier import CarrierSpec
from tests.infra.capacity.small_fabric import DAY, dense_shortfall, site, sync


def lumen() -> CarrierSpec:
    """WDC=SVL over two 6 Gb/s spans, WDC-NYC 8 (5 ms), NYC-LV 4."""
    return CarrierSpec.model_validate({
        "carrier": "Lumen",
        "pops": {"WDC": {"peering_location": "Washington DC"}, "NYC": {"peering_location": "New York"},
                 "SVL": {"peering_location": "Silicon Valley"}, "LV": {"peering_location": "Las Vegas"}},
        "spans": {"w-s": {"a": "WDC", "z": "SVL", "gbps": 6}, "w-s2": {"a": "WDC", "z": "SVL", "gbps": 6},
                  "n-l": {"a": "NYC", "z": "LV", "gbps": 4},
                  "w-n": {"a": "WDC", "z": "NYC", "gbps": 8, "latency_ms": 5}}})


def graph(east_west: float = 4, central_west: float = 3) -> flows.FabricGraph:
    """WDC=SVL over two 6 Gb/s spans, WDC-NYC 8 (5 ms), NYC-LV 4; eastus at WDC and NYC, westus3 at SVL
    and LV, centralus at NYC behind a 4 Gb/s gateway."""
    carrier = lumen()
    east = site("eastus", 10, {"wdc": "Washington DC", "nyc": "New York"},
                {"sync": sync("westus3", east_west), "c": sync("centralus", 2)})
    west = site("westus3", 30, {"svl": "Silicon Valley", "lv": "Las Vegas"}, {"back": sync("eastus", 3)})
    central = site("centralus", 50, {"nyc": "New York"}, {"w": sync("westus3", central_west)}, fastpath=False)
    return flows.build([east, west, central], carrier, DAY)



def assert_a_routing_within(net: FlowNetwork, routing: Routing, cap: np.ndarray, short: float = 0.0) -> None:
    """Every path a walk from its pair's source to its sink; loads within capacity; every pair carried."""
    carried = np.zeros(len(net.pairs))
    load = np.zeros(net.n_arcs)
    for i, arcs, x in routing.paths():
        assert net.tail[arcs[0]] == net.pair_src[i] and net.head[arcs[-1]] == net.pair_sink[i]
        assert all(net.head[a] == net.tail[b] for a, b in zip(arcs, arcs[1:]))
        carried[i] += x
        np.add.at(load, arcs, x)
    assert load == pytest.approx(routing.load, abs=1e-9)
    assert np.all(load <= cap + 1e-6)
    assert carried.sum() == pytest.approx(net.rate.sum() - short, abs=1e-6)
    assert carried + routing.unrouted == pytest.approx(net.rate, abs=1e-6)


def baseline(net: FlowNetwork, router: Router) -> Routing:
    room = net.cap.copy()
    pieces, left = router.route([[int(net.pair_src[i]), int(net.pair_sink[i]), float(net.rate[i])]
                                 for i in range(len(net.pairs))], room)
    assert not any(left)
    return Routing.from_paths(net, [(i, a, x) for i, ps in enumerate(pieces) for a, x in ps])


def labels(net: FlowNetwork, arcs) -> list[str]:
    return [net.labels[a] for a in arcs]


# a routing --------------------------------------------------------------------------------------


def test_a_routing_knows_its_load_what_it_leaves_unrouted_and_the_paths_crossing_an_arc():
    net = FlowNetwork(graph())
    e, c = net.pair_index[("eastus", "westus3")], net.pair_index[("centralus", "westus3")]
    p1 = np.array([net.out_arc[("eastus", "wdc")], net.span_arcs["w-s"][0], net.in_arc[("westus3", "svl")],
                   net.gw_arc["westus3"]])
    p2 = np.array([net.out_arc[("centralus", "nyc")], net.span_arcs["n-l"][0], net.in_arc[("westus3", "lv")],
                   net.gw_arc["westus3"]])
    r = Routing.from_paths(net, [(e, p1, 2.0), (c, p2, 2.0), (e, p1, 1.0)])
    assert r.load[net.gw_arc["westus3"]] == 5.0 and r.load[net.span_arcs["w-s"][0]] == 3.0
    assert r.unrouted[e] == pytest.approx(1.0) and r.unrouted[c] == pytest.approx(1.0)
    assert r.unrouted[net.pair_index[("westus3", "eastus")]] == 3.0
    assert list(r.path(1)) == list(p2) and list(r.path(2)) == list(p1)
    assert list(r.through(np.array([net.span_arcs["n-l"][0]]))) == [1]
    assert list(r.through(np.array([net.gw_arc["westus3"], net.span_arcs["w-s"][0]]))) == [0, 1, 2]
    assert list(r.through(np.array([net.span_arcs["w-n"][0]]))) == [] and len(r.through(np.zeros(0, int))) == 0
    assert list(r.of_pairs([e])) == [0, 2] and list(r.of_pairs([c, e])) == [0, 1, 2] and len(r.of_pairs([])) == 0
    given = np.full(len(net.pairs), 9.0)
    assert Routing.from_paths(net, [(e, p1, 5.0)], given).unrouted is given
    k = r.keeping(np.array([False, True, True]), [(e, p2, 1.5)])
    assert [(i, list(a), x) for i, a, x in k.paths()] == [(c, list(p2), 2.0), (e, list(p1), 1.0), (e, list(p2), 1.5)]
    assert k.load[net.span_arcs["n-l"][0]] == 3.5 and k.load[net.span_arcs["w-s"][0]] == 1.0
    assert k.unrouted[e] == pytest.approx(1.5) and r.keeping(np.ones(3, bool), [], given).unrouted is given
    for a in range(net.n_arcs):  # every arc, the last included, against a plain scan of the paths
        assert list(r.through(np.array([a]))) == [k for k, (_, p, _) in enumerate(r.paths()) if a in p]
    empty = Routing.from_paths(net, [])
    assert not empty.load.any() and list(empty.unrouted) == list(net.rate)


# the router -------------------------------------------------------------------------------------


def test_the_router_takes_the_least_latency_path_with_room_and_splits_what_no_path_holds():
    net = FlowNetwork(graph())
    router = Router(net)
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    room = net.cap.copy()
    pieces, left = router.route([[src, sink, 3.0]], room)
    assert left == [0.0] and len(pieces[0]) == 1
    assert labels(net, pieces[0][0][0]) == ["circuit eastus/wdc (out)", "span w-s (WDC->SVL)",
                                            "circuit westus3/svl (in)", "gateway westus3"]
    assert room == pytest.approx(net.cap - np.bincount(pieces[0][0][0], minlength=net.n_arcs) * 3.0)
    # 15 Gb/s in two requests: the one a single path holds goes whole first, the other is split over
    # what is left, up to the carrier's cut of 14 into westus3.
    room = net.cap.copy()
    pieces, left = router.route([[src, sink, 14.0], [src, sink, 1.0]], room)
    assert left[1] == 0.0 and [x for _, x in pieces[1]] == [1.0]
    assert sum(x for _, x in pieces[0]) == pytest.approx(13.0) and left[0] == pytest.approx(1.0)
    assert len(pieces[0]) == 3
    assert np.all(room >= -1e-9) and router.searches > 0
    for arcs, _ in pieces[0]:
        assert net.tail[arcs[0]] == src and net.head[arcs[-1]] == sink
        assert all(net.head[a] == net.tail[b] for a, b in zip(arcs, arcs[1:]))


def test_the_router_avoids_arcs_without_room_and_detours_between_two_pops():
    net = FlowNetwork(graph())
    router = Router(net)
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    room = net.cap.copy()
    room[net.out_arc[("eastus", "wdc")]] = 0.0  # BGP moves it to the nyc circuit
    (piece,), _ = router.route([[src, sink, 2.0]], room)
    assert labels(net, piece[0][0]) == ["circuit eastus/nyc (out)", "span n-l (NYC->LV)", "circuit westus3/lv (in)",
                                        "gateway westus3"]
    room = net.cap.copy()
    room[net.span_arcs["w-s"][0]] = 1.0  # the direct span has room for 1 only: the parallel one through its via
    wdc, svl, lv = (net.node[("pop", p)] for p in ("WDC", "SVL", "LV"))
    (piece,), left = router.route([[wdc, svl, 5.0]], room)
    assert left == [0.0] and labels(net, piece[0][0]) == ["span w-s2 (WDC->SVL)", "span w-s2 (WDC->SVL) (via)"]
    (piece,), left = router.route([[wdc, lv, 6.0]], room)  # 4 over WDC-NYC-LV, then nothing: 2 left
    assert left == [pytest.approx(2.0)] and sum(x for _, x in piece) == pytest.approx(4.0)
    assert labels(net, piece[0][0]) == ["span w-n (WDC->NYC)", "span n-l (NYC->LV)"]
    (piece,), left = router.route([[wdc, wdc, 1.0]], room)
    assert left == [0.0] and len(piece[0][0]) == 0
    room[net.gw_arc["centralus"]] = 0.5
    (piece,), left = router.route([[src, net.node[("sink", "centralus")], 1.0]], room)
    assert sum(x for _, x in piece) == pytest.approx(0.5) and left == [pytest.approx(0.5)]


# settling a failure -----------------------------------------------------------------------------


SOME = {"span w-s", "span n-l", "span w-n", "PoP LV", "PoP SVL", "circuit eastus/nyc", "circuit westus3/svl",
        "one of the two instances of gateway eastus", "one of the two instances of gateway centralus"}
"""Failures settled each way: skipped, baseline, rerouted (from the source, or a detour), by the program."""


def test_every_single_failure_is_settled_to_the_least_shortfall_within_what_it_leaves():
    g = graph()
    net = FlowNetwork(g)
    router = Router(net)
    base = baseline(net, router)
    hows = {}
    for f in [f for f in g.failures() if str(f) in SOME]:
        ch = net.changes(f)
        cap = net.cap_under(ch)
        changed = np.array(sorted(ch), dtype=np.int64)
        st = settle(net, router, base, cap, changed, want_paths=True)
        hows[str(f)] = st.how
        assert st.short == pytest.approx(dense_shortfall(net, cap), abs=1e-6), f
        assert st.routing is not None
        assert_a_routing_within(net, st.routing, cap, st.short)
        assert st.load == pytest.approx(st.routing.load, abs=1e-6)
        # Pairs none of whose paths cross a changed arc keep their paths as they were.
        cut = set(changed.tolist())
        for i in range(len(net.pairs)):
            before = [(list(a), x) for j, a, x in base.paths() if j == i]
            if st.how in ("skipped", "baseline", "rerouted") and not any(cut & set(a) for a, _ in before):
                assert sorted((list(a), x) for j, a, x in st.routing.paths() if j == i) == sorted(before)
        quick = settle(net, router, base, cap, changed)
        assert quick.how == st.how and quick.short == pytest.approx(st.short, abs=1e-6)
        if quick.how not in ("skipped", "baseline"):  # paths only when asked for
            assert quick.routing is None
        assert np.all(quick.load <= cap + 1e-6)
        if quick.short == 0:  # what reaches each sink is its pairs' rates, within every capacity
            for s in g.sites:
                into = sum(net.rate[i] for i, (_, t) in enumerate(net.pairs) if t == s)
                assert quick.load[net.gw_arc[s]] == pytest.approx(into, abs=1e-6)
    assert hows["span w-n"] == hows["one of the two instances of gateway eastus"] == "skipped"
    assert hows["one of the two instances of gateway centralus"] == "baseline"  # 2 Gb/s into half of 4
    assert hows["span w-s"] == hows["circuit eastus/nyc"] == hows["PoP LV"] == "rerouted"
    assert hows["span n-l"] == "lp_restricted"  # LV has no other span: the program moves centralus to svl
    assert hows["circuit westus3/svl"] == hows["PoP SVL"] == "lp_restricted"


def test_a_span_cut_moves_only_the_cut_segment_onto_the_parallel_span():
    net = FlowNetwork(graph())
    router = Router(net)
    base = baseline(net, router)
    e = net.pair_index[("eastus", "westus3")]
    changed = np.array(net.span_arcs["w-s"])
    cap = net.cap.copy()
    cap[changed] = 0.0
    st = settle(net, router, base, cap, changed, want_paths=True)
    assert st.how == "rerouted" and st.short == 0
    moved = [labels(net, a) for i, a, _ in st.routing.paths() if i == e and "span w-s2 (WDC->SVL)" in labels(net, a)]
    assert ["circuit eastus/wdc (out)", "span w-s2 (WDC->SVL)", "span w-s2 (WDC->SVL) (via)",
            "circuit westus3/svl (in)", "gateway westus3"] in moved
    assert st.routing.load[net.span_arcs["w-s"][0]] == 0


def test_a_failure_leaving_a_shortfall_names_the_pairs_that_compete_for_it():
    g = graph(east_west=8, central_west=5)
    net = FlowNetwork(g)
    router = Router(net)
    base = baseline(net, router)
    svl = (net.out_arc[("westus3", "svl")], net.in_arc[("westus3", "svl")])
    cap = net.cap.copy()
    cap[list(svl)] = 0.0
    st = settle(net, router, base, cap, np.array(svl), want_paths=True)
    # Into westus3 only through lv (10), reached over NYC-LV (4) alone: 13 - 4 = 9 short.
    assert st.short == pytest.approx(dense_shortfall(net, cap)) == pytest.approx(9.0)
    assert st.exact is not None and st.how in ("lp_restricted", "lp_full")
    west = {net.pair_index[("eastus", "westus3")], net.pair_index[("centralus", "westus3")]}
    assert set(st.component) == west
    assert_a_routing_within(net, st.routing, cap, 9.0)
    assert Settled("skipped", st.load).short == 0.0


def test_a_shortfall_found_with_other_pairs_held_frees_those_on_priced_capacities():
    """The program over one pair, another held on the capacity it needs: the held pair is freed until the
    prices certify the whole fabric (here: every pair, lp_full), and the shortfall is the least possible."""
    net = FlowNetwork(graph(east_west=8, central_west=5))
    router = Router(net)
    e, c = net.pair_index[("eastus", "westus3")], net.pair_index[("centralus", "westus3")]
    nl = np.array([net.out_arc[("centralus", "nyc")], net.span_arcs["n-l"][0], net.in_arc[("westus3", "lv")],
                   net.gw_arc["westus3"]])
    routing = Routing.from_paths(net, [(c, nl, 4.0)])  # holds NYC-LV whole
    cap = net.cap.copy()
    cap[net.in_arc[("westus3", "svl")]] = 0.0
    free = set(range(len(net.pairs))) - {c}
    for rt in (router, None):
        st = by_program(net, routing, cap, set(free), True, rt)
        assert st.short == pytest.approx(dense_shortfall(net, cap), abs=1e-6) == pytest.approx(9.0)
        assert st.how == "lp_full" and {e, c} <= set(st.component)
        assert_a_routing_within(net, st.routing, cap, 9.0)
    # Held paths on no priced capacity stay held: lp_restricted.
    fits = by_program(net, Routing.from_paths(net, [(c, nl, 1.0)]), net.cap, free | {c} - {c}, False, router)
    assert fits.how == "lp_restricted" and fits.exact is None and fits.routing is None


# column generation ------------------------------------------------------------------------------


def test_column_generation_reaches_the_arc_programs_optimum_with_a_routing_within_capacity():
    g = graph(east_west=9, central_west=5)
    net = FlowNetwork(g)
    router = Router(net)
    ids = list(range(len(net.pairs)))
    fs = {str(f): f for f in g.failures()}
    for f in [None, fs["span w-s"], fs["circuit westus3/svl"], fs["PoP NYC"]]:
        cap = net.cap_under(net.changes(f)) if f else net.cap.copy()
        cols = by_columns(net, router, ids, cap, {}, cap > 1e-9)
        assert cols is not None
        assert cols.short == pytest.approx(net.solve(ids, cap).short, abs=1e-6)
        if f is not None and f.name == "westus3/svl":
            assert cols.short == pytest.approx(dense_shortfall(net, cap), abs=1e-6) == pytest.approx(10.0)
        assert np.all(cols.load <= cap + 1e-6) and np.all(cols.price >= 0)
        carried = np.zeros(len(net.pairs))
        for i, arcs, x in net.decompose(cols):
            assert net.tail[arcs[0]] == net.pair_src[i] and net.head[arcs[-1]] == net.pair_sink[i]
            assert cap[arcs].min() > 0
            carried[i] += x
        assert carried + cols.unrouted == pytest.approx(net.rate, abs=1e-6)
    # Paths given to start with are columns too; one over an arc not usable is left out.
    cap = net.cap.copy()
    e = net.pair_index[("eastus", "westus3")]
    p = np.array([net.out_arc[("eastus", "nyc")], net.span_arcs["n-l"][0], net.in_arc[("westus3", "lv")],
                  net.gw_arc["westus3"]])
    usable = cap > 1e-9
    sol = by_columns(net, router, [e], cap, {e: [p, p]}, usable)
    assert sol.short == pytest.approx(0) and sum(x for _, _, x in sol.paths) == pytest.approx(9)
    usable[net.span_arcs["n-l"][0]] = False
    sol = by_columns(net, router, [e], cap, {e: [p]}, usable)
    assert all(net.span_arcs["n-l"][0] not in a for _, a, _ in sol.paths)


class SearchOnly(Router):
    """A router that tries no path of its table for a whole request: it searches for every one."""

    CANDIDATES = 0


def test_the_routers_table_keeps_the_shortest_paths_with_nothing_failed_from_each_pop_asked_about_only():
    net = FlowNetwork(graph())
    router = Router(net)
    assert router._rows == {}
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    room = net.cap.copy()
    room[net.span_arcs["w-s"][0]] = 0.0
    router.route([[src, sink, 1.0]], room)  # rows from eastus's PoPs only, and unchanged by the failure
    cg = net.carrier()
    assert sorted(router._rows) == sorted(int(cg.index[net.node[("pop", p)]]) for p in ("WDC", "NYC"))
    from scipy.sparse.csgraph import dijkstra
    dist = dijkstra(FlowNetwork(graph()).carrier().graph, directed=True)
    assert cg.n == 6  # four PoPs and the two nodes of the parallel span
    for a in range(cg.n):
        assert router.table(a)[0] == pytest.approx(dist[a]) and np.isfinite(router.table(a)[0]).all()
    assert sorted(router._rows) == list(range(cg.n))


def test_a_router_that_searches_for_every_whole_path_finds_the_paths_its_table_gives():
    net = FlowNetwork(graph())
    table, search = Router(net), SearchOnly(net)
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    wdc, svl, lv = (net.node[("pop", p)] for p in ("WDC", "SVL", "LV"))
    for narrow in ([], [net.out_arc[("eastus", "wdc")]], [net.span_arcs["w-s"][0]], [net.in_arc[("westus3", "lv")]]):
        for req in ([src, sink, 3.0], [wdc, svl, 5.0], [wdc, lv, 2.0], [src, sink, 12.0], [wdc, wdc, 1.0]):
            got = []
            for router in (table, search):
                room = net.cap.copy()
                room[narrow] = 1.0
                pieces, left = router.route([list(req)], room)
                got.append(([(labels(net, a), x) for a, x in pieces[0]], left))
            assert got[0] == got[1], (narrow, req)
    room = net.cap.copy()
    room[[net.in_arc[("westus3", "svl")], net.in_arc[("westus3", "lv")]]] = 0.0
    assert search.route([[src, sink, 1.0]], room) == ([[]], [1.0])
    room = net.cap.copy()
    room[list(net.span_arcs["w-s"]) + list(net.span_arcs["w-s2"])] = 0.0
    assert search.route([[wdc, svl, 1.0]], room) == ([[]], [1.0])
    # The path program with searched columns only reaches the same optimum.
    ids = list(range(len(net.pairs)))
    cap = net.cap.copy()
    cap[net.in_arc[("westus3", "svl")]] = 0.0
    assert by_columns(net, search, ids, cap, {}, cap > 1e-9).short == pytest.approx(net.solve(ids, cap).short, abs=1e-6)


def test_the_router_counts_each_search_it_runs():
    net = FlowNetwork(graph())
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    router = Router(net)
    assert router.searches == 0
    router.route([[src, sink, 3.0]], net.cap.copy())
    assert router.searches == 0  # a path of the table had room
    router.route([[src, sink, 14.0]], net.cap.copy())
    assert router.searches == 3  # three rounds of the split, one piece each
    search = SearchOnly(net)
    search.route([[src, sink, 3.0]], net.cap.copy())
    assert search.searches == 1
    search.route([[net.node[("pop", "WDC")], net.node[("pop", "SVL")], 3.0]], net.cap.copy())
    assert search.searches == 1  # a detour's path of the table had room
    stuck = Router(net)
    pieces, left = stuck.route([[src, sink, 15.0]], net.cap.copy())
    assert stuck.searches == 4 and left == [pytest.approx(1.0)]  # three pieces, then a round that moves nothing


def test_a_split_never_records_a_piece_with_nothing_on_it():
    """Two requests from one source in one round: the second finds the first's path full and skips it."""
    net = FlowNetwork(graph())
    router = Router(net)
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    room = net.cap.copy()
    pieces, left = router.route([[src, sink, 14.0], [src, sink, 14.0]], room)
    assert all(x > 1e-9 for ps in pieces for _, x in ps)
    assert sum(x for ps in pieces for _, x in ps) == pytest.approx(14.0) and sum(left) == pytest.approx(14.0)
    assert np.all(room >= -1e-9)


def test_a_detour_between_pops_in_different_parts_of_the_carrier_finds_nothing():
    carrier = CarrierSpec.model_validate({
        "carrier": "Lumen",
        "pops": {"WDC": {"peering_location": "Washington DC"}, "CHI": {"peering_location": "Chicago"},
                 "SVL": {"peering_location": "Silicon Valley"}},
        "spans": {"w-s": {"a": "WDC", "z": "SVL", "gbps": 6}}})
    east = site("eastus", 10, {"wdc": "Washington DC"}, {"sync": sync("westus3", 1)})
    west = site("westus3", 30, {"svl": "Silicon Valley", "chi": "Chicago"})
    net = FlowNetwork(flows.build([east, west], carrier, DAY))
    wdc, chi = net.node[("pop", "WDC")], net.node[("pop", "CHI")]
    for router in (Router(net), SearchOnly(net)):
        assert router.route([[wdc, chi, 1.0]], net.cap.copy()) == ([[]], [1.0])


def test_a_failure_settles_pairs_the_routing_left_unrouted_as_well():
    """A routing short before the failure: the program takes its unrouted pairs too."""
    net = FlowNetwork(graph(east_west=13, central_west=3))
    router = Router(net)
    c = net.pair_index[("centralus", "westus3")]
    nl = np.array([net.out_arc[("centralus", "nyc")], net.span_arcs["n-l"][0], net.in_arc[("westus3", "lv")],
                   net.gw_arc["westus3"]])
    routing = Routing.from_paths(net, [(c, nl, 3.0)])
    changed = np.array(net.span_arcs["n-l"])
    cap = net.cap.copy()
    cap[changed] = 0.0
    st = settle(net, router, routing, cap, changed, want_paths=True)
    assert st.short == pytest.approx(dense_shortfall(net, cap), abs=1e-6) == pytest.approx(6.0)


def _east_west_over_w_s(net: FlowNetwork) -> tuple[Routing, np.ndarray]:
    """The routing of graph(east_west=7.5, central_west=3): eastus->westus3 6 on w-s, 0.5 on w-s2 and 1 over
    NYC-LV (which centralus's 3 fills), eastus->centralus 2, westus3->eastus 3 back over w-s; and eastus's
    path over w-s2."""
    i = net.pair_index
    wdc_out, nyc_out = net.out_arc[("eastus", "wdc")], net.out_arc[("eastus", "nyc")]
    svl_in, lv_in, gw = net.in_arc[("westus3", "svl")], net.in_arc[("westus3", "lv")], net.gw_arc["westus3"]
    a2 = net.span_arcs["w-s2"][0]
    via_arc = int(np.nonzero(net.tail == int(net.head[a2]))[0][0])
    routing = Routing.from_paths(net, [
        (i[("eastus", "westus3")], np.array([wdc_out, net.span_arcs["w-s"][0], svl_in, gw]), 6.0),
        (i[("eastus", "westus3")], np.array([wdc_out, a2, via_arc, svl_in, gw]), 0.5),
        (i[("eastus", "westus3")], np.array([nyc_out, net.span_arcs["n-l"][0], lv_in, gw]), 1.0),
        (i[("centralus", "westus3")], np.array([net.out_arc[("centralus", "nyc")], net.span_arcs["n-l"][0], lv_in, gw]), 3.0),
        (i[("eastus", "centralus")], np.array([nyc_out, net.in_arc[("centralus", "nyc")], net.gw_arc["centralus"]]), 2.0),
        (i[("westus3", "eastus")], np.array([net.out_arc[("westus3", "svl")], net.span_arcs["w-s"][1],
                                             net.in_arc[("eastus", "wdc")], net.gw_arc["eastus"]]), 3.0)])
    return routing, np.array([wdc_out, a2, via_arc, svl_in, gw])


def test_a_detour_short_by_less_than_one_gbps_still_sends_its_pair_to_the_program():
    """eastus holds 6 on w-s, 0.5 on w-s2 and 1 over NYC-LV, which centralus fills: w-s cut, the detour
    over w-s2 finds room for 5.5 of 6, and the program proves the 0.5 short."""
    net = FlowNetwork(graph(east_west=7.5, central_west=3))
    router = Router(net)
    i = net.pair_index
    routing, over_w_s2 = _east_west_over_w_s(net)
    assert not routing.unrouted.any() and np.all(routing.load <= net.cap)
    changed = np.array(net.span_arcs["w-s"])
    cap = net.cap.copy()
    cap[changed] = 0.0
    st = settle(net, router, routing, cap, changed, want_paths=True)
    assert st.short == pytest.approx(dense_shortfall(net, cap), abs=1e-6) == pytest.approx(0.5)
    # The parallel span's cut: its via arc goes too, the detour runs from WDC to SVL over w-s.
    alone = Routing.from_paths(net, [(i[("eastus", "westus3")], over_w_s2, 0.5)])
    changed = np.array(net.span_arcs["w-s2"])
    cap = net.cap.copy()
    cap[changed] = 0.0
    st = settle(net, router, alone, cap, changed, want_paths=True)
    assert st.how == "rerouted" and st.short == 0
    assert [(j, labels(net, a), x) for j, a, x in st.routing.paths()] == [
        (i[("eastus", "westus3")], ["circuit eastus/wdc (out)", "span w-s (WDC->SVL)", "circuit westus3/svl (in)",
                                    "gateway westus3"], 0.5)]


def test_the_pairs_competing_for_a_shortfall_are_the_short_ones_and_those_on_a_priced_capacity():
    net = FlowNetwork(graph())
    e, c, w = (net.pair_index[p] for p in (("eastus", "westus3"), ("centralus", "westus3"), ("westus3", "eastus")))
    nl = np.array([net.out_arc[("centralus", "nyc")], net.span_arcs["n-l"][0], net.in_arc[("westus3", "lv")],
                   net.gw_arc["westus3"]])
    back = np.array([net.out_arc[("westus3", "svl")], net.span_arcs["w-s"][1], net.in_arc[("eastus", "wdc")],
                     net.gw_arc["eastus"]])
    unrouted = np.zeros(len(net.pairs))
    unrouted[e] = 1.0
    priced = np.zeros(net.n_arcs, dtype=bool)
    priced[net.span_arcs["n-l"][0]] = True
    sol = LpSolution(1.0, unrouted, np.zeros(net.n_arcs), priced * 1.0, [], [(c, nl, 3.0), (w, back, 3.0)])
    assert _component(net, sol, {e, c, w}, priced) == (min(e, c), max(e, c))
    unrouted[e] = 0.6e-6  # above EPS / 3 (the pairs freed): still short
    assert e in _component(net, sol, {e, c, w}, priced)
    unrouted[e] = 0.3e-6
    assert e not in _component(net, sol, {e, c, w}, priced)


# tuning constants, pinned at their limits ---------------------------------------------------------


def parallel_spans(n: int) -> FlowNetwork:
    """WDC and SVL joined by n parallel 1 Gb/s spans: a detour of k Gb/s between them needs k pieces."""
    carrier = CarrierSpec.model_validate({
        "carrier": "Lumen",
        "pops": {"WDC": {"peering_location": "Washington DC"}, "SVL": {"peering_location": "Silicon Valley"}},
        "spans": {f"s{k}": {"a": "WDC", "z": "SVL", "gbps": 1} for k in range(n)}})
    east = site("eastus", 10, {"wdc": "Washington DC"}, {"sync": sync("westus3", 1)})
    west = site("westus3", 30, {"svl": "Silicon Valley"})
    return FlowNetwork(flows.build([east, west], carrier, DAY))


def test_a_split_carries_what_six_rounds_of_pieces_hold_and_gives_the_rest_up_to_the_program():
    """ROUNDS = 6: a request that needs six pieces is carried whole; one that needs seven leaves the
    seventh Gb/s (the program then proves whether it fits)."""
    net = parallel_spans(8)
    wdc, svl = net.node[("pop", "WDC")], net.node[("pop", "SVL")]
    for need, pieces_carried, left in ((6.0, 6, 0.0), (7.0, 6, 1.0)):
        router = Router(net)
        room = net.cap.copy()
        pieces, lefts = router.route([[wdc, svl, need]], room)
        assert len(pieces[0]) == pieces_carried and lefts == [pytest.approx(left)], need
        assert sum(x for _, x in pieces[0]) == pytest.approx(need - left)
        assert router.searches == 1 + 6  # the search for one whole path, then six rounds


def test_the_router_tries_the_twelve_least_latency_circuit_pairs_before_it_searches():
    """CANDIDATES = 12: with room only on the circuits of the 12th pair of circuits (out, in) by latency,
    its path is taken from the table; only on the 13th's, a search finds it."""
    names = {"wdc": "Washington DC", "nyc": "New York", "svl": "Silicon Valley", "lv": "Las Vegas"}
    east = site("eastus", 10, names, {"sync": sync("westus3", 1)})
    west = site("westus3", 30, names)
    net = FlowNetwork(flows.build([east, west], lumen(), DAY))
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    router = Router(net)
    cidx = router.cidx
    outs, ins = net.site_out["eastus"], net.site_in["westus3"]
    cost = [router.table(cidx[net.circuit_pop[o]])[0][cidx[net.circuit_pop[i]]] for o in outs for i in ins]
    ranked = sorted(range(len(cost)), key=lambda f: cost[f])  # stable: ties in circuit order
    assert len(ranked) == 16
    for rank, searches in ((12, 0), (13, 1)):
        o, i = divmod(ranked[rank - 1], len(ins))
        room = net.cap.copy()
        room[[a for a in outs if a != outs[o]] + [a for a in ins if a != ins[i]]] = 0.0
        router = Router(net)
        (piece,), left = router.route([[src, sink, 1.0]], room)
        assert left == [0.0] and router.searches == searches, rank
        assert piece[0][0][0] == outs[o] and ins[i] in piece[0][0]


def test_a_search_leaves_a_site_by_its_first_circuit_with_room_at_the_pop_it_starts_from():
    """Two circuits of eastus at Washington DC: a search from that PoP takes the first in circuit order that
    has room, as the table's candidates (ties in circuit order) do."""
    east = site("eastus", 10, {"wdc": "Washington DC", "wdc2": "Washington DC"}, {"sync": sync("westus3", 1)})
    west = site("westus3", 30, {"svl": "Silicon Valley"})
    net = FlowNetwork(flows.build([east, west], lumen(), DAY))
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    first, second = net.out_arc[("eastus", "wdc")], net.out_arc[("eastus", "wdc2")]
    for full, taken in ((None, first), (first, second)):
        for router in (Router(net), SearchOnly(net)):
            room = net.cap.copy()
            if full is not None:
                room[full] = 0.0
            (piece,), left = router.route([[src, sink, 1.0]], room)
            assert left == [0.0] and piece[0][0][0] == taken, (full, type(router).__name__)


def test_a_detour_whose_table_path_has_room_takes_it_without_a_search():
    net = FlowNetwork(graph())
    wdc, svl, nyc = (net.node[("pop", p)] for p in ("WDC", "SVL", "NYC"))
    router = Router(net)
    for req in ([wdc, svl, 5.0], [wdc, nyc, 8.0], [wdc, wdc, 1.0]):
        (piece,), left = router.route([req], net.cap.copy())
        assert left == [0.0] and len(piece) == 1
    assert router.searches == 0
    room = net.cap.copy()
    room[net.span_arcs["w-n"][0]] = 7.0  # 8 no longer fits the table's path: one search, which finds nothing whole
    (piece,), left = router.route([[wdc, nyc, 8.0]], room)
    assert router.searches > 0


def test_a_reroute_sends_to_the_program_only_the_pairs_whose_detour_found_no_room():
    """w-s cut: eastus's 6 Gb/s detour WDC->SVL finds 5.5 on w-s2 (not enough), westus3's 3 back SVL->WDC
    finds room: only eastus->westus3 goes to the program, westus3->eastus keeps its detour over w-s2."""
    net = FlowNetwork(graph(east_west=7.5, central_west=3))
    router = Router(net)
    i = net.pair_index
    routing, _ = _east_west_over_w_s(net)
    changed = np.array(net.span_arcs["w-s"])
    cap = net.cap.copy()
    cap[changed] = 0.0
    over = changed[routing.load[changed] > cap[changed]]
    done, (after, failed) = _reroute(net, router, routing, cap, over, routing.through(over), True)
    assert done is None and failed == {i[("eastus", "westus3")]}
    back = [labels(net, a) for j, a, _ in after.paths() if j == i[("westus3", "eastus")]]
    assert back == [["circuit westus3/svl (out)", "span w-s2 (SVL->WDC)", "span w-s2 (SVL->WDC) (via)",
                     "circuit eastus/wdc (in)", "gateway eastus"]]
    assert [x for j, _, x in after.paths() if j == i[("westus3", "eastus")]] == [3.0]


def test_a_router_sees_the_carrier_with_nothing_failed_whatever_another_router_searched_on_the_network():
    """Routers built on one network share its carrier graph: a search one of them ran over what a failure
    left (both WDC-SVL spans full) must not leave the next one's table without those spans."""
    net = FlowNetwork(graph())
    rows = [Router(net).table(a)[0] for a in range(net.carrier().n)]
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    room = net.cap.copy()
    room[[net.span_arcs["w-s"][0], net.span_arcs["w-s2"][0]]] = 0.0
    searcher = SearchOnly(net)
    (piece,), left = searcher.route([[src, sink, 1.0]], room)
    assert left == [0.0] and searcher.searches == 1 and "span n-l (NYC->LV)" in labels(net, piece[0][0])
    later = Router(net)
    for a in range(net.carrier().n):
        assert np.array_equal(later.table(a)[0], rows[a]) and np.isfinite(rows[a]).all()
    (piece,), left = later.route([[src, sink, 1.0]], net.cap.copy())
    assert labels(net, piece[0][0]) == ["circuit eastus/wdc (out)", "span w-s (WDC->SVL)", "circuit westus3/svl (in)",
                                        "gateway westus3"] and later.searches == 0


def test_a_search_between_two_sites_at_one_pop_finds_the_path_over_no_span():
    """eastus and westus3 both have a circuit at Washington DC: the path searched is out of one circuit and
    into the other at WDC, with no span (the walk from the PoP to itself is empty)."""
    east = site("eastus", 10, {"wdc": "Washington DC"}, {"sync": sync("westus3", 1)})
    west = site("westus3", 30, {"wdc": "Washington DC", "svl": "Silicon Valley"})
    net = FlowNetwork(flows.build([east, west], lumen(), DAY))
    src, sink = net.node[("src", "eastus")], net.node[("sink", "westus3")]
    for router in (Router(net), SearchOnly(net)):
        (piece,), left = router.route([[src, sink, 1.0]], net.cap.copy())
        assert left == [0.0] and labels(net, piece[0][0]) == ["circuit eastus/wdc (out)", "circuit westus3/wdc (in)",
                                                               "gateway westus3"], type(router).__name__
    assert router.searches == 1
