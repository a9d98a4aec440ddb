"""EntraAccess: custom roles, deterministic role assignments and PIM eligibility for the fabric.

SKELETON (issue 6 fills it in): today it declares only the custom role definitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization

from components.context import SiteContext
from infra.spec import AccessSpec


@dataclass(frozen=True)
class EntraAccessArgs:
    spec: AccessSpec
    site: SiteContext
    scopes: Mapping[str, Sequence[pulumi.Input[str]]]
    """Spec scope ('subscription', 'fabric', 'interconnect', 'cluster/<name>', 'dataset/<name>') ->
    the ARM scope IDs it stands for ('fabric' is every resource group of the site)."""
    training_identities: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Cluster name -> principal ID of its user-assigned managed identity."""
    cluster_datasets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Cluster name -> dataset names (access.datasets keys) its training identity reads."""


class EntraAccess(pulumi.ComponentResource):
    def __init__(self, name: str, args: EntraAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-fabric:identity:EntraAccess", name, None, opts)
        self.role_definitions = {}
        for role_name, role in args.spec.custom_roles.items():
            self.role_definitions[role_name] = authorization.RoleDefinition(
                f"{name}-role-{role_name}",
                role_name=f"ai-fabric {args.site.stack} {role_name}",
                description=role.description,
                scope=args.scopes["fabric"][0],
                assignable_scopes=list(args.scopes["fabric"]),
                permissions=[authorization.PermissionArgs(
                    actions=list(role.actions), not_actions=list(role.not_actions),
                    data_actions=list(role.data_actions), not_data_actions=list(role.not_data_actions),
                )],
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({})
