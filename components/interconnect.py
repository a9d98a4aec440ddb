"""PrivateInterconnect: ExpressRoute to the carrier fabric, gateway, connections, Global Reach.

SKELETON (issue 5 fills it in): today it declares only the GatewaySubnet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import network

from components.context import SiteContext
from infra import catalog
from infra.spec import InterconnectSpec


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


class PrivateInterconnect(pulumi.ComponentResource):
    def __init__(self, name: str, args: PrivateInterconnectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-fabric:network:PrivateInterconnect", name, None, opts)
        self.gateway_subnet = network.Subnet(
            f"{name}-gateway-subnet",
            subnet_name="GatewaySubnet",
            resource_group_name=args.site.network_resource_group,
            virtual_network_name=args.site.vnet_name,
            address_prefix=str(args.spec.gateway.subnet),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.peering_ids: dict[str, pulumi.Output[str]] = {}
        self.register_outputs({"gateway_subnet_id": self.gateway_subnet.id})
