"""Resource-level access invariants: each holds on every shipped stack and catches a mutated inventory."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from infra import catalog, invariants
from infra.inventory import Inventory, Resource
from infra.invariants import access
from infra.offline import MOCK_SUBSCRIPTION
from infra.spec.access import role_assignment_name

SHIPPED = ["eastus", "southcentralus", "uksouth", "westeurope", "westus3"]
SUB = f"/subscriptions/{MOCK_SUBSCRIPTION}"
OWNER = catalog.BUILTIN_ROLES["Owner"]
READER = catalog.BUILTIN_ROLES["Reader"]
BLOB_READER = catalog.BUILTIN_ROLES["Storage Blob Data Reader"]
CORPUS = ("/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg-datasets-eastus/providers/"
          "Microsoft.Storage/storageAccounts/aifabriccorpuseus")


def role_id(guid: str) -> str:
    return f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def replace(inv: Inventory, name: str, drop: tuple[str, ...] = (), **inputs: Any) -> Inventory:
    """The inventory with one resource's inputs changed (and `drop` keys removed)."""
    out = []
    for r in inv:
        if r.name == name:
            new = {k: v for k, v in {**r.inputs, **inputs}.items() if k not in drop}
            r = dataclasses.replace(r, inputs=new)
        out.append(r)
    return dataclasses.replace(inv, resources=tuple(out))


def add(inv: Inventory, *resources: Resource) -> Inventory:
    return dataclasses.replace(inv, resources=(*inv.resources, *resources))


def violations(inv: Inventory, invariant: str) -> list:
    return access.CHECKS[invariant](inv)


def only(inv: Inventory, invariant: str, name: str):
    found = violations(inv, invariant)
    assert [v.resource.rsplit("::", 1)[-1] for v in found] == [name], found
    return found[0]


@pytest.fixture(scope="module")
def eastus(plan_shipped) -> Inventory:
    return plan_shipped("eastus")


def assignment(name: str, scope: str, principal: str, guid: str, ptype: str = "ServicePrincipal",
               deps: tuple[str, ...] = ()) -> Resource:
    rid = role_id(guid)
    return Resource(
        urn=f"urn:pulumi:eastus::ai-fabric::azure-native:authorization:RoleAssignment::{name}",
        type=access.ROLE_ASSIGNMENT, name=name, parent=None, dependencies=deps,
        inputs={"scope": scope, "principalId": principal, "principalType": ptype, "roleDefinitionId": rid,
                "roleAssignmentName": role_assignment_name(scope, principal, rid)},
    )


def identity(name: str = "a100-identity") -> Resource:
    return Resource(
        urn=f"urn:pulumi:eastus::ai-fabric::azure-native:managedidentity:UserAssignedIdentity::{name}",
        type=access.USER_ASSIGNED_IDENTITY, name=name, parent=None,
        inputs={"resourceGroupName": "rg-ai-fabric-eastus-a100", "location": "eastus"},
    )


# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", SHIPPED)
def test_every_shipped_stack_holds_the_access_invariants(plan_shipped, stack):
    inv = plan_shipped(stack)
    assert inv.of_type(access.ROLE_ASSIGNMENT) and inv.of_type(access.ROLE_DEFINITION)
    assert inv.of_type(access.PIM_ELIGIBILITY)
    assert access.check(inv) == []


def test_the_access_checks_are_part_of_every_plan():
    for name, fn in access.CHECKS.items():
        assert invariants.CHECKS[name] is fn


# assignment-principal-type ------------------------------------------------------------------


def test_fails_when_an_assignment_has_no_principal_type(eastus):
    inv = replace(eastus, "access-assignment-gpu-operate", drop=("principalType",))
    v = only(inv, "assignment-principal-type", "access-assignment-gpu-operate")
    assert "no principalType" in v.message and "set principal_type explicitly" in v.message


def test_fails_when_one_principal_is_assigned_as_two_types(eastus):
    # The SDK's default: a group assigned as a User on one of its assignments.
    inv = replace(eastus, "access-assignment-audit-interconnect", principalType="User")
    found = violations(inv, "assignment-principal-type")
    assert {v.resource.rsplit("::", 1)[-1] for v in found} == {
        "access-assignment-audit-interconnect", "access-assignment-audit-cluster-a100"}
    assert "is assigned as Group (1), User (1)" in found[0].message


def test_fails_when_a_principal_type_is_not_an_azure_one(eastus):
    inv = replace(eastus, "access-assignment-lumen-read", principalType="Application")
    assert "is not one of" in only(inv, "assignment-principal-type", "access-assignment-lumen-read").message


def test_fails_when_a_managed_identity_is_not_assigned_as_a_service_principal(eastus):
    uai = identity()
    ra = assignment("access-training-x", CORPUS, str(uuid.uuid4()), BLOB_READER, ptype="User", deps=(uai.urn,))
    v = only(add(eastus, uai, ra), "assignment-principal-type", "access-training-x")
    assert "identities are assigned as ServicePrincipal" in v.message


# assignment-name-deterministic --------------------------------------------------------------


def test_fails_when_an_assignment_has_no_name(eastus):
    inv = replace(eastus, "access-assignment-network-operate", drop=("roleAssignmentName",))
    only(inv, "assignment-name-deterministic", "access-assignment-network-operate")


def test_fails_when_an_assignment_name_is_random(eastus):
    inv = replace(eastus, "access-assignment-network-operate", roleAssignmentName=str(uuid.uuid4()))
    v = only(inv, "assignment-name-deterministic", "access-assignment-network-operate")
    assert "is not the name of (scope, principal, role)" in v.message


def test_fails_when_an_assignment_name_is_not_a_guid(eastus):
    inv = replace(eastus, "access-assignment-network-operate", roleAssignmentName="network-operate")
    assert "is not a GUID" in only(inv, "assignment-name-deterministic", "access-assignment-network-operate").message


def test_fails_when_the_same_assignment_is_declared_twice(eastus):
    twin = dataclasses.replace(eastus.named("access-assignment-lumen-read"),
                               urn="urn:pulumi:eastus::ai-fabric::x$azure-native:authorization:RoleAssignment::twin",
                               name="twin")
    found = violations(add(eastus, twin), "assignment-name-deterministic")
    assert len(found) == 2 and all("is used by 2 assignments" in v.message for v in found)


def test_assignment_names_ignore_the_case_of_arm_ids():
    rid = role_id(READER)
    assert role_assignment_name(SUB + "/resourceGroups/RG", "ABC", rid.upper()) == role_assignment_name(
        SUB.lower() + "/resourcegroups/rg/", "abc", rid)


# no-standing-privileged ---------------------------------------------------------------------


def owner_at_subscription(inv: Inventory, name: str, ptype: str) -> Inventory:
    r = inv.named(name)
    rid = role_id(OWNER)
    return replace(inv, name, scope=SUB, roleDefinitionId=rid, principalType=ptype,
                   roleAssignmentName=role_assignment_name(SUB, r.inputs["principalId"], rid))


def test_fails_when_a_group_holds_standing_owner_at_subscription(eastus):
    inv = owner_at_subscription(eastus, "access-assignment-gpu-operate", "Group")
    v = only(inv, "no-standing-privileged", "access-assignment-gpu-operate")
    assert f"Owner standing at {SUB} for a Group" in v.message
    # The other checks hold: only the privilege is wrong.
    assert violations(inv, "assignment-name-deterministic") == []


def test_a_missing_principal_type_counts_as_the_sdk_default_user(eastus):
    inv = owner_at_subscription(eastus, "access-assignment-gpu-operate", "Group")
    inv = replace(inv, "access-assignment-gpu-operate", drop=("principalType",))
    only(inv, "no-standing-privileged", "access-assignment-gpu-operate")


def test_privileged_roles_for_service_principals_are_not_people_standing(eastus):
    assert violations(owner_at_subscription(eastus, "access-assignment-lumen-read", "ServicePrincipal"),
                      "no-standing-privileged") == []


def test_fails_when_a_group_holds_standing_owner_at_a_resource_group(eastus):
    # PIM for people at every scope: a standing Owner on one cluster's resource group is still standing.
    inv = replace(eastus, "access-assignment-gpu-operate", roleDefinitionId=role_id(OWNER))
    v = only(inv, "no-standing-privileged", "access-assignment-gpu-operate")
    assert "/resourceGroups/" in v.message and "for a Group" in v.message


def test_a_standing_non_privileged_role_for_people_at_a_narrow_scope_is_left_alone(eastus):
    # The shipped gpu-operate grant: a custom operator role, standing, at one cluster's resource group.
    assert violations(eastus, "no-standing-privileged") == []


# custom-role-least-privilege ----------------------------------------------------------------


def with_actions(inv: Inventory, name: str, *extra: str, field: str = "actions") -> Inventory:
    perm = dict(inv.named(name).inputs["permissions"][0])
    perm[field] = [*perm.get(field, []), *extra]
    return replace(inv, name, permissions=[perm])


def test_fails_when_a_custom_role_has_a_wildcard(eastus):
    inv = with_actions(eastus, "access-role-carrier-read", "Microsoft.Network/expressRouteCircuits/*")
    v = only(inv, "custom-role-least-privilege", "access-role-carrier-read")
    assert v.message.startswith("permissions.0.actions: 'Microsoft.Network/expressRouteCircuits/*' has a wildcard")


def test_fails_when_a_custom_role_has_a_wildcard_data_action(eastus):
    inv = with_actions(eastus, "access-role-carrier-read", "*", field="dataActions")
    only(inv, "custom-role-least-privilege", "access-role-carrier-read")


def test_fails_when_a_custom_role_writes_role_assignments(eastus):
    inv = with_actions(eastus, "access-role-cluster-operator", "Microsoft.Authorization/roleAssignments/write")
    assert "changes authorization" in only(inv, "custom-role-least-privilege", "access-role-cluster-operator").message


@pytest.mark.parametrize("scope", [SUB, SUB + "/", "/", "/providers/Microsoft.Management/managementGroups/root"])
def test_fails_when_a_custom_role_is_assignable_at_a_subscription_or_wider(eastus, scope):
    inv = replace(eastus, "access-role-carrier-read", assignableScopes=[scope])
    assert "a subscription or wider" in only(inv, "custom-role-least-privilege", "access-role-carrier-read").message


def test_fails_when_a_custom_role_has_no_assignable_scopes(eastus):
    inv = replace(eastus, "access-role-carrier-read", drop=("assignableScopes",))
    only(inv, "custom-role-least-privilege", "access-role-carrier-read")


# training-data-read-only --------------------------------------------------------------------


def test_a_training_identity_may_read_dataset_blobs(eastus):
    uai = identity()
    ra = assignment("access-training-a100-corpus", CORPUS, str(uuid.uuid4()), BLOB_READER, deps=(uai.urn,))
    assert violations(add(eastus, uai, ra), "training-data-read-only") == []


def test_fails_when_a_training_identity_gets_a_control_plane_role(eastus):
    uai = identity()
    rg = f"{SUB}/resourceGroups/rg-ai-fabric-eastus-a100"
    ra = assignment("access-training-a100-rg", rg, str(uuid.uuid4()), catalog.BUILTIN_ROLES["Contributor"],
                    deps=(uai.urn,))
    found = violations(add(eastus, uai, ra), "training-data-read-only")
    assert len(found) == 2  # the wrong role and the wrong scope
    assert "may hold only Storage Blob Data Reader" in found[0].message
    assert "only dataset storage accounts are allowed" in found[1].message


def test_fails_when_a_training_identity_may_write_its_dataset(eastus):
    uai = identity()
    ra = assignment("access-training-write", CORPUS, str(uuid.uuid4()),
                    catalog.BUILTIN_ROLES["Storage Blob Data Contributor"], deps=(uai.urn,))
    only(add(eastus, uai, ra), "training-data-read-only", "access-training-write")


def test_an_identity_is_recognised_by_its_recorded_principal_id(eastus):
    principal = str(uuid.uuid4())
    uai = dataclasses.replace(identity(), inputs={**identity().inputs, "principalId": principal})
    ra = assignment("access-training-rg", f"{SUB}/resourceGroups/rg", principal, READER)
    assert len(violations(add(eastus, uai, ra), "training-data-read-only")) == 2  # role and scope


# pim-bounded ---------------------------------------------------------------------------------

PIM = "access-eligibility-network-break-glass"


def test_fails_when_an_eligibility_has_no_schedule(eastus):
    assert "never ends" in only(replace(eastus, PIM, drop=("scheduleInfo",)), "pim-bounded", PIM).message


def test_fails_when_an_eligibility_never_expires(eastus):
    inv = replace(eastus, PIM, scheduleInfo={"expiration": {"type": "NoExpiration"}})
    assert "never ends" in only(inv, "pim-bounded", PIM).message


@pytest.mark.parametrize("duration", ["P2Y", "P400D", "forever", "P"])
def test_fails_when_an_eligibility_lasts_over_a_year_or_unparsably(eastus, duration):
    inv = replace(eastus, PIM, scheduleInfo={"expiration": {"type": "AfterDuration", "duration": duration}})
    only(inv, "pim-bounded", PIM)


def test_fails_when_an_eligibility_has_a_duration_type_without_a_duration(eastus):
    inv = replace(eastus, PIM, scheduleInfo={"expiration": {"type": "AfterDuration"}})
    only(inv, "pim-bounded", PIM)


@pytest.mark.parametrize("duration", ["P365D", "P1D", "PT8H", "P26W"])
def test_an_eligibility_of_at_most_a_year_is_bounded(eastus, duration):
    inv = replace(eastus, PIM, scheduleInfo={"expiration": {"type": "AfterDuration", "duration": duration}})
    assert violations(inv, "pim-bounded") == []


# Preview: values not known yet are skipped, never mistaken for real ones ---------------------


def test_values_unknown_during_preview_are_not_violations(eastus):
    from infra.inventory import UNKNOWN  # what the policy adapter makes of the SDK's unknown sentinels

    inv = replace(eastus, "access-assignment-network-operate", scope=UNKNOWN, roleAssignmentName=UNKNOWN)
    inv = replace(inv, "access-role-carrier-read", assignableScopes=UNKNOWN)
    assert access.check(inv) == []
