"""Carrier gates: what waits for the carrier, what exactly it must do, and gates that can never pass."""

from __future__ import annotations

import copy

import pytest

from components.interconnect import deferred_resources
from infra.rollout import gates
from infra.spec.carrier_state import CarrierStateSpec

OWNER_ID = ("/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-owner/providers/"
            "Microsoft.Network/expressRouteCircuits/erc-owned-elsewhere")


def recording(spec, circuits=None, ports=None):
    """The spec with exactly these carrier states recorded (nothing else: pending)."""
    return spec.model_copy(update={"carrier_state": CarrierStateSpec(circuits=circuits or {}, ports=ports or {})})


@pytest.fixture(scope="module")
def fresh_specs(shipped_specs):
    """The shipped specs before anything was provisioned."""
    return {n: recording(s) for n, s in shipped_specs.items()}


def _gates_of(spec, specs=None):
    return gates.stack_gates(spec, {**(specs or {}), spec.stack: spec})


def test_pending_provider_circuit_says_what_the_carrier_must_do(fresh_specs):
    # eastus reaches the carrier over Direct ports; southcentralus has the provider circuits.
    found = {g.circuit: g for g in _gates_of(fresh_specs["southcentralus"], fresh_specs) if g.kind == "carrier"}
    chi = found["chi"]
    assert chi.waits_for == "CenturyLink Cloud Connect to provision erc-southcentralus-chi"
    assert chi.instruction.startswith(
        "give service key <output circuit_service_keys.chi of stack southcentralus> (`pulumi stack output "
        "circuit_service_keys --show-secrets --stack southcentralus`) to CenturyLink Cloud Connect to provision "
        "erc-southcentralus-chi (resource group rg-ai-fabric-southcentralus-network) at Chicago, 10 Gbps, VLAN 220, "
        "peer ASN 64620, primary 172.16.20.8/30, secondary 172.16.20.12/30")
    assert chi.deferred == ("interconnect-peering-chi", "interconnect-connection-chi", "interconnect-lock-connection-chi")


def test_provisioned_circuit_has_no_gate(fresh_specs):
    specs = {**fresh_specs, "westus3": recording(fresh_specs["westus3"], {"svl": "provisioned"})}
    circuits = {g.circuit for g in _gates_of(specs["westus3"], specs)}
    assert circuits == {"lv"}
    assert _gates_of(recording(fresh_specs["westus3"], {"svl": "provisioned", "lv": "provisioned"}), specs) == []


def test_global_reach_waits_for_both_ends_and_only_at_its_owner(fresh_specs):
    # eastus is on Direct ports: its ports' state decides its circuits'.
    specs = {**fresh_specs, "eastus": recording(fresh_specs["eastus"], ports={"wdc": "provisioned", "nyc": "provisioned"})}
    links = {g.link: g for g in _gates_of(specs["eastus"], specs) if g.kind == "global-reach"}
    assert links["to-westus3-svl"].waits_for == "westus3/svl provisioned"
    assert links["to-westus3-svl"].deferred == ("interconnect-global-reach-to-westus3-svl",)
    specs["westus3"] = recording(fresh_specs["westus3"], {"svl": "provisioned"})
    links = {g.link for g in _gates_of(specs["eastus"], specs) if g.kind == "global-reach"}
    assert "to-westus3-svl" not in links and "to-westus3-lv" in links
    # The peer side of a link never declares it, so it never waits for it either.
    assert not [g for g in _gates_of(fresh_specs["westus3"], fresh_specs) if g.kind == "global-reach"]


def test_a_link_with_neither_end_provisioned_waits_for_both(fresh_specs):
    (link,) = [g for g in _gates_of(fresh_specs["eastus"], fresh_specs) if g.link == "to-westus3-svl"]
    assert link.waits_for == "eastus/wdc and westus3/svl provisioned"


def _recorded(fresh_specs, recorded):
    """{stack: {'circuits': {...}, 'ports': {...}}} -> the fresh specs with those states recorded."""
    return {n: recording(s, **recorded.get(n, {})) for n, s in fresh_specs.items()}


@pytest.mark.parametrize("recorded", [
    {}, {"eastus": {"ports": {"wdc": "provisioned"}}}, {"westus3": {"circuits": {"svl": "provisioned"}}},
    {"eastus": {"ports": {"wdc": "provisioned", "nyc": "provisioned"}}, "westus3": {"circuits": {"svl": "provisioned"}}},
    {"southcentralus": {"circuits": {"chi": "provisioned"}}, "eastus": {"ports": {"nyc": "provisioned"}}},
])
def test_gates_hold_back_exactly_what_the_program_defers(fresh_specs, recorded):
    """The names the gates hold back are the component's own list (components.interconnect.deferred_resources,
    from the program's view of the carrier), each name under one gate."""
    specs = _recorded(fresh_specs, recorded)
    for name, spec in specs.items():
        held = [n for g in gates.stack_gates(spec, specs) for n in g.deferred]
        view = gates.carrier_view(spec, specs)
        assert sorted(held) == sorted(deferred_resources("interconnect", spec.interconnect, name, view)), name
        assert len(held) == len(set(held)), name


@pytest.mark.parametrize("recorded", [
    {}, {"westus3": {"circuits": {"svl": "provisioned"}}, "eastus": {"ports": {"nyc": "provisioned"}}},
])
def test_the_carrier_view_is_the_programs(fresh_specs, recorded):
    from infra import peers, program

    specs = _recorded(fresh_specs, recorded)
    for name, spec in specs.items():
        with peers.resolving_with(specs):
            assert gates.carrier_view(spec, specs) == program.carrier_view(spec), name


def test_a_direct_circuit_follows_its_port_not_a_circuit_state(fresh_specs):
    eastus = fresh_specs["eastus"]
    # A state recorded for the circuit itself opens nothing: no carrier provisions a circuit on a Direct port.
    assert {g.circuit for g in _gates_of(recording(eastus, circuits={"wdc": "provisioned"}), fresh_specs)
            if g.kind == "cross-connect"} == {"wdc", "nyc"}
    opened = recording(eastus, ports={"wdc": "provisioned"})
    assert {g.circuit for g in _gates_of(opened, fresh_specs) if g.kind == "cross-connect"} == {"nyc"}


def test_shipped_direct_port_gate_says_what_the_colocation_provider_must_do(fresh_specs):
    found = {g.circuit: g for g in _gates_of(fresh_specs["eastus"], fresh_specs) if g.kind == "cross-connect"}
    assert set(found) == {"wdc", "nyc"}  # one circuit on each port
    wdc = found["wdc"]
    assert wdc.port == "wdc"
    assert wdc.waits_for == "the colocation provider at Washington DC to make the cross-connects of erd-eastus-wdc"
    assert wdc.instruction == (
        "send the letter of authorization of erd-eastus-wdc (`az network express-route port generate-loa --name "
        "erd-eastus-wdc --resource-group rg-ai-fabric-eastus-network --customer-name <your company> --file "
        "erd-eastus-wdc-loa.pdf`) to the colocation provider at Washington DC, who patches both links of the 100 Gbps "
        "port pair (Dot1Q) to your routers as the letter lists them; MACsec (GcmAesXpn256): your edge routers need the "
        "CAK and CKN of secret config macsecCakWdc and macsecCknWdc before the links come up; once the cross-connects "
        "are in, record it: `pulumi config set --path 'carrier_state.ports.wdc' provisioned --stack eastus` (the "
        "program then enables both links) and re-run `fabric rollout`; circuit erc-eastus-wdc (100 Gbps, VLAN 110, "
        "peer ASN 64610, primary 172.16.10.0/30, secondary 172.16.10.4/30) follows")
    assert wdc.deferred == ("interconnect-peering-wdc", "interconnect-connection-wdc", "interconnect-lock-connection-wdc")
    assert gates.loa_command(fresh_specs["eastus"], "wdc") in wdc.instruction


def test_direct_circuit_waits_for_its_ports_cross_connects(spec_data, make_spec, direct):
    spec_data["interconnect"]["ports"] = {"port1": {"peering_location": "Chicago", "bandwidth_gbps": 10}}
    spec_data["interconnect"]["circuits"]["wdc"] = direct("port1", 1, 10)
    spec = make_spec(spec_data)
    (gate,) = [g for g in _gates_of(spec) if g.circuit == "wdc"]
    assert gate.kind == "cross-connect" and gate.port == "port1"
    assert gate.waits_for == "the colocation provider at Chicago to make the cross-connects of erd-eastus-port1"
    assert "send the letter of authorization of erd-eastus-port1" in gate.instruction
    assert "generate-loa --name erd-eastus-port1 --resource-group rg-ai-fabric-eastus-network" in gate.instruction
    assert "MACsec" not in gate.instruction  # a port without MACsec needs no keys on the routers
    assert "pulumi config set --path 'carrier_state.ports.port1' provisioned --stack eastus" in gate.instruction
    # The port's state opens the gate, not the circuit's (a Direct circuit follows its port).
    assert not [g for g in _gates_of(recording(spec, ports={"port1": "provisioned"})) if g.circuit == "wdc"]


def test_linked_circuit_waits_for_its_owner(spec_data, make_spec):
    spec_data["interconnect"]["circuits"]["nyc"].update(owner_circuit_id=OWNER_ID, authorization_key_secret="authNyc")
    spec = make_spec(spec_data)
    (gate,) = [g for g in _gates_of(spec) if g.circuit == "nyc"]
    assert gate.kind == "owner" and OWNER_ID in gate.waits_for
    # The owner has the peering: only the connection (and its lock) waits here.
    assert gate.deferred == ("interconnect-connection-nyc", "interconnect-lock-connection-nyc")


def test_an_unlocked_connection_holds_back_no_lock(spec_data, make_spec):
    spec_data["interconnect"]["unlocked"] = ["connection/wdc"]
    (gate,) = [g for g in _gates_of(make_spec(spec_data)) if g.circuit == "wdc"]
    assert gate.deferred == ("interconnect-peering-wdc", "interconnect-connection-wdc")


def _pair(spec_data, make_spec, *, peer_linked: bool):
    alpha = copy.deepcopy(spec_data)
    alpha["interconnect"]["global_reach"] = {
        "to-zulu": {"circuit": "wdc", "peer_stack": "zulu", "peer_circuit": "chi", "prefix": "172.31.0.0/29"}}
    zulu = copy.deepcopy(spec_data)
    zulu["site"]["address_space"] = ["10.20.0.0/16"]
    zulu["clusters"]["h100"]["subnet"] = "10.20.0.0/24"
    zulu["interconnect"]["gateway"]["subnet"] = "10.20.255.0/26"
    zulu["interconnect"]["circuits"]["chi"] = zulu["interconnect"]["circuits"].pop("wdc")
    if peer_linked:
        zulu["interconnect"]["circuits"]["chi"].update(owner_circuit_id=OWNER_ID, authorization_key_secret="authChi")
    specs = {"alpha": make_spec(alpha, "alpha"), "zulu": make_spec(zulu, "zulu")}
    return specs


def test_fails_when_global_reach_peer_circuit_is_linked_from_another_subscription(spec_data, make_spec):
    specs = _pair(spec_data, make_spec, peer_linked=True)
    (refused,) = gates.never_passing(specs, ["alpha", "zulu"])
    assert refused.stack == "alpha" and refused.path[-2:] == ("to-zulu", "peer_circuit")
    assert "can never pass" in refused.message and OWNER_ID in refused.message


def test_global_reach_to_a_circuit_the_peer_owns_can_pass(spec_data, make_spec):
    assert gates.never_passing(_pair(spec_data, make_spec, peer_linked=False), ["alpha", "zulu"]) == []


@pytest.mark.parametrize(("mbps", "label"), [(50, "50 Mbps"), (500, "500 Mbps"), (1000, "1 Gbps"), (10000, "10 Gbps")])
def test_bandwidth_is_said_in_the_carriers_units(mbps, label):
    assert gates.bandwidth_label(mbps) == label
