"""Rules of infra/solver/allocate.py, one by one, on specs built in the test (no solve): the names, VLANs, /30
prefixes and BGP key names the solver hands the circuits it adds."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from infra.solver.allocate import Allocator, _slug, fabric_prefixes
from infra.spec import FabricSpec, from_config


def net(text: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(text)


def peering(vlan: int, primary: str, secondary: str, bgp: str | None = None, asn: int = 64600) -> dict[str, Any]:
    out: dict[str, Any] = {"peer_asn": asn, "vlan_id": vlan, "primary_prefix": primary, "secondary_prefix": secondary}
    if bgp:
        out["bgp_key_secret"] = bgp
    return out


def spec(stack: str, circuits: dict[str, dict], net16: str = "10.1.0.0/16", ports: dict | None = None,
         global_reach: dict | None = None) -> FabricSpec:
    return from_config(stack, {
        "site": {"region": "eastus", "address_space": [net16]},
        "interconnect": {
            "circuits": {name: {"kind": "provider", "peering_location": "Washington DC", "bandwidth_mbps": 1000,
                                "tier": "Standard", "private_peering": p} for name, p in circuits.items()},
            "ports": ports or {},
            "global_reach": global_reach or {},
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": net16.replace(".0.0/16", ".255.0/26")},
        },
    })


def one(vlans=(110, 120), first: str = "172.16.10.0", bgp: bool = True, **kw: Any) -> FabricSpec:
    base = int(ipaddress.IPv4Address(first))
    circuits = {}
    for i, vlan in enumerate(vlans):
        a, b = ipaddress.IPv4Address(base + 8 * i), ipaddress.IPv4Address(base + 8 * i + 4)
        circuits[f"c{i}"] = peering(vlan, f"{a}/30", f"{b}/30", f"bgpKeyC{i}" if bgp else None, asn=64600 + (i > 1))
    return spec("east", circuits, **kw)


def alloc(*specs: FabricSpec, taken: dict[str, set[str]] | None = None) -> Allocator:
    return Allocator({s.stack: s for s in specs}, taken or {})


# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(("text", "slug"), [
    ("New York", "new-york"), ("  Chicago!! ", "chicago"), ("3rd street", "c3rd-street"), ("", "c"), ("---", "c"),
    ("a" * 31, "a" * 30), ("a" * 29 + "-b", "a" * 29), ("x" * 30, "x" * 30),
])
def test_a_name_is_a_lower_case_slug_of_at_most_30_characters_starting_with_a_letter(text, slug):
    assert _slug(text) == slug


def test_a_taken_name_gets_the_next_free_number():
    a = alloc(one())
    assert a.name("east", "c0") == "c02"  # c0 is the stack's own circuit
    assert a.name("east", "Chi") == "chi"
    assert a.name("east", "chi") == "chi2"
    assert a.name("east", "chi") == "chi3"


def test_a_port_name_is_taken_like_a_circuit_name():
    s = one(ports={"wdc-port": {"peering_location": "Washington DC", "bandwidth_gbps": 10}})
    assert alloc(s).name("east", "wdc-port") == "wdc-port2"


# ------------------------------------------------------------------------------------ VLANs


def test_the_vlan_continues_the_stacks_sequence_of_tens():
    a = alloc(one((110, 120)))
    assert [a.vlan("east"), a.vlan("east")] == [130, 140]


def test_the_vlan_steps_by_one_when_the_stacks_vlans_are_not_all_tens():
    a = alloc(one((110, 125)))
    assert [a.vlan("east"), a.vlan("east")] == [126, 127]


def test_the_vlan_wraps_to_the_bottom_of_the_range_past_4094_skipping_those_in_use():
    assert alloc(one((4090,))).vlan("east") == 1
    assert alloc(one((1, 4084))).vlan("east") == 4085
    assert alloc(one((4093,))).vlan("east") == 4094
    a = alloc(one((1, 2, 4094)))
    assert [a.vlan("east"), a.vlan("east")] == [3, 4]


# ------------------------------------------------------------------------------------ peer ASN, BGP keys


def test_the_peer_asn_is_the_one_most_of_the_stacks_circuits_use():
    assert alloc(one((110, 120, 130))).peer_asn("east") == 64600
    assert alloc(one((110, 120, 130, 140, 150))).peer_asn("east") == 64601
    assert alloc(one((110, 120, 130, 140))).peer_asn("east") == 64600  # two each: the first circuit's


def test_a_bgp_key_is_named_after_the_circuit_and_never_collides():
    a = alloc(one(), taken={"east": {"bgpKeyChi"}})
    assert a.bgp_key("east", "chi") == "bgpKeyChi2"  # a config key the file already has
    assert a.bgp_key("east", "chi") == "bgpKeyChi3"
    assert a.bgp_key("east", "new-york-direct") == "bgpKeyNewYorkDirect"
    assert a.bgp_key("east", "c0") == "bgpKeyC02"  # the stack's own circuit's key


def test_no_bgp_key_when_the_stacks_circuits_use_none():
    assert alloc(one(bgp=False)).bgp_key("east", "chi") is None


# ------------------------------------------------------------------------------------ /30 prefixes


def test_the_prefixes_are_the_first_free_ones_after_the_stacks_own():
    a = alloc(one(first="172.16.10.0"))  # own: .0, .4, .8, .12
    assert a.slash30s("east") == (net("172.16.10.16/30"), net("172.16.10.20/30"))
    assert a.slash30s("east") == (net("172.16.10.24/30"), net("172.16.10.28/30"))


def test_the_prefixes_continue_after_the_highest_of_the_stacks_own_primary_or_secondary():
    """A primary /30 above its secondary counts like any other: the new /30s start after it, not in the gap."""
    a = alloc(spec("east", {"c0": peering(110, "172.16.10.12/30", "172.16.10.0/30")}))
    assert a.slash30s("east") == (net("172.16.10.16/30"), net("172.16.10.20/30"))


def test_the_prefixes_skip_every_prefix_of_the_fabric():
    other = spec("west", {"w": peering(110, "172.16.10.16/30", "172.16.10.28/30")}, net16="10.2.0.0/16")
    a = alloc(one(first="172.16.10.0"), other)
    assert a.slash30s("east") == (net("172.16.10.20/30"), net("172.16.10.24/30"))


def test_the_prefixes_skip_a_global_reach_29():
    s = one(first="172.16.10.0", global_reach={"gr": {"circuit": "c0", "peer_stack": "west", "peer_circuit": "w",
                                                     "prefix": "172.16.10.16/29"}})
    assert net("172.16.10.16/29") in fabric_prefixes([s])
    assert alloc(s).slash30s("east") == (net("172.16.10.24/30"), net("172.16.10.28/30"))


def test_a_prefix_touching_a_taken_one_at_either_end_is_skipped_and_a_disjoint_one_is_not():
    # address spaces reaching to the /30 before and the one after a free one: only the free one is taken
    s = spec("east", {"c0": peering(110, "172.16.10.0/30", "172.16.10.4/30")})
    other = spec("west", {"w": peering(110, "172.16.10.12/30", "172.16.10.20/30")}, net16="10.2.0.0/16")
    assert alloc(s, other).slash30s("east") == (net("172.16.10.8/30"), net("172.16.10.16/30"))


def test_a_prefix_overlapping_a_single_address_at_either_end_is_skipped():
    s = spec("east", {"c0": peering(110, "172.16.10.0/30", "172.16.10.4/30")})
    other = spec("west", {"w": peering(110, "172.16.9.0/30", "172.16.9.4/30")}, net16="10.2.0.0/16")
    data = other.model_dump(mode="json", exclude_defaults=True)
    data["site"]["address_space"] += ["172.16.10.8/32", "172.16.10.15/32"]
    other = type(other).model_validate(data)
    assert alloc(s, other).slash30s("east") == (net("172.16.10.16/30"), net("172.16.10.20/30"))


def test_a_stack_numbering_its_peerings_outside_the_pool_continues_after_its_own():
    s = spec("east", {"c0": peering(110, "192.168.0.0/30", "192.168.0.4/30")})
    assert alloc(s).slash30s("east") == (net("192.168.0.8/30"), net("192.168.0.12/30"))


def test_the_prefixes_wrap_to_the_bottom_of_the_pool_at_its_top():
    s = spec("east", {"c0": peering(110, "172.31.255.248/30", "172.31.255.252/30")})
    assert alloc(s).slash30s("east") == (net("172.16.0.0/30"), net("172.16.0.4/30"))
    s = spec("east", {"c0": peering(110, "172.31.255.244/30", "172.31.255.240/30")})
    assert alloc(s).slash30s("east") == (net("172.31.255.248/30"), net("172.31.255.252/30"))


def test_the_prefixes_wrap_to_the_pool_at_the_top_of_the_address_space():
    s = spec("east", {"c0": peering(110, "255.255.255.248/30", "255.255.255.244/30")})
    assert alloc(s).slash30s("east") == (net("255.255.255.252/30"), net("172.16.0.0/30"))


def test_a_stack_numbering_its_peerings_just_below_the_pool_continues_into_it():
    s = spec("east", {"c0": peering(110, "172.15.255.248/30", "172.15.255.252/30")})
    assert alloc(s).slash30s("east") == (net("172.16.0.0/30"), net("172.16.0.4/30"))
