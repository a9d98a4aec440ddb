"""Spec-level access rules one by one (infra/capacity/access.py), each with what it rejects and what it
leaves alone: operator coverage (only a Group of the right persona at the right scope covers), no standing
privileged role for people (PIM-eligible, or a non-person, or a non-privileged role is fine), persona scopes,
custom roles (wildcards and authorization changes, reads allowed), training identities read-only, and
duplicate grants (two against one, PIM or not, 'fabric' expanded, each duplicate reported once)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.capacity import access

OPS, GPU, AUDIT, USER, SP, TRAIN = (f"{i:08x}-2f0b-4c41-9a57-0b6f4f9e1a0{i}" for i in range(1, 7))
CORPUS = ("/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg-datasets/providers/"
          "Microsoft.Storage/storageAccounts/aifabriccorpus")


@pytest.fixture
def data(spec_data) -> dict[str, Any]:
    """A stack whose access section holds every rule: both operator groups, an auditor, a user, a service
    principal and a training identity, each granted as least privilege allows."""
    spec_data["clusters"]["h100"]["datasets"] = ["corpus"]
    spec_data["access"] = {
        "principals": {
            "net-ops": {"object_id": OPS, "kind": "Group", "persona": "network-operator"},
            "gpu-ops": {"object_id": GPU, "kind": "Group", "persona": "cluster-operator"},
            "auditors": {"object_id": AUDIT, "kind": "Group", "persona": "auditor"},
            "alice": {"object_id": USER, "kind": "User", "persona": "network-operator"},
            "lumen": {"object_id": SP, "kind": "ServicePrincipal", "persona": "carrier-partner"},
            "trainer": {"object_id": TRAIN, "kind": "ManagedIdentity", "persona": "training-workload"},
        },
        "custom_roles": {},
        "grants": {
            "net": {"principal": "net-ops", "role": "Reader", "scope": "interconnect"},
            "gpu": {"principal": "gpu-ops", "role": "Reader", "scope": "cluster/h100"},
            "train": {"principal": "trainer", "role": "Storage Blob Data Reader", "scope": "dataset/corpus"},
        },
        "datasets": {"corpus": {"storage_account_id": CORPUS}},
    }
    return spec_data


def check(make_spec, data) -> list[tuple[str, str]]:
    return [(v.invariant, v.path) for v in access.check(make_spec(data))]


def grant(data, name: str, principal: str, role: str, scope: str, pim: dict | None = None) -> None:
    data["access"]["grants"][name] = {"principal": principal, "role": role, "scope": scope,
                                      **({"pim": pim} if pim is not None else {})}


def test_the_least_privilege_section_holds_every_rule(data, make_spec):
    assert check(make_spec, data) == []


# custom-role-least-privilege ----------------------------------------------------------------------


def test_custom_role_problems_name_each_wildcard_and_authorization_change_by_index():
    ops = ["Microsoft.Network/*/read", "Microsoft.Network/expressRouteCircuits/write",
           "Microsoft.Authorization/roleAssignments/write", "microsoft.authorization/locks/read",
           "Microsoft.Authorization/policyAssignments/delete"]
    assert [i for i, _ in access.custom_role_problems(ops)] == [0, 2, 4]
    assert "wildcard" in access.custom_role_problems(ops)[0][1]
    assert "changes authorization" in access.custom_role_problems(ops)[1][1]


def test_custom_role_reads_and_non_authorization_writes_are_left_alone():
    assert access.custom_role_problems(["Microsoft.Authorization/roleAssignments/read",
                                        "Microsoft.Network/expressRouteCircuits/write"]) == []


def test_fails_once_per_bad_operation_of_a_custom_role_with_its_field_and_index(data, make_spec):
    data["access"]["custom_roles"]["r"] = {"description": "r", "actions": ["Microsoft.Network/expressRouteCircuits/read", "Microsoft.Network/*"],
                                           "data_actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]}
    assert check(make_spec, data) == [("custom-role-least-privilege", "access.custom_roles.r.actions.1"),
                                      ("custom-role-least-privilege", "access.custom_roles.r.data_actions.0")]


# operator-coverage -----------------------------------------------------------------------------


def test_fails_for_interconnect_and_every_cluster_when_principals_are_declared_but_nothing_is_granted(data, make_spec):
    data["access"]["grants"] = {}
    assert check(make_spec, data) == [("operator-coverage", "access.grants"), ("operator-coverage", "access.grants")]


def test_a_stack_without_principals_or_grants_is_not_checked_for_operators(spec_data, make_spec):
    assert check(make_spec, spec_data) == []


def test_an_auditor_group_at_the_interconnect_does_not_cover_it(data, make_spec):
    data["access"]["grants"]["net"]["principal"] = "auditors"
    found = [v for v in access.check(make_spec(data)) if v.invariant == "operator-coverage"]
    assert len(found) == 1 and "the interconnect has no operator group" in found[0].message


def test_a_user_network_operator_does_not_cover_the_interconnect(data, make_spec):
    data["access"]["grants"]["net"]["principal"] = "alice"
    data["access"]["grants"]["net"]["pim"] = {}
    assert check(make_spec, data) == [("operator-coverage", "access.grants")]


def test_an_auditor_group_at_a_cluster_does_not_cover_it(data, make_spec):
    data["access"]["grants"]["gpu"]["principal"] = "auditors"
    found = [v for v in access.check(make_spec(data)) if v.invariant == "operator-coverage"]
    assert len(found) == 1 and "cluster 'h100' has no operator group" in found[0].message


def test_a_cluster_operator_group_at_a_dataset_does_not_cover_the_cluster(data, make_spec):
    data["access"]["grants"]["gpu"]["scope"] = "dataset/corpus"
    assert check(make_spec, data) == [("operator-coverage", "access.grants")]


# no-standing-privileged -------------------------------------------------------------------------


@pytest.mark.parametrize("principal", ["net-ops", "alice"])
def test_fails_when_a_person_holds_a_privileged_role_standing(data, make_spec, principal):
    grant(data, "admin", principal, "Contributor", "interconnect")
    assert check(make_spec, data) == [("no-standing-privileged", "access.grants.admin")]


def test_a_pim_eligible_privileged_role_for_a_person_is_left_alone(data, make_spec):
    grant(data, "admin", "alice", "Owner", "interconnect", pim={"max_activation_hours": 1})
    assert check(make_spec, data) == []


def test_a_standing_privileged_role_for_a_service_principal_is_not_standing_access_for_people(data, make_spec):
    grant(data, "carrier", "lumen", "Contributor", "interconnect")
    assert check(make_spec, data) == []


def test_a_standing_non_privileged_role_for_a_person_is_left_alone(data, make_spec):
    grant(data, "look", "alice", "Reader", "interconnect")
    assert check(make_spec, data) == []


# persona-scope ----------------------------------------------------------------------------------


def test_fails_when_a_grant_is_wider_than_its_persona_allows(data, make_spec):
    grant(data, "wide", "lumen", "Reader", "fabric")
    assert check(make_spec, data) == [("persona-scope", "access.grants.wide.scope")]


def test_a_grant_exactly_at_its_personas_widest_scope_is_left_alone(data, make_spec):
    grant(data, "audit", "auditors", "Reader", "fabric")
    grant(data, "carrier", "lumen", "Reader", "interconnect")
    assert check(make_spec, data) == []


# training-data-read-only ------------------------------------------------------------------------


def test_fails_when_a_training_identity_gets_another_role_on_its_dataset(data, make_spec):
    data["access"]["grants"]["train"]["role"] = "Storage Blob Data Contributor"
    assert check(make_spec, data) == [("training-data-read-only", "access.grants.train")]


def test_fails_when_a_training_identity_reads_blobs_at_a_cluster(data, make_spec):
    data["access"]["grants"]["train"]["scope"] = "cluster/h100"
    assert ("training-data-read-only", "access.grants.train") in check(make_spec, data)


def test_blob_reading_by_other_personas_is_not_the_training_rule(data, make_spec):
    grant(data, "audit-data", "auditors", "Reader", "dataset/corpus")
    assert check(make_spec, data) == []


# grant-unique -----------------------------------------------------------------------------------


def test_fails_once_when_two_grants_give_one_principal_one_role_at_one_scope(data, make_spec):
    grant(data, "net-again", "net-ops", "Reader", "interconnect")
    violations = access.check(make_spec(data))
    assert [(v.invariant, v.path) for v in violations] == [("grant-unique", "access.grants.net-again")]
    assert "grants net, net-again all give 'net-ops' 'Reader' at 'interconnect'" in violations[0].message


def test_a_standing_and_a_pim_eligible_grant_of_one_role_are_two_assignments(data, make_spec):
    grant(data, "net-eligible", "net-ops", "Reader", "interconnect", pim={})
    assert check(make_spec, data) == []


def test_a_fabric_grant_counts_at_each_group_of_the_site(data, make_spec):
    grant(data, "audit-net", "auditors", "Reader", "interconnect")
    grant(data, "audit-all", "auditors", "Reader", "fabric")
    assert check(make_spec, data) == [("grant-unique", "access.grants.audit-all")]


def test_two_fabric_grants_are_reported_once_not_once_per_group(data, make_spec):
    grant(data, "audit-1", "auditors", "Reader", "fabric")
    grant(data, "audit-2", "auditors", "Reader", "fabric")
    assert check(make_spec, data) == [("grant-unique", "access.grants.audit-2")]


def test_one_grant_per_principal_role_and_scope_is_left_alone(data, make_spec):
    grant(data, "audit-net", "auditors", "Reader", "interconnect")
    grant(data, "audit-gpu", "auditors", "Reader", "cluster/h100")
    assert check(make_spec, data) == []
