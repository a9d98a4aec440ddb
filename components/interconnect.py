"""PrivateInterconnect: ExpressRoute to the carrier fabric, gateway, connections, Global Reach.

What one site declares (children named ``f"{name}-<role>-<key>"``, keys from the spec's maps):

- ``-port-<port>``: ExpressRoute Direct port pairs (links are implicit, one pair per port);
- ``-circuit-<circuit>``: provider circuits (``serviceProviderProperties``) or circuits carved from a
  Direct port (``expressRoutePort`` + ``bandwidthInGbps``), SKU ``<Tier>_<Family>``;
- ``-peering-<circuit>``: the Azure private peering of each circuit (BGP key from secret config only);
- ``-gateway-subnet``, ``-gateway-ip``, ``-gateway``: the hub VNet's GatewaySubnet, the gateway's
  Standard static public IP and the ExpressRoute gateway (fixed SKU, or ErGwScale with min = max);
- ``-connection-<circuit>``: the gateway's connection to each circuit, FastPath where the spec asks for
  it and the SKU supports it;
- ``-global-reach-<link>``: a Global Reach connection for every link this stack owns (its name sorts
  before the peer's), from this circuit's private peering to the peer's.

Circuits, ports and peerings are protected: deleting one drops the carrier's provisioning, and a new
circuit has a new service key the carrier has to provision again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import network

from components.context import SiteContext
from infra import catalog
from infra.spec import DirectCircuit, InterconnectSpec, ProviderCircuit
from infra.tokens import PRIVATE_INTERCONNECT

PRIVATE_PEERING = "AzurePrivatePeering"
"""Name and type of the private peering; Azure allows one per circuit and names it after its type."""
GATEWAY_SUBNET = "GatewaySubnet"
"""Azure deploys gateway VMs only into a subnet of exactly this name (ER_GW_DOC)."""
_AZURE_NAME_MAX = 80


# ------------------------------------------------------------------------------------------------
# Azure names: pure, deterministic, shared with peers and mocks
# ------------------------------------------------------------------------------------------------


def azure_name(prefix: str, *parts: str) -> str:
    """'<prefix>-<part>-<part>', at most 80 characters (the network resource limit).

    A name that would be longer keeps its start and ends with a hash of the whole, so two long names
    never collide and the same inputs always give the same name.
    """
    full = "-".join((prefix, *parts))
    if len(full) <= _AZURE_NAME_MAX:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: _AZURE_NAME_MAX - 9].rstrip('-')}-{digest}"


def circuit_name(stack: str, circuit: str) -> str:
    """Azure name of a circuit, e.g. 'erc-eastus-wdc'."""
    return azure_name("erc", stack, circuit)


def port_name(stack: str, port: str) -> str:
    return azure_name("erd", stack, port)


def gateway_name(stack: str) -> str:
    return azure_name("ergw", stack)


def gateway_ip_name(stack: str) -> str:
    return azure_name("pip-ergw", stack)


def connection_name(stack: str, circuit: str) -> str:
    return azure_name("con", stack, circuit)


def global_reach_name(stack: str, link: str) -> str:
    return azure_name("gr", stack, link)


def sku_name(tier: str, family: str) -> str:
    """ExpressRoute circuit SKU name: '<Tier>_<Family>', e.g. 'Premium_UnlimitedData'."""
    return f"{tier}_{family}"


# ------------------------------------------------------------------------------------------------
# The component
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrivateInterconnectArgs:
    spec: InterconnectSpec
    site: SiteContext
    catalog: catalog.Catalog
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Secret config values by key (BGP keys, authorization keys), already Output.secret."""
    peer_peering_ids: Mapping[tuple[str, str], pulumi.Input[str]] = field(default_factory=dict)
    """(peer stack, peer circuit) -> that circuit's private peering ID, for the Global Reach links
    this stack owns (it sorts first of the pair); read from the peer stack's outputs."""
    catalog_overrides: Mapping[str, Any] = field(default_factory=dict)
    """The stack's overrides of unverified catalog facts, recorded on the component so that checks
    which see only the resources (the policy pack) judge with the same facts as `fabric plan`."""


class PrivateInterconnect(pulumi.ComponentResource):
    """The site's ExpressRoute: circuits or Direct ports, private peering, gateway, Global Reach."""

    def __init__(self, name: str, args: PrivateInterconnectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(PRIVATE_INTERCONNECT, name, {"catalogOverrides": dict(args.catalog_overrides)}, opts)
        spec, site, cat = args.spec, args.site, args.catalog
        rg = site.network_resource_group
        tags = site.tags_for("interconnect")
        child = pulumi.ResourceOptions(parent=self)
        # Deleting a circuit, port or peering drops the carrier's provisioning (a new service key,
        # a new order): never as a side effect of a diff.
        protected = pulumi.ResourceOptions(parent=self, protect=True)

        self.port_ids: dict[str, pulumi.Output[str]] = {}
        ports: dict[str, network.ExpressRoutePort] = {}
        for key, port in spec.ports.items():
            ports[key] = network.ExpressRoutePort(
                f"{name}-port-{key}",
                express_route_port_name=port_name(site.stack, key),
                resource_group_name=rg,
                location=site.region,
                peering_location=port.peering_location,
                bandwidth_in_gbps=port.bandwidth_gbps,
                encapsulation=port.encapsulation,
                tags=tags,
                opts=protected,
            )
            self.port_ids[key] = ports[key].id

        self.circuit_ids: dict[str, pulumi.Output[str]] = {}
        self.service_keys: dict[str, pulumi.Output[str]] = {}
        self.bandwidth_gbps: dict[str, float] = {}
        self.peering_locations: dict[str, str] = {}
        self.peering_ids: dict[str, pulumi.Output[str]] = {}
        circuits: dict[str, network.ExpressRouteCircuit] = {}
        peerings: dict[str, network.ExpressRouteCircuitPeering] = {}
        circuit_refs: dict[str, pulumi.Input[str]] = {}
        for key, c in spec.circuits.items():
            self.bandwidth_gbps[key] = spec.bandwidth_gbps_of(key)
            self.peering_locations[key] = spec.peering_location_of(key)
            if c.linked:
                # Another subscription owns the circuit and its peering; this site only connects to it.
                assert c.owner_circuit_id is not None
                circuit_refs[key] = c.owner_circuit_id
                self.circuit_ids[key] = pulumi.Output.from_input(c.owner_circuit_id)
                self.peering_ids[key] = pulumi.Output.from_input(f"{c.owner_circuit_id}/peerings/{PRIVATE_PEERING}")
                continue
            sku = network.ExpressRouteCircuitSkuArgs(name=sku_name(c.tier, c.data_plan), tier=c.tier, family=c.data_plan)
            common = dict(
                circuit_name=circuit_name(site.stack, key),
                resource_group_name=rg,
                location=site.region,
                sku=sku,
                allow_classic_operations=False,
                tags=tags,
                opts=protected,
            )
            if isinstance(c, ProviderCircuit):
                circuits[key] = network.ExpressRouteCircuit(
                    f"{name}-circuit-{key}",
                    service_provider_properties=network.ExpressRouteCircuitServiceProviderPropertiesArgs(
                        service_provider_name=c.provider,
                        peering_location=c.peering_location,
                        bandwidth_in_mbps=c.bandwidth_mbps,
                    ),
                    **common,
                )
            else:
                assert isinstance(c, DirectCircuit)
                circuits[key] = network.ExpressRouteCircuit(
                    f"{name}-circuit-{key}",
                    express_route_port=network.SubResourceArgs(id=ports[c.port].id),
                    bandwidth_in_gbps=c.bandwidth_gbps,
                    **common,
                )
            circuit = circuits[key]
            circuit_refs[key] = circuit.id
            self.circuit_ids[key] = circuit.id
            self.service_keys[key] = pulumi.Output.secret(circuit.service_key)

            pp = c.private_peering
            peerings[key] = network.ExpressRouteCircuitPeering(
                f"{name}-peering-{key}",
                # The literal name (not circuit.name) keeps the input known at preview for policies;
                # depends_on keeps the order.
                circuit_name=circuit_name(site.stack, key),
                resource_group_name=rg,
                peering_name=PRIVATE_PEERING,
                name=PRIVATE_PEERING,
                peering_type=PRIVATE_PEERING,
                peer_asn=pp.peer_asn,
                vlan_id=pp.vlan_id,
                primary_peer_address_prefix=str(pp.primary_prefix),
                secondary_peer_address_prefix=str(pp.secondary_prefix),
                shared_key=_secret(args, pp.bgp_key_secret, f"BGP key of circuit {key}"),
                opts=pulumi.ResourceOptions(parent=self, protect=True, depends_on=[circuit]),
            )
            self.peering_ids[key] = peerings[key].id

        self.gateway_subnet = site.subnet(
            f"{name}-gateway-subnet",
            subnet_name=GATEWAY_SUBNET,
            address_prefix=str(spec.gateway.subnet),
            opts=child,
        )
        # ErGwScale needs a Standard static public IP (ER_SCALE_DOC); the fixed SKUs accept one too.
        # Newer gateways can have Azure assign it instead (ER_GW_DOC, "Auto-Assigned Public IP"), which
        # the API version in this SDK does not expose as an input.
        self.gateway_ip = network.PublicIPAddress(
            f"{name}-gateway-ip",
            public_ip_address_name=gateway_ip_name(site.stack),
            resource_group_name=rg,
            location=site.region,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            tags=tags,
            opts=child,
        )
        gw = spec.gateway
        autoscale = None
        if gw.sku == "ErGwScale":
            # A fixed size: min = max scale units, so capacity never depends on autoscaling.
            autoscale = network.VirtualNetworkGatewayAutoScaleConfigurationArgs(
                bounds=network.VirtualNetworkGatewayAutoScaleBoundsArgs(min=gw.scale_units, max=gw.scale_units),
            )
        self.gateway = network.VirtualNetworkGateway(
            f"{name}-gateway",
            virtual_network_gateway_name=gateway_name(site.stack),
            resource_group_name=rg,
            location=site.region,
            gateway_type="ExpressRoute",
            sku=network.VirtualNetworkGatewaySkuArgs(name=gw.sku, tier=gw.sku),
            auto_scale_configuration=autoscale,
            ip_configurations=[network.VirtualNetworkGatewayIPConfigurationArgs(
                name="default",
                private_ip_allocation_method="Dynamic",
                subnet=network.SubResourceArgs(id=self.gateway_subnet.id),
                public_ip_address=network.SubResourceArgs(id=self.gateway_ip.id),
            )],
            # Traffic between sites is VNet-to-VNet through ExpressRoute (Global Reach), which gateways
            # refuse by default (articles/expressroute/virtual-network-connectivity-guidance.md).
            allow_remote_vnet_traffic=bool(spec.global_reach),
            tags=tags,
            opts=child,
        )
        self.gateway_id = self.gateway.id

        fastpath = spec.fastpath_effective(cat)
        self.connection_ids: dict[str, pulumi.Output[str]] = {}
        for key, c in spec.circuits.items():
            conn = network.VirtualNetworkGatewayConnection(
                f"{name}-connection-{key}",
                virtual_network_gateway_connection_name=connection_name(site.stack, key),
                resource_group_name=rg,
                location=site.region,
                connection_type="ExpressRoute",
                virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=self.gateway.id),
                peer=network.SubResourceArgs(id=circuit_refs[key]),
                express_route_gateway_bypass=fastpath,
                routing_weight=0,
                # Redeems the owner's authorization on a linked circuit of another subscription.
                authorization_key=_secret(args, c.authorization_key_secret, f"authorization key of circuit {key}"),
                tags=tags,
                # A connection needs the circuit's private peering in place.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[peerings[key]] if key in peerings else []),
            )
            self.connection_ids[key] = conn.id

        self.global_reach_ids: dict[str, pulumi.Output[str]] = {}
        for key, link in spec.global_reach.items():
            if not link.owned_by(site.stack):
                continue  # the peer creates it; declaring it here too would make two
            peer_id = args.peer_peering_ids.get((link.peer_stack, link.peer_circuit))
            if peer_id is None:
                raise ValueError(
                    f"Global Reach link {key!r}: no private peering ID for {link.peer_stack}/{link.peer_circuit} in "
                    "peer_peering_ids; the program reads it from the peer stack's circuit_peering_ids output"
                )
            gr_name = global_reach_name(site.stack, key)
            connection = network.ExpressRouteCircuitConnection(
                f"{name}-global-reach-{key}",
                circuit_name=circuit_name(site.stack, link.circuit),
                peering_name=PRIVATE_PEERING,
                connection_name=gr_name,
                name=gr_name,
                resource_group_name=rg,
                address_prefix=str(link.prefix),
                express_route_circuit_peering=network.SubResourceArgs(id=peerings[link.circuit].id),
                peer_express_route_circuit_peering=network.SubResourceArgs(id=peer_id),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[peerings[link.circuit]]),
            )
            self.global_reach_ids[key] = connection.id

        self.register_outputs({
            "port_ids": self.port_ids,
            "circuit_ids": self.circuit_ids,
            "service_keys": self.service_keys,
            "bandwidth_gbps": self.bandwidth_gbps,
            "peering_locations": self.peering_locations,
            "peering_ids": self.peering_ids,
            "gateway_id": self.gateway_id,
            "gateway_subnet_id": self.gateway_subnet.id,
            "connection_ids": self.connection_ids,
            "global_reach_ids": self.global_reach_ids,
        })


def _secret(args: PrivateInterconnectArgs, key: str | None, what: str) -> pulumi.Output[str] | None:
    """A secret config value by key, kept secret; None when the spec names none."""
    if key is None:
        return None
    if key not in args.secrets:
        raise ValueError(
            f"{what}: secret config key {key!r} was not passed in PrivateInterconnectArgs.secrets "
            f"(have: {', '.join(sorted(args.secrets)) or 'none'})"
        )
    return pulumi.Output.secret(args.secrets[key])
