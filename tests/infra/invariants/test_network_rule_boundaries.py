"""The network invariants rule by rule, on inventories built in the test (issue 17): both sides of each
rule, its boundaries (exactly at a limit), how references resolve, and malformed inputs that must be
reported or left alone, never crash a check.

Every inventory here is a handful of Resource records, so each test runs in milliseconds; the tests
that plan the shipped stacks are in test_network.py."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from infra import catalog
from infra.capacity.report import Violation
from infra.inventory import SECRET, UNKNOWN, Inventory, Resource
from infra.invariants import network
from infra.tokens import (
    CIRCUIT, CONNECTION, GATEWAY, GLOBAL_REACH, LOCK, PEERING, PORT, PRIVATE_INTERCONNECT, PUBLIC_IP, SUBNET,
    VIRTUAL_NETWORK,
)

SUB = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:s::ai-fabric::{type_}::{name}"


def res(type_: str, name: str, inputs: dict[str, Any] | None = None, *, protect: bool = False,
        deps: tuple[str, ...] = (), secret: frozenset[str] = frozenset()) -> Resource:
    return Resource(urn=urn(type_, name), type=type_, name=name, parent=None, inputs=inputs or {}, protect=protect,
                    dependencies=deps, secret_inputs=secret)


def inv(*resources: Resource) -> Inventory:
    return Inventory("s", tuple(resources))


def run(check: str, inventory: Inventory, cat: catalog.Catalog | None = None) -> list[Violation]:
    checks = network.CHECKS if cat is None else network.checks(cat)
    found = checks[check](inventory)
    assert all(isinstance(v, Violation) and v.invariant == check and v.stack == "s" for v in found), found
    return found


def msgs(check: str, inventory: Inventory, cat: catalog.Catalog | None = None) -> list[str]:
    return [v.message for v in run(check, inventory, cat)]


def on(check: str, inventory: Inventory) -> list[str]:
    """The URNs of the resources a check reports, in order."""
    return [v.resource for v in run(check, inventory)]


# ------------------------------------------------------------------------------------------------
# Builders: the inputs the components emit, under their wire names
# ------------------------------------------------------------------------------------------------


def circuit(name: str, *, mbps: object = None, gbps: object = None, port: str | None = None, location: str = "NYC",
            tier: str = "Standard", protect: bool = True, ref: object = None, deps: tuple[str, ...] = ()) -> Resource:
    inputs: dict[str, Any] = {"circuitName": f"er-{name}", "sku": {"tier": tier}}
    if mbps is not None:
        inputs["serviceProviderProperties"] = {"bandwidthInMbps": mbps, "peeringLocation": location}
    if gbps is not None:
        inputs["bandwidthInGbps"] = gbps
    if port is not None:
        inputs["expressRoutePort"] = {"id": ref if ref is not None else f"{SUB}/expressRoutePorts/{port}"}
    return res(CIRCUIT, name, inputs, protect=protect, deps=deps)


def port(name: str, gbps: object = 10, location: str = "NYC", protect: bool = True) -> Resource:
    return res(PORT, name, {"expressRoutePortName": name, "bandwidthInGbps": gbps, "peeringLocation": location},
               protect=protect)


def gateway(name: str = "gw", sku: object = "Standard", *, units: object = None, subnet: object = None,
            ip: object = None, location: object = "eastus", kind: str = "ExpressRoute",
            deps: tuple[str, ...] = ()) -> Resource:
    inputs: dict[str, Any] = {"virtualNetworkGatewayName": f"vgw-{name}", "gatewayType": kind,
                              "sku": {"name": sku, "tier": sku}, "location": location}
    if units is not None:
        inputs["autoScaleConfiguration"] = {"bounds": {"min": units, "max": 10}}
    cfg: dict[str, Any] = {}
    if subnet is not None:
        cfg["subnet"] = {"id": subnet}
    if ip is not None:
        cfg["publicIPAddress"] = {"id": ip}
    if cfg:
        inputs["ipConfigurations"] = [cfg]
    return res(GATEWAY, name, inputs, deps=deps)


def connection(name: str, gw: str = "gw", circuit_name: str | None = None, *, bypass: object = None,
               kind: str = "ExpressRoute", deps: tuple[str, ...] = (), peer: object = None,
               gw_ref: object = None) -> Resource:
    inputs: dict[str, Any] = {
        "virtualNetworkGatewayConnectionName": f"cn-{name}", "connectionType": kind,
        "virtualNetworkGateway1": {"id": gw_ref if gw_ref is not None else f"{SUB}/virtualNetworkGateways/vgw-{gw}"},
        "peer": {"id": peer if peer is not None else f"{SUB}/expressRouteCircuits/er-{circuit_name or name}"},
    }
    if bypass is not None:
        inputs["expressRouteGatewayBypass"] = bypass
    return res(CONNECTION, name, inputs, deps=deps)


def connected(gw: Resource, *circuits: Resource, bypass: object = None) -> list[Resource]:
    """The circuits and one connection each to `gw`."""
    gw_name = gw.name
    out: list[Resource] = []
    for c in circuits:
        out += [c, connection(f"{gw_name}-{c.name}", gw_name, c.name, bypass=bypass)]
    return out


def subnet(name: str, prefix: object = "10.0.0.0/27", *, azure_name: object = None, deps: tuple[str, ...] = (),
           rg: object = "rg", vnet: object = "vnet") -> Resource:
    return res(SUBNET, name, {"subnetName": azure_name if azure_name is not None else name, "addressPrefix": prefix,
                              "resourceGroupName": rg, "virtualNetworkName": vnet}, deps=deps)


def peering(circuit_name: str, primary: object = "172.16.0.0/30", secondary: object = "172.16.0.4/30", *,
            vlan: object = 100, asn: object = 65001, key: object = SECRET, name: str | None = None,
            secret: frozenset[str] = frozenset()) -> Resource:
    inputs: dict[str, Any] = {"circuitName": circuit_name, "peeringName": "AzurePrivatePeering",
                              "primaryPeerAddressPrefix": primary, "secondaryPeerAddressPrefix": secondary,
                              "vlanId": vlan, "peerASN": asn}
    if key is not None:
        inputs["sharedKey"] = key
    return res(PEERING, name or f"peering-{circuit_name}", inputs, protect=True, secret=secret)


def peering_id(circuit_name: str) -> str:
    return f"{SUB}/expressRouteCircuits/{circuit_name}/peerings/AzurePrivatePeering"


def global_reach(name: str, prefix: object = "172.31.0.0/29", *, circuit_name: str = "er-a",
                 peer: object = None, own: object = None) -> Resource:
    return res(GLOBAL_REACH, name, {
        "connectionName": name, "circuitName": circuit_name, "addressPrefix": prefix,
        "expressRouteCircuitPeering": {"id": own if own is not None else peering_id(circuit_name)},
        "peerExpressRouteCircuitPeering": {"id": peer if peer is not None else peering_id("er-peer")},
    })


def public_ip(name: str, zones: object = None) -> Resource:
    inputs: dict[str, Any] = {"publicIpAddressName": name}
    if zones is not None:
        inputs["zones"] = zones
    return res(PUBLIC_IP, name, inputs)


def lock(name: str, target: Resource | None = None, *, scope: object = None, level: object = "CanNotDelete",
         deps: tuple[str, ...] = ()) -> Resource:
    if scope is None and target is not None:
        collection = network._COLLECTIONS[target.type]
        scope = f"{SUB}/{collection}/{network._azure_name(target)}"
    return res(LOCK, name, {"scope": scope, "level": level, "lockName": name}, deps=deps)


def locked(*resources: Resource) -> list[Resource]:
    return [*resources, *(lock(f"lock-{r.name}", r) for r in resources)]


# ------------------------------------------------------------------------------------------------
# circuit-protected
# ------------------------------------------------------------------------------------------------


def test_circuit_protected_reports_each_unprotected_circuit_port_and_peering_by_its_azure_name():
    found = msgs("circuit-protected", inv(circuit("a", mbps=1000, protect=False), port("p1", protect=False),
                                          dataclasses.replace(peering("er-a"), protect=False)))
    assert [m.split(" is not protected")[0] for m in found] == [
        "circuit er-a", "ExpressRoute Direct port p1", "circuit peering AzurePrivatePeering"]


def test_circuit_protected_leaves_protected_ones_and_other_types_alone():
    assert run("circuit-protected", inv(circuit("a", mbps=1000), port("p1"), peering("er-a"),
                                        gateway(), subnet("GatewaySubnet"))) == []


def test_circuit_protected_names_a_resource_without_a_name_input_by_its_pulumi_name():
    bare = res(CIRCUIT, "bare-circuit", {})
    assert msgs("circuit-protected", inv(bare))[0].startswith("circuit bare-circuit is not protected")


# ------------------------------------------------------------------------------------------------
# bandwidth-ladder
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mbps", [50, 1000, 10000])
def test_bandwidth_ladder_leaves_a_provider_circuit_on_the_ladder_alone(mbps):
    assert run("bandwidth-ladder", inv(circuit("a", mbps=mbps))) == []


@pytest.mark.parametrize("mbps", [49, 3000, 10001])
def test_bandwidth_ladder_fails_when_a_provider_circuit_is_off_the_ladder(mbps):
    assert msgs("bandwidth-ladder", inv(circuit("a", mbps=mbps))) == [
        f"circuit er-a asks for {mbps} Mbps; the provider ladder is 50, 100, 200, 500, 1000, 2000, 5000, 10000 Mbps"]


@pytest.mark.parametrize("port_gbps, gbps", [(10, 1), (10, 10), (100, 5), (100, 100)])
def test_bandwidth_ladder_leaves_a_direct_circuit_on_its_port_ladder_alone(port_gbps, gbps):
    assert run("bandwidth-ladder", inv(port("p1", port_gbps), circuit("a", gbps=gbps, port="p1"))) == []


@pytest.mark.parametrize("port_gbps, gbps", [(10, 20), (10, 3), (100, 1)])
def test_bandwidth_ladder_fails_when_a_direct_circuit_is_off_its_port_ladder(port_gbps, gbps):
    ladder = ", ".join(map(str, catalog.DEFAULT.direct_circuit_gbps_by_port[port_gbps]))
    inventory = inv(port("p1", port_gbps), circuit("a", gbps=gbps, port="p1"))
    assert msgs("bandwidth-ladder", inventory) == [
        f"circuit er-a asks for {gbps} Gbps on the {port_gbps} Gbps port p1; allowed there: {ladder} Gbps"]
    assert on("bandwidth-ladder", inventory) == [urn(CIRCUIT, "a")]


@pytest.mark.parametrize("size", [40, True, "10"])
def test_bandwidth_ladder_fails_when_a_direct_port_size_is_not_a_port_size(size):
    inventory = inv(port("p1", size), circuit("a", gbps=5, port="p1"))
    assert msgs("bandwidth-ladder", inventory) == [f"Direct port p1 is {size} Gbps; port sizes are 10, 100 Gbps"]
    assert on("bandwidth-ladder", inventory) == [urn(PORT, "p1")]


def test_bandwidth_ladder_finds_the_port_by_dependency_when_its_id_is_unknown():
    p = port("p1", 10)
    c = circuit("a", gbps=3, port="p1", ref=UNKNOWN, deps=(p.urn,))
    assert len(run("bandwidth-ladder", inv(p, c))) == 1
    assert run("bandwidth-ladder", inv(p, circuit("a", gbps=3, port="p1", ref=UNKNOWN))) == []


def test_bandwidth_ladder_leaves_a_direct_circuit_alone_while_its_bandwidth_or_port_is_missing():
    assert run("bandwidth-ladder", inv(port("p1", 10), circuit("a", port="p1"))) == []
    assert run("bandwidth-ladder", inv(port("p1", 10), circuit("a", gbps=UNKNOWN, port="p1"))) == []
    assert run("bandwidth-ladder", inv(port("p1", UNKNOWN), circuit("a", gbps=5, port="p1"))) == []
    assert run("bandwidth-ladder", inv(circuit("a", mbps=UNKNOWN))) == []
    assert run("bandwidth-ladder", inv(circuit("a", gbps=40))) == []  # no port: nothing to judge it against


def test_bandwidth_ladder_allows_a_port_exactly_twice_oversubscribed_and_fails_above():
    def circuits(*sizes: object) -> list[Resource]:
        return [circuit(f"c{i}", gbps=g, port="p1") for i, g in enumerate(sizes)]

    # A circuit whose bandwidth is not known adds nothing to the sum, and is not judged.
    assert run("bandwidth-ladder", inv(port("p1", 10), *circuits(10, 10, UNKNOWN))) == []
    over = inv(port("p1", 10), *circuits(10, 10, 1, UNKNOWN))
    found = [v for v in run("bandwidth-ladder", over) if v.resource == urn(PORT, "p1")]
    assert [v.message for v in found] == ["circuits on Direct port p1 add up to 21 Gbps, over twice its 10 Gbps"]


def test_bandwidth_ladder_counts_only_the_circuits_on_that_port():
    inventory = inv(port("p1", 10), port("p2", 10), *(circuit(f"c{i}", gbps=10, port="p1") for i in range(2)),
                    *(circuit(f"d{i}", gbps=10, port="p2") for i in range(2)))
    assert run("bandwidth-ladder", inventory) == []


def test_bandwidth_ladder_does_not_crash_on_a_port_whose_size_is_not_a_number():
    assert run("bandwidth-ladder", inv(port("p1", "ten"))) == []  # no circuit on it: no ladder to read


def test_bandwidth_ladder_counts_a_circuit_with_a_bandwidth_in_mbps_on_a_port():
    c = circuit("a", gbps=10, port="p1")
    big = circuit("b", mbps=10000, port="p1")
    found = msgs("bandwidth-ladder", inv(port("p1", 10), c, circuit("c", gbps=1, port="p1"), big))
    assert found[-1] == "circuits on Direct port p1 add up to 21 Gbps, over twice its 10 Gbps"


# ------------------------------------------------------------------------------------------------
# gateway-throughput, fastpath-support
# ------------------------------------------------------------------------------------------------


def test_gateway_throughput_allows_circuits_that_exactly_fill_the_gateway():
    assert run("gateway-throughput", inv(gateway("gw", "Standard"), *connected(gateway("gw"), circuit("a", mbps=1000)))) == []
    assert run("gateway-throughput", inv(gateway("gw", "HighPerformance"),
                                         *connected(gateway("gw"), circuit("a", mbps=1000), circuit("b", mbps=1000)))) == []


def test_gateway_throughput_fails_when_circuits_exceed_the_gateway_naming_them():
    inventory = inv(gateway("gw", "Standard"), *connected(gateway("gw"), circuit("a", mbps=1000), circuit("b", mbps=1000)))
    assert msgs("gateway-throughput", inventory) == [
        "gateway vgw-gw (Standard) carries 1 Gbps but circuits er-a, er-b send 2 Gbps through it; use a larger SKU, "
        "more ErGwScale units, or FastPath (expressRouteGatewayBypass) on UltraPerformance/ErGw3AZ"]
    assert on("gateway-throughput", inventory) == [urn(GATEWAY, "gw")]


def test_gateway_throughput_reads_a_direct_circuit_in_gbps():
    assert len(run("gateway-throughput", inv(gateway("gw", "ErGw3AZ"), port("p1", 100),
                                             *connected(gateway("gw"), circuit("a", gbps=40, port="p1"))))) == 1
    assert run("gateway-throughput", inv(gateway("gw", "ErGw3AZ"), port("p1", 100),
                                         *connected(gateway("gw"), circuit("a", gbps=10, port="p1")))) == []


def test_gateway_throughput_does_not_count_a_boolean_as_a_bandwidth():
    inventory = inv(gateway("gw", "Standard"),
                    *connected(gateway("gw"), circuit("a", mbps=1000), circuit("b", gbps=True)))
    assert run("gateway-throughput", inventory) == []


def test_gateway_throughput_leaves_a_connection_alone_whose_circuit_or_bandwidth_is_unknown():
    inventory = inv(gateway("gw", "Standard"), circuit("a", mbps=1000), connection("gw-a", "gw", "a"),
                    connection("gw-x", "gw", "missing"), circuit("b", mbps=UNKNOWN), connection("gw-b", "gw", "b"))
    assert run("gateway-throughput", inventory) == []


def test_gateway_throughput_does_not_count_fastpath_circuits_on_a_fastpath_sku():
    circuits = [circuit("a", mbps=10000), circuit("b", mbps=10000)]
    assert run("gateway-throughput", inv(gateway("gw", "UltraPerformance"),
                                         *connected(gateway("gw"), *circuits, bypass=True))) == []
    assert len(run("gateway-throughput", inv(gateway("gw", "UltraPerformance"),
                                             *connected(gateway("gw"), *circuits)))) == 1
    assert len(run("gateway-throughput", inv(gateway("gw", "UltraPerformance"),
                                             *connected(gateway("gw"), *circuits, bypass=False)))) == 1


def test_gateway_throughput_counts_fastpath_asked_of_a_sku_without_it():
    inventory = inv(gateway("gw", "Standard"), *connected(gateway("gw"), circuit("a", mbps=2000), bypass=True))
    assert len(run("gateway-throughput", inventory)) == 1


def test_gateway_throughput_uses_ergwscale_minimum_units_and_one_unit_without_a_valid_minimum():
    def on_scale(units: object, mbps: int) -> list[Violation]:
        return run("gateway-throughput", inv(gateway("gw", "ErGwScale", units=units),
                                             *connected(gateway("gw"), circuit("a", mbps=mbps))))

    assert on_scale(2, 2000) == [] and len(on_scale(2, 5000)) == 1
    assert on_scale(None, 1000) == [] and len(on_scale(None, 2000)) == 1
    for bad in (0, -1, "2", True, 2.5, 0.5, float("inf")):
        assert on_scale(bad, 1000) == [], bad  # one unit, as a gateway with no valid minimum always has
        assert len(on_scale(bad, 2000)) == 1, bad
    assert "ErGwScale) carries 1 Gbps" in on_scale(0, 2000)[0].message


def test_gateway_throughput_uses_the_sku_throughput_not_units_for_fixed_skus():
    inventory = inv(gateway("gw", "Standard", units=5), *connected(gateway("gw"), circuit("a", mbps=2000)))
    assert len(run("gateway-throughput", inventory)) == 1


@pytest.mark.parametrize("sku", ["ErGw9AZ", None, 3])
def test_gateway_throughput_reports_a_sku_not_in_the_catalog_once(sku):
    inventory = inv(gateway("gw", sku), *connected(gateway("gw"), circuit("a", mbps=1000)))
    assert on("gateway-throughput", inventory) == [urn(GATEWAY, "gw")]
    assert f"has sku.name {sku!r}, not an ExpressRoute gateway SKU" in run("gateway-throughput", inventory)[0].message


def test_gateway_throughput_judges_only_expressroute_gateways_and_connections():
    vpn = gateway("gw", "Standard", kind="Vpn")
    assert run("gateway-throughput", inv(vpn, *connected(gateway("gw"), circuit("a", mbps=5000)))) == []
    ipsec = [circuit("a", mbps=5000), connection("gw-a", "gw", "a", kind="IPsec")]
    assert run("gateway-throughput", inv(gateway("gw", "Standard"), *ipsec)) == []


def test_gateway_throughput_counts_each_connection_on_its_own_gateway():
    inventory = inv(gateway("g1", "Standard"), gateway("g2", "Standard"),
                    *connected(gateway("g1"), circuit("a", mbps=1000)), *connected(gateway("g2"), circuit("b", mbps=1000)))
    assert run("gateway-throughput", inventory) == []


def test_connections_resolve_their_gateway_by_dependency_when_its_id_is_unknown():
    gw = gateway("g1", "Standard")
    conns = [circuit("a", mbps=1000), circuit("b", mbps=1000),
             connection("c1", "g1", "a", deps=(gw.urn,)), connection("c2", "g1", "b", deps=(gw.urn,))]
    conns = [dataclasses.replace(c, inputs={**c.inputs, "virtualNetworkGateway1": {"id": UNKNOWN}})
             if c.type == CONNECTION else c for c in conns]
    assert len(run("gateway-throughput", inv(gw, gateway("g2", "Standard"), *conns))) == 1
    # Two gateways the connection depends on: which one is not guessed.
    both = [dataclasses.replace(c, dependencies=(gw.urn, urn(GATEWAY, "g2"))) if c.type == CONNECTION else c
            for c in conns]
    assert run("gateway-throughput", inv(gw, gateway("g2", "Standard"), *both)) == []


def test_references_resolve_by_azure_name_only_when_exactly_one_resource_has_it():
    twin = dataclasses.replace(circuit("twin", mbps=1000), inputs={**circuit("a", mbps=1000).inputs})
    inventory = inv(gateway("gw", "Standard"), circuit("a", mbps=2000), twin, connection("gw-a", "gw", "a"))
    assert run("gateway-throughput", inventory) == []  # er-a names two circuits: not guessed


def test_references_by_name_read_the_last_segment_of_the_id():
    for peer in (f"{SUB}/expressRouteCircuits/er-a", f"{SUB}/expressRouteCircuits/er-a/", "er-a"):
        inventory = inv(gateway("gw", "Standard"), circuit("a", mbps=2000), connection("c", "gw", peer=peer))
        assert len(run("gateway-throughput", inventory)) == 1, peer
    inventory = inv(gateway("gw", "Standard"), circuit("a", mbps=2000), res(CIRCUIT, "x", {"circuitName": SUB}),
                    connection("c", "gw", peer=f"{SUB}/expressRouteCircuits/er-b"))
    assert run("gateway-throughput", inventory) == []


def test_fastpath_support_fails_only_where_the_sku_has_no_fastpath():
    circuits = [circuit("a", mbps=1000)]
    inventory = inv(gateway("gw", "ErGw1AZ"), *connected(gateway("gw"), *circuits, bypass=True))
    assert msgs("fastpath-support", inventory) == [
        "connection cn-gw-a asks for FastPath on gateway vgw-gw (ErGw1AZ), which does not support it; FastPath "
        "needs UltraPerformance or ErGw3AZ"]
    assert on("fastpath-support", inventory) == [urn(CONNECTION, "gw-a")]
    assert run("fastpath-support", inv(gateway("gw", "ErGw3AZ"), *connected(gateway("gw"), *circuits, bypass=True))) == []
    for bypass in (None, False, "true"):
        assert run("fastpath-support", inv(gateway("gw", "ErGw1AZ"),
                                           *connected(gateway("gw"), *circuits, bypass=bypass))) == []


def test_fastpath_support_leaves_a_gateway_with_an_unknown_sku_to_gateway_throughput():
    inventory = inv(gateway("gw", "ErGw9AZ"), *connected(gateway("gw"), circuit("a", mbps=1000), bypass=True))
    assert run("fastpath-support", inventory) == []


def test_fastpath_support_follows_the_ergwscale_override():
    inventory = inv(gateway("gw", "ErGwScale", units=2), *connected(gateway("gw"), circuit("a", mbps=1000), bypass=True))
    assert len(run("fastpath-support", inventory)) == 1
    skus = dict(catalog.DEFAULT.gateway_skus)
    skus["ErGwScale"] = dataclasses.replace(skus["ErGwScale"], fastpath=True)
    assert run("fastpath-support", inventory, dataclasses.replace(catalog.DEFAULT, gateway_skus=skus)) == []


# ------------------------------------------------------------------------------------------------
# gateway-circuits, circuits-per-location
# ------------------------------------------------------------------------------------------------


def _on_gateway(sku: object, n: int, locations: tuple[str, ...] = ("NYC",)) -> Inventory:
    circuits = [circuit(f"c{i}", mbps=50, location=locations[i % len(locations)]) for i in range(n)]
    return inv(gateway("gw", sku), *connected(gateway("gw"), *circuits))


@pytest.mark.parametrize("sku, limit", [("Standard", 4), ("HighPerformance", 8), ("ErGw3AZ", 16), ("ErGwScale", 16)])
def test_gateway_circuits_allows_exactly_the_sku_limit_and_fails_one_more(sku, limit):
    locations = tuple(f"L{i}" for i in range(8))
    assert run("gateway-circuits", _on_gateway(sku, limit, locations)) == []
    assert msgs("gateway-circuits", _on_gateway(sku, limit + 1, locations)) == [
        f"{limit + 1} circuits connect to gateway vgw-gw ({sku}); it takes at most {limit}"]


def test_gateway_circuits_caps_an_overridden_sku_at_sixteen_per_vnet():
    skus = dict(catalog.DEFAULT.gateway_skus)
    skus["ErGwScale"] = dataclasses.replace(skus["ErGwScale"], max_circuits=32)
    cat = dataclasses.replace(catalog.DEFAULT, gateway_skus=skus)
    locations = tuple(f"L{i}" for i in range(8))
    assert run("gateway-circuits", _on_gateway("ErGwScale", 16, locations), cat) == []
    assert len(run("gateway-circuits", _on_gateway("ErGwScale", 17, locations), cat)) == 1


def test_gateway_circuits_leaves_an_unknown_sku_to_gateway_throughput():
    assert run("gateway-circuits", _on_gateway("ErGw9AZ", 20, tuple(f"L{i}" for i in range(8)))) == []


def test_circuits_per_location_allows_four_from_one_location_and_fails_five():
    assert run("circuits-per-location", _on_gateway("ErGw3AZ", 4)) == []
    inventory = _on_gateway("ErGw3AZ", 5)
    assert msgs("circuits-per-location", inventory) == [
        "5 circuits from peering location NYC (er-c0, er-c1, er-c2, er-c3, er-c4) connect to gateway vgw-gw; "
        "Azure allows 4 per VNet"]
    assert on("circuits-per-location", inventory) == [urn(GATEWAY, "gw")]


def test_circuits_per_location_counts_each_location_apart():
    assert run("circuits-per-location", _on_gateway("ErGw3AZ", 8, ("NYC", "WDC"))) == []
    assert len(run("circuits-per-location", _on_gateway("ErGw3AZ", 10, ("NYC", "WDC")))) == 2


def test_circuits_per_location_reads_a_direct_circuit_location_from_its_port():
    circuits = [circuit(f"c{i}", gbps=1, port="p1") for i in range(5)]
    inventory = inv(port("p1", 10, location="Equinix-Ashburn"), gateway("gw", "ErGw3AZ"),
                    *connected(gateway("gw"), *circuits))
    assert [m.split(" (")[0] for m in msgs("circuits-per-location", inventory)] == [
        "5 circuits from peering location Equinix-Ashburn"]


def test_circuits_per_location_leaves_circuits_of_unknown_location_alone():
    circuits = [circuit(f"c{i}", gbps=1) for i in range(5)]  # no provider properties, no port
    unresolved = [connection(f"x{i}", "gw", f"missing{i}") for i in range(5)]
    bad_port = [circuit(f"d{i}", gbps=1, port="p9") for i in range(5)]
    inventory = inv(port("p9", 10, location=7), gateway("gw", "ErGw3AZ"), *connected(gateway("gw"), *circuits),
                    *unresolved, *connected(gateway("gw"), *bad_port))
    assert run("circuits-per-location", inventory) == []


# ------------------------------------------------------------------------------------------------
# gateway-subnet
# ------------------------------------------------------------------------------------------------


GS = network.GATEWAY_SUBNET


def _gw_in(subnet_ref: object, n: int = 0, sku: str = "ErGw3AZ", deps: tuple[str, ...] = ()) -> list[Resource]:
    circuits = [circuit(f"c{i}", mbps=50, location=f"L{i % 8}") for i in range(n)]
    gw = gateway("gw", sku, subnet=subnet_ref, deps=deps)
    return [gw, *connected(gw, *circuits)]


def test_gateway_subnet_allows_a_slash_27_exactly_and_fails_a_slash_28():
    assert run("gateway-subnet", inv(subnet(GS, "10.0.0.0/27"), *_gw_in(f"{SUB}/virtualNetworks/v/subnets/{GS}"))) == []
    inventory = inv(subnet(GS, "10.0.0.0/28"), *_gw_in(f"{SUB}/virtualNetworks/v/subnets/{GS}"))
    assert msgs("gateway-subnet", inventory) == [f"{GS} 10.0.0.0/28 is smaller than the /27 Azure needs"]
    assert on("gateway-subnet", inventory) == [urn(SUBNET, GS)]


def test_gateway_subnet_needs_a_slash_26_from_sixteen_circuits_not_before():
    ref = f"{SUB}/virtualNetworks/v/subnets/{GS}"
    assert run("gateway-subnet", inv(subnet(GS, "10.0.0.0/27"), *_gw_in(ref, 15))) == []
    assert msgs("gateway-subnet", inv(subnet(GS, "10.0.0.0/27"), *_gw_in(ref, 16))) == [
        f"{GS} 10.0.0.0/27 is smaller than the /26 Azure needs to connect 16 circuits"]
    assert run("gateway-subnet", inv(subnet(GS, "10.0.0.0/26"), *_gw_in(ref, 16))) == []


def test_gateway_subnet_reports_a_small_subnet_once_with_or_without_a_gateway():
    ref = f"{SUB}/virtualNetworks/v/subnets/{GS}"
    assert len(run("gateway-subnet", inv(subnet(GS, "10.0.0.0/28"), *_gw_in(ref)))) == 1
    assert on("gateway-subnet", inv(subnet(GS, "10.0.0.0/28"))) == [urn(SUBNET, GS)]


def test_gateway_subnet_judges_the_size_of_no_other_subnet():
    assert run("gateway-subnet", inv(subnet("workers", "10.0.1.0/28"), subnet(GS, "10.0.0.0/27"))) == []


def test_gateway_subnet_fails_when_the_gateway_sits_in_another_subnet():
    inventory = inv(subnet("workers", "10.0.1.0/24"), *_gw_in(f"{SUB}/virtualNetworks/v/subnets/workers"))
    assert msgs("gateway-subnet", inventory) == [
        "gateway vgw-gw is in subnet 'workers'; Azure deploys gateways only into a subnet named exactly 'GatewaySubnet'"]
    assert on("gateway-subnet", inventory) == [urn(GATEWAY, "gw")]


def test_gateway_subnet_reads_a_subnet_not_in_the_inventory_by_its_id():
    assert len(run("gateway-subnet", inv(*_gw_in(f"{SUB}/virtualNetworks/v/subnets/workers")))) == 1
    assert run("gateway-subnet", inv(*_gw_in(f"{SUB}/virtualNetworks/v/subnets/{GS}"))) == []


def test_gateway_subnet_resolves_by_dependency_and_names_the_subnet_not_the_id():
    s = subnet("gs", "10.0.0.0/28", azure_name=GS)
    assert msgs("gateway-subnet", inv(s, *_gw_in(UNKNOWN, deps=(s.urn,)))) == [
        f"{GS} 10.0.0.0/28 is smaller than the /27 Azure needs"]
    other = subnet("gs", "10.0.0.0/24", azure_name="workers")
    found = msgs("gateway-subnet", inv(other, *_gw_in(UNKNOWN, deps=(other.urn,))))
    assert len(found) == 1 and "is in subnet 'workers'" in found[0]


def test_gateway_subnet_does_not_match_an_unknown_id_to_a_subnet_whose_name_is_unknown():
    named_later = subnet("later", "10.0.2.0/24", azure_name=UNKNOWN)
    gs = subnet("gs", "10.0.0.0/28", azure_name=GS)
    assert msgs("gateway-subnet", inv(named_later, gs, *_gw_in(UNKNOWN, deps=(gs.urn,)))) == [
        f"{GS} 10.0.0.0/28 is smaller than the /27 Azure needs"]


@pytest.mark.parametrize("ref", [UNKNOWN, 5, None, ""])
def test_gateway_subnet_leaves_an_unresolved_or_malformed_subnet_reference_alone(ref):
    gw = gateway("gw", "ErGw3AZ")
    configs = [{"subnet": {"id": ref}}, {"subnet": ref}, "not a config"]
    gw = dataclasses.replace(gw, inputs={**gw.inputs, "ipConfigurations": configs})
    assert run("gateway-subnet", inv(gw, subnet("workers", "10.0.1.0/24"))) == []


def test_gateway_subnet_leaves_an_unparsable_prefix_to_the_spec():
    assert run("gateway-subnet", inv(subnet(GS, "10.0.0.1/27"), *_gw_in(f"{SUB}/virtualNetworks/v/subnets/{GS}"))) == []
    assert run("gateway-subnet", inv(subnet(GS, UNKNOWN))) == []


# ------------------------------------------------------------------------------------------------
# subnet-order
# ------------------------------------------------------------------------------------------------


VNET = res(VIRTUAL_NETWORK, "vnet", {"virtualNetworkName": "vnet"})


def test_subnet_order_allows_subnets_that_depend_on_each_other_directly_or_through_others():
    a = subnet("a", deps=(VNET.urn,))
    b = subnet("b", deps=(VNET.urn, a.urn))
    assert run("subnet-order", inv(VNET, a, b)) == []
    middle = res(PUBLIC_IP, "middle", deps=(a.urn,))
    c = subnet("c", deps=(VNET.urn, middle.urn))
    assert run("subnet-order", inv(VNET, a, middle, c)) == []
    d = subnet("d", deps=(VNET.urn, c.urn))  # a <- middle <- c <- d: two hops
    assert run("subnet-order", inv(VNET, a, middle, c, d)) == []


def test_subnet_order_fails_for_each_pair_that_may_run_at_once():
    subnets = [subnet(n, deps=(VNET.urn,)) for n in ("a", "b", "c")]
    found = run("subnet-order", inv(VNET, *subnets))
    assert [v.resource for v in found] == [urn(SUBNET, "b"), urn(SUBNET, "c"), urn(SUBNET, "c")]
    assert found[0].message == (
        "subnets a and b of one VNet may be created at the same time; Azure runs one subnet operation per VNet and "
        "fails the other with AnotherOperationInProgress: make one depend on the other")


def test_subnet_order_groups_by_the_vnet_dependency_when_names_are_unknown():
    a = subnet("a", deps=(VNET.urn,), rg=UNKNOWN, vnet=UNKNOWN)
    b = subnet("b", deps=(VNET.urn,), rg=UNKNOWN, vnet=UNKNOWN)
    assert len(run("subnet-order", inv(VNET, a, b))) == 1
    other = res(VIRTUAL_NETWORK, "other", {})
    c = subnet("c", deps=(other.urn,), rg=UNKNOWN, vnet=UNKNOWN)
    assert run("subnet-order", inv(VNET, other, a, c)) == []


def test_subnet_order_groups_by_names_when_there_is_no_single_vnet_dependency():
    a, b = subnet("a"), subnet("b")
    assert len(run("subnet-order", inv(a, b))) == 1
    assert run("subnet-order", inv(a, subnet("b", vnet="other"))) == []
    assert run("subnet-order", inv(a, subnet("b", rg="other"))) == []


def test_subnet_order_does_not_group_subnets_whose_vnet_is_unknown():
    a = subnet("a", rg=UNKNOWN, vnet=UNKNOWN)
    b = subnet("b", rg=UNKNOWN, vnet=UNKNOWN)
    assert run("subnet-order", inv(a, b)) == []
    assert run("subnet-order", inv(subnet("a", rg=None, vnet=5), subnet("b", rg=None, vnet=5))) == []


def test_subnet_order_reads_dependencies_on_other_types_and_outside_the_inventory():
    rg = res("azure-native:resources:ResourceGroup", "rg")
    a = subnet("a", deps=(rg.urn, VNET.urn, "urn:pulumi:s::ai-fabric::pulumi:providers:azure-native::default"))
    b = subnet("b", deps=(rg.urn, VNET.urn), rg=UNKNOWN, vnet=UNKNOWN)
    assert len(run("subnet-order", inv(rg, VNET, a, b))) == 1


def test_subnet_order_ends_on_a_dependency_cycle():
    x = res(PUBLIC_IP, "x", deps=(urn(PUBLIC_IP, "y"),))
    y = res(PUBLIC_IP, "y", deps=(x.urn,))
    a = subnet("a", deps=(x.urn,))
    assert len(run("subnet-order", inv(x, y, a, subnet("b")))) == 1


# ------------------------------------------------------------------------------------------------
# peering-prefixes
# ------------------------------------------------------------------------------------------------


def test_peering_prefixes_leaves_a_valid_peering_alone():
    assert run("peering-prefixes", inv(peering("er-a"))) == []


@pytest.mark.parametrize("prefix", ["172.16.1.0/29", "172.16.0.5/30", "not a prefix", None, UNKNOWN])
def test_peering_prefixes_fails_when_a_peer_prefix_is_not_a_slash_30(prefix):
    assert msgs("peering-prefixes", inv(peering("er-a", secondary=prefix))) == [
        f"the private peering of er-a: secondaryPeerAddressPrefix {prefix!r} is not a /30 network"]


@pytest.mark.parametrize("vlan, ok", [(1, True), (4094, True), (0, False), (4095, False), ("100", False), (None, False)])
def test_peering_prefixes_allows_vlans_1_to_4094(vlan, ok):
    found = msgs("peering-prefixes", inv(peering("er-a", vlan=vlan)))
    assert found == ([] if ok else [f"the private peering of er-a: VLAN {vlan!r} is outside 1-4094"])


@pytest.mark.parametrize("asn, ok", [(1, True), (4_294_967_294, True), (65514, True), (65521, True),
                                     (0, False), (4_294_967_295, False), ("65001", False), (None, False)])
def test_peering_prefixes_allows_asns_1_to_4294967294(asn, ok):
    found = msgs("peering-prefixes", inv(peering("er-a", asn=asn)))
    assert found == ([] if ok else [f"the private peering of er-a: peer ASN {asn!r} is not a valid ASN"])


@pytest.mark.parametrize("asn", [12076, 65515, 65520])
def test_peering_prefixes_fails_on_an_asn_azure_reserves(asn):
    assert msgs("peering-prefixes", inv(peering("er-a", asn=asn))) == [
        f"the private peering of er-a: peer ASN {asn} is reserved by Azure (12076, 65515-65520)"]


def test_peering_prefixes_fails_on_each_overlap_across_peerings():
    inventory = inv(peering("er-a"), peering("er-b", "172.16.0.8/30", "172.16.0.4/30"))
    found = run("peering-prefixes", inventory)
    assert [v.message for v in found] == [
        "secondaryPeerAddressPrefix 172.16.0.4/30 of the private peering of er-b overlaps secondaryPeerAddressPrefix "
        "172.16.0.4/30 of the private peering of er-a; every peering /30 must be disjoint"]
    assert [v.resource for v in found] == [urn(PEERING, "peering-er-b")]
    assert run("peering-prefixes", inv(peering("er-a"), peering("er-b", "172.16.0.8/30", "172.16.0.12/30"))) == []


def test_peering_prefixes_finds_an_overlap_at_the_last_address():
    found = msgs("peering-prefixes", inv(peering("er-a", "172.16.0.0/30", "172.16.0.3/32")))
    assert found[-1].startswith("secondaryPeerAddressPrefix 172.16.0.3/32 of the private peering of er-a overlaps "
                                "primaryPeerAddressPrefix 172.16.0.0/30")
    assert len(found) == 2  # the /32 itself, and the overlap


def test_peering_prefixes_finds_an_overlap_inside_a_larger_prefix_seen_earlier():
    found = msgs("peering-prefixes", inv(peering("er-a", "172.16.0.0/24", "172.16.1.0/30"),
                                         peering("er-b", "172.16.0.8/30", "172.16.2.0/30")))
    assert any("172.16.0.8/30 of the private peering of er-b overlaps primaryPeerAddressPrefix 172.16.0.0/24" in m
               for m in found)


# ------------------------------------------------------------------------------------------------
# bgp-key-secret
# ------------------------------------------------------------------------------------------------


def test_bgp_key_secret_fails_on_a_literal_key_of_each_kind():
    gr = dataclasses.replace(global_reach("gr"), inputs={**global_reach("gr").inputs, "authorizationKey": "abc"})
    conn = connection("c", "gw", "a")
    conn = dataclasses.replace(conn, inputs={**conn.inputs, "sharedKey": "k", "authorizationKey": "k2"})
    c = dataclasses.replace(circuit("a", mbps=50), inputs={**circuit("a", mbps=50).inputs, "authorizationKey": "k"})
    found = run("bgp-key-secret", inv(peering("er-a", key="literal"), gr, conn, c))
    assert [v.message.split(" is a plain")[0] for v in found] == [
        "sharedKey of the private peering of er-a", "authorizationKey of gr", "authorizationKey of cn-c",
        "sharedKey of cn-c", "authorizationKey of er-a"]


def test_bgp_key_secret_leaves_secret_absent_and_unknown_keys_alone():
    assert run("bgp-key-secret", inv(peering("er-a", key=SECRET), peering("er-b", key=None), peering("er-c", key=UNKNOWN),
                                     peering("er-d", key="", name="d"))) == []
    assert run("bgp-key-secret", inv(peering("er-a", key="value", secret=frozenset({"sharedKey"})))) == []


def test_bgp_key_secret_judges_only_the_key_inputs():
    assert run("bgp-key-secret", inv(res(SUBNET, "s", {"sharedKey": "plain"}),
                                     res(PEERING, "p", {"circuitName": "x", "authorizationKey": "plain"}))) == []


# ------------------------------------------------------------------------------------------------
# global-reach-prefix, global-reach-peer
# ------------------------------------------------------------------------------------------------


def test_global_reach_prefix_leaves_disjoint_slash_29s_alone():
    assert run("global-reach-prefix", inv(global_reach("g1", "172.31.0.0/29"), global_reach("g2", "172.31.0.8/29"),
                                          peering("er-a"))) == []


@pytest.mark.parametrize("prefix", ["172.31.0.0/30", "172.31.0.1/29", "bad", None])
def test_global_reach_prefix_fails_when_the_prefix_is_not_a_slash_29(prefix):
    inventory = inv(global_reach("g1", prefix))
    assert msgs("global-reach-prefix", inventory) == [
        f"Global Reach connection g1: addressPrefix {prefix!r} is not a /29 network"]
    assert on("global-reach-prefix", inventory) == [urn(GLOBAL_REACH, "g1")]


def test_global_reach_prefix_fails_when_two_links_overlap():
    found = run("global-reach-prefix", inv(global_reach("g1", "172.31.0.0/29"), global_reach("g2", "172.31.0.0/29")))
    assert len(found) == 1 and found[0].message.startswith("Global Reach prefix 172.31.0.0/29 of g")


@pytest.mark.parametrize("gr_prefix, peer_prefix", [("172.16.0.0/29", "172.16.0.4/30"), ("172.16.0.0/29", "172.16.0.0/30")])
def test_global_reach_prefix_fails_on_the_link_when_it_overlaps_a_peering(gr_prefix, peer_prefix):
    found = run("global-reach-prefix", inv(global_reach("g1", gr_prefix), peering("er-a", peer_prefix, "172.16.1.0/30")))
    assert [v.resource for v in found] == [urn(GLOBAL_REACH, "g1")]
    assert found[0].message == (
        f"Global Reach prefix {gr_prefix} of g1 overlaps {peer_prefix} of the private peering of er-a; every /29 must "
        "be disjoint from the fabric's other prefixes")


def test_global_reach_prefix_fails_on_the_link_when_a_larger_peering_prefix_holds_it():
    found = run("global-reach-prefix", inv(peering("er-a", "172.16.0.0/24", "172.16.1.0/30"),
                                           global_reach("g1", "172.16.0.8/29")))
    assert [v.resource for v in found] == [urn(GLOBAL_REACH, "g1")]
    assert found[0].message.startswith("Global Reach prefix 172.16.0.8/29 of g1 overlaps 172.16.0.0/24 of")


def test_global_reach_prefix_leaves_overlapping_peerings_to_peering_prefixes():
    assert run("global-reach-prefix", inv(global_reach("g1"), peering("er-a"), peering("er-b"))) == []


def test_global_reach_peer_leaves_a_link_between_two_peerings_alone():
    assert run("global-reach-peer", inv(circuit("a", mbps=50), global_reach("g1"))) == []


def test_global_reach_peer_leaves_a_peer_id_read_at_deployment_alone():
    assert run("global-reach-peer", inv(global_reach("g1", peer=UNKNOWN))) == []


@pytest.mark.parametrize("peer", ["", 5, f"{SUB}/expressRouteCircuits/er-b", f"{SUB}/x/er-b/peerings/AzurePrivatePeering"])
def test_global_reach_peer_fails_without_a_peer_circuit_peering_id(peer):
    gr = global_reach("g1")
    gr = dataclasses.replace(gr, inputs={**gr.inputs, "peerExpressRouteCircuitPeering": {"id": peer}})
    assert msgs("global-reach-peer", inv(gr)) == [
        f"Global Reach connection g1 has no peer circuit peering ID ({peer!r}); the peer stack's circuit_peering_ids "
        "output must be read before the link can be made"]


def test_global_reach_peer_fails_without_any_peer_input():
    gr = global_reach("g1")
    gr = dataclasses.replace(gr, inputs={k: v for k, v in gr.inputs.items() if k != "peerExpressRouteCircuitPeering"})
    assert len(run("global-reach-peer", inv(gr))) == 1


def test_global_reach_peer_fails_when_a_link_joins_a_peering_to_itself():
    assert msgs("global-reach-peer", inv(global_reach("g1", peer=peering_id("er-a")))) == [
        f"Global Reach connection g1 joins peering {peering_id('er-a')} to itself"]


def test_global_reach_peer_fails_on_a_local_circuit_only():
    inventory = inv(circuit("a", mbps=50, tier="Local"), circuit("b", mbps=50), global_reach("g1"))
    assert msgs("global-reach-peer", inventory) == [
        "Global Reach connection g1 is on circuit er-a, which is tier Local; Local circuits have no Global Reach: use "
        "Standard or Premium"]
    assert run("global-reach-peer", inv(circuit("a", mbps=50, tier="Premium"), circuit("b", mbps=50, tier="Local"),
                                        global_reach("g1"))) == []


def test_global_reach_peer_does_not_guess_between_two_circuits_of_one_name():
    twin = dataclasses.replace(circuit("a", mbps=50, tier="Local"), urn=urn(CIRCUIT, "twin"), name="twin")
    assert run("global-reach-peer", inv(circuit("a", mbps=50, tier="Local"), twin, global_reach("g1"))) == []


# ------------------------------------------------------------------------------------------------
# gateway-zone-redundant
# ------------------------------------------------------------------------------------------------


def _zoned(sku: object, zones: object, region: object = "eastus", ip_ref: object = None,
           deps: tuple[str, ...] = ()) -> Inventory:
    ip = public_ip("pip", zones)
    gw = gateway("gw", sku, ip=ip_ref if ip_ref is not None else f"{SUB}/publicIPAddresses/pip", location=region,
                 deps=deps)
    return inv(ip, gw)


def test_gateway_zone_redundant_leaves_an_az_gateway_with_all_three_zones_alone():
    assert run("gateway-zone-redundant", _zoned("ErGw3AZ", ["1", "2", "3"])) == []
    assert run("gateway-zone-redundant", _zoned("ErGwScale", [3, 2, 1])) == []


@pytest.mark.parametrize("zones, shown", [(None, "none"), (["1", "2"], "['1', '2']"), ("123", "none")])
def test_gateway_zone_redundant_fails_when_an_az_gateway_ip_lacks_zones_in_a_zonal_region(zones, shown):
    inventory = _zoned("ErGw3AZ", zones)
    assert msgs("gateway-zone-redundant", inventory) == [
        f"public IP pip of ErGw3AZ gateway vgw-gw in eastus has zones {shown}; an AZ gateway takes its zones from its "
        "IP, so it is zone-redundant only with zones ['1', '2', '3'] on a Standard IP"]
    assert on("gateway-zone-redundant", inventory) == [urn(PUBLIC_IP, "pip")]


def test_gateway_zone_redundant_fails_when_an_ip_lists_zones_where_the_region_has_none():
    assert msgs("gateway-zone-redundant", _zoned("ErGw3AZ", ["1", "2", "3"], region="westus")) == [
        "public IP pip lists zones ['1', '2', '3'] but westus has no availability zones (catalog.ZONAL_REGIONS); "
        "Azure refuses zones there"]
    assert run("gateway-zone-redundant", _zoned("ErGw3AZ", None, region="westus")) == []
    assert run("gateway-zone-redundant", _zoned("ErGw3AZ", [], region="westus")) == []


def test_gateway_zone_redundant_judges_only_az_skus_in_a_known_region():
    assert run("gateway-zone-redundant", _zoned("UltraPerformance", None)) == []
    assert run("gateway-zone-redundant", _zoned("Standard", ["1"], region="westus")) == []
    assert run("gateway-zone-redundant", _zoned("ErGw9AZ", None)) == []
    assert run("gateway-zone-redundant", _zoned(None, None)) == []
    assert run("gateway-zone-redundant", _zoned("ErGw3AZ", ["1"], region=UNKNOWN)) == []
    assert run("gateway-zone-redundant", _zoned("ErGw3AZ", ["1"], region=["eastus"])) == []  # malformed: the spec's


def test_gateway_zone_redundant_finds_the_ip_by_dependency_and_skips_what_it_cannot_find():
    ip = public_ip("pip", None)
    assert len(run("gateway-zone-redundant", inv(ip, gateway("gw", "ErGw3AZ", ip=UNKNOWN, deps=(ip.urn,))))) == 1
    assert run("gateway-zone-redundant", inv(ip, gateway("gw", "ErGw3AZ", ip=UNKNOWN))) == []
    gw = gateway("gw", "ErGw3AZ")
    gw = dataclasses.replace(gw, inputs={**gw.inputs, "ipConfigurations": ["bad", {"publicIPAddress": None}]})
    assert run("gateway-zone-redundant", inv(ip, gw)) == []


# ------------------------------------------------------------------------------------------------
# management-locks
# ------------------------------------------------------------------------------------------------


def _lockables() -> list[Resource]:
    return [circuit("a", mbps=50), port("p1"), gateway("gw", "ErGw3AZ"), connection("c", "gw", "a")]


def test_management_locks_leaves_each_locked_resource_alone():
    assert run("management-locks", inv(*locked(*_lockables()))) == []
    read_only = [dataclasses.replace(lk, inputs={**lk.inputs, "level": "ReadOnly"}) for lk in locked(*_lockables())]
    assert run("management-locks", inv(*read_only)) == []


def test_management_locks_fails_for_each_resource_without_a_lock():
    found = run("management-locks", inv(*_lockables()))
    assert [v.resource for v in found] == [r.urn for r in _lockables()]
    assert [v.message.split(" has no")[0] for v in found] == [
        "circuit er-a", "ExpressRoute Direct port p1", "ExpressRoute gateway vgw-gw", "gateway connection cn-c"]
    assert found[0].message == (
        "circuit er-a has no CanNotDelete management lock: `protect` stops only Pulumi, and a portal or CLI delete "
        "would still take it. Declare an authorization.ManagementLockByScope on it (or list it in interconnect.unlocked "
        "for an intended change)")


def test_management_locks_fails_when_no_lock_on_a_resource_forbids_deletion():
    c = circuit("a", mbps=50)
    weak = [lock("l1", c, level="None"), lock("l2", c, level=None)]
    assert msgs("management-locks", inv(c, *weak)) == ["the lock on circuit er-a has level None; use CanNotDelete"]
    assert run("management-locks", inv(c, *weak, lock("l3", c))) == []


def test_management_locks_needs_no_lock_on_other_types_or_other_gateways():
    assert run("management-locks", inv(gateway("vpn", "Standard", kind="Vpn"), subnet(GS), peering("er-a"),
                                       public_ip("pip"))) == []


def test_management_locks_leaves_the_resources_the_component_lists_as_unlocked_alone():
    component = res(PRIVATE_INTERCONNECT, "ic", {"unlockedResources": ["er-a", 7]})
    found = run("management-locks", inv(component, *_lockables()))
    assert [v.resource for v in found] == [r.urn for r in _lockables()[1:]]
    for unlocked in (None, [], "er-a", 5):
        none = res(PRIVATE_INTERCONNECT, "ic", {"unlockedResources": unlocked})
        assert len(run("management-locks", inv(none, *_lockables()))) == 4


def test_management_locks_matches_a_scope_by_collection_and_name():
    c = circuit("a", mbps=50)
    p = port("er-a")  # same Azure name as the circuit, another collection
    assert on("management-locks", inv(c, p, lock("l", c))) == [p.urn]
    for scope in (f"{SUB}/expressRouteCircuits/er-a/", "expressRouteCircuits/er-a"):
        assert run("management-locks", inv(c, lock("l", scope=scope))) == [], scope
    for scope in (f"{SUB}/expressRouteCircuits/er-b", f"{SUB}/expressRoutePorts/er-a", "er-a", "expressRouteCircuits",
                  f"{SUB}/expressRouteCircuits/er-a/peerings/x"):
        assert len(run("management-locks", inv(c, lock("l", scope=scope)))) == 1, scope


def test_management_locks_matches_a_lock_by_dependency_while_its_scope_is_unknown():
    c = circuit("a", mbps=50)
    assert run("management-locks", inv(c, lock("l", scope=UNKNOWN, deps=(c.urn,)))) == []
    assert len(run("management-locks", inv(c, lock("l", scope=UNKNOWN)))) == 1
    assert len(run("management-locks", inv(c, lock("l", scope=UNKNOWN, deps=(urn(CIRCUIT, "b"),))))) == 1


def test_every_network_check_is_built_for_a_given_catalog():
    built = network.checks(catalog.DEFAULT)
    assert set(built) == set(network.CHECKS) and all(callable(c) for c in built.values())
    assert all(c(inv()) == [] for c in built.values())
