"""GpuCluster: an ND-series cluster as InfiniBand scale sets in its own subnet.

SKELETON (issue 4 fills it in): today it declares only the subnet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from components.context import SiteContext
from infra import catalog
from infra.spec import GpuClusterSpec


@dataclass(frozen=True)
class GpuClusterArgs:
    spec: GpuClusterSpec
    site: SiteContext
    resource_group_name: pulumi.Input[str]
    """The cluster's own resource group (scale sets, placement group, identity, NSG)."""
    sku: catalog.GpuSku
    """The SKU as this stack's catalog states it (overrides applied)."""


class GpuCluster(pulumi.ComponentResource):
    def __init__(self, name: str, args: GpuClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-fabric:compute:GpuCluster", name, None, opts)
        spec = args.spec
        self.subnet = network.Subnet(
            f"{name}-subnet",
            subnet_name=f"snet-{name}",
            resource_group_name=args.site.network_resource_group,
            virtual_network_name=args.site.vnet_name,
            address_prefix=str(spec.subnet),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.gpus = pulumi.Output.from_input(spec.vms * args.sku.gpus_per_vm)
        self.vms = pulumi.Output.from_input(spec.vms)
        self.identity_principal_id: pulumi.Output[str] | None = None
        self.register_outputs({"subnet_id": self.subnet.id, "gpus": self.gpus, "vms": self.vms})
