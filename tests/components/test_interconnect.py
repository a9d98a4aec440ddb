"""PrivateInterconnect declares what each site needs to reach the carrier and the other sites.

Every assertion is on the recorded inventory (type, name, parent, inputs, protect) or on resolved
exports, never inside an apply.
"""

from __future__ import annotations

import textwrap
from collections import Counter

import pytest

from components import interconnect as ic
from infra import offline
from infra.inventory import SECRET, Inventory, Resource
from infra.tokens import CIRCUIT, CONNECTION, GATEWAY, GLOBAL_REACH, PEERING, PORT, PRIVATE_INTERCONNECT as COMPONENT, PUBLIC_IP, SUBNET



def one(inv: Inventory, typ: str, name: str) -> Resource:
    found = [r for r in inv.of_type(typ) if r.name == name]
    assert len(found) == 1, f"{len(found)} {typ} named {name} in {inv.stack}: {[r.name for r in inv.of_type(typ)]}"
    return found[0]


@pytest.fixture(scope="module")
def stacks(shipped_fabric):
    return sorted(shipped_fabric.stacks)


def spec_of(shipped_fabric, stack):
    return shipped_fabric.stacks[stack].spec


# ------------------------------------------------------------------------------------------------
# Every shipped site
# ------------------------------------------------------------------------------------------------


def test_every_region_reaches_the_carrier_at_two_peering_locations_or_metro(shipped_fabric, plan_shipped, stacks):
    for stack in stacks:
        inv = plan_shipped(stack)
        ports = {r.id: r for r in inv.of_type(PORT)}
        locations = set()
        for c in inv.of_type(CIRCUIT):
            loc = c.get("serviceProviderProperties.peeringLocation") or ports[c.get("expressRoutePort.id")].inputs["peeringLocation"]
            locations.add(loc)
        metro = any(getattr(c, "metro", False) for c in spec_of(shipped_fabric, stack).interconnect.circuits.values())
        assert len(locations) >= 2 or metro, f"{stack} reaches the carrier only at {locations}"


def test_every_circuit_has_private_peering_and_a_connection_to_the_expressroute_gateway(shipped_fabric, plan_shipped, stacks):
    for stack in stacks:
        inv = plan_shipped(stack)
        spec = spec_of(shipped_fabric, stack).interconnect
        (gateway,) = inv.of_type(GATEWAY)
        assert gateway.inputs["gatewayType"] == "ExpressRoute"
        assert gateway.get("sku.name") == spec.gateway.sku
        assert len(inv.of_type(CIRCUIT)) == len(spec.circuits)
        assert len(inv.of_type(CONNECTION)) == len(spec.circuits)
        for key in spec.circuits:
            circuit = one(inv, CIRCUIT, f"interconnect-circuit-{key}")
            assert circuit.inputs["circuitName"] == ic.circuit_name(stack, key)
            peering = one(inv, PEERING, f"interconnect-peering-{key}")
            assert (peering.inputs["peeringType"], peering.inputs["peeringName"]) == ("AzurePrivatePeering",) * 2
            assert peering.inputs["circuitName"] == circuit.inputs["circuitName"]
            pp = spec.circuits[key].private_peering
            assert (peering.inputs["peerASN"], peering.inputs["vlanId"]) == (pp.peer_asn, pp.vlan_id)
            assert peering.inputs["primaryPeerAddressPrefix"] == str(pp.primary_prefix)
            assert peering.inputs["secondaryPeerAddressPrefix"] == str(pp.secondary_prefix)
            conn = one(inv, CONNECTION, f"interconnect-connection-{key}")
            assert conn.inputs["connectionType"] == "ExpressRoute"
            assert conn.get("peer.id") == circuit.id
            assert conn.get("virtualNetworkGateway1.id") == gateway.id
            assert peering.urn in conn.dependencies


def test_provider_circuits_name_the_provider_location_bandwidth_and_sku(shipped_fabric, plan_shipped):
    inv = plan_shipped("southcentralus")
    chi = one(inv, CIRCUIT, "interconnect-circuit-chi")
    assert chi.inputs["serviceProviderProperties"] == {
        "serviceProviderName": "CenturyLink Cloud Connect", "peeringLocation": "Chicago", "bandwidthInMbps": 10000,
    }
    assert chi.inputs["sku"] == {"name": "Standard_UnlimitedData", "tier": "Standard", "family": "UnlimitedData"}
    assert chi.inputs["location"] == "southcentralus"
    assert "expressRoutePort" not in chi.inputs and "bandwidthInGbps" not in chi.inputs


def test_the_reference_site_reaches_the_carrier_over_two_100g_direct_ports_with_macsec(plan_shipped):
    inv = plan_shipped("eastus")
    ports = {p.inputs["peeringLocation"]: p for p in inv.of_type(PORT)}
    assert set(ports) == {"Washington DC", "New York"}
    for port in ports.values():
        assert (port.inputs["bandwidthInGbps"], port.inputs["billingType"]) == (100, "UnlimitedData")
        assert [link["macSecConfig"]["cipher"] for link in port.inputs["links"]] == ["GcmAesXpn256"] * 2
    for key in ("wdc", "nyc"):
        circuit = one(inv, CIRCUIT, f"interconnect-circuit-{key}")
        assert circuit.inputs["bandwidthInGbps"] == 100 and "serviceProviderProperties" not in circuit.inputs
        assert circuit.get("expressRoutePort.id") == one(inv, PORT, f"interconnect-port-{key}").id


def test_circuits_ports_and_peerings_are_protected(plan_shipped, stacks):
    for stack in stacks:
        inv = plan_shipped(stack)
        for r in inv.of_type(CIRCUIT, PORT, PEERING):
            assert r.protect, f"{r.urn} is not protected"
        assert not one(inv, GATEWAY, "interconnect-gateway").protect  # a resize may recreate it


def test_bgp_keys_come_only_from_secret_config(shipped_fabric, plan_shipped, stacks):
    for stack in stacks:
        inv = plan_shipped(stack)
        for peering in inv.of_type(PEERING):
            assert peering.inputs["sharedKey"] == SECRET
            assert "sharedKey" in peering.secret_inputs


def test_gateway_sits_in_a_subnet_named_gatewaysubnet_with_a_standard_static_ip(shipped_fabric, plan_shipped, stacks):
    for stack in stacks:
        inv = plan_shipped(stack)
        subnet = one(inv, SUBNET, "interconnect-gateway-subnet")
        assert subnet.inputs["subnetName"] == "GatewaySubnet"
        assert subnet.inputs["addressPrefix"] == str(spec_of(shipped_fabric, stack).interconnect.gateway.subnet)
        ip = one(inv, PUBLIC_IP, "interconnect-gateway-ip")
        assert ip.inputs["sku"]["name"] == "Standard" and ip.inputs["publicIPAllocationMethod"] == "Static"
        (cfg,) = one(inv, GATEWAY, "interconnect-gateway").inputs["ipConfigurations"]
        assert cfg["subnet"]["id"] == subnet.id and cfg["publicIPAddress"]["id"] == ip.id


def test_ergwscale_gateway_has_fixed_scale_units(plan_shipped):
    gw = one(plan_shipped("westus3"), GATEWAY, "interconnect-gateway")
    assert gw.inputs["sku"] == {"name": "ErGwScale", "tier": "ErGwScale"}
    assert gw.inputs["autoScaleConfiguration"] == {"bounds": {"min": 20, "max": 20}}
    assert "autoScaleConfiguration" not in one(plan_shipped("eastus"), GATEWAY, "interconnect-gateway").inputs


def test_fastpath_where_the_spec_asks_and_the_sku_allows(plan_shipped):
    for stack, expected in {"eastus": True, "westus3": False}.items():
        conns = plan_shipped(stack).of_type(CONNECTION)
        assert {c.inputs["expressRouteGatewayBypass"] for c in conns} == {expected}, stack


def test_fastpath_is_not_set_on_a_sku_without_it(shipped_fabric, plan_spec):
    spec = spec_of(shipped_fabric, "westus3")
    gw = spec.interconnect.gateway.model_copy(update={"fastpath": True})  # ErGwScale: unverified, not assumed
    spec = spec.model_copy(update={"interconnect": spec.interconnect.model_copy(update={"gateway": gw})})
    conns = plan_spec(spec).of_type(CONNECTION)
    assert conns and {c.inputs["expressRouteGatewayBypass"] for c in conns} == {False}


def test_global_reach_exists_once_per_declared_link_with_the_peer_peering_id(shipped_fabric, plan_shipped, stacks):
    declared: dict[frozenset, str] = {}
    for stack in stacks:
        for name, link in spec_of(shipped_fabric, stack).interconnect.global_reach.items():
            ends = frozenset({(stack, link.circuit), (link.peer_stack, link.peer_circuit)})
            if stack < link.peer_stack:
                declared[ends] = name
    made: Counter = Counter()
    for stack in stacks:
        inv = plan_shipped(stack)
        for conn in inv.of_type(GLOBAL_REACH):
            link_name = conn.name.removeprefix("interconnect-global-reach-")
            link = spec_of(shipped_fabric, stack).interconnect.global_reach[link_name]
            assert stack < link.peer_stack, f"{stack} made {link_name}, which {link.peer_stack} owns"
            made[frozenset({(stack, link.circuit), (link.peer_stack, link.peer_circuit)})] += 1
            peer_id = plan_shipped(link.peer_stack).exports["circuit_peering_ids"][link.peer_circuit]
            assert peer_id and conn.get("peerExpressRouteCircuitPeering.id") == peer_id
            own = one(inv, PEERING, f"interconnect-peering-{link.circuit}")
            assert conn.get("expressRouteCircuitPeering.id") == own.id
            assert conn.inputs["circuitName"] == ic.circuit_name(stack, link.circuit)
            assert conn.inputs["peeringName"] == "AzurePrivatePeering"
            assert conn.inputs["addressPrefix"] == str(link.prefix)
    assert set(made) == set(declared) and set(made.values()) == {1}
    assert len(declared) == 8


def test_peering_ids_are_exported_for_the_peers(shipped_fabric, plan_shipped, stacks):
    for stack in stacks:
        inv = plan_shipped(stack)
        exported = inv.exports["circuit_peering_ids"]
        assert set(exported) == set(spec_of(shipped_fabric, stack).interconnect.circuits)
        for key, peering_id in exported.items():
            assert peering_id == one(inv, PEERING, f"interconnect-peering-{key}").id
            assert peering_id.endswith(f"/expressRouteCircuits/{ic.circuit_name(stack, key)}/peerings/AzurePrivatePeering")


def test_children_are_named_by_role_and_key_under_the_component_with_tags(plan_shipped):
    inv = plan_shipped("eastus")
    (component,) = inv.of_type(COMPONENT)
    assert component.name == "interconnect"
    children = inv.children(component.urn)
    assert {r.name for r in children} == {
        "interconnect-circuit-wdc", "interconnect-circuit-nyc", "interconnect-peering-wdc", "interconnect-peering-nyc",
        "interconnect-connection-wdc", "interconnect-connection-nyc", "interconnect-gateway", "interconnect-gateway-ip",
        "interconnect-gateway-subnet", *(f"interconnect-global-reach-to-{p}" for p in (
            "southcentralus-chi", "southcentralus-sat", "westus3-svl", "westus3-lv", "westeurope-ams", "westeurope-fra")),
        "interconnect-lock-circuit-wdc", "interconnect-lock-circuit-nyc", "interconnect-lock-gateway",
        "interconnect-lock-connection-wdc", "interconnect-lock-connection-nyc",
        "interconnect-port-wdc", "interconnect-port-nyc", "interconnect-lock-port-wdc", "interconnect-lock-port-nyc",
        "interconnect-macsec-identity", "interconnect-macsec-vault", *(f"interconnect-macsec-{k}-{p}"
                                                                       for k in ("cak", "ckn") for p in ("wdc", "nyc")),
        "interconnect-authorization-wdc-research-bu",
    }
    for r in inv.of_type(CIRCUIT, GATEWAY, CONNECTION, PUBLIC_IP):
        assert r.inputs["tags"]["component"] == "interconnect" and r.inputs["tags"]["stack"] == "eastus"
        assert r.inputs["tags"]["cost-center"] == "ai-platform"


def test_service_keys_are_secret_in_outputs(shipped_fabric, plan_shipped, tmp_path):
    program = tmp_path / "__main__.py"
    program.write_text(textwrap.dedent("""
        import pulumi
        from components.interconnect import PrivateInterconnect, PrivateInterconnectArgs
        from infra import program

        spec = program.load_spec()
        site, _ = program.build_site(spec)
        carrier = program.carrier_view(spec)
        net = PrivateInterconnect("interconnect", PrivateInterconnectArgs(
            spec=spec.interconnect, site=site, catalog=spec.catalog, secrets=program._secrets(spec),
            peer_peering_ids=program._peer_peering_ids(spec, carrier), carrier=carrier))
        pulumi.export("service_keys", net.service_keys)
        pulumi.export("service_key_wdc", net.service_keys["wdc"])
        pulumi.export("circuit_ids", net.circuit_ids)
        pulumi.export("bandwidth_gbps", net.bandwidth_gbps)
        pulumi.export("peering_locations", net.peering_locations)
    """))
    stack = shipped_fabric.stacks["eastus"]
    specs = {n: s.spec for n, s in shipped_fabric.stacks.items()}
    exports = {n: plan_shipped(n).exports for n in specs if n != "eastus"}  # before this run starts its own
    inv = offline.run("eastus", stack.file.config, peer_outputs=exports.__getitem__,
                      peer_specs=specs, options=offline.RunOptions(program=program))
    assert inv.exports["service_keys"] == SECRET and inv.exports["service_key_wdc"] == SECRET
    assert inv.exports["circuit_ids"]["wdc"].endswith("/expressRouteCircuits/erc-eastus-wdc")
    assert inv.exports["bandwidth_gbps"] == {"wdc": 100, "nyc": 100}
    assert inv.exports["peering_locations"] == {"wdc": "Washington DC", "nyc": "New York"}


def test_the_program_exports_service_keys_only_as_secrets(plan_shipped, stacks):
    for stack in stacks:
        assert plan_shipped(stack).exports["circuit_service_keys"] == SECRET


# ------------------------------------------------------------------------------------------------
# Specs built in the test
# ------------------------------------------------------------------------------------------------


def direct_site(shipped_fabric, **port):
    """eastus with its Washington DC circuit moved to a 10G Direct port there, as a 5 Gbps metered circuit."""
    from infra.spec import DirectCircuit, DirectPort

    spec = spec_of(shipped_fabric, "eastus")
    interconnect = spec.interconnect
    pp = interconnect.circuits["wdc"].private_peering
    circuits = dict(interconnect.circuits)
    circuits["wdc"] = DirectCircuit(kind="direct", port="wdc-port", bandwidth_gbps=5, tier="Premium",
                                    data_plan="MeteredData", private_peering=pp)
    ports = {"wdc-port": DirectPort(peering_location="Washington DC", bandwidth_gbps=10, **port),
             "nyc": interconnect.ports["nyc"]}
    return spec.model_copy(update={
        "interconnect": interconnect.model_copy(update={"ports": ports, "circuits": circuits, "global_reach": {}}),
        "carrier_state": spec.carrier_state.model_copy(update={"ports": {"nyc": "provisioned"}}),
    })


def test_direct_circuits_are_carved_from_their_port(shipped_fabric, plan_spec):
    inv = plan_spec(direct_site(shipped_fabric, encapsulation="QinQ"))
    port = one(inv, PORT, "interconnect-port-wdc-port")
    assert port.protect
    assert {k: port.inputs[k] for k in ("expressRoutePortName", "peeringLocation", "bandwidthInGbps", "encapsulation")} == {
        "expressRoutePortName": "erd-eastus-wdc-port", "peeringLocation": "Washington DC", "bandwidthInGbps": 10,
        "encapsulation": "QinQ",
    }
    assert port.inputs["billingType"] == "UnlimitedData"
    # A provisioned port (the cross-connects are in) has both links of its pair enabled.
    assert port.inputs["links"] == [{"name": "link1", "adminState": "Enabled"}, {"name": "link2", "adminState": "Enabled"}]
    wdc = one(inv, CIRCUIT, "interconnect-circuit-wdc")
    assert wdc.get("expressRoutePort.id") == port.id and wdc.inputs["bandwidthInGbps"] == 5
    assert "serviceProviderProperties" not in wdc.inputs
    assert wdc.inputs["sku"] == {"name": "Premium_MeteredData", "tier": "Premium", "family": "MeteredData"}
    assert not inv.of_type(GLOBAL_REACH)


def test_azure_names_are_deterministic_and_within_80_characters():
    assert ic.circuit_name("eastus", "wdc") == "erc-eastus-wdc"
    assert ic.gateway_name("eastus") == "ergw-eastus"
    assert ic.sku_name("Local", "UnlimitedData") == "Local_UnlimitedData"
    long_a = ic.circuit_name("a" * 40, "b" * 40)
    long_b = ic.circuit_name("a" * 40, "b" * 39 + "c")
    assert len(long_a) <= 80 and len(long_b) <= 80 and long_a != long_b
    assert long_a == ic.circuit_name("a" * 40, "b" * 40)
    from infra.spec import GlobalReachSpec

    link = GlobalReachSpec(circuit="a", peer_stack="westus3", peer_circuit="b", prefix="172.31.0.0/29")
    assert link.owned_by("eastus") and not link.owned_by("zzz")


OWNER_CIRCUIT = ("/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg-partner/providers/"
                 "Microsoft.Network/expressRouteCircuits/erc-partner-chicago")


def _with_linked_circuit(spec):
    from infra.spec import from_config

    data = spec.model_dump(mode="json", exclude={"stack"})
    data["interconnect"]["circuits"]["partner"] = {
        "kind": "provider", "peering_location": "Chicago", "bandwidth_mbps": 10000,
        "owner_circuit_id": OWNER_CIRCUIT, "authorization_key_secret": "authKeyPartner",
        "private_peering": {"peer_asn": 64699, "vlan_id": 399, "primary_prefix": "172.16.39.0/30",
                            "secondary_prefix": "172.16.39.4/30"},
    }
    return from_config(spec.stack, data)


def test_a_linked_circuit_is_connected_by_authorization_key_not_created(shipped_fabric, plan_spec):
    from infra import invariants
    from infra.inventory import SECRET

    spec = _with_linked_circuit(shipped_fabric.stacks["westus3"].spec)
    inv = plan_spec(spec)
    names = {r.name for r in inv}
    assert "interconnect-circuit-partner" not in names and "interconnect-peering-partner" not in names
    conn = inv.named("interconnect-connection-partner")
    assert conn.get("peer.id") == OWNER_CIRCUIT
    assert conn.inputs["authorizationKey"] == SECRET and "authorizationKey" in conn.secret_inputs
    assert [v for v in invariants.check(inv) if v.invariant not in ("gateway-throughput",)] == []


def test_fails_when_a_linked_circuit_has_no_authorization_key(shipped_fabric):
    import pydantic

    from infra.spec import from_config

    data = _with_linked_circuit(shipped_fabric.stacks["westus3"].spec).model_dump(mode="json", exclude={"stack"})
    del data["interconnect"]["circuits"]["partner"]["authorization_key_secret"]
    with pytest.raises(pydantic.ValidationError, match="owner_circuit_id and authorization_key_secret go together"):
        from_config("westus3", data)


# ------------------------------------------------------------------------------------------------
# The carrier lifecycle: what a first `pulumi up` declares, and what waits
# ------------------------------------------------------------------------------------------------

PENDING = offline.RunOptions(carrier_state="pending")


def test_a_pending_circuit_is_created_but_its_peering_connection_and_global_reach_wait(shipped_fabric, plan_spec):
    inv = plan_spec(spec_of(shipped_fabric, "eastus"), peers={
        n: spec_of(shipped_fabric, n) for n in shipped_fabric.stacks if n != "eastus"}, options=PENDING)
    assert {r.name for r in inv.of_type(CIRCUIT)} == {"interconnect-circuit-wdc", "interconnect-circuit-nyc"}
    assert inv.of_type(PEERING) == [] and inv.of_type(CONNECTION) == [] and inv.of_type(GLOBAL_REACH) == []
    assert one(inv, GATEWAY, "interconnect-gateway")  # the gateway needs no carrier
    (component,) = inv.of_type(COMPONENT)
    assert component.inputs["carrierState"] == {"circuits": {"wdc": "pending", "nyc": "pending"},
                                                "ports": {"wdc": "pending", "nyc": "pending"}}
    assert {"interconnect-peering-wdc", "interconnect-connection-nyc", "interconnect-global-reach-to-westus3-lv"} <= set(
        component.inputs["deferred"])
    # Nothing reads a peer stack's outputs before a link can be made.
    assert not [r for r in inv if r.type == "pulumi:pulumi:StackReference"]
    assert inv.exports["carrier_handoff"]["wdc"]["state"] == "pending"


def test_a_provisioned_circuit_gets_its_peering_and_connection(shipped_fabric, plan_shipped):
    inv = plan_shipped("eastus")  # the stack file records both circuits as provisioned
    assert {r.name for r in inv.of_type(PEERING)} == {"interconnect-peering-wdc", "interconnect-peering-nyc"}
    assert len(inv.of_type(CONNECTION)) == 2
    (component,) = inv.of_type(COMPONENT)
    assert component.inputs["deferred"] == []


def test_carrier_handoff_says_what_the_carrier_needs_per_circuit(plan_shipped):
    handoff = plan_shipped("eastus").exports["carrier_handoff"]
    assert handoff["wdc"] == {
        "state": "provisioned", "circuit_name": "erc-eastus-wdc", "resource_group": "rg-ai-fabric-eastus-network",
        "peering_location": "Washington DC", "vlan_id": 110, "peer_asn": 64610, "primary_prefix": "172.16.10.0/30",
        "secondary_prefix": "172.16.10.4/30", "port": "wdc", "bandwidth_gbps": 100,
    }
    handoff = plan_shipped("southcentralus").exports["carrier_handoff"]
    assert (handoff["chi"]["provider"], handoff["chi"]["bandwidth_mbps"]) == ("CenturyLink Cloud Connect", 10000)


def test_a_pending_direct_port_is_created_with_its_links_disabled(shipped_fabric, plan_spec):
    inv = plan_spec(direct_site(shipped_fabric), options=PENDING)
    port = one(inv, PORT, "interconnect-port-wdc-port")
    assert [link["adminState"] for link in port.inputs["links"]] == ["Disabled", "Disabled"]
    assert {r.name for r in inv.of_type(PEERING)} == set()
    handoff = inv.exports["port_handoff"]["wdc-port"]
    assert handoff["links_enabled"] is False and "generate-loa --name erd-eastus-wdc-port" in handoff["loa_command"]


# ------------------------------------------------------------------------------------------------
# Locks and zones
# ------------------------------------------------------------------------------------------------


def test_circuits_gateway_and_connections_carry_cannotdelete_locks(plan_shipped, stacks):
    for stack in stacks:
        inv = plan_shipped(stack)
        locks = inv.of_type("azure-native:authorization:ManagementLockByScope")
        scopes = {lk.inputs["scope"].rsplit("/", 2)[-2] + "/" + lk.inputs["scope"].rsplit("/", 1)[-1] for lk in locks}
        expected = {f"expressRouteCircuits/{r.inputs['circuitName']}" for r in inv.of_type(CIRCUIT)}
        expected |= {f"virtualNetworkGateways/{ic.gateway_name(stack)}"}
        expected |= {f"connections/{r.inputs['virtualNetworkGatewayConnectionName']}" for r in inv.of_type(CONNECTION)}
        expected |= {f"expressRoutePorts/{r.inputs['expressRoutePortName']}" for r in inv.of_type(PORT)}
        assert scopes == expected, stack
        assert {lk.inputs["level"] for lk in locks} == {"CanNotDelete"}


def test_an_unlocked_resource_has_no_lock_and_the_component_records_it(shipped_fabric, plan_spec):
    spec = spec_of(shipped_fabric, "eastus")
    interconnect = spec.interconnect.model_copy(update={"unlocked": ("circuit/wdc", "gateway"), "global_reach": {}})
    inv = plan_spec(spec.model_copy(update={"interconnect": interconnect}))
    names = {r.name for r in inv.of_type("azure-native:authorization:ManagementLockByScope")}
    assert names == {"interconnect-lock-circuit-nyc", "interconnect-lock-connection-wdc",
                     "interconnect-lock-connection-nyc", "interconnect-lock-port-wdc", "interconnect-lock-port-nyc"}
    (component,) = inv.of_type(COMPONENT)
    assert component.inputs["unlockedResources"] == ["erc-eastus-wdc", "ergw-eastus"]


def test_an_az_gateway_in_a_zonal_region_gets_a_zone_redundant_ip(plan_shipped, stacks):
    for stack in stacks:
        ip = one(plan_shipped(stack), PUBLIC_IP, "interconnect-gateway-ip")
        assert ip.inputs["zones"] == ["1", "2", "3"], stack


def test_a_non_az_gateway_sku_gets_an_ip_without_zones(shipped_fabric, plan_spec):
    spec = spec_of(shipped_fabric, "eastus")
    gateway = spec.interconnect.gateway.model_copy(update={"sku": "UltraPerformance"})
    interconnect = spec.interconnect.model_copy(update={"gateway": gateway, "global_reach": {}})
    ip = one(plan_spec(spec.model_copy(update={"interconnect": interconnect})), PUBLIC_IP, "interconnect-gateway-ip")
    assert "zones" not in ip.inputs
