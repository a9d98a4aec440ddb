"""What every component gets from the program about its site: names, IDs, tags. Never config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_azure_native import network

FABRIC = "ai-fabric"


def baseline_tags(stack: str, region: str, component: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Tags on everything taggable: the spec's tags merged over the baseline, the baseline winning
    on its own keys so no stack can mislabel what a resource belongs to."""
    return {**(extra or {}), "fabric": FABRIC, "stack": stack, "site": region, "component": component}


@dataclass(frozen=True)
class SiteContext:
    stack: str
    region: str
    subscription_id: pulumi.Input[str]
    network_resource_group: pulumi.Input[str]
    """Resource group of the site VNet, its subnets and the interconnect."""
    vnet_name: pulumi.Input[str]
    vnet_id: pulumi.Input[str]
    tags: Mapping[str, str] = field(default_factory=dict)
    """The spec's site tags (the baseline is added per component)."""

    _subnets: list[network.Subnet] = field(default_factory=list, init=False, repr=False, compare=False)

    def tags_for(self, component: str) -> dict[str, str]:
        return baseline_tags(self.stack, self.region, component, self.tags)

    def subnet(self, resource_name: str, opts: pulumi.ResourceOptions, **args: Any) -> network.Subnet:
        """A subnet of the site VNet, created only after the one declared before it.

        Azure runs one subnet operation per VNet at a time and fails a concurrent one with
        AnotherOperationInProgress (pulumi-azure-native#699 and #1024, terraform-provider-azurerm#3780);
        Pulumi would otherwise create the components' subnets in parallel. The `subnet-order`
        invariant checks the chain."""
        if self._subnets:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[self._subnets[-1]]))
        made = network.Subnet(resource_name, resource_group_name=self.network_resource_group,
                              virtual_network_name=self.vnet_name, opts=opts, **args)
        self._subnets.append(made)
        return made
