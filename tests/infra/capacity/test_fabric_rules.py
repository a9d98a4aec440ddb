"""The rules across stacks, rule by rule: disjoint prefixes (exactly adjacent against one address
shared), references between sites, Global Reach pairs, circuits per region (ten against eleven)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from infra.capacity import fabric
from infra.spec import from_config

H100 = "Standard_ND96isr_H100_v5"


def peering(n: int) -> dict[str, Any]:
    return {"peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
            "secondary_prefix": f"172.16.{n}.4/30"}


def site(net: int, region: str, locations: tuple[str, str], tier: str = "Standard", links: dict | None = None,
         circuits: int = 2) -> dict[str, Any]:
    names = ["a", "b"] + [f"c{i}" for i in range(circuits - 2)]
    return {
        "site": {"region": region, "address_space": [f"10.{net}.0.0/16"], "vcpu_quota": {H100: 10_000}},
        "interconnect": {
            "circuits": {name: {"kind": "provider", "peering_location": locations[min(i, 1)],
                                "bandwidth_mbps": 1000, "tier": tier, "private_peering": peering(net + i)}
                         for i, name in enumerate(names)},
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26"},
            "global_reach": links or {},
        },
    }


def link(circuit: str, peer_stack: str, peer_circuit: str, prefix: str = "172.31.0.0/29") -> dict[str, Any]:
    return {"circuit": circuit, "peer_stack": peer_stack, "peer_circuit": peer_circuit, "prefix": prefix}


EAST = ("Washington DC", "New York")
WEST = ("Silicon Valley", "Las Vegas")
EUROPE = ("Amsterdam2", "London2")


def specs(*sites: tuple[str, dict[str, Any]]):
    return [from_config(name, copy.deepcopy(data)) for name, data in sites]


def paired(a_tier="Standard", b_tier="Standard", b_locations=WEST, b_region="westus3", a_link=None, b_link=None):
    a = site(10, "eastus", EAST, a_tier, {"gr": a_link or link("a", "westus3", "a")})
    b = site(20, b_region, b_locations, b_tier, {"gr": b_link or link("a", "eastus", "a")})
    return specs(("eastus", a), ("westus3", b))


def gr(found):
    return [(v.invariant, v.stack, v.path, v.message) for v in found]


# prefix_overlaps ---------------------------------------------------------------------------------


def test_disjoint_sites_and_a_link_declared_on_both_sides_have_no_overlap():
    assert fabric.prefix_overlaps(paired()) == []


def test_fails_once_when_two_sites_share_address_space():
    a, b = site(10, "eastus", EAST), site(20, "westus3", WEST)
    b["site"]["address_space"] = ["10.10.128.0/17"]
    b["interconnect"]["gateway"]["subnet"] = "10.10.255.0/26"
    found = fabric.prefix_overlaps(specs(("eastus", a), ("westus3", b)))
    assert [(p.stack, p.loc, p.value, p.message, p.other) for p in found] == [(
        "westus3", ("ai-fabric:site", "address_space", 0), "10.10.128.0/17",
        "overlaps 10.10.0.0/16 (eastus: ai-fabric:site.address_space.0); every prefix of the fabric must be disjoint",
        ("eastus", ("ai-fabric:site", "address_space", 0)))]


def test_prefixes_that_touch_without_sharing_an_address_are_disjoint():
    a, b = site(10, "eastus", EAST), site(20, "westus3", WEST)
    a["site"]["address_space"] = ["10.10.0.0/16", "10.12.0.0/30"]
    b["site"]["address_space"] = ["10.20.0.0/16", "10.12.0.4/30"]
    assert fabric.prefix_overlaps(specs(("eastus", a), ("westus3", b))) == []


def test_fails_when_a_prefix_shares_only_the_last_address_of_another():
    a, b = site(10, "eastus", EAST), site(20, "westus3", WEST)
    a["site"]["address_space"] = ["10.10.0.0/16", "10.12.0.0/30"]
    b["site"]["address_space"] = ["10.20.0.0/16", "10.12.0.3/32"]
    found = fabric.prefix_overlaps(specs(("eastus", a), ("westus3", b)))
    assert [(p.stack, p.value) for p in found] == [("westus3", "10.12.0.3/32")]


def test_fails_when_two_links_use_one_prefix():
    a = site(10, "eastus", EAST, links={"x": link("a", "westus3", "a"), "y": link("b", "westus3", "b")})
    b = site(20, "westus3", WEST, links={"x": link("a", "eastus", "a"), "y": link("b", "eastus", "b")})
    found = fabric.prefix_overlaps(specs(("eastus", a), ("westus3", b)))
    assert len(found) == 4  # each side of y overlaps each side of x; the two sides of one link are one prefix
    assert all(p.message.startswith("overlaps 172.31.0.0/29") for p in found)


# references --------------------------------------------------------------------------------------


def test_references_to_existing_stacks_and_circuits_hold():
    assert fabric.references(paired()) == []


def test_fails_when_a_link_or_demand_names_an_unknown_stack_or_circuit():
    a = site(10, "eastus", EAST, links={"x": link("a", "nowhere", "a"), "y": link("b", "westus3", "zz")})
    a["demands"] = {"sync": {"kind": "sustained", "to_stack": "mars", "gbps": 1}}
    b = site(20, "westus3", WEST)
    found = fabric.references(specs(("eastus", a), ("westus3", b)))
    assert [(p.stack, p.loc, p.value, p.message) for p in found] == [
        ("eastus", ("ai-fabric:interconnect", "global_reach", "x", "peer_stack"), "nowhere",
         "no such stack; known: eastus, westus3."),
        ("eastus", ("ai-fabric:interconnect", "global_reach", "y", "peer_circuit"), "zz",
         "stack westus3 has no such circuit; it has a, b."),
        ("eastus", ("ai-fabric:demands", "sync", "to_stack"), "mars", "no such stack; known: eastus, westus3."),
    ]


def test_a_demand_to_a_known_stack_is_a_valid_reference():
    a = site(10, "eastus", EAST)
    a["demands"] = {"sync": {"kind": "sustained", "to_stack": "westus3", "gbps": 1}}
    assert fabric.references(specs(("eastus", a), ("westus3", site(20, "westus3", WEST)))) == []


# global_reach ------------------------------------------------------------------------------------


def test_a_link_declared_alike_on_both_sides_between_two_locations_holds():
    assert fabric.global_reach(paired()) == []


def test_links_to_unknown_stacks_or_circuits_are_left_to_references():
    a = site(10, "eastus", EAST, links={"x": link("a", "nowhere", "a"), "y": link("b", "westus3", "zz")})
    assert fabric.global_reach(specs(("eastus", a), ("westus3", site(20, "westus3", WEST)))) == []


def test_fails_when_a_link_is_declared_on_one_side_only():
    a = site(10, "eastus", EAST, links={"gr": link("a", "westus3", "a")})
    found = fabric.global_reach(specs(("eastus", a), ("westus3", site(20, "westus3", WEST))))
    assert gr(found) == [("global-reach-pair", "eastus", "interconnect.global_reach.gr",
                          "eastus/a <-> westus3/a is declared only in eastus; declare it in westus3 too, with prefix "
                          "172.31.0.0/29")]


@pytest.mark.parametrize("b_link", [link("b", "eastus", "a"), link("a", "eastus", "b"), link("a", "uksouth", "a")])
def test_a_mirror_must_join_the_same_two_circuits(b_link):
    found = paired(b_link=b_link if b_link["peer_stack"] != "uksouth" else link("a", "eastus", "b"))
    assert [v.invariant for v in fabric.global_reach(found)][:1] == ["global-reach-pair"]


def test_fails_once_per_side_when_the_two_sides_give_different_prefixes():
    found = fabric.global_reach(paired(b_link=link("a", "eastus", "a", "172.31.0.8/29")))
    assert gr(found) == [
        ("global-reach-pair", "eastus", "interconnect.global_reach.gr.prefix",
         "eastus gives the link prefix 172.31.0.0/29, westus3 gives 172.31.0.8/29; use one /29"),
        ("global-reach-pair", "westus3", "interconnect.global_reach.gr.prefix",
         "westus3 gives the link prefix 172.31.0.8/29, eastus gives 172.31.0.0/29; use one /29"),
    ]


def test_an_input_problem_is_a_frozen_value():
    problem = fabric.InputProblem("s", ("a", 0), "10.0.0.0/8", "overlaps")
    assert hash(problem) == hash(fabric.InputProblem("s", ("a", 0), "10.0.0.0/8", "overlaps"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.stack = "t"  # type: ignore[misc]


def test_fails_once_when_a_link_joins_circuits_at_one_location():
    found = fabric.global_reach(paired(b_locations=EAST, b_region="eastus2"))
    assert gr(found) == [("global-reach-locations", "eastus", "interconnect.global_reach.gr",
                          "eastus/a and westus3/a are both at Washington DC; Global Reach joins circuits at different "
                          "peering locations")]


def test_a_link_within_one_geopolitical_region_needs_no_premium():
    # Washington DC and Silicon Valley: different metros, one geopolitical region.
    assert fabric.global_reach(paired()) == []


@pytest.mark.parametrize(("a_tier", "b_tier"), [("Standard", "Standard"), ("Premium", "Standard"),
                                                ("Standard", "Premium")])
def test_fails_once_when_a_link_across_geopolitical_regions_is_not_premium_on_both_ends(a_tier, b_tier):
    found = fabric.global_reach(paired(a_tier, b_tier, EUROPE, "westeurope"))
    assert gr(found) == [("global-reach-premium", "eastus", "interconnect.global_reach.gr",
                          f"eastus/a (North America, {a_tier}) and westus3/a (Europe, {b_tier}) are in different "
                          "geopolitical regions; both must be Premium")]


def test_premium_on_both_ends_crosses_geopolitical_regions():
    assert fabric.global_reach(paired("Premium", "Premium", EUROPE, "westeurope")) == []


# circuit_limits ----------------------------------------------------------------------------------


def test_ten_circuits_in_one_region_across_stacks_hold():
    a = site(10, "eastus", EAST, circuits=6)
    b = site(20, "eastus", WEST, circuits=4)
    assert fabric.circuit_limits(specs(("east1", a), ("east2", b))) == []


def test_fails_once_when_one_region_has_eleven_circuits():
    a = site(10, "eastus", EAST, circuits=6)
    b = site(20, "eastus", WEST, circuits=5)
    c = site(30, "westus3", WEST, circuits=2)
    assert gr(fabric.circuit_limits(specs(("east1", a), ("east2", b), ("west", c)))) == [
        ("circuits-per-region", "east1", "interconnect.circuits",
         "stacks east1, east2 declare 11 circuits in eastus; Azure allows 10 per region per subscription")]
