"""Deployment order rule by rule (infra/rollout/order.py), on specs and dependencies built in the test:
a link's owner (the stack sorting first) reads its peer; waves keep every selected stack, ignore reads
outside the selection, and a cycle names exactly the reads that close it."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from infra.rollout import order
from infra.spec import from_config


def peering(n: int) -> dict[str, Any]:
    return {"peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
            "secondary_prefix": f"172.16.{n}.4/30"}


def site(net: int, region: str, locations: tuple[str, str], links: dict) -> dict[str, Any]:
    return {
        "site": {"region": region, "address_space": [f"10.{net}.0.0/16"]},
        "interconnect": {
            "circuits": {name: {"kind": "provider", "peering_location": locations[i], "bandwidth_mbps": 1000,
                                "tier": "Premium", "private_peering": peering(net + i)}
                         for i, name in enumerate(("a", "b"))},
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26"},
            "global_reach": links,
        },
    }


def link(circuit: str, peer_stack: str, peer_circuit: str) -> dict[str, Any]:
    return {"circuit": circuit, "peer_stack": peer_stack, "peer_circuit": peer_circuit, "prefix": "172.31.0.0/29"}


def specs() -> dict:
    east = site(10, "eastus", ("Washington DC", "New York"), {"gr": link("a", "westus3", "b")})
    west = site(20, "westus3", ("Silicon Valley", "Las Vegas"), {"gr": link("b", "eastus", "a")})
    return {n: from_config(n, copy.deepcopy(d)) for n, d in (("westus3", west), ("eastus", east))}


def test_dependency_is_the_link_owner_reading_its_peer_once():
    deps = order.dependencies(specs())
    assert [d.to_json() for d in deps] == [{
        "stack": "eastus", "reads": "westus3", "why": "circuit_peering_ids['b'] for Global Reach link gr", "link": "gr"}]


def test_dependency_is_a_frozen_value():
    dep = order.Dependency("a", "b", "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        dep.stack = "c"  # type: ignore[misc]
    assert {dep, order.Dependency("a", "b", "x")} == {dep}


def test_every_selected_stack_is_in_a_wave_and_readers_come_after_what_they_read():
    deps = [order.Dependency("a", "b", "x")]
    assert order.waves(["a", "b", "c", "a"], deps) == [["b", "c"], ["a"]]


def test_reads_from_or_by_stacks_outside_the_selection_are_ignored():
    deps = [order.Dependency("a", "z", "x"), order.Dependency("z", "b", "y"), order.Dependency("a", "b", "w")]
    assert order.waves(["a", "b"], deps) == [["b"], ["a"]]
    assert order.waves(["b", "z"], deps) == [["b"], ["z"]]
    assert order.waves(["a", "c"], deps) == [["a", "c"]]


def test_fails_naming_the_cycle_in_read_order_with_exactly_its_edges():
    deps = [order.Dependency("a", "b", "x"), order.Dependency("b", "a", "y"), order.Dependency("c", "a", "z")]
    with pytest.raises(order.DependencyCycle) as exc:
        order.waves(["a", "b", "c"], deps)
    cycle = exc.value.cycle
    assert len(cycle) == 3 and cycle[0] == cycle[-1] and set(cycle) == {"a", "b"}
    assert sorted(d.why for d in exc.value.edges) == ["x", "y"]
    assert str(exc.value) == " -> ".join(cycle)


def test_a_three_stack_cycle_lists_each_read_once():
    deps = [order.Dependency("a", "b", "x"), order.Dependency("b", "c", "y"), order.Dependency("c", "a", "z")]
    with pytest.raises(order.DependencyCycle) as exc:
        order.waves(["a", "b", "c"], deps)
    assert len(exc.value.cycle) == 4
    assert [(d.stack, d.reads) for d in exc.value.edges] == [("a", "b"), ("b", "c"), ("c", "a")]
    reads = list(zip(exc.value.cycle, exc.value.cycle[1:]))
    assert sorted(reads) == [("a", "b"), ("b", "c"), ("c", "a")]
