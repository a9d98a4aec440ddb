"""EntraAccess: what the component declares for every shipped stack, checked on the recorded inventory."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from components.entra_access import TRAINING_ROLE
from infra import catalog, offline
from infra.inventory import Inventory, Resource
from infra.invariants import access as invariants
from infra.spec import FabricSpec
from infra.spec.access import PRINCIPAL_TYPE, custom_role_guid, role_assignment_name, role_definition_id
from infra.tokens import ENTRA_ACCESS as COMPONENT

SHIPPED = ["eastus", "southcentralus", "uksouth", "westeurope", "westus3"]
SUB = offline.MOCK_SUBSCRIPTION


def children(inv: Inventory, typ: str) -> dict[str, Resource]:
    return {r.name: r for r in inv.of_type(typ)}


def builtin(guid_of: str, sub: str = SUB) -> str:
    return role_definition_id(sub, catalog.BUILTIN_ROLES[guid_of])


def rg_ids(inv: Inventory) -> dict[str, str]:
    """Resource group Pulumi name -> its ARM ID, as the mock engine answered it."""
    return {r.name: r.id for r in inv.of_type("azure-native:resources:ResourceGroup")}


def expected_targets(spec: FabricSpec, inv: Inventory, grant_name: str) -> dict[str, str]:
    """Child key -> ARM scope a grant must produce (one per resource group for 'fabric')."""
    rgs = rg_ids(inv)
    scope = spec.access.grants[grant_name].scope
    if scope == "fabric":
        out = {f"{grant_name}-interconnect": rgs["network-rg"]}
        out.update({f"{grant_name}-cluster-{c}": rgs[f"{c}-rg"] for c in spec.clusters})
        return out
    if scope == "interconnect":
        return {grant_name: rgs["network-rg"]}
    if scope.startswith("cluster/"):
        return {grant_name: rgs[f"{scope.split('/', 1)[1]}-rg"]}
    if scope.startswith("dataset/"):
        return {grant_name: spec.access.datasets[scope.split("/", 1)[1]].storage_account_id}
    return {grant_name: f"/subscriptions/{SUB}"}


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(request, plan_shipped, shipped_fabric) -> tuple[FabricSpec, Inventory]:
    return shipped_fabric.stacks[request.param].spec, plan_shipped(request.param)


# --------------------------------------------------------------------------------------------


def test_every_shipped_stack_plans_roles_assignments_and_eligibility_that_hold(shipped):
    spec, inv = shipped
    (component,) = [r for r in inv if r.type == COMPONENT]
    declared = [r for r in inv if r.parent == component.urn]
    assert declared and all(r.name.startswith("access-") for r in declared)
    assert set(children(inv, invariants.ROLE_DEFINITION)) == {f"access-role-{k}" for k in spec.access.custom_roles}
    standing = {key for g in spec.access.grants if spec.access.grants[g].pim is None
                for key in expected_targets(spec, inv, g)}
    eligible = {key for g in spec.access.grants if spec.access.grants[g].pim is not None
                for key in expected_targets(spec, inv, g)}
    assignments = {n for n in children(inv, invariants.ROLE_ASSIGNMENT) if n.startswith("access-assignment-")}
    assert assignments == {f"access-assignment-{k}" for k in standing}
    assert set(children(inv, invariants.PIM_ELIGIBILITY)) == {f"access-eligibility-{k}" for k in eligible}
    assert {r.parent for r in inv.of_type(invariants.ROLE_ASSIGNMENT, invariants.ROLE_DEFINITION,
                                          invariants.PIM_ELIGIBILITY)} == {component.urn}
    assert invariants.check(inv) == []


def test_each_assignment_is_its_grant_with_an_explicit_principal_type_and_deterministic_name(shipped):
    spec, inv = shipped
    ras = children(inv, invariants.ROLE_ASSIGNMENT)
    for grant_name, grant in spec.access.grants.items():
        if grant.pim is not None:
            continue
        principal = spec.access.principals[grant.principal]
        for key, scope in expected_targets(spec, inv, grant_name).items():
            ra = ras[f"access-assignment-{key}"].inputs
            assert ra["scope"] == scope
            assert ra["principalId"] == str(principal.object_id)
            assert ra["principalType"] == PRINCIPAL_TYPE[principal.kind]
            if grant.role in spec.access.custom_roles:
                guid = custom_role_guid(SUB, spec.stack, grant.role)
                assert ra["roleDefinitionId"] == role_definition_id(SUB, guid)
            else:
                assert ra["roleDefinitionId"] == builtin(grant.role)
            assert ra["roleAssignmentName"] == role_assignment_name(scope, ra["principalId"], ra["roleDefinitionId"])


def test_a_fabric_grant_is_one_assignment_per_resource_group_of_the_site(plan_shipped, shipped_fabric):
    spec, inv = shipped_fabric.stacks["eastus"].spec, plan_shipped("eastus")
    assert spec.access.grants["audit"].scope == "fabric"
    ras = children(inv, invariants.ROLE_ASSIGNMENT)
    audit = sorted(n for n in ras if n.startswith("access-assignment-audit"))
    assert audit == ["access-assignment-audit-cluster-a100", "access-assignment-audit-interconnect"]
    assert {ras[n].inputs["scope"] for n in audit} == set(rg_ids(inv).values())


def test_custom_roles_are_the_exact_spec_operations_assignable_only_at_the_site_resource_groups(shipped):
    spec, inv = shipped
    rds = children(inv, invariants.ROLE_DEFINITION)
    site_rgs = sorted(rg_ids(inv).values())
    for key, role in spec.access.custom_roles.items():
        rd = rds[f"access-role-{key}"].inputs
        (perm,) = rd["permissions"]
        assert perm["actions"] == list(role.actions)
        assert perm.get("dataActions", []) == list(role.data_actions)
        assert sorted(rd["assignableScopes"]) == site_rgs
        assert rd["scope"] in site_rgs
        assert rd["roleDefinitionId"] == custom_role_guid(SUB, spec.stack, key)
        assert rd["roleName"] == f"ai-fabric {spec.stack} {key}"
        assert rd["roleType"] == "CustomRole"


def test_privileged_grants_are_pim_eligible_for_a_bounded_time_instead_of_standing(shipped):
    spec, inv = shipped
    schedules = children(inv, invariants.PIM_ELIGIBILITY)
    ras = children(inv, invariants.ROLE_ASSIGNMENT)
    pim_grants = {n: g for n, g in spec.access.grants.items() if g.pim is not None}
    assert pim_grants, "every shipped stack has a break-glass grant"
    for grant_name, grant in pim_grants.items():
        for key, scope in expected_targets(spec, inv, grant_name).items():
            assert f"access-assignment-{key}" not in ras
            s = schedules[f"access-eligibility-{key}"].inputs
            assert s["scope"] == scope
            assert s["principalId"] == str(spec.access.principals[grant.principal].object_id)
            assert s["roleDefinitionId"] == builtin(grant.role)
            assert s["scheduleInfo"] == {"expiration": {"type": "AfterDuration",
                                                        "duration": f"P{grant.pim.eligible_days}D"}}
            assert f"activation at most {grant.pim.max_activation_hours} h" in s["justification"]


def test_assignment_names_are_identical_in_two_separate_runs(plan_spec, shipped_fabric):
    spec = shipped_fabric.stacks["westus3"].spec

    def names(inv: Inventory) -> dict[str, str]:
        out = {n: r.inputs["roleAssignmentName"] for n, r in children(inv, invariants.ROLE_ASSIGNMENT).items()}
        out.update({n: r.inputs["roleDefinitionId"] for n, r in children(inv, invariants.ROLE_DEFINITION).items()})
        return out

    first, second = names(plan_spec(spec)), names(plan_spec(spec))
    assert first and first == second


def test_training_identity_reads_only_the_datasets_its_cluster_lists(shipped):
    spec, inv = shipped
    identities = {r.name: r for r in inv.of_type(invariants.USER_ASSIGNED_IDENTITY)}
    if not identities:
        pytest.xfail("GpuCluster declares no UserAssignedIdentity yet (identity_principal_id is None)")
    training = [r for r in inv.of_type(invariants.ROLE_ASSIGNMENT, invariants.PIM_ELIGIBILITY)
                if set(r.dependencies) & {u.urn for u in identities.values()}]
    expected = {}
    for cluster, c in spec.clusters.items():
        uai = identities[f"{cluster}-identity"]
        for ds in c.datasets:
            expected[f"access-training-{cluster}-{ds}"] = (uai, spec.access.datasets[ds].storage_account_id)
    assert {r.name for r in training} == set(expected)
    for r in training:
        uai, account = expected[r.name]
        assert r.type == invariants.ROLE_ASSIGNMENT
        assert r.inputs["scope"] == account
        assert r.inputs["principalType"] == "ServicePrincipal"
        # The mock engine's principal ID for this identity: the assignment names the identity itself.
        assert r.inputs["principalId"] == offline.stable_uuid(spec.stack, "principal", uai.id)
        dataset_sub = account.split("/")[2]
        assert r.inputs["roleDefinitionId"] == builtin(TRAINING_ROLE, dataset_sub)
        assert uai.urn in r.dependencies


# A program of its own: the component's training path and its output attributes, independent of
# what GpuCluster declares today.

PROGRAM = """
import json
import pulumi
from pulumi_azure_native import managedidentity, resources
from components.context import SiteContext
from components.entra_access import EntraAccess, EntraAccessArgs
from infra.spec.access import AccessSpec

spec = AccessSpec.model_validate(json.loads({spec!r}))
sub = "{sub}"
rgs = {{n: resources.ResourceGroup(f"{{n}}-rg", resource_group_name=f"rg-{{n}}", location="eastus")
        for n in ("network", "h100", "a100")}}
identities = {{n: managedidentity.UserAssignedIdentity(f"{{n}}-identity", resource_group_name=rgs[n].name,
                                                     resource_name_=f"id-{{n}}", location="eastus")
              for n in ("h100", "a100")}}
site = SiteContext(stack=pulumi.get_stack(), region="eastus", subscription_id=sub,
                   network_resource_group=rgs["network"].name, vnet_name="vnet", vnet_id="vnet-id")
access = EntraAccess("access", EntraAccessArgs(
    spec=spec, site=site,
    scopes={{"subscription": [f"/subscriptions/{{sub}}"],
            "fabric": [rgs["network"].id, rgs["h100"].id, rgs["a100"].id],
            "interconnect": [rgs["network"].id],
            "cluster/h100": [rgs["h100"].id], "cluster/a100": [rgs["a100"].id],
            **{{f"dataset/{{n}}": [d.storage_account_id] for n, d in spec.datasets.items()}} }},
    training_identities={{n: i.principal_id for n, i in identities.items()}},
    cluster_datasets={{"h100": ["corpus", "evals"], "a100": ["evals"]}},
))
pulumi.export("assignment_names", access.assignment_names)
pulumi.export("training_assignment_names", access.training_assignment_names)
pulumi.export("role_definition_ids", access.role_definition_ids)
pulumi.export("eligibility_ids", access.eligibility_ids)
"""

ACCOUNT = "/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/{}"
ACCESS = {
    "principals": {"ops": {"object_id": "5d3c8a5e-2f0b-4c41-9a57-0b6f4f9e1a01", "kind": "Group",
                           "persona": "auditor"}},
    "custom_roles": {"vmss-read": {"description": "read", "actions": ["Microsoft.Compute/virtualMachineScaleSets/read"]}},
    "grants": {"read": {"principal": "ops", "role": "vmss-read", "scope": "fabric"},
               "admin": {"principal": "ops", "role": "Owner", "scope": "cluster/h100", "pim": {"eligible_days": 7}}},
    "datasets": {"corpus": {"storage_account_id": ACCOUNT.format("corpus")},
                 "evals": {"storage_account_id": ACCOUNT.format("evals")}},
}


@pytest.fixture(scope="module")
def own_program(tmp_path_factory) -> Inventory:
    path: Path = tmp_path_factory.mktemp("program") / "__main__.py"
    path.write_text(textwrap.dedent(PROGRAM.format(spec=json.dumps(ACCESS), sub=SUB)))
    return offline.run("teststack", {}, options=offline.RunOptions(program=path))


def test_each_cluster_identity_reads_each_of_its_datasets_and_nothing_else(own_program):
    inv = own_program
    training = {n: r for n, r in children(inv, invariants.ROLE_ASSIGNMENT).items() if n.startswith("access-training-")}
    assert set(training) == {"access-training-h100-corpus", "access-training-h100-evals", "access-training-a100-evals"}
    uai = {r.name.split("-")[0]: r for r in inv.of_type(invariants.USER_ASSIGNED_IDENTITY)}
    for name, r in training.items():
        cluster, dataset = name.split("-")[2], name.split("-", 3)[3]
        assert r.inputs["scope"] == ACCOUNT.format(dataset)
        assert r.inputs["principalId"] == offline.stable_uuid("teststack", "principal", uai[cluster].id)
        assert r.inputs["principalType"] == "ServicePrincipal"
        assert r.inputs["roleDefinitionId"].endswith(catalog.BUILTIN_ROLES[TRAINING_ROLE])
    assert invariants.check(inv) == []


def test_the_component_exposes_its_names_and_ids_as_outputs(own_program):
    inv = own_program
    ras = children(inv, invariants.ROLE_ASSIGNMENT)
    exports = inv.exports
    assert exports["assignment_names"] == {
        k: ras[f"access-assignment-{k}"].inputs["roleAssignmentName"] for k in ("read-interconnect", "read-cluster-h100", "read-cluster-a100")}
    assert exports["training_assignment_names"] == {
        k: ras[f"access-training-{k}"].inputs["roleAssignmentName"] for k in ("h100-corpus", "h100-evals", "a100-evals")}
    assert exports["role_definition_ids"] == {
        "vmss-read": role_definition_id(SUB, custom_role_guid(SUB, "teststack", "vmss-read"))}
    assert set(exports["eligibility_ids"]) == {"admin"}
    (admin,) = inv.of_type(invariants.PIM_ELIGIBILITY)
    assert admin.inputs["scheduleInfo"]["expiration"]["duration"] == "P7D"
