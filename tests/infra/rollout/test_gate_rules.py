"""Carrier gates rule by rule (infra/rollout/gates.py), on pairs of specs built in the test: the peer
state a link's owner sees, which end a Global Reach gate waits for, what each gate holds back, the
bandwidth label exactly at 1 Gbps, and which links can never pass (only a link its stack owns, to a
peer circuit that exists and is linked from another subscription)."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from infra.rollout import gates
from infra.spec.carrier_state import CarrierStateSpec

OWNER_ID = ("/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-owner/providers/"
            "Microsoft.Network/expressRouteCircuits/erc-owned-elsewhere")


@pytest.fixture(autouse=True)
def _no_state_override(monkeypatch):
    monkeypatch.delenv("AI_FABRIC_CARRIER_STATE", raising=False)


def recording(spec, circuits=None):
    return spec.model_copy(update={"carrier_state": CarrierStateSpec(circuits=circuits or {})})


def pair(spec_data, make_spec, *, peer_linked=False, peer_circuit="chi", owner="alpha"):
    """`owner` holds a Global Reach link from its circuit wdc to zulu's chi (declared on alpha's side only)."""
    alpha = copy.deepcopy(spec_data)
    alpha["interconnect"]["global_reach"] = {
        "to-zulu": {"circuit": "wdc", "peer_stack": "zulu", "peer_circuit": peer_circuit, "prefix": "172.31.0.0/29"}}
    zulu = copy.deepcopy(spec_data)
    zulu["site"]["address_space"] = ["10.20.0.0/16"]
    zulu["clusters"]["h100"]["subnet"] = "10.20.0.0/24"
    zulu["interconnect"]["gateway"]["subnet"] = "10.20.255.0/26"
    zulu["interconnect"]["circuits"]["chi"] = zulu["interconnect"]["circuits"].pop("wdc")
    if peer_linked:
        zulu["interconnect"]["circuits"]["chi"].update(owner_circuit_id=OWNER_ID, authorization_key_secret="authChi")
    return {"alpha": make_spec(alpha, owner), "zulu": make_spec(zulu, "zulu")}


def test_gate_and_never_passing_are_frozen_values():
    gate = gates.Gate("s", "c", "carrier", "w", "i")
    refused = gates.NeverPassing("s", ("a",), "v", "m")
    for value in (gate, refused):
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.stack = "t"  # type: ignore[misc]


def test_gate_json_carries_every_field():
    gate = gates.Gate("s", "c", "global-reach", "w", "i", port="p", link="l", peer="z/c", deferred=("x", "y"))
    assert gate.to_json() == {"stack": "s", "circuit": "c", "waits_for": "w", "kind": "global-reach",
                              "instruction": "i", "port": "p", "link": "l", "peer": "z/c", "deferred": ["x", "y"]}


@pytest.mark.parametrize(("mbps", "label"), [(999, "999 Mbps"), (1000, "1 Gbps"), (1001, "1.001 Gbps")])
def test_bandwidth_label_turns_to_gbps_exactly_at_1000_mbps(mbps, label):
    assert gates.bandwidth_label(mbps) == label


def test_the_network_resource_group_is_the_sites_with_a_network_suffix(spec_data, make_spec):
    spec = make_spec(spec_data)
    assert gates.network_resource_group(spec) == f"{spec.resource_group}-network" == "rg-ai-fabric-eastus-network"


# carrier_view -----------------------------------------------------------------------------------


def test_the_owner_sees_the_state_of_the_peer_circuit_it_links_to(spec_data, make_spec):
    specs = pair(spec_data, make_spec)
    specs["zulu"] = recording(specs["zulu"], {"chi": "provisioned"})
    view = gates.carrier_view(specs["alpha"], specs)
    assert view.peer_circuits == {("zulu", "chi"): "provisioned"}
    assert set(view.circuits) == {"wdc", "nyc"} and view.ports == {}


def test_no_peer_state_for_a_missing_peer_stack_or_circuit_or_a_link_the_stack_does_not_own(spec_data, make_spec):
    specs = pair(spec_data, make_spec)
    assert gates.carrier_view(specs["alpha"], {"alpha": specs["alpha"]}).peer_circuits == {}
    missing = pair(spec_data, make_spec, peer_circuit="nope")
    assert gates.carrier_view(missing["alpha"], missing).peer_circuits == {}
    later = pair(spec_data, make_spec, owner="zz")  # 'zz' sorts after zulu: zulu owns the link
    assert gates.carrier_view(later["alpha"], later).peer_circuits == {}


# stack_gates ------------------------------------------------------------------------------------


def test_a_link_waits_for_its_own_circuit_only_once_the_peer_is_provisioned(spec_data, make_spec):
    specs = pair(spec_data, make_spec)
    specs["zulu"] = recording(specs["zulu"], {"chi": "provisioned"})
    [link] = [g for g in gates.stack_gates(specs["alpha"], specs) if g.kind == "global-reach"]
    assert (link.stack, link.circuit, link.link, link.peer, link.waits_for) == (
        "alpha", "wdc", "to-zulu", "zulu/chi", "alpha/wdc provisioned")
    assert link.deferred == ("interconnect-global-reach-to-zulu",)
    assert "waiting for alpha/wdc (see their gates)" in link.instruction


def test_a_link_waits_for_the_peer_only_once_its_own_circuit_is_provisioned(spec_data, make_spec):
    specs = pair(spec_data, make_spec)
    alpha = recording(specs["alpha"], {"wdc": "provisioned", "nyc": "provisioned"})
    found = gates.stack_gates(alpha, specs)
    assert [(g.kind, g.waits_for) for g in found] == [("global-reach", "zulu/chi provisioned")]


def test_every_pending_circuit_has_a_gate_and_a_ready_link_has_none(spec_data, make_spec):
    specs = pair(spec_data, make_spec)
    found = gates.stack_gates(specs["alpha"], specs)
    assert [(g.kind, g.circuit) for g in found] == [("carrier", "wdc"), ("carrier", "nyc"), ("global-reach", "wdc")]
    assert found[-1].waits_for == "alpha/wdc and zulu/chi provisioned"
    assert found[0].deferred == ("interconnect-peering-wdc", "interconnect-connection-wdc",
                                 "interconnect-lock-connection-wdc")
    specs["zulu"] = recording(specs["zulu"], {"chi": "provisioned"})
    ready = recording(specs["alpha"], {"wdc": "provisioned"})
    assert [(g.kind, g.circuit) for g in gates.stack_gates(ready, specs)] == [("carrier", "nyc")]


def test_a_link_the_stack_does_not_own_has_no_gate_there(spec_data, make_spec):
    specs = pair(spec_data, make_spec, owner="zz")
    alpha = recording(specs["alpha"], {"wdc": "provisioned", "nyc": "provisioned"})
    assert gates.stack_gates(alpha, {"zz": alpha, "zulu": specs["zulu"]}) == []


def test_gates_of_several_stacks_come_in_the_order_asked(spec_data, make_spec):
    specs = pair(spec_data, make_spec)
    found = gates.gates(specs, ["zulu", "alpha"])
    assert [(g.stack, g.circuit) for g in found][:2] == [("zulu", "nyc"), ("zulu", "chi")]
    assert {g.stack for g in found[2:]} == {"alpha"}


def test_a_provider_gate_says_the_bandwidth_and_resource_group(spec_data, make_spec):
    spec_data["interconnect"]["circuits"]["nyc"]["bandwidth_mbps"] = 500
    [gate] = [g for g in gates.stack_gates(make_spec(spec_data), {}) if g.circuit == "nyc"]
    assert "(resource group rg-ai-fabric-eastus-network) at New York, 500 Mbps, VLAN 102" in gate.instruction


# never_passing ----------------------------------------------------------------------------------


def test_fails_once_for_a_link_to_a_peer_circuit_linked_from_another_subscription(spec_data, make_spec):
    specs = pair(spec_data, make_spec, peer_linked=True)
    [refused] = gates.never_passing(specs, ["alpha", "zulu"])
    assert (refused.stack, refused.path, refused.value) == (
        "alpha", ("ai-fabric:interconnect", "global_reach", "to-zulu", "peer_circuit"), "chi")


def test_never_passing_leaves_alone_links_it_does_not_own_or_whose_peer_is_missing(spec_data, make_spec):
    later = pair(spec_data, make_spec, peer_linked=True, owner="zz")
    assert gates.never_passing(later, ["alpha"]) == []  # the stack named zz
    specs = pair(spec_data, make_spec, peer_linked=True)
    assert gates.never_passing({"alpha": specs["alpha"]}, ["alpha"]) == []
    missing = pair(spec_data, make_spec, peer_linked=True, peer_circuit="nope")
    assert gates.never_passing(missing, ["alpha"]) == []
