"""Spec of who may do what on the fabric: Entra principals, personas, custom roles, grants, datasets.

Also the access area's two contracts that every layer shares: how spec scopes nest (the persona
bound is checked against it) and how role definitions and assignments are named (the component
names them, the invariants recompute the names from the inventory). Both are plain Python.
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from infra import catalog, rbac_operations
from infra.spec.fields import Guid, Loc, Name, SpecModel, raise_problems
from infra.spec.messages import did_you_mean

PrincipalKind = Literal["Group", "ServicePrincipal", "ManagedIdentity", "User"]
"""ManagedIdentity is assigned as principalType ServicePrincipal, which is what Azure expects."""

Persona = Literal["network-operator", "cluster-operator", "carrier-partner", "training-workload", "auditor"]

PRINCIPAL_TYPE: dict[str, str] = {
    "Group": "Group",
    "ServicePrincipal": "ServicePrincipal",
    "ManagedIdentity": "ServicePrincipal",
    "User": "User",
}
"""Spec principal kind -> the principalType an assignment must carry (the SDK defaults to User)."""

# The widest scope each persona may hold a role at, as a kind of scope (see SCOPE_PARENT).
PERSONA_MAX_SCOPE: dict[str, str] = {
    "network-operator": "interconnect",
    "cluster-operator": "cluster",
    "carrier-partner": "interconnect",
    "training-workload": "dataset",
    "auditor": "fabric",
}

SCOPE_PARENT: dict[str, str] = {
    "fabric": "subscription",
    "interconnect": "fabric",
    "cluster": "fabric",
    "dataset": "cluster",
}
"""How the kinds of scope nest: a tree, not a line.

    subscription                 the whole subscription (and everything in it)
      fabric                     every resource group of the site
        interconnect             the network resource group (VNet, gateway, circuits)
        cluster/<n>              one cluster's resource group
          dataset/<d>            one storage account of training data

'interconnect' and 'cluster' are siblings: neither is wider than the other, and a persona bounded
by one may hold nothing at the other. A dataset ranks below a cluster because clusters are what
read datasets, not because the storage account lies inside the cluster's resource group (it does
not; it may not even be in the site's subscription); it is deliberately *not* below the
interconnect, so no network or carrier principal can be given training data. A persona bounded
by 'cluster' may hold roles at any cluster/<n> (the spec does not tie operators to one cluster).
"""


def scope_kind(scope: str) -> str:
    """'cluster/a100' -> 'cluster'; 'fabric' -> 'fabric'."""
    return scope.split("/", 1)[0]


def scope_within(scope: str, max_kind: str) -> bool:
    """Whether a spec scope lies at or below a kind of scope in SCOPE_PARENT's tree."""
    kind: str | None = scope_kind(scope)
    while kind is not None:
        if kind == max_kind:
            return True
        kind = SCOPE_PARENT.get(kind)
    return False


# ------------------------------------------------------------------------------------------------
# Deterministic names. The namespaces are a contract: changing one renames (recreates) every role
# definition or assignment of every stack.
# ------------------------------------------------------------------------------------------------

ROLE_ASSIGNMENT_NAMESPACE = uuid.UUID("0c7b3c1e-5a52-4f7e-9d59-6a1f2ab0e3d1")
ROLE_DEFINITION_NAMESPACE = uuid.UUID("9b8f4d2a-1e63-4c0b-a7d5-3e2c1f0b9a84")


def _arm(value: str) -> str:
    # ARM IDs compare case-insensitively and with or without a trailing slash.
    return str(value).strip().rstrip("/").lower()


def role_assignment_name(scope: str, principal_id: str, role_definition_id: str) -> str:
    """The role assignment's name: uuid5 of (scope, principal object ID, role definition ID).

    The same triple always gives the same GUID, so a second run changes nothing and a duplicate
    assignment cannot be created under another name. The component and the invariant
    `assignment-name-deterministic` both call this one function.
    """
    key = "|".join((_arm(scope), _arm(principal_id), _arm(role_definition_id)))
    return str(uuid.uuid5(ROLE_ASSIGNMENT_NAMESPACE, key))


def custom_role_guid(subscription_id: str, stack: str, role: str) -> str:
    """The name (GUID) of a custom role definition: stable per subscription, stack and role key."""
    return str(uuid.uuid5(ROLE_DEFINITION_NAMESPACE, f"{_arm(subscription_id)}|{stack}|{role}"))


def role_definition_id(subscription_id: str, guid: str) -> str:
    """'/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>'."""
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


_SUBSCRIPTION_OF = re.compile(r"^/subscriptions/([0-9a-fA-F-]{36})(/|$)")


def subscription_of(scope: str) -> str | None:
    """The subscription GUID an ARM scope lies in, or None (management group, tenant root)."""
    m = _SUBSCRIPTION_OF.match(scope)
    return m.group(1) if m else None

_OPERATION = re.compile(r"^[A-Za-z][A-Za-z0-9.]*(/[A-Za-z0-9.*{}\-]+)+$")


class PrincipalSpec(SpecModel):
    """An existing Entra principal (group, service principal, managed identity or user)."""

    object_id: Guid
    kind: PrincipalKind
    persona: Persona
    """What the principal is for; bounds the scopes it may hold roles at."""
    description: str = ""


class CustomRoleSpec(SpecModel):
    """A custom Azure RBAC role, assignable only at the fabric's own resource group.

    Every operation must be one Azure publishes (infra/rbac_operations.py: Microsoft's list of resource
    provider operations, vendored per provider with its source and date), compared case-insensitively
    as Azure does: Azure refuses a role with an operation it does not know, and every assignment of
    it. An unknown operation, an unvendored provider, a data action among actions (or the reverse) or
    a notActions wildcard that matches nothing is bad input; a '*' in actions or data actions is a
    least-privilege violation (custom-role-least-privilege, exit 1) instead.
    """

    description: str
    actions: tuple[str, ...] = ()
    """Control-plane operations Azure publishes, exact (e.g. 'Microsoft.Network/expressRouteCircuits/read');
    no '*'."""
    not_actions: tuple[str, ...] = ()
    """Control-plane operations taken out of actions; a '*' pattern is allowed here if it matches at
    least one published operation."""
    data_actions: tuple[str, ...] = ()
    """Data-plane operations Azure publishes, exact (e.g.
    'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'); no '*'."""
    not_data_actions: tuple[str, ...] = ()
    """Data-plane operations taken out of data_actions; a '*' pattern is allowed if it matches one."""

    @field_validator("actions", "not_actions", "data_actions", "not_data_actions")
    @classmethod
    def _operations(cls, ops: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        kind: rbac_operations.Kind = "dataAction" if "data" in info.field_name else "action"
        # '*' in actions / data_actions is the least-privilege rule's to report (a policy violation,
        # exit 1, infra.capacity.access); here it only has to be well formed.
        wildcard_is_policy = not info.field_name.startswith("not_")
        problems: list[tuple[Loc, str]] = []
        for i, op in enumerate(ops):
            if not _OPERATION.match(op):
                problems.append(((i,), f"not an Azure operation: {op!r}; expected 'Provider.Namespace/"
                                       "resourceType/operation', e.g. 'Microsoft.Compute/virtualMachineScaleSets/read'"))
            elif not (wildcard_is_policy and "*" in op) and (why := rbac_operations.problem(op, kind)) is not None:
                problems.append(((i,), why))
        raise_problems(problems)
        return ops

    @model_validator(mode="after")
    def _not_empty(self) -> CustomRoleSpec:
        if not self.actions and not self.data_actions:
            raise ValueError("a custom role needs at least one action or data action")
        return self


Scope = str
"""'subscription', 'fabric' (the site's resource group), 'interconnect', 'cluster/<name>' or
'dataset/<name>'."""

_SCOPE = re.compile(r"^(subscription|fabric|interconnect|cluster/[a-z][a-z0-9-]*|dataset/[a-z][a-z0-9-]*)$")


class PimSpec(SpecModel):
    """Just-in-time eligibility instead of standing access."""

    max_activation_hours: int = Field(default=8, strict=True, ge=1, le=24)
    """Longest activation a member may request. Advisory: Azure keeps it in the role's PIM policy,
    which Azure names itself, so the program records it in the eligibility's justification and an
    administrator sets it in PIM."""
    eligible_days: int = Field(default=180, strict=True, ge=1, le=365)
    """How long the eligibility itself lasts before it must be renewed."""


class GrantSpec(SpecModel):
    """A role for a principal at a scope, standing or PIM-eligible."""

    principal: Name
    """Key of access.principals."""
    role: str
    """A key of access.custom_roles or a built-in role name ('Reader', 'Storage Blob Data Reader', ...)."""
    scope: Scope
    pim: PimSpec | None = None
    """None: a standing assignment. Privileged roles for people must be PIM-eligible."""

    @field_validator("scope")
    @classmethod
    def _scope(cls, scope: str) -> str:
        if not _SCOPE.match(scope):
            raise ValueError(
                f"invalid scope {scope!r}; allowed: subscription, fabric, interconnect, "
                "cluster/<name>, dataset/<name>"
            )
        return scope


_STORAGE_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]+/providers/Microsoft\.Storage/storageAccounts/[a-z0-9]{3,24}$"
)


class DatasetSpec(SpecModel):
    """Existing storage holding training data; training identities get data-plane read on it only."""

    storage_account_id: str
    """ARM ID of the storage account."""

    @field_validator("storage_account_id")
    @classmethod
    def _arm_id(cls, value: str) -> str:
        if not _STORAGE_ID.match(value):
            raise ValueError(
                f"not a storage account ARM ID: {value!r}; expected "
                "'/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>'"
            )
        return value


class AccessSpec(SpecModel):
    """Entra principals and what they may do on this site."""

    principals: dict[Name, PrincipalSpec] = {}
    custom_roles: dict[Name, CustomRoleSpec] = {}
    grants: dict[Name, GrantSpec] = {}
    """Grants by name; the name is part of the PIM schedule's resource name."""
    datasets: dict[Name, DatasetSpec] = {}

    @model_validator(mode="after")
    def _references(self) -> AccessSpec:
        problems: list[tuple[Loc, str]] = []
        for name, g in self.grants.items():
            if g.principal not in self.principals:
                problems.append((
                    ("grants", name, "principal"),
                    f"{g.principal!r} is not in principals ({', '.join(self.principals) or 'none'})."
                    + did_you_mean(g.principal, self.principals),
                ))
            if g.role not in self.custom_roles and g.role not in catalog.BUILTIN_ROLES:
                problems.append((
                    ("grants", name, "role"),
                    f"{g.role!r} is neither a custom role ({', '.join(self.custom_roles) or 'none'}) nor a "
                    f"built-in role ({', '.join(catalog.BUILTIN_ROLES)})",
                ))
            if g.scope.startswith("dataset/") and g.scope.split("/", 1)[1] not in self.datasets:
                problems.append((
                    ("grants", name, "scope"),
                    f"{g.scope!r} names no dataset of access.datasets ({', '.join(self.datasets) or 'none'})",
                ))
        raise_problems(problems)
        return self
