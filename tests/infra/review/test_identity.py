"""The Azure identity of a declared resource: type, resource group or scope, ARM parents, name, location."""

from __future__ import annotations

from infra.review.identity import RESOURCE_GROUP, contains, identity, identity_differences, is_azure
from infra.tokens import (
    CIRCUIT,
    GLOBAL_REACH,
    GPU_CLUSTER,
    PEERING,
    PIM_ELIGIBILITY,
    ROLE_ASSIGNMENT,
    SCALE_SET,
    SUBNET,
    VIRTUAL_NETWORK,
)

RG = "rg-ai-fabric-eastus-network"


def test_a_peering_is_known_by_its_circuit_and_its_own_name(res):
    a = res(PEERING, "p-a", {"circuitName": "erc-a", "peeringName": "AzurePrivatePeering", "resourceGroupName": RG})
    b = res(PEERING, "p-b", {"circuitName": "erc-b", "peeringName": "AzurePrivatePeering", "resourceGroupName": RG})
    assert identity(a).parents == ((CIRCUIT, "erc-a"),)
    # Every private peering is called AzurePrivatePeering: only the circuit tells them apart.
    assert identity(a).key != identity(b).key


def test_a_subnet_is_known_by_its_vnet(res):
    s = res(SUBNET, "snet", {"subnetName": "snet-a100", "virtualNetworkName": "vnet-x", "resourceGroupName": RG})
    assert identity(s).parents == ((VIRTUAL_NETWORK, "vnet-x"),)
    assert identity(s).name == "snet-a100"


def test_names_and_resource_groups_ignore_case_and_locations_ignore_spelling(res):
    a = res(SCALE_SET, "x", {"vmScaleSetName": "VMSS-A", "resourceGroupName": "RG-A", "location": "West US 3"})
    b = res(SCALE_SET, "y", {"vmScaleSetName": "vmss-a", "resourceGroupName": "rg-a", "location": "westus3"})
    assert identity(a).key == identity(b).key


def test_a_location_change_is_an_identity_change(res):
    a = res(SCALE_SET, "x", {"vmScaleSetName": "vmss-a", "resourceGroupName": "rg", "location": "eastus"})
    b = res(SCALE_SET, "x", {"vmScaleSetName": "vmss-a", "resourceGroupName": "rg", "location": "eastus2"})
    assert identity_differences(identity(a), identity(b)) == [("location", "eastus", "eastus2")]


def test_role_assignments_live_at_their_scope_not_in_a_resource_group(res):
    scope = f"/subscriptions/s/resourceGroups/{RG}"
    ra = res(ROLE_ASSIGNMENT, "ra", {"roleAssignmentName": "guid-1", "scope": scope})
    assert (identity(ra).scope, identity(ra).name) == (scope, "guid-1")


def test_a_pim_eligibility_is_its_principal_and_role_at_its_scope(res):
    inputs = {"scope": "/subscriptions/s", "principalId": "p", "roleDefinitionId": "r"}
    e = res(PIM_ELIGIBILITY, "e", inputs)
    assert identity(e).name == "p/r" and not identity(e).named_by_pulumi


def test_a_resource_without_a_name_input_is_known_by_its_urn(res):
    r = res("azure-native:network:SomethingNew", "thing", {"resourceGroupName": RG})
    assert identity(r).named_by_pulumi and identity(r).name == r.urn


def test_an_unknown_type_follows_the_sdk_naming_rule(res):
    r = res("azure-native:network:BastionHost", "b", {"bastionHostName": "bas-1", "resourceGroupName": RG})
    assert identity(r).name == "bas-1"


def test_components_are_not_azure_resources(res):
    assert not is_azure(res(GPU_CLUSTER, "a100"))
    assert is_azure(res(SCALE_SET, "a100-ib-0"))


def test_a_resource_group_contains_its_resources_and_their_role_assignments(res):
    rg = identity(res(RESOURCE_GROUP, "rg", {"resourceGroupName": RG, "location": "eastus"}))
    inside = identity(res(CIRCUIT, "c", {"circuitName": "erc", "resourceGroupName": RG}))
    elsewhere = identity(res(CIRCUIT, "c", {"circuitName": "erc", "resourceGroupName": RG + "-2"}))
    scoped = identity(res(ROLE_ASSIGNMENT, "ra", {"roleAssignmentName": "g", "scope": f"/subscriptions/s/resourceGroups/{RG}"}))
    assert contains(rg, inside) and contains(rg, scoped)
    assert not contains(rg, elsewhere)


def test_a_circuit_contains_its_peering_and_global_reach_but_not_another_circuits(res):
    circuit = identity(res(CIRCUIT, "c", {"circuitName": "erc-a", "resourceGroupName": RG}))
    gr = {"connectionName": "gr", "peeringName": "AzurePrivatePeering", "resourceGroupName": RG}
    mine = identity(res(GLOBAL_REACH, "g", {**gr, "circuitName": "erc-a"}))
    other = identity(res(GLOBAL_REACH, "g", {**gr, "circuitName": "erc-b"}))
    assert contains(circuit, mine) and not contains(circuit, other)


def test_a_management_lock_is_known_by_its_scope_and_name(res):
    from infra.review.identity import MANAGEMENT_LOCK

    scope = f"/subscriptions/s/resourceGroups/{RG}/providers/Microsoft.Network/expressRouteCircuits/erc-a"
    lock = identity(res(MANAGEMENT_LOCK, "lock", {"lockName": "no-delete", "scope": scope, "level": "CanNotDelete"}))
    assert (lock.scope, lock.name) == (scope, "no-delete")
    rg = identity(res(RESOURCE_GROUP, "rg", {"resourceGroupName": RG, "location": "eastus"}))
    assert contains(rg, lock)
