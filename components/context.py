"""What every component gets from the program about its site: names, IDs, tags. Never config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

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

    def tags_for(self, component: str) -> dict[str, str]:
        return baseline_tags(self.stack, self.region, component, self.tags)
