"""The access invariants rule by rule, on inventories built here (no engine): both sides of every
rule, its boundaries (365 against 366 days), malformed inputs reported rather than crashing (in the
checks, in `fabric plan`'s run and in the policy pack), one report per broken claim."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pulumi_policy import PolicyResource, PolicyResourceOptions, StackValidationArgs

from infra import catalog, invariants, policies
from infra.inventory import UNKNOWN, Inventory, Resource
from infra.invariants import access
from infra.spec.access import role_assignment_name
from infra.tokens import PIM_ELIGIBILITY, ROLE_ASSIGNMENT, ROLE_DEFINITION, USER_ASSIGNED_IDENTITY

SUB = "/subscriptions/00000000-0000-4000-8000-000000000001"
RG = f"{SUB}/resourceGroups/rg-ai"
STORAGE = f"{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/corpus01"
GROUP = "11111111-1111-4111-8111-111111111111"
IDENTITY_PRINCIPAL = "22222222-2222-4222-8222-222222222222"
OWNER = catalog.BUILTIN_ROLES["Owner"]
READER = catalog.BUILTIN_ROLES["Reader"]
BLOB_READER = catalog.BUILTIN_ROLES["Storage Blob Data Reader"]


def role_id(guid: str) -> str:
    return f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:s::ai-fabric::{type_}::{name}"


def assignment(name: str = "ra", scope: str = RG, principal: str = GROUP, guid: str = READER,
               ptype: str | None = "Group", deps: tuple[str, ...] = (), **inputs: Any) -> Resource:
    rid = role_id(guid)
    base: dict[str, Any] = {"scope": scope, "principalId": principal, "roleDefinitionId": rid,
                            "roleAssignmentName": role_assignment_name(scope, principal, rid)}
    if ptype is not None:
        base["principalType"] = ptype
    return Resource(urn=urn(ROLE_ASSIGNMENT, name), type=ROLE_ASSIGNMENT, name=name, parent=None,
                    inputs={**base, **inputs}, dependencies=deps)


def identity(principal: str | None = None) -> Resource:
    inputs = {"resourceGroupName": "rg-ai"} | ({"principalId": principal} if principal else {})
    return Resource(urn=urn(USER_ASSIGNED_IDENTITY, "uai"), type=USER_ASSIGNED_IDENTITY, name="uai", parent=None,
                    inputs=inputs)


def role(permissions: Any = None, scopes: Any = (RG,), name: str = "role") -> Resource:
    perms = [{"actions": ["Microsoft.Network/expressRouteCircuits/read"], "dataActions": []}] \
        if permissions is None else permissions
    inputs: dict[str, Any] = {"permissions": perms}
    if scopes is not None:
        inputs["assignableScopes"] = list(scopes) if isinstance(scopes, tuple) else scopes
    return Resource(urn=urn(ROLE_DEFINITION, name), type=ROLE_DEFINITION, name=name, parent=None, inputs=inputs)


def eligibility(expiration: Any = None, name: str = "pim", deps: tuple[str, ...] = (), **inputs: Any) -> Resource:
    base: dict[str, Any] = {"scope": RG, "principalId": GROUP, "roleDefinitionId": role_id(OWNER)}
    if expiration is not None:
        base["scheduleInfo"] = {"expiration": expiration}
    return Resource(urn=urn(PIM_ELIGIBILITY, name), type=PIM_ELIGIBILITY, name=name, parent=None,
                    inputs={**base, **inputs}, dependencies=deps)


def inv(*resources: Resource) -> Inventory:
    return Inventory("s", resources)


def found(inventory: Inventory, invariant: str) -> list[tuple[str, str]]:
    """(resource name, message) of each violation of one access check."""
    names = {r.urn: r.name for r in inventory}
    out = []
    for v in access.CHECKS[invariant](inventory):
        assert v.invariant == invariant
        out.append((names[v.resource], v.message))
    return out


def every(inventory: Inventory) -> list[tuple[str, str, str]]:
    names = {r.urn: r.name for r in inventory}
    return [(v.invariant, names[v.resource], v.message) for v in access.check(inventory)]


BOUNDED = {"type": "AfterDuration", "duration": "P180D"}


def test_a_valid_access_inventory_passes_every_access_check():
    uai = identity()
    assert every(inv(
        assignment(), role(), eligibility(BOUNDED), uai,
        assignment("train", STORAGE, IDENTITY_PRINCIPAL, BLOB_READER, "ServicePrincipal", deps=(uai.urn,)),
    )) == []


def test_check_runs_the_named_checks_only():
    broken = inv(assignment(ptype=None), eligibility())
    assert [v.invariant for v in access.check(broken, ["pim-bounded"])] == ["pim-bounded"]
    assert [v.invariant for v in access.check(broken)] == ["assignment-principal-type", "pim-bounded"]


# assignment-principal-type -----------------------------------------------------------------------


def test_fails_when_an_assignment_has_no_principal_type():
    assert found(inv(assignment(ptype=None)), "assignment-principal-type") == [("ra", (
        "no principalType; azure-native sends 'User', which fails for groups and managed identities: set "
        "principal_type explicitly"))]


def test_a_principal_type_not_known_yet_is_not_judged():
    assert found(inv(assignment(ptype=UNKNOWN)), "assignment-principal-type") == []


def test_fails_when_a_principal_type_is_not_an_azure_one():
    assert found(inv(assignment(ptype="Application")), "assignment-principal-type") == [("ra", (
        "principalType 'Application' is not one of AgentServicePrincipal, AgentUser, Device, ForeignGroup, Group, "
        "ServicePrincipal, User"))]


def test_an_invalid_principal_type_is_reported_once_not_again_as_a_wrong_or_second_type():
    uai = identity()
    bad = assignment("train", STORAGE, GROUP, BLOB_READER, "Application", deps=(uai.urn,))
    good = assignment("other", RG, GROUP, READER, "Group")
    assert [n for n, _ in found(inv(uai, bad, good), "assignment-principal-type")] == ["train"]


@pytest.mark.parametrize("ptype", sorted(access.PRINCIPAL_TYPES))
def test_every_azure_principal_type_is_accepted(ptype):
    assert found(inv(assignment(ptype=ptype)), "assignment-principal-type") == []


def test_fails_when_a_managed_identity_is_not_assigned_as_a_service_principal():
    uai = identity()
    bad = assignment("train", STORAGE, IDENTITY_PRINCIPAL, BLOB_READER, "User", deps=(uai.urn,))
    assert found(inv(uai, bad), "assignment-principal-type") == [("train", (
        "principalType 'User' for a managed identity; identities are assigned as ServicePrincipal"))]


def test_an_identity_is_recognised_by_its_recorded_principal_id_in_any_case():
    uai = identity(IDENTITY_PRINCIPAL.upper())
    bad = assignment("train", STORAGE, IDENTITY_PRINCIPAL, BLOB_READER, "Group")
    assert [n for n, _ in found(inv(uai, bad), "assignment-principal-type")] == ["train"]
    other = assignment("other", STORAGE, GROUP, BLOB_READER, "Group")
    assert found(inv(uai, other), "assignment-principal-type") == []


def test_fails_on_every_assignment_of_a_principal_assigned_as_two_types():
    one = assignment("a", principal=GROUP, ptype="Group")
    two = assignment("b", scope=STORAGE, principal=GROUP.upper(), ptype="User")
    three = assignment("c", scope=SUB + "/resourceGroups/x", principal=GROUP, ptype="Group")
    said = f"principal {GROUP} is assigned as Group (2), User (1); one principal has one type"
    assert found(inv(one, two, three), "assignment-principal-type") == [("a", said), ("c", said), ("b", said)]


def test_one_principal_assigned_twice_as_one_type_is_consistent():
    assert found(inv(assignment("a"), assignment("b", scope=STORAGE)), "assignment-principal-type") == []


def test_principals_not_known_yet_are_not_compared():
    assert found(inv(assignment("a", principal=UNKNOWN), assignment("b", principal=UNKNOWN, ptype="User")),
                 "assignment-principal-type") == []


# assignment-name-deterministic -------------------------------------------------------------------


def test_fails_when_an_assignment_has_no_name():
    [(name, message)] = found(inv(assignment(roleAssignmentName=None)), "assignment-name-deterministic")
    assert name == "ra" and message.startswith("no roleAssignmentName: Azure would get a random name")


def test_a_name_not_known_yet_is_not_judged():
    assert found(inv(assignment(roleAssignmentName=UNKNOWN)), "assignment-name-deterministic") == []


def test_fails_when_an_assignment_name_is_not_a_guid():
    assert found(inv(assignment(roleAssignmentName="ops")), "assignment-name-deterministic") == [
        ("ra", "roleAssignmentName 'ops' is not a GUID")]


def test_fails_when_an_assignment_name_is_not_the_uuid5_of_scope_principal_and_role():
    random_name = "9b9b9b9b-9b9b-4b9b-9b9b-9b9b9b9b9b9b"
    expected = role_assignment_name(RG, GROUP, role_id(READER))
    assert found(inv(assignment(roleAssignmentName=random_name)), "assignment-name-deterministic") == [
        ("ra", f"roleAssignmentName {random_name} is not the name of (scope, principal, role), {expected}")]


def test_the_deterministic_name_is_accepted_in_any_case():
    name = role_assignment_name(RG, GROUP, role_id(READER)).upper()
    assert found(inv(assignment(roleAssignmentName=name)), "assignment-name-deterministic") == []


def test_a_name_whose_parts_are_not_known_yet_is_only_checked_for_uniqueness():
    assert found(inv(assignment(scope=UNKNOWN, roleAssignmentName=role_assignment_name(RG, GROUP, role_id(READER)))),
                 "assignment-name-deterministic") == []


def test_fails_on_both_assignments_that_share_a_name():
    twin = dataclasses.replace(assignment(), urn=urn(ROLE_ASSIGNMENT, "twin"), name="twin")
    name = role_assignment_name(RG, GROUP, role_id(READER))
    message = (f"roleAssignmentName {name} is used by 2 assignments (the same principal, role and scope twice); "
               "keep one")
    assert found(inv(assignment(), twin), "assignment-name-deterministic") == [("ra", message), ("twin", message)]


def test_assignments_with_names_of_their_own_are_unique():
    assert found(inv(assignment("a"), assignment("b", scope=STORAGE)), "assignment-name-deterministic") == []


# no-standing-privileged --------------------------------------------------------------------------


@pytest.mark.parametrize("ptype", ["User", "Group", "ForeignGroup", None])
@pytest.mark.parametrize("scope", [SUB, SUB + "/", "/", "/providers/Microsoft.Management/managementGroups/root"])
def test_fails_when_a_privileged_role_stands_at_subscription_scope_or_wider_for_people(ptype, scope):
    said = ptype or "User"  # left out, the SDK sends User
    assert found(inv(assignment(scope=scope, guid=OWNER, ptype=ptype)), "no-standing-privileged") == [("ra", (
        f"Owner standing at {scope} for a {said}; privileged access for people is PIM-eligible and time-bound "
        "(PimRoleEligibilitySchedule), not a standing assignment"))]


@pytest.mark.parametrize("role_name", sorted(catalog.PRIVILEGED_BUILTIN_ROLES))
def test_every_privileged_role_counts(role_name):
    a = assignment(scope=SUB, guid=catalog.BUILTIN_ROLES[role_name])
    assert [n for n, _ in found(inv(a), "no-standing-privileged")] == ["ra"]


@pytest.mark.parametrize("a", [
    assignment(scope=SUB, guid=READER),
    assignment(scope=RG, guid=READER),
    assignment(scope=SUB, guid=OWNER, ptype="ServicePrincipal"),
    assignment(scope=UNKNOWN, guid=OWNER),
    assignment(scope=SUB, guid=OWNER, roleDefinitionId=UNKNOWN),
], ids=["reader", "reader-at-resource-group", "service-principal", "scope-unknown", "role-unknown"])
def test_roles_that_are_not_privileged_or_not_for_people_are_left_alone(a):
    assert found(inv(a), "no-standing-privileged") == []


def test_fails_when_people_hold_a_privileged_role_standing_at_a_resource_group():
    # PIM for people at every scope, not only the subscription (issue 11).
    assert [name for name, _ in found(inv(assignment(scope=RG, guid=OWNER)), "no-standing-privileged")] == ["ra"]


# custom-role-least-privilege ---------------------------------------------------------------------


def test_fails_once_per_wildcard_or_authorization_write():
    perms = [{"actions": ["Microsoft.Network/*", "Microsoft.Authorization/roleAssignments/write",
                          "Microsoft.Authorization/roleAssignments/read"],
              "dataActions": ["*"]}]
    assert found(inv(role(perms)), "custom-role-least-privilege") == [
        ("role", "permissions.0.actions: 'Microsoft.Network/*' has a wildcard; list the exact operations"),
        ("role", "permissions.0.actions: 'Microsoft.Authorization/roleAssignments/write' changes authorization "
                 "(only Microsoft.Authorization reads are allowed)"),
        ("role", "permissions.0.dataActions: '*' has a wildcard; list the exact operations"),
    ]


def test_a_permission_without_data_actions_is_judged_on_its_actions():
    assert found(inv(role([{"actions": ["Microsoft.Compute/virtualMachines/read"]}])),
                 "custom-role-least-privilege") == []
    assert found(inv(role([{"actions": ["*"]}])), "custom-role-least-privilege") == [
        ("role", "permissions.0.actions: '*' has a wildcard; list the exact operations")]


@pytest.mark.parametrize(("permissions", "message"), [
    ([{"actions": "Microsoft.Network/*"}], "permissions.0.actions is 'Microsoft.Network/*', not a list of operations"),
    ([{"actions": [], "dataActions": {"op": "*"}}], "permissions.0.dataActions is {'op': '*'}, not a list of operations"),
    (["Microsoft.Network/*"], "permissions.0 is 'Microsoft.Network/*', not a permission (actions, dataActions...)"),
    ("Microsoft.Network/*", "permissions is 'Microsoft.Network/*', not a list of permissions"),
])
def test_fails_when_permissions_are_malformed(permissions, message):
    assert found(inv(role(permissions)), "custom-role-least-privilege") == [("role", message)]


def test_operations_of_other_types_inside_a_list_are_skipped():
    assert found(inv(role([{"actions": [None, 3, "Microsoft.Network/virtualNetworks/read"]}])),
                 "custom-role-least-privilege") == []


def test_a_role_without_permissions_grants_nothing():
    assert found(inv(role([])), "custom-role-least-privilege") == []
    assert found(inv(dataclasses.replace(role(), inputs={"assignableScopes": [RG]})),
                 "custom-role-least-privilege") == []


@pytest.mark.parametrize("scopes", [None, [], "rg", 7])
def test_fails_when_a_custom_role_has_no_assignable_scopes_list(scopes):
    assert found(inv(role(scopes=scopes)), "custom-role-least-privilege") == [
        ("role", "no assignableScopes list; list the fabric's resource groups")]


def test_assignable_scopes_not_known_yet_are_not_judged():
    assert found(inv(role(scopes=UNKNOWN)), "custom-role-least-privilege") == []
    assert found(inv(role(scopes=[UNKNOWN, RG])), "custom-role-least-privilege") == []


def test_fails_once_per_assignable_scope_at_a_subscription_or_wider():
    assert found(inv(role(scopes=[RG, SUB, "/"])), "custom-role-least-privilege") == [
        ("role", f"assignable at {SUB!r}, a subscription or wider; custom roles are assignable only at the "
                 "fabric's own resource groups"),
        ("role", "assignable at '/', a subscription or wider; custom roles are assignable only at the fabric's own "
                 "resource groups"),
    ]


# training-data-read-only -------------------------------------------------------------------------


def training(guid: str = BLOB_READER, scope: str = STORAGE, **kw: Any) -> Inventory:
    uai = identity()
    return inv(uai, assignment("train", scope, IDENTITY_PRINCIPAL, guid, "ServicePrincipal", deps=(uai.urn,), **kw))


def test_a_training_identity_may_read_dataset_blobs():
    assert found(training(), "training-data-read-only") == []
    assert found(training(scope=STORAGE + "/"), "training-data-read-only") == []


def test_fails_when_a_training_identity_gets_another_role():
    contributor = catalog.BUILTIN_ROLES["Storage Blob Data Contributor"].lower()
    assert found(training(catalog.BUILTIN_ROLES["Storage Blob Data Contributor"]), "training-data-read-only") == [
        ("train", f"a training identity gets role {contributor}; it may hold only Storage Blob Data Reader "
                  f"({BLOB_READER.lower()})")]


def test_fails_when_a_training_identity_gets_a_role_outside_a_storage_account():
    assert found(training(scope=RG), "training-data-read-only") == [
        ("train", f"a training identity gets a role at {RG!r}; only dataset storage accounts are allowed")]
    container = STORAGE + "/blobServices/default/containers/c"
    assert len(found(training(scope=container), "training-data-read-only")) == 1


def test_a_training_identity_role_or_scope_not_known_yet_is_not_judged():
    assert found(training(roleDefinitionId=UNKNOWN, scope=UNKNOWN), "training-data-read-only") == []


def test_fails_when_a_training_identity_is_given_pim_eligibility():
    uai = identity()
    pim = eligibility(BOUNDED, deps=(uai.urn,), roleDefinitionId=role_id(BLOB_READER), scope=STORAGE)
    assert found(inv(uai, pim), "training-data-read-only") == [
        ("pim", "a training identity is given PIM eligibility; it needs only a standing read assignment")]


def test_people_and_their_eligibilities_are_not_training_identities():
    assert found(inv(identity(), assignment(guid=OWNER), eligibility(BOUNDED)), "training-data-read-only") == []


# pim-bounded -------------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", ["P365D", "P1Y", "P52W1D", "P11M24D", "PT8760H", "PT525600M", "PT31536000S",
                                      "P1D", "PT1S", "P26W"])
def test_an_eligibility_of_at_most_365_days_is_bounded(duration):
    assert found(inv(eligibility({"type": "AfterDuration", "duration": duration})), "pim-bounded") == []


@pytest.mark.parametrize("duration", ["P366D", "P1Y1D", "P52W2D", "P11M25D", "PT8761H", "PT525601M", "PT31536001S",
                                      "P12M", "P2Y"])
def test_fails_when_an_eligibility_lasts_366_days_or_more(duration):
    assert found(inv(eligibility({"type": "AfterDuration", "duration": duration})), "pim-bounded") == [
        ("pim", f"duration {duration} is over 365 days; renew instead")]


@pytest.mark.parametrize("duration", ["P", "PT", "P0D", "PT0S", "forever", "180D", "P1.5D"])
def test_fails_when_a_duration_is_not_an_iso_8601_duration_of_some_time(duration):
    assert found(inv(eligibility({"type": "AfterDuration", "duration": duration})), "pim-bounded") == [
        ("pim", f"duration {duration!r} is not an ISO 8601 duration such as 'P180D'")]


@pytest.mark.parametrize(("expiration", "message"), [
    (None, "no scheduleInfo.expiration: the eligibility never ends; set type AfterDuration and a duration such as "
           "'P180D'"),
    ({"duration": "P1D"}, "scheduleInfo.expiration has no type; use AfterDuration"),
    ({"type": "AfterDuration"}, "expiration AfterDuration without a duration"),
    ({"type": "AfterDateTime"}, "expiration AfterDateTime without an endDateTime"),
    ({"type": "NoExpiration"}, "expiration type 'NoExpiration': the eligibility never ends; use AfterDuration"),
])
def test_fails_when_an_eligibility_never_ends(expiration, message):
    assert found(inv(eligibility(expiration)), "pim-bounded") == [("pim", message)]


@pytest.mark.parametrize("expiration", [
    {"type": "AfterDateTime", "endDateTime": "2027-06-01T00:00:00Z"},
    {"type": UNKNOWN},
    {"type": "AfterDuration", "duration": UNKNOWN},
])
def test_an_eligibility_with_an_end_or_not_known_yet_is_left_alone(expiration):
    assert found(inv(eligibility(expiration)), "pim-bounded") == []


def test_the_year_is_the_specs_bound_too():
    assert access.MAX_ELIGIBLE_DAYS == 365


# Malformed inventories are reported, in `fabric plan`'s run and in the policy pack ---------------


def _policy_resources(inventory: Inventory) -> list[PolicyResource]:
    opts = PolicyResourceOptions(False, [], None, [], None, [], None)
    stack = PolicyResource("pulumi:pulumi:Stack", {}, "urn:pulumi:s::ai-fabric::pulumi:pulumi:Stack::ai-fabric-s",
                           "ai-fabric-s", opts, None, None, [], {})
    return [stack, *(PolicyResource(r.type, dict(r.inputs), r.urn, r.name, opts, object(), stack, [], {})
                     for r in inventory)]


def run_pack(inventory: Inventory) -> list[tuple[str, str | None, str]]:
    out: list[tuple[str, str | None, str]] = []
    resources = _policy_resources(inventory)
    for policy in policies.policies():
        policy.validate(StackValidationArgs(resources),
                        lambda message, urn=None, name=policy.name: out.append((name, urn, message)))
    return out


MALFORMED = inv(
    role([{"actions": ["Microsoft.Compute/virtualMachines/read"]}, "junk", {"actions": "*"}]),
    eligibility({"type": "AfterDuration", "duration": 180}),
    assignment(ptype=["Group"], principalId=42, roleAssignmentName=7, scope=None),
)


def test_malformed_access_inputs_are_violations_in_the_plan_and_the_pack_alike():
    expected = [
        ("custom-role-least-privilege", urn(ROLE_DEFINITION, "role"),
         "permissions.1 is 'junk', not a permission (actions, dataActions...)"),
        ("custom-role-least-privilege", urn(ROLE_DEFINITION, "role"),
         "permissions.2.actions is '*', not a list of operations"),
        ("pim-bounded", urn(PIM_ELIGIBILITY, "pim"), "duration 180 is not an ISO 8601 duration such as 'P180D'"),
        ("assignment-principal-type", urn(ROLE_ASSIGNMENT, "ra"), "principalType ['Group'] is not a string"),
        ("assignment-name-deterministic", urn(ROLE_ASSIGNMENT, "ra"), "roleAssignmentName 7 is not a GUID"),
    ]
    names = {name for name, _, _ in expected}  # the access rules; API conformance judges these inputs too
    plan = [(v.invariant, v.resource, v.message) for v in invariants.check(MALFORMED)]
    assert sorted(v for v in plan if v[0] in names) == sorted(expected)
    assert not any("cannot check" in m for _, _, m in plan)
    assert sorted(v for v in run_pack(MALFORMED) if v[0] in names) == sorted(expected)
