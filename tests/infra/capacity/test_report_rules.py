"""The capacity report's shapes: what the JSON contract prints, how a violation reads, and that
reports are values (frozen, hashable)."""

from __future__ import annotations

import dataclasses

import pytest

from infra.capacity.fabric import InputProblem
from infra.capacity.report import ClusterCapacity, DemandCapacity, InterconnectCapacity, StackCapacity, Violation


def cluster(name: str = "a", vms: int = 2) -> ClusterCapacity:
    return ClusterCapacity(name=name, sku="Standard_ND96isr_H100_v5", vms=vms, gpus=vms * 8, cpu_sockets=vms * 2,
                           vcpus=vms * 96, ib_gbps_per_vm=3200, ib_domain_sizes=(vms,), subnet="10.0.0.0/24",
                           subnet_usable=256, subnet_needed=vms + 6)


def interconnect(**changes) -> InterconnectCapacity:
    base = InterconnectCapacity(circuits=2, circuit_gbps=20.0, gateway_sku="ErGw3AZ", gateway_gbps=10.0,
                                fastpath=True, peering_locations=("New York", "Washington DC"), n_minus_1_gbps=10.0)
    return dataclasses.replace(base, **changes)


def test_a_violation_prints_where_it_is():
    assert str(Violation("x", "m", stack="s", resource="urn:r", path="p")) == "[x] urn:r: m"
    assert str(Violation("x", "m", stack="s", path="a.b")) == "[x] s: a.b: m"
    assert str(Violation("x", "m", stack="s")) == "[x] s: m"
    assert str(Violation("x", "m")) == "[x] : m"


def test_a_violation_json_names_its_path_only_when_it_has_one():
    assert Violation("x", "m", stack="s", resource="urn:r").to_json() == {"invariant": "x", "resource": "urn:r",
                                                                          "message": "m"}
    assert Violation("x", "m", path="a.b").to_json() == {"invariant": "x", "resource": None, "message": "m",
                                                         "path": "a.b"}


@pytest.mark.parametrize("value", [
    Violation("x", "m"), cluster(), interconnect(), InputProblem("s", ("a",), 1, "m"),
    DemandCapacity("d", "t", 1.0, 2.0, 1.0),
])
def test_reports_are_frozen_values(value):
    hash(value)
    field = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, "changed")


def test_stack_capacity_is_frozen():
    stack = StackCapacity("s", "eastus", (cluster(),), interconnect())
    with pytest.raises(dataclasses.FrozenInstanceError):
        stack.region = "westus"  # type: ignore[misc]


def test_cluster_json_gives_every_figure_as_a_number():
    assert cluster(vms=3).to_json() == {
        "name": "a", "sku": "Standard_ND96isr_H100_v5", "vms": 3, "gpus": 24, "cpu_sockets": 6, "vcpus": 288,
        "ib_gbps_per_vm": 3200, "ib_domains": 1, "ib_domain_vms": [3], "subnet": "10.0.0.0/24",
        "subnet_usable_addresses": 256, "subnet_needed_addresses": 9,
    }


def test_stack_figures_add_up_the_clusters():
    stack = StackCapacity("s", "eastus", (cluster("a", 2), cluster("b", 3)), interconnect())
    assert (stack.gpus, stack.vms, stack.cpu_sockets) == (40, 5, 10)
    assert stack.to_json()["gpus"] == 40 and stack.to_json()["vms"] == 5 and stack.to_json()["cpu_sockets"] == 10
    assert stack.to_json()["region"] == "eastus" and len(stack.to_json()["clusters"]) == 2
    assert stack.to_json()["interconnect"]["circuits"] == 2


def test_interconnect_json_prints_whole_figures_as_integers_and_fractions_to_three_places():
    out = interconnect(circuit_gbps=1.23456, n_minus_1_gbps=2.0).to_json()
    assert out["circuit_gbps"] == 1.235 and out["n_minus_1_gbps"] == 2 and isinstance(out["n_minus_1_gbps"], int)
    assert out["gateway_gbps"] == 10 and out["global_reach_gbps"] is None and out["global_reach_n_minus_1_gbps"] is None
    full = interconnect(global_reach_gbps=5.0, global_reach_n_minus_1_gbps=2.5).to_json()
    assert (full["global_reach_gbps"], full["global_reach_n_minus_1_gbps"]) == (5, 2.5)


def test_a_demand_reports_hours_to_copy_its_dataset():
    demand = DemandCapacity("d", "westus3", needed_gbps=1.23456, available_gbps=10.0, worst_failure_gbps=5.55555,
                            dataset_tb=100.0, worst_failure="circuit x")
    assert demand.hours_at_available == pytest.approx(100 * 8000 / 10 / 3600)
    assert demand.to_json() == {
        "name": "d", "to_stack": "westus3", "needed_gbps": 1.235, "available_gbps": 10.0,
        "worst_failure_gbps": 5.556, "dataset_tb": 100.0, "hours_at_available": 22.22, "worst_failure": "circuit x",
        # The carrier network's figures (infra/capacity/flows.py): defaults for a demand built here.
        "critical": False, "path_requirement": "any", "path": None, "paths": [], "short_gbps": 0.0,
        "worst_shortfall_gbps": 0.0, "worst_shortfall_failure": None, "saturated": [], "exact": True,
    }


def test_a_demand_rounds_each_figure_to_three_places():
    out = DemandCapacity("d", "t", 1.23456, 2.34567, 3.45678).to_json()
    assert (out["needed_gbps"], out["available_gbps"], out["worst_failure_gbps"]) == (1.235, 2.346, 3.457)


@pytest.mark.parametrize(("dataset_tb", "available"), [(None, 10.0), (100.0, 0.0), (100.0, -1.0)])
def test_a_demand_without_a_dataset_or_bandwidth_has_no_hours(dataset_tb, available):
    demand = DemandCapacity("d", "t", 1.0, available, 0.0, dataset_tb=dataset_tb)
    assert demand.hours_at_available is None and demand.to_json()["hours_at_available"] is None


def test_a_demand_with_a_sliver_of_bandwidth_has_hours():
    assert DemandCapacity("d", "t", 1.0, 0.5, 0.0, dataset_tb=0.9).hours_at_available == pytest.approx(4.0)
