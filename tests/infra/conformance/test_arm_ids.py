"""Mock IDs are formed from the vendored PUT path templates, with Azure's collection names."""

from __future__ import annotations

from infra import conformance
from infra.offline import MOCK_SUBSCRIPTION

SUB = MOCK_SUBSCRIPTION
LIB = conformance.library()


def test_forms_a_child_resource_id_from_its_parents_names():
    rid = conformance.arm_id("azure-native:network:ExpressRouteCircuitConnection",
                             {"resourceGroupName": "rg", "circuitName": "erc", "peeringName": "AzurePrivatePeering"},
                             "gr", SUB, LIB)
    assert rid == (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/erc"
                   "/peerings/AzurePrivatePeering/connections/gr")


def test_forms_extension_resource_ids_under_their_scope():
    scope = f"/subscriptions/{SUB}/resourceGroups/rg"
    assert conformance.arm_id("azure-native:authorization:RoleAssignment", {"scope": scope + "/"}, "n", SUB, LIB) == \
        f"{scope}/providers/Microsoft.Authorization/roleAssignments/n"
    lock = conformance.arm_id("azure-native:authorization:ManagementLockAtResourceLevel", {
        "resourceGroupName": "rg", "resourceProviderNamespace": "Microsoft.Network", "parentResourcePath": "",
        "resourceType": "virtualNetworkGateways", "resourceName": "gw"}, "no-delete", SUB, LIB)
    assert lock == (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/gw"
                    "/providers/Microsoft.Authorization/locks/no-delete")
    assert conformance.check_id(lock, LIB) == []


def test_gives_no_id_without_a_spec_or_the_inputs_the_template_needs():
    assert conformance.arm_id("azure-native:network:NatGateway", {"resourceGroupName": "rg"}, "n", SUB, LIB) is None
    assert conformance.arm_id("azure-native:network:Subnet", {"resourceGroupName": "rg"}, "s", SUB, LIB) is None


def test_every_vendored_type_has_a_literal_namespace_and_collection():
    # A resource group is the one type outside any provider namespace (/subscriptions/{s}/resourcegroups/{rg}).
    assert conformance.arm_type("azure-native:resources:ResourceGroup", LIB) is None
    for token in set(LIB.tokens()) - {"azure-native:resources:ResourceGroup"}:
        found = conformance.arm_type(token, LIB)
        assert found is not None and found[0].startswith("Microsoft.") and all(found[1]), token
    assert conformance.arm_type("azure-native:network:VirtualNetworkGateway", LIB) == \
        ("Microsoft.Network", ("virtualNetworkGateways",))
    assert conformance.arm_type("azure-native:network:VirtualNetworkGatewayConnection", LIB) == \
        ("Microsoft.Network", ("connections",))
