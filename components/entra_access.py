"""EntraAccess: custom roles, deterministic role assignments and PIM eligibility for the fabric.

What it declares, for one site:

- a custom role definition per ``access.custom_roles`` entry, with the exact operations of the spec,
  assignable only at the site's resource groups, named by a stable GUID (no churn on re-runs);
- a standing role assignment per grant without ``pim`` and per ARM scope the grant's scope stands
  for ('fabric' is every resource group of the site), with an explicit principalType and the name
  ``role_assignment_name(scope, principal, role definition)``;
- a PIM eligibility schedule instead, for a grant with ``pim``, ending after ``eligible_days``;
- for each cluster, Storage Blob Data Reader for its managed identity on each dataset it lists.

PIM gap: the longest activation (``pim.max_activation_hours``) is a setting of the role management
policy of (scope, role), not of the eligibility. Azure creates that policy itself for every role at
every scope and names it with a GUID of its own (found only by listing the scope's policies), and
azure-native's RoleManagementPolicy needs that name; so this component cannot set it. It records the
bound in the eligibility's justification; the PIM role setting "Activation maximum duration" must be
set to match outside this program.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization

from components.context import SiteContext
from infra import catalog
from infra.spec import AccessSpec
from infra.spec.access import (
    PRINCIPAL_TYPE,
    custom_role_guid,
    role_assignment_name,
    role_definition_id,
    subscription_of,
)
from infra.tokens import ENTRA_ACCESS

TRAINING_ROLE = "Storage Blob Data Reader"
"""The one role a training identity holds: data-plane read of blobs, on dataset storage only."""


@dataclass(frozen=True)
class EntraAccessArgs:
    spec: AccessSpec
    site: SiteContext
    scopes: Mapping[str, Sequence[pulumi.Input[str]]]
    """Spec scope ('subscription', 'fabric', 'interconnect', 'cluster/<name>', 'dataset/<name>') ->
    the ARM scope IDs it stands for ('fabric' is every resource group of the site)."""
    training_identities: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Cluster name -> principal ID of its user-assigned managed identity. A cluster without one
    gets no training assignments."""
    cluster_datasets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Cluster name -> dataset names (access.datasets keys) its training identity reads."""
    scope_keys: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Spec scope -> a stable key per ARM scope of ``scopes[scope]``, used in child names. Default:
    a multi-scope entry ('fabric') is keyed by the single-scope entry that holds the same ID
    ('interconnect', 'cluster-a100'), so adding a cluster never renames another's children; an ID
    no other entry holds falls back to its position."""


def _slug(scope: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", scope.lower()).strip("-")


class EntraAccess(pulumi.ComponentResource):
    """Least-privilege access to one site. Outputs, by child key: ``role_definition_ids``,
    ``assignment_names``, ``eligibility_ids`` and ``training_assignment_names``."""

    role_definition_ids: dict[str, pulumi.Output[str]]
    assignment_names: dict[str, pulumi.Output[str]]
    eligibility_ids: dict[str, pulumi.Output[str]]
    training_assignment_names: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: EntraAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(ENTRA_ACCESS, name, None, opts)
        self._args = args
        spec = args.spec
        sub = pulumi.Output.from_input(args.site.subscription_id)

        self.role_definitions: dict[str, authorization.RoleDefinition] = {}
        self.role_definition_ids = {}
        fabric_scopes = list(args.scopes["fabric"])
        for key, role in spec.custom_roles.items():
            guid = sub.apply(lambda s, k=key: custom_role_guid(s, args.site.stack, k))
            rd = authorization.RoleDefinition(
                f"{name}-role-{key}",
                role_definition_id=guid,
                role_name=f"ai-fabric {args.site.stack} {key}",
                role_type="CustomRole",
                description=role.description,
                scope=fabric_scopes[0],
                assignable_scopes=fabric_scopes,
                permissions=[authorization.PermissionArgs(
                    actions=list(role.actions), not_actions=list(role.not_actions),
                    data_actions=list(role.data_actions), not_data_actions=list(role.not_data_actions),
                )],
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.role_definitions[key] = rd
            # Assignments name the role by the subscription-level ID Azure gives every role definition;
            # it is known from the GUID, so assignment names never wait on (or churn with) the resource.
            self.role_definition_ids[key] = pulumi.Output.all(sub, guid).apply(lambda a: role_definition_id(*a))

        self.assignments: dict[str, authorization.RoleAssignment] = {}
        self.assignment_names = {}
        self.eligibilities: dict[str, authorization.PimRoleEligibilitySchedule] = {}
        self.eligibility_ids = {}
        for grant_name, grant in spec.grants.items():
            principal = spec.principals[grant.principal]
            for key, scope in self._targets(grant_name, grant.scope):
                role_id = self._role_id(grant.role, scope)
                depends = [self.role_definitions[grant.role]] if grant.role in self.role_definitions else []
                if grant.pim is None:
                    ra = self._assign(
                        f"{name}-assignment-{key}", scope, str(principal.object_id), PRINCIPAL_TYPE[principal.kind],
                        role_id, f"ai-fabric {args.site.stack}: grant {grant_name} ({grant.role} at {grant.scope})",
                        depends,
                    )
                    self.assignments[key] = ra
                    self.assignment_names[key] = ra.name
                else:
                    pim = grant.pim
                    sched = authorization.PimRoleEligibilitySchedule(
                        f"{name}-eligibility-{key}",
                        principal_id=str(principal.object_id),
                        role_definition_id=role_id,
                        scope=scope,
                        justification=(
                            f"ai-fabric {args.site.stack}: grant {grant_name} ({grant.role} at {grant.scope}); "
                            f"eligible {pim.eligible_days} days; activation at most {pim.max_activation_hours} h "
                            "(a PIM role setting, not managed by this program)"
                        ),
                        schedule_info=authorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoArgs(
                            expiration=authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs(
                                type=authorization.Type.AFTER_DURATION,
                                duration=f"P{pim.eligible_days}D",
                            ),
                        ),
                        opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
                    )
                    self.eligibilities[key] = sched
                    self.eligibility_ids[key] = sched.id

        self.training_assignments: dict[str, authorization.RoleAssignment] = {}
        self.training_assignment_names = {}
        for cluster, principal_id in args.training_identities.items():
            for dataset in args.cluster_datasets.get(cluster, ()):
                for scope in args.scopes[f"dataset/{dataset}"]:
                    key = f"{cluster}-{dataset}"
                    ra = self._assign(
                        f"{name}-training-{key}", scope, principal_id, "ServicePrincipal",
                        self._role_id(TRAINING_ROLE, scope),
                        f"ai-fabric {args.site.stack}: cluster {cluster} reads dataset {dataset}", [],
                    )
                    self.training_assignments[key] = ra
                    self.training_assignment_names[key] = ra.name

        self.register_outputs({
            "role_definition_ids": self.role_definition_ids,
            "assignment_names": self.assignment_names,
            "eligibility_ids": self.eligibility_ids,
            "training_assignment_names": self.training_assignment_names,
        })

    def _targets(self, grant_name: str, scope: str) -> list[tuple[str, pulumi.Input[str]]]:
        """(child key, ARM scope) for each ARM scope a spec scope stands for."""
        targets = list(self._args.scopes[scope])
        if len(targets) == 1:
            return [(grant_name, targets[0])]
        keys = list(self._args.scope_keys.get(scope) or self._derived_keys(scope, targets))
        return [(f"{grant_name}-{k}", t) for k, t in zip(keys, targets, strict=True)]

    def _derived_keys(self, scope: str, targets: list[pulumi.Input[str]]) -> list[str]:
        keys: list[str] = []
        for i, target in enumerate(targets):
            owner = next((
                other for other, ids in self._args.scopes.items()
                if other not in (scope, "subscription", "fabric") and len(ids) == 1
                and (ids[0] is target or (isinstance(target, str) and ids[0] == target))
            ), None)
            key = _slug(owner) if owner else str(i)
            keys.append(key if key not in keys else f"{key}-{i}")
        return keys

    def _role_id(self, role: str, scope: pulumi.Input[str]) -> pulumi.Output[str]:
        if role in self.role_definition_ids:
            return self.role_definition_ids[role]
        guid = catalog.BUILTIN_ROLES[role]
        # A built-in role is named in the subscription of the scope it is assigned at (a dataset's
        # storage account may live in another subscription than the site); else the site's.
        own = subscription_of(scope) if isinstance(scope, str) else None
        sub = pulumi.Output.from_input(own or self._args.site.subscription_id)
        return sub.apply(lambda s: role_definition_id(s, guid))

    def _assign(
        self, child: str, scope: pulumi.Input[str], principal_id: pulumi.Input[str], principal_type: str,
        role_id: pulumi.Input[str], description: str, depends: list[pulumi.Resource],
    ) -> authorization.RoleAssignment:
        name = pulumi.Output.all(scope, principal_id, role_id).apply(lambda a: role_assignment_name(*a))
        return authorization.RoleAssignment(
            child,
            role_assignment_name=name,
            scope=scope,
            principal_id=principal_id,
            principal_type=principal_type,
            role_definition_id=role_id,
            description=description,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )


__all__ = ["EntraAccess", "EntraAccessArgs", "TRAINING_ROLE"]
