"""Spec-level access invariants: operator coverage, least privilege, persona scopes (no Pulumi)."""

from __future__ import annotations

import pytest

from infra.capacity import access
from infra.spec.access import PERSONA_MAX_SCOPE, SCOPE_PARENT, scope_within
from infra.stackfile import SpecError, load

GROUP_OPS = "5d3c8a5e-2f0b-4c41-9a57-0b6f4f9e1a01"
GROUP_GPU = "7a1e0c44-93b2-4d8e-8f3c-2b7d5e6a1b02"
SP_LUMEN = "1c9f2d3e-4b5a-4687-a9b0-c1d2e3f4a503"
GROUP_AUDIT = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04"
MI_TRAIN = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"
CORPUS = ("/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg-datasets/providers/"
          "Microsoft.Storage/storageAccounts/aifabriccorpus")


def with_access(spec_data: dict) -> dict:
    """The minimal stack with a complete, least-privilege access section (every invariant holds)."""
    spec_data["clusters"]["h100"]["datasets"] = ["corpus"]
    spec_data["access"] = {
        "principals": {
            "net-ops": {"object_id": GROUP_OPS, "kind": "Group", "persona": "network-operator"},
            "gpu-ops": {"object_id": GROUP_GPU, "kind": "Group", "persona": "cluster-operator"},
            "lumen": {"object_id": SP_LUMEN, "kind": "ServicePrincipal", "persona": "carrier-partner"},
            "auditors": {"object_id": GROUP_AUDIT, "kind": "Group", "persona": "auditor"},
            "trainer": {"object_id": MI_TRAIN, "kind": "ManagedIdentity", "persona": "training-workload"},
        },
        "custom_roles": {
            "circuit-read": {
                "description": "read circuits",
                "actions": ["Microsoft.Network/expressRouteCircuits/read"],
            },
        },
        "grants": {
            "net-operate": {"principal": "net-ops", "role": "circuit-read", "scope": "interconnect"},
            "net-break-glass": {"principal": "net-ops", "role": "Contributor", "scope": "interconnect",
                                "pim": {"max_activation_hours": 4}},
            "gpu-operate": {"principal": "gpu-ops", "role": "Reader", "scope": "cluster/h100"},
            "lumen-read": {"principal": "lumen", "role": "circuit-read", "scope": "interconnect"},
            "audit": {"principal": "auditors", "role": "Reader", "scope": "fabric"},
            "train-read": {"principal": "trainer", "role": "Storage Blob Data Reader", "scope": "dataset/corpus"},
        },
        "datasets": {"corpus": {"storage_account_id": CORPUS}},
    }
    return spec_data


@pytest.fixture
def data(spec_data):
    return with_access(spec_data)


def found(spec, invariant=None):
    return [v for v in access.check(spec) if invariant is None or v.invariant == invariant]


def one(spec, invariant):
    hits = found(spec, invariant)
    assert len(hits) == 1, f"expected one {invariant}, got {access.check(spec)}"
    return hits[0]


# --------------------------------------------------------------------------------------------


def test_shipped_stacks_hold_every_access_invariant(shipped_specs):
    for name, spec in shipped_specs.items():
        assert access.check(spec) == [], name


def test_a_complete_least_privilege_access_section_holds(data, make_spec):
    assert access.check(make_spec(data)) == []


def test_a_stack_that_manages_no_access_is_not_checked_for_operators(spec_data, make_spec):
    assert access.check(make_spec(spec_data)) == []


def test_scope_order_is_a_tree_with_interconnect_and_clusters_as_siblings():
    assert SCOPE_PARENT == {"fabric": "subscription", "interconnect": "fabric", "cluster": "fabric",
                            "dataset": "cluster"}
    assert scope_within("cluster/a100", "fabric") and scope_within("interconnect", "subscription")
    assert scope_within("dataset/corpus", "cluster") and scope_within("dataset/corpus", "fabric")
    assert not scope_within("interconnect", "cluster") and not scope_within("cluster/a100", "interconnect")
    assert not scope_within("dataset/corpus", "interconnect")
    assert not scope_within("fabric", "interconnect") and not scope_within("subscription", "fabric")
    assert set(PERSONA_MAX_SCOPE.values()) <= set(SCOPE_PARENT) | {"subscription"}


# Operator coverage ----------------------------------------------------------------------------


def test_fails_when_a_cluster_has_no_operator_group(data, make_spec):
    del data["access"]["grants"]["gpu-operate"]
    v = one(make_spec(data), "operator-coverage")
    assert "cluster 'h100' has no operator group" in v.message
    assert v.path == "access.grants" and v.stack == "eastus"


def test_fails_when_the_interconnect_operator_is_not_a_group(data, make_spec):
    data["access"]["principals"]["net-ops"]["kind"] = "User"
    v = one(make_spec(data), "operator-coverage")
    assert v.message.startswith("the interconnect has no operator group")


def test_a_pim_eligible_operator_group_covers_its_cluster(data, make_spec):
    data["access"]["grants"]["gpu-operate"]["pim"] = {"eligible_days": 30}
    assert found(make_spec(data), "operator-coverage") == []


# Standing privileged access -------------------------------------------------------------------


def test_fails_when_a_group_holds_standing_owner_at_subscription(data, make_spec):
    data["access"]["grants"]["owners"] = {"principal": "auditors", "role": "Owner", "scope": "subscription"}
    v = one(make_spec(data), "no-standing-privileged")
    assert v.path == "access.grants.owners"
    assert "Owner standing at subscription scope for Group 'auditors'" in v.message
    assert "PIM-eligible" in v.message


@pytest.mark.parametrize("role", ["Owner", "Contributor", "User Access Administrator",
                                  "Role Based Access Control Administrator"])
def test_fails_when_a_user_holds_any_privileged_role_standing_at_subscription(data, make_spec, role):
    data["access"]["principals"]["alice"] = {"object_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                                             "kind": "User", "persona": "auditor"}
    data["access"]["grants"]["alice"] = {"principal": "alice", "role": role, "scope": "subscription"}
    assert one(make_spec(data), "no-standing-privileged").path == "access.grants.alice"


def test_pim_eligible_owner_is_not_standing_access(data, make_spec):
    data["access"]["grants"]["owners"] = {"principal": "auditors", "role": "Owner", "scope": "subscription",
                                          "pim": {"eligible_days": 30}}
    assert found(make_spec(data), "no-standing-privileged") == []


# Persona scope --------------------------------------------------------------------------------


def test_fails_when_a_carrier_partner_holds_a_role_at_subscription(data, make_spec):
    data["access"]["grants"]["lumen-read"]["scope"] = "subscription"
    v = one(make_spec(data), "persona-scope")
    assert v.path == "access.grants.lumen-read.scope"
    assert "'lumen' (carrier-partner) may hold roles at 'interconnect' or narrower, got 'subscription'" in v.message


def test_fails_when_a_carrier_partner_holds_a_role_on_the_whole_fabric(data, make_spec):
    data["access"]["grants"]["lumen-read"]["scope"] = "fabric"
    assert one(make_spec(data), "persona-scope").path == "access.grants.lumen-read.scope"


def test_fails_when_a_cluster_operator_holds_a_role_at_the_interconnect(data, make_spec):
    data["access"]["grants"]["gpu-interconnect"] = {"principal": "gpu-ops", "role": "Reader", "scope": "interconnect"}
    assert one(make_spec(data), "persona-scope").path == "access.grants.gpu-interconnect.scope"


def test_fails_when_a_carrier_partner_is_given_training_data(data, make_spec):
    data["access"]["grants"]["lumen-data"] = {"principal": "lumen", "role": "Storage Blob Data Reader",
                                              "scope": "dataset/corpus"}
    assert one(make_spec(data), "persona-scope").path == "access.grants.lumen-data.scope"


def test_an_auditor_may_read_at_any_scope_of_the_fabric(data, make_spec):
    for scope in ("fabric", "interconnect", "cluster/h100", "dataset/corpus"):
        data["access"]["grants"]["audit"]["scope"] = scope
        assert found(make_spec(data), "persona-scope") == [], scope


# Custom roles ---------------------------------------------------------------------------------


def test_fails_when_a_custom_role_has_a_wildcard_action(data, make_spec):
    data["access"]["custom_roles"]["circuit-read"]["actions"].append("Microsoft.Network/*")
    v = one(make_spec(data), "custom-role-least-privilege")
    assert v.path == "access.custom_roles.circuit-read.actions.1"
    assert "'Microsoft.Network/*' has a wildcard" in v.message


def test_fails_when_a_custom_role_has_a_wildcard_data_action(data, make_spec):
    data["access"]["custom_roles"]["circuit-read"]["data_actions"] = [
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]
    assert one(make_spec(data), "custom-role-least-privilege").path == "access.custom_roles.circuit-read.data_actions.0"


@pytest.mark.parametrize("op", ["Microsoft.Authorization/roleAssignments/write",
                                "Microsoft.Authorization/roleDefinitions/write",
                                "Microsoft.Authorization/locks/delete",
                                "Microsoft.Authorization/elevateAccess/action"])
def test_fails_when_a_custom_role_changes_authorization(data, make_spec, op):
    data["access"]["custom_roles"]["circuit-read"]["actions"].append(op)
    assert "changes authorization" in one(make_spec(data), "custom-role-least-privilege").message


def test_a_custom_role_may_read_authorization_and_exclude_with_not_actions(data, make_spec):
    role = data["access"]["custom_roles"]["circuit-read"]
    role["actions"].append("Microsoft.Authorization/roleAssignments/read")
    role["not_actions"] = ["Microsoft.Network/expressRouteCircuits/*"]
    assert found(make_spec(data), "custom-role-least-privilege") == []


# Training identities and duplicates -----------------------------------------------------------


def test_fails_when_a_training_workload_gets_more_than_blob_read(data, make_spec):
    data["access"]["grants"]["train-read"]["role"] = "Storage Blob Data Contributor"
    v = one(make_spec(data), "training-data-read-only")
    assert v.path == "access.grants.train-read"


def test_fails_when_two_grants_give_the_same_role_at_the_same_resource_group(data, make_spec):
    # 'fabric' includes the interconnect's resource group: both would be the same assignment.
    data["access"]["grants"]["audit-net"] = {"principal": "auditors", "role": "Reader", "scope": "interconnect"}
    v = one(make_spec(data), "grant-unique")
    assert "grants audit, audit-net all give 'auditors' 'Reader' at 'interconnect'" in v.message


# Spec errors from a stack file ----------------------------------------------------------------


def test_fails_when_a_principal_has_a_malformed_object_id(stack_file, stacks_dir):
    eastus = stack_file("eastus")
    bad = "5d3c8a5e-2f0b-4c41-9a57-0b6f4f9e1a0"  # one hex digit short
    line = eastus.replace("object_id: 5d3c8a5e-2f0b-4c41-9a57-0b6f4f9e1a01", f"object_id: {bad}")
    with pytest.raises(SpecError) as info:
        load(eastus.path)
    (issue,) = info.value.issues
    assert issue.file.endswith("Pulumi.eastus.yaml")
    assert issue.line == line
    assert issue.path == "ai-fabric:access.principals.network-operators.object_id"
    assert issue.value == bad
    assert "is not an Entra object ID; expected a GUID" in issue.message
    assert f"Pulumi.eastus.yaml:{line}: ai-fabric:access.principals.network-operators.object_id" in str(issue)
