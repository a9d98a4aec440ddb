"""Resource-level network invariants: each holds on the shipped inventories and catches a mutated one.

Mutations are dataclasses.replace on the recorded Resource/Inventory, so the checks see exactly the
shape the offline engine (and the policy pack) hands them.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from infra import catalog
from infra.inventory import SECRET, Inventory, Resource
from infra.invariants import CHECKS as ALL_CHECKS
from infra.invariants import network

CIRCUIT = network.CIRCUIT
CONNECTION = network.CONNECTION
GATEWAY = network.GATEWAY
PEERING = network.PEERING
GLOBAL_REACH = network.GLOBAL_REACH


def _set(inputs: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        inputs = inputs.setdefault(part, {}) if not part.isdigit() else inputs[int(part)]
    if last.isdigit():
        inputs[int(last)] = value
    elif value is _DELETE:
        inputs.pop(last, None)
    else:
        inputs[last] = value


_DELETE = object()


def mutate(inv: Inventory, name: str, changes: dict[str, Any] | None = None, **fields: Any) -> Inventory:
    """The inventory with resource `name` changed: input paths in `changes`, Resource fields in `fields`."""
    out = []
    for r in inv.resources:
        if r.name == name:
            inputs = copy.deepcopy(dict(r.inputs))
            for path, value in (changes or {}).items():
                _set(inputs, path, value)
            r = dataclasses.replace(r, inputs=inputs, **fields)
        out.append(r)
    assert any(r.name == name for r in inv.resources), f"no {name} in {inv.stack}"
    return dataclasses.replace(inv, resources=tuple(out))


def clone(inv: Inventory, name: str, new_name: str, changes: dict[str, Any] | None = None) -> Inventory:
    """The inventory plus a copy of resource `name` under a new name (and URN, ID), changed as given."""
    r = inv.named(name)
    inputs = copy.deepcopy(dict(r.inputs))
    for path, value in (changes or {}).items():
        _set(inputs, path, value)
    twin = dataclasses.replace(
        r, urn=r.urn.rsplit("::", 1)[0] + "::" + new_name, name=new_name, inputs=inputs,
        id=(r.id or "").rsplit("/", 1)[0] + "/" + new_name.replace("interconnect-", "x-"),
    )
    return dataclasses.replace(inv, resources=(*inv.resources, twin))


def found(inv: Inventory, invariant: str) -> list:
    return network.CHECKS[invariant](inv)


def only(inv: Inventory, invariant: str):
    vs = found(inv, invariant)
    assert len(vs) == 1, f"expected one {invariant}, got {vs}"
    v = vs[0]
    assert v.invariant == invariant and v.stack == inv.stack and v.resource in inv.by_urn()
    return v


@pytest.fixture(scope="module")
def east(plan_shipped) -> Inventory:
    return plan_shipped("eastus")


@pytest.fixture(scope="module")
def west3(plan_shipped) -> Inventory:
    return plan_shipped("westus3")


def test_every_network_invariant_holds_on_the_shipped_stacks(plan_shipped, shipped_fabric):
    for stack in shipped_fabric.stacks:
        inv = plan_shipped(stack)
        assert [v for fn in network.CHECKS.values() for v in fn(inv)] == [], stack


def test_network_checks_are_registered_for_plan_and_policy():
    for name in ("circuit-protected", "bandwidth-ladder", "gateway-throughput", "gateway-circuits",
                 "circuits-per-location", "gateway-subnet", "peering-prefixes", "bgp-key-secret",
                 "global-reach-prefix", "global-reach-peer", "fastpath-support", "subnet-order"):
        assert ALL_CHECKS[name] is network.CHECKS[name]


# ------------------------------------------------------------------------------------------------
# Protection and secrets
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["interconnect-circuit-wdc", "interconnect-peering-nyc"])
def test_fails_when_a_circuit_or_peering_is_not_protected(east, name):
    v = only(mutate(east, name, protect=False), "circuit-protected")
    assert "is not protected; deleting it drops the carrier's provisioning" in v.message


def test_fails_when_a_bgp_key_is_a_literal(east):
    inv = mutate(east, "interconnect-peering-wdc", {"sharedKey": "hunter2"}, secret_inputs=frozenset())
    v = only(inv, "bgp-key-secret")
    assert v.message.startswith("sharedKey of the private peering of erc-eastus-wdc is a plain value")
    assert "hunter2" not in v.message


def test_a_peering_without_a_bgp_key_is_fine(east):
    assert found(mutate(east, "interconnect-peering-wdc", {"sharedKey": _DELETE}), "bgp-key-secret") == []


# ------------------------------------------------------------------------------------------------
# Bandwidth and gateways
# ------------------------------------------------------------------------------------------------


def test_fails_when_a_provider_bandwidth_is_off_the_ladder(east):
    v = only(mutate(east, "interconnect-circuit-wdc", {"serviceProviderProperties.bandwidthInMbps": 3000}),
             "bandwidth-ladder")
    assert v.message == ("circuit erc-eastus-wdc asks for 3000 Mbps; the provider ladder is "
                         "50, 100, 200, 500, 1000, 2000, 5000, 10000 Mbps")


def test_fails_when_a_direct_circuit_is_off_its_port_ladder(east):
    port = dataclasses.replace(
        east.named("interconnect-circuit-wdc"), type=network.PORT, name="interconnect-port-p",
        urn=east.named("interconnect-circuit-wdc").urn.replace("ExpressRouteCircuit::interconnect-circuit-wdc",
                                                              "ExpressRoutePort::interconnect-port-p"),
        id="/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/expressRoutePorts/erd-eastus-p",
        inputs={"expressRoutePortName": "erd-eastus-p", "peeringLocation": "Washington DC", "bandwidthInGbps": 10},
    )
    inv = dataclasses.replace(east, resources=(*east.resources, port))
    inv = mutate(inv, "interconnect-circuit-wdc", {
        "serviceProviderProperties": _DELETE, "expressRoutePort": {"id": port.id}, "bandwidthInGbps": 5,
    })
    assert found(inv, "bandwidth-ladder") == []
    v = only(mutate(inv, "interconnect-circuit-wdc", {"bandwidthInGbps": 3}), "bandwidth-ladder")
    assert v.message == ("circuit erc-eastus-wdc asks for 3 Gbps on the 10 Gbps port erd-eastus-p; "
                         "allowed there: 1, 2, 5, 10 Gbps")
    over = clone(inv, "interconnect-circuit-wdc", "interconnect-circuit-wdc2", {"bandwidthInGbps": 10})
    over = clone(over, "interconnect-circuit-wdc", "interconnect-circuit-wdc3", {"bandwidthInGbps": 10})
    v = only(over, "bandwidth-ladder")
    assert v.message == "circuits on Direct port erd-eastus-p add up to 25 Gbps, over twice its 10 Gbps"


def test_fails_when_gateway_throughput_is_below_its_circuits_without_fastpath(east):
    inv = east
    for key in ("wdc", "nyc"):
        inv = mutate(inv, f"interconnect-connection-{key}", {"expressRouteGatewayBypass": False})
    v = only(inv, "gateway-throughput")
    assert v.resource == east.named("interconnect-gateway").urn
    assert v.message.startswith("gateway ergw-eastus (ErGw3AZ) carries 10 Gbps but circuits ")
    assert "send 200 Gbps through it" in v.message
    # FastPath on one of the two still sends the other's 100 Gbps through the 10 Gbps gateway.
    one_bypass = mutate(inv, "interconnect-connection-wdc", {"expressRouteGatewayBypass": True})
    assert "send 100 Gbps through it" in only(one_bypass, "gateway-throughput").message
    assert found(mutate(one_bypass, "interconnect-connection-nyc", {"expressRouteGatewayBypass": True}),
                 "gateway-throughput") == []


def test_fails_when_ergwscale_units_are_below_its_circuits(west3):
    assert found(west3, "gateway-throughput") == []
    inv = mutate(west3, "interconnect-gateway", {"autoScaleConfiguration.bounds.min": 19})
    assert "(ErGwScale) carries 19 Gbps" in only(inv, "gateway-throughput").message


def test_fastpath_on_a_gateway_without_it_neither_counts_nor_passes(east):
    inv = mutate(east, "interconnect-gateway", {"sku.name": "ErGw2AZ", "sku.tier": "ErGw2AZ"})
    assert len(found(inv, "fastpath-support")) == 2
    assert "(ErGw2AZ) carries 2 Gbps" in only(inv, "gateway-throughput").message


def test_fastpath_on_ergwscale_counts_only_with_the_catalog_override(west3):
    inv = west3
    for key in ("svl", "lv"):
        inv = mutate(inv, f"interconnect-connection-{key}", {"expressRouteGatewayBypass": True})
    inv = mutate(inv, "interconnect-gateway", {"autoScaleConfiguration.bounds": {"min": 10, "max": 10}})
    assert found(inv, "gateway-throughput") and found(inv, "fastpath-support")
    overridden = network.checks(catalog.with_overrides({"ergwscale_fastpath": True}))
    assert overridden["gateway-throughput"](inv) == [] and overridden["fastpath-support"](inv) == []


def test_fails_when_too_many_circuits_connect_to_a_gateway(east):
    inv = mutate(east, "interconnect-gateway", {"sku.name": "Standard", "sku.tier": "Standard"})
    for i in range(2):
        inv = clone(inv, "interconnect-connection-nyc", f"interconnect-connection-extra{i}")
    assert found(inv, "gateway-circuits") == []  # 4 connections: what a Standard gateway takes
    inv = clone(inv, "interconnect-connection-nyc", "interconnect-connection-extra2")
    v = only(inv, "gateway-circuits")
    assert v.message == "5 circuits connect to gateway ergw-eastus (Standard); it takes at most 4"


def test_fails_when_more_than_four_circuits_from_one_peering_location_connect(east):
    inv = east
    for i in range(4):
        inv = clone(inv, "interconnect-circuit-wdc", f"interconnect-circuit-wdc{i}", {"circuitName": f"erc-eastus-wdc{i}"})
        circuit_id = inv.named(f"interconnect-circuit-wdc{i}").id
        inv = clone(inv, "interconnect-connection-wdc", f"interconnect-connection-wdc{i}", {"peer.id": circuit_id})
    v = only(inv, "circuits-per-location")
    assert v.message.startswith("5 circuits from peering location Washington DC (erc-eastus-wdc, ")
    assert v.message.endswith("connect to gateway ergw-eastus; Azure allows 4 per VNet")


def test_fails_when_the_gateway_subnet_is_misnamed_or_too_small(east):
    v = only(mutate(east, "interconnect-gateway-subnet", {"addressPrefix": "10.10.255.0/28"}), "gateway-subnet")
    assert v.message == "GatewaySubnet 10.10.255.0/28 is smaller than the /27 Azure needs"
    v = only(mutate(east, "interconnect-gateway-subnet", {"subnetName": "snet-gateway"}), "gateway-subnet")
    assert "is in subnet 'snet-gateway'; Azure deploys gateways only into a subnet named exactly 'GatewaySubnet'" in v.message


def _without_subnet_dependencies(inv: Inventory, name: str) -> Inventory:
    subnets = {r.urn for r in inv.of_type(network.SUBNET)}
    return mutate(inv, name, dependencies=tuple(d for d in inv.named(name).dependencies if d not in subnets))


def test_the_subnets_of_a_vnet_are_created_one_after_another(east):
    subnets = east.of_type(network.SUBNET)
    assert len(subnets) == 2
    first, second = sorted(subnets, key=lambda r: len(r.dependencies))
    assert first.urn in second.dependencies


def test_fails_when_two_subnets_of_a_vnet_may_be_created_at_once(east):
    v = only(_without_subnet_dependencies(east, "interconnect-gateway-subnet"), "subnet-order")
    assert v.message == ("subnets snet-a100 and GatewaySubnet of one VNet may be created at the same time; Azure runs "
                         "one subnet operation per VNet and fails the other with AnotherOperationInProgress: "
                         "make one depend on the other")


def test_an_order_through_another_resource_counts_and_other_vnets_do_not(east):
    # The gateway subnet waits for the cluster's NSG, which waits for the cluster subnet: ordered.
    subnet = east.named("interconnect-gateway-subnet")
    nsg = next(r for r in east if r.type == "azure-native:network:NetworkSecurityGroup")
    cluster_subnet = next(r for r in east.of_type(network.SUBNET) if r.urn != subnet.urn)
    inv = _without_subnet_dependencies(east, "interconnect-gateway-subnet")
    inv = mutate(inv, "interconnect-gateway-subnet", dependencies=(*inv.named(subnet.name).dependencies, nsg.urn))
    inv = mutate(inv, nsg.name, dependencies=(*nsg.dependencies, cluster_subnet.urn))
    assert found(inv, "subnet-order") == []
    # A subnet of another VNet (its own VirtualNetwork dependency) needs no order with these.
    vnet = east.named("vnet")
    inv = clone(_without_subnet_dependencies(east, "interconnect-gateway-subnet"), "vnet", "vnet-2",
                {"virtualNetworkName": "vnet-2"})
    other_vnet = inv.named("vnet-2")
    moved = tuple(other_vnet.urn if d == vnet.urn else d for d in inv.named(subnet.name).dependencies)
    inv = mutate(inv, "interconnect-gateway-subnet", {"virtualNetworkName": "vnet-2"}, dependencies=moved)
    assert found(inv, "subnet-order") == []


# ------------------------------------------------------------------------------------------------
# Peering and Global Reach prefixes
# ------------------------------------------------------------------------------------------------


def test_fails_when_two_peerings_overlap_a_slash_30(east):
    inv = mutate(east, "interconnect-peering-nyc", {"primaryPeerAddressPrefix": "172.16.10.0/30"})
    v = only(inv, "peering-prefixes")
    assert "overlaps" in v.message and "172.16.10.0/30" in v.message
    assert "every peering /30 must be disjoint" in v.message


@pytest.mark.parametrize("changes, expected", [
    ({"vlanId": 0}, "VLAN 0 is outside 1-4094"),
    ({"vlanId": 4095}, "VLAN 4095 is outside 1-4094"),
    ({"peerASN": 65515}, "peer ASN 65515 is reserved by Azure"),
    ({"peerASN": 12076}, "peer ASN 12076 is reserved by Azure"),
    ({"secondaryPeerAddressPrefix": "172.16.10.8/29"}, "secondaryPeerAddressPrefix '172.16.10.8/29' is not a /30"),
])
def test_fails_when_a_peering_has_an_invalid_vlan_asn_or_prefix(east, changes, expected):
    vs = found(mutate(east, "interconnect-peering-nyc", changes), "peering-prefixes")
    assert any(expected in v.message for v in vs), vs


def test_fails_when_two_global_reach_prefixes_overlap(east):
    inv = mutate(east, "interconnect-global-reach-to-westus3-lv", {"addressPrefix": "172.31.0.16/29"})  # svl's
    v = only(inv, "global-reach-prefix")
    assert "overlaps 172.31.0.16/29" in v.message and "every /29 must be disjoint" in v.message


def test_fails_when_a_global_reach_prefix_is_not_a_slash_29(east):
    inv = mutate(east, "interconnect-global-reach-to-westus3-lv", {"addressPrefix": "172.31.0.24/28"})
    vs = found(inv, "global-reach-prefix")
    assert any("addressPrefix '172.31.0.24/28' is not a /29" in v.message for v in vs)


def test_fails_when_a_global_reach_prefix_overlaps_a_peering(east):
    inv = mutate(east, "interconnect-global-reach-to-westus3-lv", {"addressPrefix": "172.16.10.8/29"})
    assert [v.message.split("; ")[0] for v in found(inv, "global-reach-prefix")] == [
        f"Global Reach prefix 172.16.10.8/29 of gr-eastus-to-westus3-lv overlaps 172.16.10.{n}/30 of the private "
        "peering of erc-eastus-nyc" for n in (8, 12)
    ]


def test_fails_when_a_local_circuit_has_global_reach(east):
    inv = mutate(east, "interconnect-circuit-wdc", {"sku": {"name": "Local_UnlimitedData", "tier": "Local",
                                                             "family": "UnlimitedData"}})
    vs = found(inv, "global-reach-peer")
    assert len(vs) == 3  # wdc's three links
    assert all("is tier Local; Local circuits have no Global Reach" in v.message for v in vs)


def test_fails_when_the_peer_peering_id_is_missing(east):
    inv = mutate(east, "interconnect-global-reach-to-westus3-lv", {"peerExpressRouteCircuitPeering": {}})
    v = only(inv, "global-reach-peer")
    assert "has no peer circuit peering ID (None)" in v.message


def test_checks_read_references_by_name_when_ids_are_unknown(east):
    """At preview (policy pack) IDs of new resources are unknown; Azure names still resolve."""
    stripped = dataclasses.replace(east, resources=tuple(dataclasses.replace(r, id=None) for r in east.resources))
    inv = stripped
    for key in ("wdc", "nyc"):
        inv = mutate(inv, f"interconnect-connection-{key}", {"expressRouteGatewayBypass": False})
    assert only(inv, "gateway-throughput").resource == east.named("interconnect-gateway").urn


def test_checks_are_pure(east):
    before = copy.deepcopy([dict(r.inputs) for r in east.resources])
    for fn in network.CHECKS.values():
        fn(east)
    assert [dict(r.inputs) for r in east.resources] == before
    assert isinstance(east.resources[0], Resource) and SECRET == "[secret]"


# ------------------------------------------------------------------------------------------------
# Zone-redundant gateway IPs
# ------------------------------------------------------------------------------------------------


def test_fails_when_an_az_gateway_ip_in_a_zonal_region_has_no_zones(east):
    v = only(mutate(east, "interconnect-gateway-ip", {"zones": _DELETE}), "gateway-zone-redundant")
    assert "pip-ergw-eastus" in v.message and "zones none" in v.message and v.resource.endswith("interconnect-gateway-ip")


def test_fails_when_an_az_gateway_ip_lists_only_some_zones(east):
    v = only(mutate(east, "interconnect-gateway-ip", {"zones": ["1"]}), "gateway-zone-redundant")
    assert "['1']" in v.message


def test_fails_when_an_ip_lists_zones_in_a_region_without_them(east):
    inv = mutate(east, "interconnect-gateway", {"location": "westus"})
    v = only(inv, "gateway-zone-redundant")
    assert "westus has no availability zones" in v.message


def test_a_non_az_gateway_sku_needs_no_zones(east):
    inv = mutate(east, "interconnect-gateway", {"sku": {"name": "UltraPerformance", "tier": "UltraPerformance"}})
    inv = mutate(inv, "interconnect-gateway-ip", {"zones": _DELETE})
    assert found(inv, "gateway-zone-redundant") == []


def test_zone_redundancy_is_not_judged_while_the_ip_reference_is_unknown(east):
    inv = mutate(east, "interconnect-gateway", {"ipConfigurations.0.publicIPAddress": {"id": "[unknown]"}})
    inv = mutate(inv, "interconnect-gateway-ip", {"zones": _DELETE})
    # resolved through the gateway's dependency on the IP: still judged
    assert [v.invariant for v in found(inv, "gateway-zone-redundant")] == ["gateway-zone-redundant"]


# ------------------------------------------------------------------------------------------------
# Management locks
# ------------------------------------------------------------------------------------------------

LOCK = "azure-native:authorization:ManagementLockByScope"


def without(inv: Inventory, name: str) -> Inventory:
    assert any(r.name == name for r in inv.resources), name
    return dataclasses.replace(inv, resources=tuple(r for r in inv.resources if r.name != name))


@pytest.mark.parametrize("target, lock", [
    ("interconnect-circuit-wdc", "interconnect-lock-circuit-wdc"),
    ("interconnect-gateway", "interconnect-lock-gateway"),
    ("interconnect-connection-nyc", "interconnect-lock-connection-nyc"),
])
def test_fails_when_a_circuit_gateway_or_connection_has_no_lock(east, target, lock):
    v = only(without(east, lock), "management-locks")
    assert v.resource.endswith(f"::{target}") and "no CanNotDelete management lock" in v.message


def test_fails_when_a_lock_does_not_forbid_deletion(east):
    v = only(mutate(east, "interconnect-lock-gateway", {"level": "NotSpecified"}), "management-locks")
    assert "level NotSpecified" in v.message


def test_a_lock_on_another_resource_does_not_count(east):
    # The circuit lock pointed at the other circuit: wdc is left without one.
    nyc_scope = east.named("interconnect-lock-circuit-nyc").inputs["scope"]
    inv = mutate(east, "interconnect-lock-circuit-wdc", {"scope": nyc_scope})
    assert only(inv, "management-locks").resource.endswith("::interconnect-circuit-wdc")


def test_an_unlocked_resource_the_component_lists_is_left_alone(east):
    inv = without(east, "interconnect-lock-circuit-wdc")
    inv = mutate(inv, "interconnect", {"unlockedResources": ["erc-eastus-wdc"]})
    assert found(inv, "management-locks") == []


def test_locks_resolve_by_dependency_when_the_scope_is_unknown(east):
    inv = mutate(east, "interconnect-lock-gateway", {"scope": "[unknown]"})
    assert found(inv, "management-locks") == []
    inv = mutate(inv, "interconnect-lock-gateway", dependencies=())
    assert only(inv, "management-locks").resource.endswith("::interconnect-gateway")


def test_gateways_that_are_not_expressroute_need_no_lock_here(east):
    inv = without(mutate(east, "interconnect-gateway", {"gatewayType": "Vpn"}), "interconnect-lock-gateway")
    assert found(inv, "management-locks") == []
