"""The assessment's wiring (infra/capacity/__init__.py), on specs built in the test: every stack's own
violations and the rules across stacks are reported, input problems stop the fabric-wide analysis, and
the fabric figures (failures named, or None when nothing fails) land in each stack's figures."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from infra.capacity import Assessment, _with_fabric_figures, assess, stack_capacity
from infra.capacity.flows import DemandEdge, DemandFigures, Failure, FlowReport, PathPiece, Saturated, SiteFigures
from infra.spec import from_config


def circuit(location: str, n: int, tier: str = "Premium") -> dict:
    return {"kind": "provider", "peering_location": location, "bandwidth_mbps": 10000, "tier": tier,
            "private_peering": {"peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
                                "secondary_prefix": f"172.16.{n}.4/30"}}


def site(region: str, net: int, locations: tuple[str, str], demands: dict | None = None) -> dict:
    return {"site": {"region": region, "address_space": [f"10.{net}.0.0/16"]},
            "interconnect": {"circuits": {f"c{i}": circuit(loc, net * 4 + i) for i, loc in enumerate(locations)},
                             "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26"}},
            "demands": demands or {}}


EAST = ("Washington DC", "New York")
WEST = ("Silicon Valley", "Las Vegas")


def spec(name: str, data: dict):
    return from_config(name, copy.deepcopy(data))


def test_assessment_is_a_frozen_value_and_gives_each_stack_its_own_violations():
    a = assess([spec("eastus", site("eastus", 10, (EAST[0], EAST[0]))), spec("westus3", site("westus3", 20, WEST))])
    assert [(v.invariant, v.stack) for v in a.violations] == [("location-redundancy", "eastus")]
    assert [v.invariant for v in a.violations_of("eastus")] == ["location-redundancy"]
    assert a.violations_of("westus3") == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.violations = []  # type: ignore[misc]


def test_stack_capacity_gives_the_figures_and_every_rule_of_one_stack():
    data = site("eastus", 10, (EAST[0], "London2"))
    data["interconnect"]["circuits"]["c1"]["tier"] = "Standard"
    data["interconnect"]["gateway"]["sku"] = "ErGw1AZ"
    data["access"] = {"principals": {"p": {"object_id": "5d3c8a5e-2f0b-4c41-9a57-0b6f4f9e1a01", "kind": "Group",
                                           "persona": "network-operator"}}}
    cap, found = stack_capacity(spec("eastus", data))
    assert (cap.stack, cap.region, cap.interconnect.circuits) == ("eastus", "eastus", 2)
    assert sorted(v.invariant for v in found) == ["circuit-reach", "fastpath-support", "gateway-throughput",
                                                  "operator-coverage"]


def test_rules_across_stacks_are_reported_when_the_input_is_sound():
    a, b = site("eastus", 10, EAST), site("westus3", 20, WEST)
    b["interconnect"]["global_reach"] = {"gr": {"circuit": "c0", "peer_stack": "eastus", "peer_circuit": "c0",
                                                "prefix": "172.31.0.0/29"}}
    result = assess([spec("eastus", a), spec("westus3", b)])
    assert result.input_problems == [] and result.flows is not None
    assert [(v.invariant, v.stack) for v in result.violations] == [("global-reach-pair", "westus3")]


def test_demands_that_do_not_fit_are_reported_from_the_flow_analysis():
    a = site("eastus", 10, EAST, {"sync": {"kind": "sustained", "to_stack": "westus3", "gbps": 25}})
    result = assess([spec("eastus", a), spec("westus3", site("westus3", 20, WEST))])
    assert [(v.invariant, v.stack) for v in result.violations] == [("demands-fit", "eastus")]
    demand = result.capacity["eastus"].interconnect.demands[0]
    assert (demand.name, demand.to_stack, demand.needed_gbps, demand.short_gbps) == ("sync", "westus3", 25, 5)


def test_input_problems_stop_the_rules_across_stacks_and_the_flow_analysis():
    a, b = site("eastus", 10, EAST), site("westus3", 10, WEST)
    b["interconnect"]["global_reach"] = {"gr": {"circuit": "c0", "peer_stack": "eastus", "peer_circuit": "c0",
                                                "prefix": "172.31.0.0/29"}}
    result = assess([spec("eastus", a), spec("westus3", b)])
    assert result.input_problems and result.flows is None and result.violations == []
    assert result.capacity["eastus"].interconnect.demands == ()


def _report(worst: Failure | None) -> FlowReport:
    edge = DemandEdge("eastus", "sync", "westus3", 5.0, dataset_tb=2.0)
    figures = DemandFigures(edge, available_gbps=20.0, worst_failure_gbps=10.0, worst_failure=worst,
                            paths=(PathPiece(5.0, ("eastus", "c0"), ("wdc-svl",), ("westus3", "c0")),),
                            short_gbps=1.0, worst_shortfall_gbps=3.0, worst_shortfall_failure=worst,
                            saturated=(Saturated("span wdc-svl", 5.0, 5.0),), exact=False)
    sites = {"eastus": SiteFigures("eastus", 10.0, worst, 20.0, 15.0, worst_demand_failure=worst)}
    return FlowReport(graph=None, demands={("eastus", "sync"): figures}, sites=sites)  # type: ignore[arg-type]


@pytest.mark.parametrize("worst", [Failure("circuit", "eastus/c0"), None])
def test_fabric_figures_name_the_worst_failures_or_none(worst):
    data = site("eastus", 10, EAST, {"sync": {"kind": "sustained", "to_stack": "westus3", "gbps": 5}})
    s = spec("eastus", data)
    cap, _ = stack_capacity(s)
    ic = _with_fabric_figures(cap, s, _report(worst)).interconnect
    name = None if worst is None else "circuit eastus/c0"
    assert (ic.n_minus_1_gbps, ic.worst_failure, ic.global_reach_gbps, ic.global_reach_n_minus_1_gbps,
            ic.worst_demand_failure) == (10.0, name, 20.0, 15.0, name)
    [d] = ic.demands
    assert (d.name, d.to_stack, d.needed_gbps, d.available_gbps, d.worst_failure_gbps, d.dataset_tb) == (
        "sync", "westus3", 5, 20.0, 10.0, 2.0)
    assert (d.worst_failure, d.short_gbps, d.worst_shortfall_gbps, d.worst_shortfall_failure, d.exact) == (
        name, 1.0, 3.0, name, False)
    assert d.paths[0]["spans"] == ["wdc-svl"] and d.saturated[0]["resource"] == "span wdc-svl"


def test_an_assessment_without_flows_defaults_to_none():
    assert Assessment(capacity={}, violations=[], input_problems=[]).flows is None
