"""Resource-level invariants of the access area, over the inventory.

Pure functions of the neutral inventory (type token, name, parent, dependencies, camelCase inputs):
the same checks run in the tests, in `fabric plan` and in the policy pack. Values that are not
known yet (a preview before the resource group exists) are skipped, never guessed.

A *training identity* is a principal created by the program itself: an assignment is to one when
it depends on a UserAssignedIdentity of the inventory (its principalId is that identity's output)
or names a principalId the inventory records for one.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from infra import catalog, rbac_operations
from infra.capacity.access import custom_role_problems
from infra.capacity.report import Violation
from infra.inventory import Inventory, Resource, known
from infra.spec.access import role_assignment_name
from infra.tokens import PIM_ELIGIBILITY, ROLE_ASSIGNMENT, ROLE_DEFINITION, USER_ASSIGNED_IDENTITY


PRINCIPAL_TYPES = frozenset({
    "User", "Group", "ServicePrincipal", "ForeignGroup", "Device", "AgentUser", "AgentServicePrincipal",
})
"""azure-native v3 authorization.PrincipalType values."""
PEOPLE_TYPES = frozenset({"User", "Group", "ForeignGroup"})
SDK_DEFAULT_PRINCIPAL_TYPE = "User"
"""What azure-native sends when principal_type is left out."""

PRIVILEGED_GUIDS = frozenset(catalog.BUILTIN_ROLES[r].lower() for r in catalog.PRIVILEGED_BUILTIN_ROLES)
BLOB_READER_GUID = catalog.BUILTIN_ROLES["Storage Blob Data Reader"].lower()

MAX_ELIGIBLE_DAYS = 365
"""Longest eligibility accepted; the spec bounds eligible_days to the same year."""

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SUBSCRIPTION_OR_WIDER = re.compile(
    rf"^(/subscriptions/{_GUID}|/providers/Microsoft\.Management/managementGroups/[^/]+)?/?$", re.IGNORECASE
)
_STORAGE_ACCOUNT = re.compile(
    rf"^/subscriptions/{_GUID}/resourceGroups/[^/]+/providers/Microsoft\.Storage/storageAccounts/[a-z0-9]{{3,24}}/?$",
    re.IGNORECASE,
)
_ISO_DURATION = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def _known(*values: Any) -> bool:
    return all(isinstance(v, str) and known(v) for v in values)


def _role_guid(role_definition_id: Any) -> str | None:
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower() if _known(role_definition_id) else None


def _v(invariant: str, r: Resource, message: str) -> Violation:
    return Violation(invariant, message, resource=r.urn)


def _training_identity(inventory: Inventory) -> Callable[[Resource], bool]:
    identities = inventory.of_type(USER_ASSIGNED_IDENTITY)
    urns = {r.urn for r in identities}
    principal_ids = {str(r.get("principalId")).lower() for r in identities if _known(r.get("principalId"))}

    def test(r: Resource) -> bool:
        principal = r.get("principalId")
        return bool(urns.intersection(r.dependencies)) or (_known(principal) and principal.lower() in principal_ids)

    return test


# ------------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------------


def assignment_principal_type(inventory: Inventory) -> list[Violation]:
    """Every RoleAssignment names a valid principalType: one per principal, ServicePrincipal for identities.

    Left out, azure-native sends User, which fails for groups and identities (UnmatchedPrincipalType);
    a principal assigned as two types has the wrong one somewhere.
    """
    out = []
    is_identity = _training_identity(inventory)
    by_principal: dict[str, dict[str, list[Resource]]] = defaultdict(lambda: defaultdict(list))
    for r in inventory.of_type(ROLE_ASSIGNMENT):
        ptype = r.get("principalType")
        if ptype is None:
            out.append(_v("assignment-principal-type", r,
                          f"no principalType; azure-native sends {SDK_DEFAULT_PRINCIPAL_TYPE!r}, which fails for "
                          "groups and managed identities: set principal_type explicitly"))
            continue
        if not isinstance(ptype, str):
            out.append(_v("assignment-principal-type", r, f"principalType {ptype!r} is not a string"))
            continue
        if not known(ptype):
            continue
        if ptype not in PRINCIPAL_TYPES:
            out.append(_v("assignment-principal-type", r,
                          f"principalType {ptype!r} is not one of {', '.join(sorted(PRINCIPAL_TYPES))}"))
            continue
        if is_identity(r) and ptype != "ServicePrincipal":
            out.append(_v("assignment-principal-type", r,
                          f"principalType {ptype!r} for a managed identity; identities are assigned as ServicePrincipal"))
        if _known(r.get("principalId")):
            by_principal[r.get("principalId").lower()][ptype].append(r)
    for principal, types in by_principal.items():
        if len(types) > 1:
            said = ", ".join(f"{t} ({len(rs)})" for t, rs in sorted(types.items()))
            for rs in types.values():
                for r in rs:
                    out.append(_v("assignment-principal-type", r,
                                  f"principal {principal} is assigned as {said}; one principal has one type"))
    return out


def assignment_name_deterministic(inventory: Inventory) -> list[Violation]:
    """roleAssignmentName is the uuid5 of (scope, principalId, roleDefinitionId), and unique."""
    out = []
    names: dict[str, list[Resource]] = defaultdict(list)
    for r in inventory.of_type(ROLE_ASSIGNMENT):
        name = r.get("roleAssignmentName")
        if name is None:
            out.append(_v("assignment-name-deterministic", r,
                          "no roleAssignmentName: Azure would get a random name, a diff on every run and a "
                          "RoleAssignmentExists failure for a duplicate; name it with role_assignment_name()"))
            continue
        if isinstance(name, str) and not known(name):
            continue
        try:
            uuid.UUID(name)
        except (ValueError, TypeError, AttributeError):  # not a string at all: no better a GUID
            out.append(_v("assignment-name-deterministic", r, f"roleAssignmentName {name!r} is not a GUID"))
            continue
        names[name.lower()].append(r)
        scope, principal, role = r.get("scope"), r.get("principalId"), r.get("roleDefinitionId")
        if _known(scope, principal, role):
            expected = role_assignment_name(scope, principal, role)
            if name.lower() != expected:
                out.append(_v("assignment-name-deterministic", r,
                              f"roleAssignmentName {name} is not the name of (scope, principal, role), {expected}"))
    for name, rs in names.items():
        if len(rs) > 1:
            for r in rs:
                out.append(_v("assignment-name-deterministic", r,
                              f"roleAssignmentName {name} is used by {len(rs)} assignments (the same principal, "
                              "role and scope twice); keep one"))
    return out


def no_standing_privileged(inventory: Inventory) -> list[Violation]:
    """No privileged built-in role standing for people, at any scope (see infra.capacity.access.PEOPLE)."""
    out = []
    by_guid = {g.lower(): n for n, g in catalog.BUILTIN_ROLES.items()}
    for r in inventory.of_type(ROLE_ASSIGNMENT):
        guid, scope = _role_guid(r.get("roleDefinitionId")), r.get("scope")
        ptype = r.get("principalType", SDK_DEFAULT_PRINCIPAL_TYPE)
        people = isinstance(ptype, str) and ptype in PEOPLE_TYPES  # a malformed type is the other check's
        if guid in PRIVILEGED_GUIDS and _known(scope) and people:
            out.append(_v("no-standing-privileged", r,
                          f"{by_guid[guid]} standing at {scope} for a {ptype}; privileged access for people is "
                          "PIM-eligible and time-bound (PimRoleEligibilitySchedule), not a standing assignment"))
    return out


def custom_role_least_privilege(inventory: Inventory) -> list[Violation]:
    """Custom roles: exact operations, no authorization changes, assignable only below a subscription."""
    out = []
    for r in inventory.of_type(ROLE_DEFINITION):
        # Malformed permissions are reported, never skipped: what cannot be read cannot be shown harmless.
        permissions = r.get("permissions")
        if known(permissions) and not isinstance(permissions, list):
            out.append(_v("custom-role-least-privilege", r, f"permissions is {permissions!r}, not a list of permissions"))
        for i, perm in enumerate(permissions if isinstance(permissions, list) else []):
            if not isinstance(perm, dict):
                out.append(_v("custom-role-least-privilege", r,
                              f"permissions.{i} is {perm!r}, not a permission (actions, dataActions...)"))
                continue
            for field in ("actions", "dataActions"):
                ops = perm.get(field)  # dataActions (like actions) may be left out: nothing granted
                if ops is not None and not isinstance(ops, list):
                    if not (isinstance(ops, str) and not known(ops)):
                        out.append(_v("custom-role-least-privilege", r,
                                      f"permissions.{i}.{field} is {ops!r}, not a list of operations"))
                    continue
                for _, why in custom_role_problems([op for op in ops or [] if isinstance(op, str)]):
                    out.append(_v("custom-role-least-privilege", r, f"permissions.{i}.{field}: {why}"))
        scopes = r.get("assignableScopes")
        if isinstance(scopes, str) and not known(scopes):
            continue
        if not scopes or not isinstance(scopes, list):
            out.append(_v("custom-role-least-privilege", r,
                          "no assignableScopes list; list the fabric's resource groups"))
            continue
        for scope in scopes:
            if _known(scope) and _SUBSCRIPTION_OR_WIDER.match(scope):
                out.append(_v("custom-role-least-privilege", r,
                              f"assignable at {scope!r}, a subscription or wider; custom roles are assignable "
                              "only at the fabric's own resource groups"))
    return out


_PERMISSION_FIELDS: tuple[tuple[str, rbac_operations.Kind], ...] = (
    ("actions", "action"), ("notActions", "action"), ("dataActions", "dataAction"), ("notDataActions", "dataAction"),
)


def role_operations_exist(inventory: Inventory) -> list[Violation]:
    """Custom roles name only operations Azure publishes; Azure refuses a role with any other.

    The resource-level twin of the spec's check (infra/rbac_operations.py: Microsoft's resource provider
    operations, vendored with their source). '*' in actions or dataActions is left to
    custom-role-least-privilege; a notActions wildcard must match a published operation.
    """
    out = []
    for r in inventory.of_type(ROLE_DEFINITION):
        permissions = r.get("permissions")
        for i, perm in enumerate(permissions if isinstance(permissions, list) else []):
            if not isinstance(perm, dict):
                continue
            for field, kind in _PERMISSION_FIELDS:
                ops = perm.get(field)
                for j, op in enumerate(ops if isinstance(ops, list) else []):
                    if not _known(op) or (field in ("actions", "dataActions") and "*" in op):
                        continue
                    why = rbac_operations.problem(op, kind)
                    if why is not None:
                        out.append(_v("role-operations-exist", r, f"permissions.{i}.{field}.{j}: {op!r} {why}"))
    return out


def training_data_read_only(inventory: Inventory) -> list[Violation]:
    """A training identity holds Storage Blob Data Reader on storage accounts, and nothing else."""
    out = []
    is_identity = _training_identity(inventory)
    for r in inventory.of_type(ROLE_ASSIGNMENT, PIM_ELIGIBILITY):
        if not is_identity(r):
            continue
        guid, scope = _role_guid(r.get("roleDefinitionId")), r.get("scope")
        if guid is not None and guid != BLOB_READER_GUID:
            out.append(_v("training-data-read-only", r,
                          f"a training identity gets role {guid}; it may hold only Storage Blob Data Reader "
                          f"({BLOB_READER_GUID})"))
        if _known(scope) and not _STORAGE_ACCOUNT.match(scope):
            out.append(_v("training-data-read-only", r,
                          f"a training identity gets a role at {scope!r}; only dataset storage accounts are allowed"))
        if r.type == PIM_ELIGIBILITY:
            out.append(_v("training-data-read-only", r, "a training identity is given PIM eligibility; it "
                                                        "needs only a standing read assignment"))
    return out


def _duration_days(text: str) -> float | None:
    m = _ISO_DURATION.match(text)
    if not m or text in ("P", "PT"):
        return None
    n = {k: int(v) for k, v in m.groupdict(default="0").items()}
    return (n["y"] * 365 + n["mo"] * 31 + n["w"] * 7 + n["d"]
            + (n["h"] + n["mi"] / 60 + n["s"] / 3600) / 24)


def pim_bounded(inventory: Inventory) -> list[Violation]:
    """Every PIM eligibility schedule ends, within a year (no NoExpiration, no missing schedule).

    AfterDuration with an ISO 8601 duration ('P180D') of at most MAX_ELIGIBLE_DAYS, or AfterDateTime
    with an endDateTime.
    """
    out = []
    for r in inventory.of_type(PIM_ELIGIBILITY):
        exp = r.get("scheduleInfo.expiration")
        if not isinstance(exp, dict):
            out.append(_v("pim-bounded", r, "no scheduleInfo.expiration: the eligibility never ends; set "
                                            "type AfterDuration and a duration such as 'P180D'"))
            continue
        kind, duration, end = exp.get("type"), exp.get("duration"), exp.get("endDateTime")
        if kind is None:
            out.append(_v("pim-bounded", r, "scheduleInfo.expiration has no type; use AfterDuration"))
            continue
        if isinstance(kind, str) and not known(kind):
            continue
        if kind == "AfterDuration":
            if duration is None:
                out.append(_v("pim-bounded", r, "expiration AfterDuration without a duration"))
                continue
            if isinstance(duration, str) and not known(duration):
                continue
            if not isinstance(duration, str):
                out.append(_v("pim-bounded", r, f"duration {duration!r} is not an ISO 8601 duration such as 'P180D'"))
                continue
            days = _duration_days(duration)
            if days is None or days <= 0:
                out.append(_v("pim-bounded", r, f"duration {duration!r} is not an ISO 8601 duration such as 'P180D'"))
            elif days > MAX_ELIGIBLE_DAYS:
                out.append(_v("pim-bounded", r, f"duration {duration} is over {MAX_ELIGIBLE_DAYS} days; renew instead"))
        elif kind == "AfterDateTime":
            if end is None:
                out.append(_v("pim-bounded", r, "expiration AfterDateTime without an endDateTime"))
        else:
            out.append(_v("pim-bounded", r, f"expiration type {kind!r}: the eligibility never ends; use AfterDuration"))
    return out


CHECKS: dict[str, Callable[[Inventory], list[Violation]]] = {
    "assignment-principal-type": assignment_principal_type,
    "assignment-name-deterministic": assignment_name_deterministic,
    "no-standing-privileged": no_standing_privileged,
    "custom-role-least-privilege": custom_role_least_privilege,
    "role-operations-exist": role_operations_exist,
    "training-data-read-only": training_data_read_only,
    "pim-bounded": pim_bounded,
}


def check(inventory: Inventory, names: Iterable[str] | None = None) -> list[Violation]:
    """The access checks (or the named ones) over one inventory."""
    out: list[Violation] = []
    for name in names or CHECKS:
        out += CHECKS[name](inventory)
    return out
