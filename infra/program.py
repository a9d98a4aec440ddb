"""The Pulumi program: spec from the stack's config, then the site, its components and exports.

Config is parsed here once; components receive typed arguments and never read config.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, network, resources
from pydantic import ValidationError

from components.context import SiteContext
from infra import capacity
from infra.spec import CONFIG_KEYS, PROJECT, FabricSpec, from_config
from infra.stackfile import issues_from_validation


def load_spec() -> FabricSpec:
    """The stack's spec from the engine's config; a bad config stops the program with every issue."""
    config = pulumi.Config(PROJECT)
    values = {}
    for key in CONFIG_KEYS:
        value = config.get_object(key)
        if value is not None:
            values[key] = value
    try:
        return from_config(pulumi.get_stack(), values)
    except ValidationError as exc:
        issues = issues_from_validation(exc, values, None)
        raise pulumi.RunError(
            f"stack {pulumi.get_stack()} has an invalid ai-fabric config (run `fabric validate --stack "
            f"{pulumi.get_stack()}` for file and line):\n" + "\n".join(f"  {i}" for i in issues)
        ) from None


def secret(key: str) -> pulumi.Output[str]:
    """A secret config value; a plain-text one is refused rather than silently used."""
    if not pulumi.runtime.is_config_secret(f"{PROJECT}:{key}"):
        raise pulumi.RunError(
            f"config key {PROJECT}:{key} must be a secret: run `pulumi config set --secret {key} <value>`"
        )
    return pulumi.Config(PROJECT).require_secret(key)


def build_site(spec: FabricSpec) -> tuple[SiteContext, resources.ResourceGroup]:
    client = authorization.get_client_config_output()
    tags = {**spec.site.tags, "fabric": PROJECT, "stack": spec.stack, "site": spec.site.region, "component": "site"}
    rg = resources.ResourceGroup(
        "network-rg",
        resource_group_name=f"{spec.resource_group}-network",
        location=spec.site.region,
        tags=tags,
    )
    vnet = network.VirtualNetwork(
        "vnet",
        virtual_network_name=f"vnet-ai-fabric-{spec.stack}",
        resource_group_name=rg.name,
        location=spec.site.region,
        address_space=network.AddressSpaceArgs(address_prefixes=[str(p) for p in spec.site.address_space]),
        tags=tags,
        # Subnets are separate resources owned by the components; inline subnets would fight them.
        opts=pulumi.ResourceOptions(ignore_changes=["subnets"]),
    )
    site = SiteContext(
        stack=spec.stack,
        region=spec.site.region,
        subscription_id=client.subscription_id,
        network_resource_group=rg.name,
        vnet_name=vnet.name,
        vnet_id=vnet.id,
        tags=dict(spec.site.tags),
    )
    return site, rg


def deploy(spec: FabricSpec) -> None:
    site, network_rg = build_site(spec)
    cap, _ = capacity.stack_capacity(spec)
    pulumi.export("stack", spec.stack)
    pulumi.export("region", spec.site.region)
    pulumi.export("capacity", cap.to_json())
    pulumi.export("network_resource_group_id", network_rg.id)


def main() -> None:
    deploy(load_spec())
