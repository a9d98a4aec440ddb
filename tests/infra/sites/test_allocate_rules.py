"""What a new site may take, rule by rule (issue 17): every prefix a stack uses counts as used, first fit
in address order, and the lowest VLAN free at one peering location, up to 4094 exactly.

Specs are built in the test (infra.spec.from_config), never loaded from the shipped stacks."""

from __future__ import annotations

import ipaddress

import pytest

from infra.sites.allocate import Exhausted, free_blocks, free_vlan, take, used_prefixes
from infra.spec import FabricSpec, from_config

H100 = "Standard_ND96isr_H100_v5"
net = ipaddress.IPv4Network


def spec(name: str = "eastus", vlans: tuple[int, int] = (100, 101), links: bool = True) -> FabricSpec:
    def peering(n: int, vlan: int) -> dict:
        return {"peer_asn": 64600, "vlan_id": vlan, "primary_prefix": f"172.16.{n}.0/30",
                "secondary_prefix": f"172.16.{n}.4/30"}

    data = {
        "site": {"region": "eastus", "address_space": ["10.10.0.0/16"], "vcpu_quota": {H100: 10_000}},
        "interconnect": {
            "circuits": {
                "a": {"kind": "provider", "peering_location": "Washington DC", "bandwidth_mbps": 1000,
                      "private_peering": peering(1, vlans[0])},
                "b": {"kind": "provider", "peering_location": "New York", "bandwidth_mbps": 1000,
                      "private_peering": peering(2, vlans[1])},
            },
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": "10.10.255.0/26"},
            "global_reach": ({"gr": {"circuit": "a", "peer_stack": "westus3", "peer_circuit": "a",
                                     "prefix": "172.31.0.8/29"}} if links else {}),
        },
    }
    return from_config(name, data)


def test_used_prefixes_counts_address_spaces_subnets_peering_slash_30s_and_global_reach_slash_29s():
    assert sorted(used_prefixes([spec()])) == sorted(map(net, [
        "10.10.0.0/16", "10.10.255.0/26", "172.16.1.0/30", "172.16.1.4/30", "172.16.2.0/30", "172.16.2.4/30",
        "172.31.0.8/29"]))


def test_used_prefixes_of_no_stack_is_empty_and_of_two_stacks_is_both():
    assert used_prefixes([]) == []
    assert len(used_prefixes([spec(), spec(links=False)])) == 7 + 6


def test_free_blocks_skips_every_block_that_overlaps_one_used_or_excluded():
    pool = net("10.0.0.0/24")
    used = [net("10.0.0.0/26"), net("10.0.0.130/32")]
    assert list(free_blocks(pool, 26, used)) == [net("10.0.0.64/26"), net("10.0.0.192/26")]
    assert list(free_blocks(pool, 26, used, exclude=[net("10.0.0.192/27")])) == [net("10.0.0.64/26")]
    assert list(free_blocks(pool, 25, [])) == [net("10.0.0.0/25"), net("10.0.0.128/25")]


def test_take_returns_the_first_free_block_in_address_order_and_records_it():
    used = [net("10.0.0.64/26")]
    assert take(net("10.0.0.0/24"), 26, used) == net("10.0.0.0/26")
    assert take(net("10.0.0.0/24"), 26, used) == net("10.0.0.128/26")  # the first is now used
    assert used == [net("10.0.0.64/26"), net("10.0.0.0/26"), net("10.0.0.128/26")]


def test_take_fails_when_no_block_is_left():
    with pytest.raises(Exhausted, match=r"no free /26 is left in 10\.0\.0\.0/25"):
        take(net("10.0.0.0/25"), 26, [net("10.0.0.0/26")], exclude=[net("10.0.0.64/26")])


def test_free_vlan_starts_at_100():
    assert free_vlan([], "Washington DC", set()) == 100


def test_free_vlan_takes_the_lowest_vlan_no_circuit_uses_at_that_location():
    assert free_vlan([spec(vlans=(100, 102))], "Washington DC", set()) == 101
    assert free_vlan([spec(vlans=(101, 100))], "Washington DC", set()) == 100  # 100 is used in New York only
    assert free_vlan([spec(vlans=(100, 102)), spec("west", vlans=(101, 103))], "Washington DC", set()) == 102
    assert free_vlan([spec(vlans=(100, 102))], "Washington DC", {101, 103}) == 102


def test_free_vlan_counts_up_one_at_a_time():
    assert free_vlan([], "Washington DC", {100}) == 101
    assert free_vlan([], "Washington DC", {100, 101}) == 102


def test_free_vlan_may_take_4094_exactly_and_fails_past_it():
    assert free_vlan([], "Washington DC", set(range(100, 4094))) == 4094
    with pytest.raises(Exhausted, match="no free VLAN is left at Washington DC"):
        free_vlan([], "Washington DC", set(range(100, 4095)))
