"""The fabric flow model's rules one by one (infra/capacity/flows.py), on small fabrics built in the test:
what the graph keeps (owned links to existing peers, demands to known stacks, fibre in service on the day
exactly), every single failure (transit PoPs lose spans only, Metro circuits survive their location),
one violation per stack and shortfall with its message parts (eight demands named then 'and N more',
twenty pairs of failures then a count), the figures' formatting, and the analysis on carrier networks
of a few PoPs (a span cut, a shared-risk group, new fibre, critical demands after two failures)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from infra.capacity import flows
from infra.capacity.flows import (
    ArcUse, DemandEdge, Failure, FlowReport, PathPiece, Saturated, Shortfall, build, hours_to_copy, violations,
)
from infra.carrier import CarrierSpec
from infra.spec import from_config

DAY = dt.date(2027, 1, 1)


def circuit(location: str, n: int, mbps: int = 10000) -> dict:
    return {"kind": "provider", "peering_location": location, "bandwidth_mbps": mbps, "tier": "Premium",
            "private_peering": {"peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
                                "secondary_prefix": f"172.16.{n}.4/30"}}


def site(name: str, net: int, circuits: dict[str, str], *, links: dict | None = None, demands: dict | None = None,
         gateway: dict | None = None, mbps: int = 10000):
    data = {"site": {"region": name, "address_space": [f"10.{net}.0.0/16"]},
            "interconnect": {"circuits": {c: circuit(loc, net * 4 + i, mbps) for i, (c, loc) in enumerate(circuits.items())},
                             "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26",
                                         **(gateway or {})},
                             "global_reach": links or {}},
            "demands": demands or {}}
    return from_config(name, copy.deepcopy(data))


def link(circuit: str, peer_stack: str, peer_circuit: str, n: int = 0) -> dict:
    return {"circuit": circuit, "peer_stack": peer_stack, "peer_circuit": peer_circuit, "prefix": f"172.31.0.{8 * n}/29"}


def sync(to: str, gbps: float, **extra) -> dict:
    return {"kind": "sustained", "to_stack": to, "gbps": gbps, **extra}


def carrier(spans: dict, pops: dict[str, str | None] | None = None) -> CarrierSpec:
    pops = pops or {"WDC": "Washington DC", "NYC": "New York", "SVL": "Silicon Valley", "LV": "Las Vegas",
                    "DEN": None}
    return CarrierSpec.model_validate({
        "carrier": "Lumen", "pops": {p: {"peering_location": loc} for p, loc in pops.items()},
        "spans": {name: {"a": a, "z": z, "gbps": gbps, **extra} for name, (a, z, gbps, extra) in spans.items()}})


EAST = {"wdc": "Washington DC", "nyc": "New York"}
WEST = {"svl": "Silicon Valley", "lv": "Las Vegas"}


def two_sites(east_demands=None, west_gateway=None, mbps=10000):
    return [site("eastus", 10, EAST, demands=east_demands, mbps=mbps),
            site("westus3", 30, WEST, gateway=west_gateway, mbps=mbps)]


# the graph --------------------------------------------------------------------------------------


def test_graph_keeps_each_link_once_at_its_owner_and_only_to_a_peer_circuit_that_exists():
    east = site("eastus", 10, EAST, links={"a": link("wdc", "westus3", "svl", 0), "b": link("nyc", "westus3", "nope", 1),
                                           "c": link("nyc", "zulu", "x", 2)})
    west = site("westus3", 30, WEST, links={"a": link("svl", "eastus", "wdc", 0)})
    g = build([east, west], on=DAY)
    assert g.links == (flows.LinkEdge("a", ("eastus", "wdc"), ("westus3", "svl"), "172.31.0.0/29"),)


def test_graph_keeps_demands_to_known_stacks_with_their_dataset_criticality_and_path():
    demands = {"copy": {"kind": "replication", "to_stack": "westus3", "dataset_tb": 100, "within_hours": 10,
                        "critical": True, "path": "carrier"},
               "sync": sync("westus3", 3), "lost": sync("zulu", 3)}
    g = build([site("eastus", 10, EAST, demands=demands), site("westus3", 30, WEST)], on=DAY)
    by = {d.name: d for d in g.demands}
    assert set(by) == {"copy", "sync"}
    assert (by["copy"].dataset_tb, by["copy"].critical, by["copy"].path) == (100, True, "carrier")
    assert by["copy"].gbps == pytest.approx(100 * 8000 / 10 / 3600)
    assert (by["sync"].dataset_tb, by["sync"].critical, by["sync"].path, by["sync"].gbps) == (None, False, "any", 3)


def test_graph_records_each_site_and_circuit_with_its_gateway_and_metro_flag():
    east = site("eastus", 10, {"wdc": "Washington DC Metro", "nyc": "New York"},
                gateway={"sku": "ErGwScale", "scale_units": 5, "fastpath": False})
    g = build([east], on=DAY)
    assert g.sites["eastus"] == flows.SiteNode("eastus", ("wdc", "nyc"), "ErGwScale x5", 5, False)
    assert g.circuits[("eastus", "wdc")] == flows.CircuitNode("eastus", "wdc", 10.0, "Washington DC Metro", True)
    assert g.circuits[("eastus", "nyc")].metro is False and g.circuits[("eastus", "nyc")].key == ("eastus", "nyc")


def test_new_fibre_counts_from_its_in_service_day_exactly():
    net = carrier({"old": ("WDC", "SVL", 100, {}),
                   "lit": ("NYC", "LV", 100, {"status": "new", "in_service": "2027-01-01", "latency_ms": 7}),
                   "dark": ("NYC", "SVL", 100, {"status": "new", "in_service": "2027-01-02"})})
    g = build(two_sites(), net, on=DAY)
    assert set(g.spans) == {"old", "lit"} and set(g.pending) == {"dark"}
    assert (g.spans["lit"].new, g.spans["lit"].latency_ms, g.spans["old"].latency_ms) == (True, 7, 1.0)
    assert (g.carrier, g.on, g.pops["DEN"]) == ("Lumen", DAY, None)


def test_without_a_carrier_every_location_meets_one_node_and_only_circuits_locations_and_gateways_fail():
    g = build(two_sites(), on=DAY)
    assert g.pop_of("Washington DC") == g.pop_of("Las Vegas") == flows.VIRTUAL_POP
    assert [f.kind for f in g.failures()] == ["circuit"] * 4 + ["peering location"] * 4 + ["gateway"] * 2


def test_a_location_is_served_by_its_pop_and_an_unserved_location_is_a_clear_error():
    g = build(two_sites(), carrier({}), on=DAY)
    assert g.pop_of("Washington DC") == "WDC" and g.pop_of("Las Vegas") == "LV"
    with pytest.raises(KeyError, match="no PoP serves 'Tokyo'"):
        g.pop_of("Tokyo")


def test_every_single_failure_with_what_it_takes():
    net = carrier({"w-s": ("WDC", "SVL", 100, {"srlgs": ["g2", "g1"]}), "n-d": ("NYC", "DEN", 100, {"srlgs": ["g1"]}),
                   "d-l": ("DEN", "LV", 100, {})})
    east = site("eastus", 10, {"wdc": "Washington DC", "nyc": "New York", "met": "Washington DC Metro"})
    g = build([east, site("westus3", 30, WEST)], net, on=DAY)
    assert g.srlgs() == {"g1": ("w-s", "n-d"), "g2": ("w-s",)}
    got = [(f.kind, f.name, sorted(f.circuits), sorted(f.spans), f.gateway) for f in g.failures()]
    e, w = "eastus", "westus3"
    assert got == [
        ("span", "w-s", [], ["w-s"], None), ("span", "n-d", [], ["n-d"], None), ("span", "d-l", [], ["d-l"], None),
        ("shared-risk group", "g1", [], ["n-d", "w-s"], None), ("shared-risk group", "g2", [], ["w-s"], None),
        ("PoP", "WDC", [(e, "wdc")], ["w-s"], None), ("PoP", "NYC", [(e, "nyc")], ["n-d"], None),
        ("PoP", "SVL", [(w, "svl")], ["w-s"], None), ("PoP", "LV", [(w, "lv")], ["d-l"], None),
        ("PoP", "DEN", [], ["d-l", "n-d"], None),
        ("circuit", "eastus/wdc", [(e, "wdc")], [], None), ("circuit", "eastus/nyc", [(e, "nyc")], [], None),
        ("circuit", "eastus/met", [(e, "met")], [], None),
        ("circuit", "westus3/svl", [(w, "svl")], [], None), ("circuit", "westus3/lv", [(w, "lv")], [], None),
        ("peering location", "Las Vegas", [(w, "lv")], [], None),
        ("peering location", "New York", [(e, "nyc")], [], None),
        ("peering location", "Silicon Valley", [(w, "svl")], [], None),
        ("peering location", "Washington DC", [(e, "wdc")], [], None),
        ("gateway", "eastus", [], [], "eastus"), ("gateway", "westus3", [], [], "westus3"),
    ]


# violations -------------------------------------------------------------------------------------


def edge(stack: str, name: str, gbps: float = 5, to: str = "westus3") -> DemandEdge:
    return DemandEdge(stack, name, to, gbps)


def report(*shortfalls: Shortfall, unroutable=()) -> FlowReport:
    return FlowReport(build(two_sites(), on=DAY), shortfalls=list(shortfalls), unroutable=list(unroutable))


CUT = Failure("span", "w-s", spans=frozenset({"w-s"}))
PoP = Failure("PoP", "NYC")


def test_fails_once_per_demand_without_any_carrier_path_naming_the_day():
    [v] = violations(report(unroutable=[edge("eastus", "sync", 2.5)]))
    assert (v.invariant, v.stack, v.path) == ("demand-path", "eastus", "demands.sync")
    assert v.message.startswith("no carrier path joins a circuit of eastus and a circuit of westus3, so the 2.50 Gb/s")
    assert "not in service on 2027-01-01" in v.message


def test_a_demand_short_with_nothing_failed_does_not_fit():
    d = edge("eastus", "sync")
    [v] = violations(report(Shortfall(None, 2, (d,), 5, (d,))))
    assert (v.invariant, v.stack, v.path) == ("demands-fit", "eastus", "demands.sync")
    assert v.message == ("eastus/sync -> westus3 (5 Gb/s) does not fit even with nothing failed: short by 2 Gb/s of "
                         "the 5 Gb/s it needs; add circuit, span or gateway capacity on these routes, or lower the demands")


def test_demands_short_together_are_one_violation_per_stack():
    a, b, c = edge("eastus", "a"), edge("eastus", "b"), edge("westus3", "c", to="eastus")
    found = violations(report(Shortfall(CUT, 4, (a, b, c), 15, (a, b, c), short_by_demand=((a, 1), (b, 3)))))
    assert [(v.invariant, v.stack, v.path) for v in found] == [
        ("demands-survive-failure", "eastus", "demands"), ("demands-survive-failure", "westus3", "demands.c")]
    assert found[0].message == found[1].message
    assert found[0].message.startswith("after losing span w-s, eastus/a -> westus3 (5 Gb/s), eastus/b -> westus3 "
                                       "(5 Gb/s), westus3/c -> eastus (5 Gb/s) no longer fit: short by 4 Gb/s of the "
                                       "15 Gb/s they need together; every route left for it is cut (eastus/a short by "
                                       "1, eastus/b short by 3); add a circuit")


def test_a_shortfall_names_the_competing_demands_and_what_is_saturated():
    a, b, c = edge("eastus", "a"), edge("eastus", "b"), edge("eastus", "c")
    sat = tuple(Saturated(f"span s{i}", 10, 10) for i in range(9))
    [v] = violations(report(Shortfall(PoP, 1, (a,), 15, (a, b, c), sat, short_by_demand=((a, 1),))))
    assert (v.path, v.invariant) == ("demands.a", "demands-survive-failure")
    assert "no longer fits: short by 1 Gb/s of the 15 Gb/s that the 3 competing demands need together; saturated: " in v.message
    assert "span s7 (10 of 10 Gb/s); add" in v.message and "span s8" not in v.message
    assert "every route left" not in v.message and "short by 1)" not in v.message


def test_a_message_names_eight_demands_then_counts_the_rest():
    eight = tuple(edge("eastus", f"d{i}") for i in range(8))
    [v] = violations(report(Shortfall(None, 1, eight, 40, eight)))
    assert "eastus/d7 -> westus3" in v.message and "more" not in v.message
    nine = (*eight, edge("eastus", "d8"))
    [v] = violations(report(Shortfall(None, 1, nine, 45, nine)))
    assert "eastus/d7 -> westus3 (5 Gb/s) and 1 more do not fit" in v.message and "eastus/d8" not in v.message


def test_nothing_failed_and_nothing_saturated_says_neither():
    d = edge("eastus", "sync")
    [v] = violations(report(Shortfall(None, 2, (d,), 5, (d,))))
    assert "saturated" not in v.message and "every route left" not in v.message


def test_critical_shortfalls_after_two_failures_are_listed_up_to_twenty_then_counted():
    d = edge("eastus", "sync")
    pairs = [Shortfall(CUT, 1, (d,), 5, (d,), second=Failure("span", f"s{i}")) for i in range(21)]
    found = violations(report(*pairs[:20]))
    assert len(found) == 20 and {v.invariant for v in found} == {"demands-survive-two-failures"}
    assert found[0].message.startswith("critical: after losing span w-s and span s0, eastus/sync -> westus3 (5 Gb/s) "
                                       "no longer fits (only critical demands carried): short by 1 Gb/s")
    found = violations(report(Shortfall(None, 1, (d,), 5, (d,)), *pairs))
    assert len(found) == 22 and found[0].invariant == "demands-fit"
    assert (found[-1].invariant, found[-1].stack, found[-1].path) == ("demands-survive-two-failures", "eastus", "demands")
    assert found[-1].message == "1 more pairs of failures leave critical demands short (first listed above)"
    assert "span s19" in found[-2].message


def test_the_count_of_further_two_failure_shortfalls_is_filed_on_the_first_ones_first_demand():
    """Not on a single-failure shortfall listed before it, nor on the first one's last demand."""
    west, south, east = edge("westus3", "back", to="eastus"), edge("southcentralus", "logs"), edge("eastus", "sync")
    pairs = [Shortfall(CUT, 1, (south, east), 5, (south, east), second=Failure("span", f"s{i}")) for i in range(21)]
    found = violations(report(Shortfall(PoP, 1, (west,), 5, (west,)), *pairs))
    assert (found[-1].invariant, found[-1].stack) == ("demands-survive-two-failures", "southcentralus")
    assert found[-1].message.startswith("1 more pairs of failures")


def test_shortfall_lists_its_failures_in_order():
    second = Failure("circuit", "eastus/wdc")
    assert Shortfall(CUT, 1, (), 1, second=second).failures == (CUT, second)
    assert Shortfall(None, 1, (), 1).failures == ()


# figures and their JSON -------------------------------------------------------------------------


def test_numbers_are_said_whole_or_to_two_places_and_json_numbers_are_finite():
    assert (flows._gbps(5.0), flows._gbps(5.5), flows._gbps(4.9999999999)) == ("5", "5.50", "5")
    assert flows._num(math.inf) is None and flows._num(2.0) == 2 and isinstance(flows._num(2.0), int)
    assert flows._num(1.23456) == 1.235


def test_hours_to_copy_a_dataset_and_none_at_zero_rate():
    assert hours_to_copy(9, 20) == pytest.approx(1.0)
    assert hours_to_copy(9, 0) is None and hours_to_copy(9, -1) is None
    assert hours_to_copy(9, 0.5) == pytest.approx(40.0)  # a rate under 1 Gb/s still copies


def test_results_say_themselves_for_people_and_json():
    assert str(Saturated("span a", 2.5, 10)) == "span a (2.50 of 10 Gb/s)"
    assert Saturated("span a", 2.12345, 10.98765).to_json() == {"resource": "span a", "load_gbps": 2.123,
                                                                 "capacity_gbps": 10.988}
    piece = PathPiece(1.23456, ("eastus", "wdc"), (), ("westus3", "svl"))
    assert str(piece) == "eastus/wdc -> (same PoP) -> westus3/svl"
    assert str(PathPiece(1, ("eastus", "wdc"), ("a", "b"), ("westus3", "svl"))) == "eastus/wdc -> a -> b -> westus3/svl"
    assert piece.to_json() == {"via": "carrier", "gbps": 1.235, "out": "eastus/wdc", "spans": [], "in": "westus3/svl"}
    assert ArcUse("span a (WDC->SVL)", "span", math.inf, 1, 2, None).to_json() == {
        "resource": "span a (WDC->SVL)", "capacity_gbps": None, "normal_gbps": 1, "worst_gbps": 2, "worst_failure": None}
    assert ArcUse("x", "span", 5, 1, 2, CUT).to_json()["worst_failure"] == "span w-s"
    assert str(Failure("gateway", "eastus", gateway="eastus")) == "one of the two instances of gateway eastus"
    assert edge("eastus", "sync").label == "eastus/sync"


# the analysis on small carrier networks ---------------------------------------------------------


FOUR = {"WDC": "Washington DC", "NYC": "New York", "SVL": "Silicon Valley", "LV": "Las Vegas"}
SPANS = {"w-s": ("WDC", "SVL", 10, {"srlgs": ["conduit"]}), "n-l": ("NYC", "LV", 10, {"srlgs": ["conduit"]}),
         "w-n": ("WDC", "NYC", 100, {}), "s-l": ("SVL", "LV", 100, {})}


def test_a_shared_risk_group_that_cuts_every_route_is_reported_with_the_failure_named():
    result = flows.analyse(two_sites({"sync": sync("westus3", 5)}), carrier(SPANS, FOUR), DAY)
    assert [(str(sf.failure), sf.second, sf.short_gbps) for sf in result.shortfalls] == [
        ("shared-risk group conduit", None, 5)]
    [v] = violations(result)
    assert (v.invariant, v.stack, v.path) == ("demands-survive-failure", "eastus", "demands.sync")
    fig = result.demands[("eastus", "sync")]
    assert (fig.available_gbps, fig.short_gbps, fig.worst_shortfall_gbps) == (20, 0, 5)
    assert str(fig.worst_shortfall_failure) == "shared-risk group conduit"
    assert result.failures == len(result.graph.failures()) == result.carrier_json()["failures"]
    assert str(result.sites["eastus"].worst_demand_failure) == "shared-risk group conduit"


def test_the_worst_failure_between_two_sites_counts_a_cut_of_narrow_spans_between_parts_of_the_carrier():
    """The two 10G spans are narrower than what the sites' circuits carry (20G): the carrier's wide parts are
    {WDC, NYC} and {SVL, LV}, and losing both narrow spans (their shared-risk group) leaves the pair nothing.
    (Before this rule was fixed, a failure of narrow spans only was skipped: worst 10 after PoP WDC.)"""
    result = flows.analyse(two_sites({"sync": sync("westus3", 1)}), carrier(SPANS, FOUR), DAY)
    fig = result.demands[("eastus", "sync")]
    assert (fig.worst_failure_gbps, str(fig.worst_failure), fig.exact) == (0, "shared-risk group conduit", True)
    one = {"w-s": ("WDC", "SVL", 10, {}), "n-l": ("NYC", "LV", 10, {}), "w-n": ("WDC", "NYC", 100, {}),
           "s-l": ("SVL", "LV", 100, {})}
    fig = flows.analyse(two_sites({"sync": sync("westus3", 1)}), carrier(one, FOUR), DAY).demands[("eastus", "sync")]
    assert (fig.available_gbps, fig.worst_failure_gbps, str(fig.worst_failure)) == (20, 10, "span w-s")


def test_demands_that_fit_after_every_single_failure_are_left_alone():
    wide = {**SPANS, "w-s": ("WDC", "SVL", 10, {})}
    result = flows.analyse(two_sites({"sync": sync("westus3", 5)}), carrier(wide, FOUR), DAY)
    assert result.shortfalls == [] and result.unroutable == []
    fig = result.demands[("eastus", "sync")]
    assert fig.worst_shortfall_failure is None and fig.worst_shortfall_gbps == 0
    assert [p.to_json() for p in fig.paths] == [
        {"via": "carrier", "gbps": 5, "out": "eastus/wdc", "spans": ["w-s"], "in": "westus3/svl"}]
    uses = {u.label: (u.normal_gbps, u.worst_gbps, u.worst_failure and str(u.worst_failure)) for u in result.spans}
    assert uses["span w-s (WDC->SVL)"] == (5, 5, None) and uses["span n-l (NYC->LV)"] == (0, 5, "span w-s")
    assert result.sites["eastus"].worst_demand_failure is None
    assert {u.label.split(" ")[0] for u in result.spans} == {"span"} and len(result.spans) == 8


def test_a_demands_worst_shortfall_is_its_share_of_its_pairs_shortfall():
    """Two demands of one pair (12 and 6 Gb/s over 2 x 10G circuits): losing a circuit leaves the pair 8 short,
    12/18 of it the larger demand's. (Before this was fixed, a share of a share: 8 * 2/3 * 2/3.)"""
    result = flows.analyse(two_sites({"big": sync("westus3", 12), "small": sync("westus3", 6)}), None, DAY)
    big, small = result.demands[("eastus", "big")], result.demands[("eastus", "small")]
    assert (big.worst_shortfall_gbps, small.worst_shortfall_gbps) == (pytest.approx(16 / 3), pytest.approx(8 / 3))
    assert str(big.worst_shortfall_failure) == str(small.worst_shortfall_failure) == "circuit eastus/wdc"


def test_fails_when_no_span_joins_the_two_sites_and_fibre_not_yet_lit_does_not_count():
    net = carrier({"w-n": ("WDC", "NYC", 100, {}), "w-s": ("WDC", "SVL", 100, {"status": "new", "in_service": "2027-06-01"})})
    result = flows.analyse(two_sites({"sync": sync("westus3", 1)}), net, DAY)
    assert [d.name for d in result.unroutable] == ["sync"]
    assert [v.invariant for v in violations(result)] == ["demand-path"]
    assert flows.analyse(two_sites({"sync": sync("westus3", 1)}), net, dt.date(2027, 6, 1)).unroutable == []


def test_critical_demands_must_fit_after_two_failures_and_others_need_not():
    plain = flows.analyse(two_sites({"sync": sync("westus3", 1)}), None, DAY)
    assert plain.shortfalls == [] and plain.critical_pairs == 0
    critical = flows.analyse(two_sites({"sync": sync("westus3", 1, critical=True)}), None, DAY)
    pairs = {(str(sf.failure), str(sf.second)) for sf in critical.shortfalls}
    assert ("circuit eastus/wdc", "circuit eastus/nyc") in pairs and all(sf.second is not None for sf in critical.shortfalls)
    assert {v.invariant for v in violations(critical)} == {"demands-survive-two-failures"}
    assert critical.critical_pairs == 1 and critical.critical_immune == 0 and critical.pairs >= len(pairs)


def test_site_figures_without_fastpath_count_the_gateway_and_its_lost_instance():
    result = flows.analyse(two_sites(west_gateway={"sku": "ErGwScale", "scale_units": 12, "fastpath": False}),
                           carrier(SPANS), DAY)
    west = result.sites["westus3"]
    assert (west.n_minus_1_gbps, str(west.worst_failure)) == (6, "one of the two instances of gateway westus3")
    east = result.sites["eastus"]
    assert east.n_minus_1_gbps == 10 and str(east.worst_failure) == "PoP WDC"
    assert (east.global_reach_gbps, east.global_reach_n_minus_1_gbps) == (0, 0)


def test_global_reach_figures_are_what_the_far_circuits_can_send_and_after_the_worst_failure():
    east = site("eastus", 10, EAST, links={"a": link("wdc", "westus3", "svl", 0), "b": link("nyc", "westus3", "lv", 1)})
    west = site("westus3", 30, WEST, links={"a": link("svl", "eastus", "wdc", 0), "b": link("lv", "eastus", "nyc", 1)},
                gateway={"sku": "ErGwScale", "scale_units": 16, "fastpath": False})
    result = flows.analyse([east, west], carrier(SPANS), DAY)
    assert (result.sites["eastus"].global_reach_gbps, result.sites["eastus"].global_reach_n_minus_1_gbps) == (20, 10)
    assert (result.sites["westus3"].global_reach_gbps, result.sites["westus3"].global_reach_n_minus_1_gbps) == (16, 8)


def test_the_bench_gets_wall_and_cpu_seconds_per_phase():
    timings: dict[str, float] = {}
    flows.analyse(two_sites({"sync": sync("westus3", 1)}), None, DAY, timings=timings)
    phases = ("figures", "baseline", "single", "two")
    assert set(timings) == {*phases, *(f"{p}_cpu" for p in phases)}
    assert all(x >= 0 for x in timings.values())
    untimed: dict[str, float] = {}
    flows.analyse(two_sites(), None, DAY, timings=untimed)
    assert untimed == {}


def test_failures_that_lower_nothing_the_demands_use_are_skipped():
    result = flows.analyse(two_sites({"sync": sync("westus3", 1)}), None, DAY)
    # 1 Gb/s rides one circuit out and one in: the other two circuits, their locations and both FastPath
    # gateways (nothing to halve) lower nothing it uses; the four failures on its path re-route it.
    assert dict(result.stats) == {"skipped": 6, "rerouted": 4}


@pytest.mark.parametrize("kind", [flows.CircuitNode, flows.SiteNode, flows.LinkEdge, flows.SpanEdge, DemandEdge, Failure,
                                  flows.FabricGraph, Saturated, Shortfall, PathPiece, flows.DemandFigures,
                                  flows.SiteFigures, ArcUse])
def test_the_graph_and_its_figures_are_frozen_values(kind):
    """Shared between the report, the capacity figures and the solver: nothing may change one in place."""
    assert kind.__dataclass_params__.frozen


def test_a_span_demand_circuit_and_figure_are_ordinary_unless_said():
    """What the solver and the tests rely on when they build graph parts directly: a span in service, 1 ms,
    in no shared-risk group; a demand neither critical nor tied to a path; a circuit not Metro; a figure exact."""
    assert flows.SpanEdge("s", "A", "B", 10) == flows.SpanEdge("s", "A", "B", 10, (), False, None, 1.0)
    assert DemandEdge("eastus", "d", "westus3", 1) == DemandEdge("eastus", "d", "westus3", 1, None, False, "any")
    assert flows.CircuitNode("eastus", "c", 10, "New York").metro is False
    assert flows.DemandFigures(DemandEdge("eastus", "d", "westus3", 1), 1, 1, None).exact is True


def test_a_fresh_report_has_analysed_nothing_and_without_a_carrier_has_no_pops():
    doc = FlowReport(build(two_sites(), on=DAY)).carrier_json()
    assert (doc["carrier"], doc["pops"], doc["failures"], doc["failure_pairs_checked"]) == (None, 0, 0, 0)
    assert (doc["critical_site_pairs"], doc["critical_site_pairs_immune"], doc["spans"]) == (0, 0, [])


def test_a_graph_caches_its_pop_index_without_being_changeable():
    graph = build(two_sites(), carrier({}), on=DAY)
    assert graph.pop_of("New York") == "NYC" and graph.pop_of("New York") == "NYC"
    with pytest.raises(dataclasses.FrozenInstanceError):
        graph.carrier = "x"  # type: ignore[misc]


def test_span_use_is_rounded_to_a_thousandth_of_a_gbps_in_json():
    use = ArcUse("span a", "span", 10, 1.23456, 2.34567, None).to_json()
    assert (use["normal_gbps"], use["worst_gbps"], use["capacity_gbps"]) == (1.235, 2.346, 10)


def test_with_the_baseline_short_no_failure_is_settled():
    """25 Gb/s over 2 x 10G: short with nothing failed, so failures would only repeat it. Only the two FastPath
    gateways (their failures change nothing) count as skipped; the rest are not settled at all."""
    result = flows.analyse(two_sites({"sync": sync("westus3", 25)}), None, DAY)
    assert [(sf.failure, sf.short_gbps) for sf in result.shortfalls] == [(None, pytest.approx(5))]
    assert dict(result.stats) == {"skipped": 2} and result.failures == 10


def test_a_load_within_the_tolerance_touches_no_failure():
    """1 kb/s (EPS) is no load: every failure, the gateway's lost instance too, is skipped."""
    specs = two_sites({"sync": sync("westus3", flows.EPS)},
                      west_gateway={"sku": "ErGwScale", "scale_units": 4, "fastpath": False})
    assert dict(flows.analyse(specs, None, DAY).stats) == {"skipped": 10}


TEN = ["Washington DC", "New York", "Chicago",
       *(f"{city} Metro" for city in ("Atlanta", "Chicago", "Dallas", "New York", "Silicon Valley", "Toronto",
                                      "Washington DC"))]


def test_a_demand_lists_its_eight_largest_paths():
    east = site("eastus", 10, {f"e{i}": loc for i, loc in enumerate(TEN)}, demands={"sync": sync("westus3", 9)},
                mbps=1000)
    west = site("westus3", 30, {f"w{i}": loc for i, loc in enumerate(TEN)}, mbps=1000)
    result = flows.analyse([east, west], None, DAY)
    paths = result.demands[("eastus", "sync")].paths
    assert len(paths) == 8 and all(p.gbps == 1 for p in paths)  # nine 1 Gb/s paths, eight listed


def test_each_pair_of_failures_is_counted_once_by_how_it_was_settled():
    critical = flows.analyse(two_sites({"sync": sync("westus3", 1, critical=True)}), None, DAY)
    two = {k: v for k, v in critical.stats.items() if k.startswith("two_")}
    assert two == {"two_lp_full": 8, "two_ample": 4} and sum(two.values()) == critical.pairs == 12


def test_a_critical_pair_with_three_disjoint_routes_exactly_as_wide_as_its_traffic_is_immune():
    pops = {"WDC": "Washington DC", "NYC": "New York", "CHI": "Chicago", "SVL": "Silicon Valley", "LV": "Las Vegas",
            "SAT": "San Antonio"}
    spans = carrier({"w-s": ("WDC", "SVL", 10, {}), "n-l": ("NYC", "LV", 10, {}), "c-t": ("CHI", "SAT", 10, {})}, pops)
    east = site("eastus", 10, {"wdc": "Washington DC", "nyc": "New York", "chi": "Chicago"},
                demands={"sync": sync("westus3", 10, critical=True)})
    west = site("westus3", 30, {"svl": "Silicon Valley", "lv": "Las Vegas", "sat": "San Antonio"})
    result = flows.analyse([east, west], spans, DAY)
    assert (result.critical_pairs, result.critical_immune, result.pairs, result.shortfalls) == (1, 1, 0, [])


@pytest.mark.parametrize("scale_units, immune", [(8, 1), (7, 0)])
def test_a_critical_pair_is_immune_only_if_its_gateways_surviving_instance_carries_its_traffic(scale_units, immune):
    """Three disjoint routes into a gateway without FastPath, 3.6 Gb/s critical: losing one of the gateway's two
    instances leaves 4 Gb/s of 8 (enough: immune) or 3.5 of 7 (not enough: that one failure cuts all three)."""
    pops = {"WDC": "Washington DC", "NYC": "New York", "CHI": "Chicago", "SVL": "Silicon Valley", "LV": "Las Vegas",
            "SAT": "San Antonio"}
    spans = carrier({"w-s": ("WDC", "SVL", 40, {}), "n-l": ("NYC", "LV", 40, {}), "c-t": ("CHI", "SAT", 40, {})}, pops)
    east = site("eastus", 10, {"wdc": "Washington DC", "nyc": "New York", "chi": "Chicago"},
                demands={"sync": sync("westus3", 3.6, critical=True)})
    west = site("westus3", 30, {"svl": "Silicon Valley", "lv": "Las Vegas", "sat": "San Antonio"},
                gateway={"sku": "ErGwScale", "scale_units": scale_units, "fastpath": False})
    result = flows.analyse([east, west], spans, DAY)
    assert (result.critical_pairs, result.critical_immune) == (1, immune)
    assert not [sf for sf in result.shortfalls if sf.second is not None]


def test_a_failure_that_takes_every_circuit_and_a_wide_span_leaves_every_pair_nothing():
    """Both sites' only circuits meet the carrier at WDC: losing that PoP (and its wide span) leaves no live
    circuit anywhere, and the pair's worst figure is 0 after it, the first such failure in order."""
    net = carrier({"w-n": ("WDC", "NYC", 100, {})})
    east = site("eastus", 10, {"wdc": "Washington DC"}, demands={"sync": sync("westus3", 1)})
    west = site("westus3", 30, {"wdc": "Washington DC"})
    fig = flows.analyse([east, west], net, DAY).demands[("eastus", "sync")]
    assert (fig.available_gbps, fig.worst_failure_gbps, str(fig.worst_failure), fig.exact) == (10, 0, "PoP WDC", True)


def test_when_the_max_flow_budget_runs_out_a_pair_figure_is_a_lower_bound_marked_not_exact(monkeypatch):
    monkeypatch.setattr(flows, "MAX_FLOWS", 0)
    fig = flows.analyse(two_sites({"sync": sync("westus3", 1)}), carrier(SPANS, FOUR), DAY).demands[("eastus", "sync")]
    assert (fig.available_gbps, fig.worst_failure_gbps, fig.exact) == (0, 0, False)


def test_without_ample_paths_every_pair_a_first_failure_leaves_exposed_is_checked_gateway_halving_included():
    """eastus's 1 Gb/s circuits are each narrower than the 1.5 Gb/s critical demand (no ample path): every
    failure the routing survives is settled with each failure that lowers what the routing then uses,
    the loss of one of westus3's two 1 Gb/s gateway instances (1.5 > 2 / 2) among them."""
    east = site("eastus", 10, EAST, demands={"sync": sync("westus3", 1.5, critical=True)}, mbps=1000)
    west = site("westus3", 30, WEST, gateway={"sku": "ErGwScale", "scale_units": 2, "fastpath": False})
    result = flows.analyse([east, west], None, DAY)
    assert result.pairs == 14 and result.stats["two_lp_full"] == 4
    assert {(str(sf.failure), str(sf.second)) for sf in result.shortfalls if sf.second} == {
        ("circuit westus3/svl", "circuit westus3/lv"), ("circuit westus3/svl", "peering location Las Vegas"),
        ("circuit westus3/lv", "peering location Silicon Valley"),
        ("peering location Las Vegas", "peering location Silicon Valley")}


# per-pair figures: the max-flow budget, what no failure lowers, Global Reach in Mb/s ----------------


def pair_figures():
    """The conduit fabric: its two 10 Gb/s spans are narrower than the sites' circuits, so the figures'
    bounds do not meet and a max-flow decides."""
    g = build(two_sites({"sync": sync("westus3", 1)}), carrier(SPANS, FOUR), DAY)
    net = flows.FlowNetwork(g)
    return net, flows._PairFigures(net, g.failures())


def test_the_pair_figures_run_their_two_thousandth_max_flow_and_no_more():
    net, fig = pair_figures()
    fig.max_flows = 1999
    assert fig.available() == pytest.approx([20.0]) and fig.exact.all() and fig.max_flows == 2000
    net, fig = pair_figures()
    fig.max_flows = 2000
    assert fig.available() == pytest.approx([0.0]) and not fig.exact.any() and fig.max_flows == 2000


def test_a_pair_whose_lower_bound_cannot_beat_the_worst_so_far_runs_no_max_flow():
    net, fig = pair_figures()
    ids = np.arange(len(net.pairs))
    value, exact = fig._figures(net.cap, fig.base_labels, np.zeros(len(ids)), ids)
    assert fig.max_flows == 0 and exact.all() and value == pytest.approx([0.0])  # the lower bound, not needed exact
    value, exact = fig._figures(net.cap, fig.base_labels, np.full(len(ids), 30.0), ids)
    assert fig.max_flows == 1 and exact.all() and value == pytest.approx([20.0])


def test_a_pair_no_failure_lowers_has_no_worst_failure():
    apart = carrier({"w-n": ("WDC", "NYC", 100, {}), "s-l": ("SVL", "LV", 100, {})}, FOUR)  # no span east-west
    fig = flows.analyse(two_sites({"sync": sync("westus3", 1)}), apart, DAY).demands[("eastus", "sync")]
    assert (fig.available_gbps, fig.worst_failure_gbps, fig.worst_failure) == (0, 0, None)
    fig = flows.analyse(two_sites({"sync": sync("westus3", 1)}), None, DAY).demands[("eastus", "sync")]
    assert (fig.available_gbps, fig.worst_failure_gbps) == (20, 10) and fig.worst_failure is not None


def test_the_worst_failure_of_the_first_sites_pairs_counts_its_own_circuits():
    """centralus (the first site) sends over two 10 Gb/s circuits to westus3's three: losing one of its
    own circuits leaves 10."""
    central = site("centralus", 20, EAST, demands={"sync": sync("westus3", 1)})
    west = site("westus3", 30, {**WEST, "chi": "Chicago"})
    g = build([central, west], None, DAY)
    assert list(g.sites)[0] == "centralus"
    fig = flows.analyse([central, west], None, DAY).demands[("centralus", "sync")]
    assert (fig.available_gbps, fig.worst_failure_gbps) == (20, 10)
    assert str(fig.worst_failure) in ("circuit centralus/wdc", "peering location Washington DC")


def test_global_reach_figures_count_circuits_to_the_mbps():
    east = site("eastus", 10, EAST, links={"a": link("wdc", "westus3", "svl", 0), "b": link("nyc", "westus3", "lv", 1)},
                mbps=50)
    west = site("westus3", 30, WEST, links={"a": link("svl", "eastus", "wdc", 0), "b": link("lv", "eastus", "nyc", 1)},
                mbps=50)
    result = flows.analyse([east, west], carrier(SPANS), DAY)
    assert (result.sites["eastus"].global_reach_gbps, result.sites["eastus"].global_reach_n_minus_1_gbps) == (0.1, 0.05)


def test_each_pair_of_failures_the_routing_survives_is_settled_once_in_either_order():
    """Four 1 Gb/s circuits for a 1.5 Gb/s critical demand: each circuit's loss is survived on the other
    three, and each routing after one loss crosses the others, so every pair of them is met from both sides."""
    east = site("eastus", 10, {**EAST, "chi": "Chicago", "sat": "San Antonio"},
                demands={"sync": sync("westus3", 1.5, critical=True)}, mbps=1000)
    result = flows.analyse([east, site("westus3", 30, WEST)], None, DAY)
    two = {k: v for k, v in result.stats.items() if k.startswith("two_")}
    assert two == {"two_rerouted": 20, "two_lp_full": 4} and sum(two.values()) == result.pairs == 24
    named = [(str(sf.failure), str(sf.second)) for sf in result.shortfalls]
    assert len(named) == len(set(named)) == 4
