"""Each kind of finding is caught on a mutated real inventory, and the correct side is left alone."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra import conformance
from infra.inventory import SECRET, UNKNOWN, Inventory
from infra.invariants import conformance as conformance_invariant

VMSS = "azure-native:compute:VirtualMachineScaleSet"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
NSG = "azure-native:network:NetworkSecurityGroup"
PEERING = "azure-native:network:ExpressRouteCircuitPeering"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE = "azure-native:authorization:RoleDefinition"
PIM = "azure-native:authorization:PimRoleEligibilitySchedule"
NIC0 = ("virtualMachineProfile", "networkProfile", "networkInterfaceConfigurations", 0)


@pytest.fixture
def inputs_of(plan_shipped):
    """inputs_of(token) -> a deep copy of the first eastus resource of that type's inputs."""

    def get(token: str) -> dict[str, Any]:
        return copy.deepcopy(dict(plan_shipped("eastus").of_type(token)[0].inputs))

    return get


def _at(tree: Any, *path: Any) -> Any:
    for p in path:
        tree = tree[p]
    return tree


def findings(token: str, inputs: dict[str, Any]) -> list[conformance.Finding]:
    return conformance.check_resource(token, inputs)


def kinds(token: str, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.kind, f.path) for f in findings(token, inputs)]


# -- the correct side ------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [VMSS, GATEWAY, CONNECTION, NSG, PEERING, ASSIGNMENT, ROLE, PIM])
def test_leaves_the_program_as_declared_alone(inputs_of, token):
    assert findings(token, inputs_of(token)) == []


def test_leaves_flattened_names_string_sets_and_references_alone(inputs_of):
    vmss = inputs_of(VMSS)
    # Flattened twice: properties.virtualMachineProfile... and the NIC's own properties.
    assert _at(vmss, *NIC0, "enableAcceleratedNetworking") is True
    # userAssignedIdentities is a map in REST and a list of IDs in azure-native.
    assert isinstance(vmss["identity"]["userAssignedIdentities"], list)
    # virtualNetworkGateway1 is a full VirtualNetworkGateway schema (which requires 'properties'), sent as a reference.
    assert set(inputs_of(CONNECTION)["virtualNetworkGateway1"]) == {"id"}
    assert findings(VMSS, vmss) == [] and findings(CONNECTION, inputs_of(CONNECTION)) == []


def test_never_judges_unknown_or_secret_values(inputs_of):
    gw = inputs_of(GATEWAY)
    gw["gatewayType"] = UNKNOWN
    gw["ipConfigurations"][0]["subnet"] = {"id": UNKNOWN}
    gw["sku"] = UNKNOWN
    assert findings(GATEWAY, gw) == []
    peering = inputs_of(PEERING)
    peering["sharedKey"] = SECRET
    peering["vlanId"] = UNKNOWN
    assert findings(PEERING, peering) == []


def test_leaves_a_renamed_property_alone_under_its_sdk_name(inputs_of):
    role = inputs_of(ROLE)
    assert role["roleType"] == "CustomRole"  # REST 'type', x-ms-client-name 'roleType'
    role["type"] = "CustomRole"  # at the top level 'type' is the resource type, which Azure sets
    assert kinds(ROLE, role) == [("read-only", "type")]


def test_leaves_the_provider_supplied_request_type_of_pim_alone(inputs_of):
    # requestType is required by the spec; azure-native's custom resource sets it (AdminAssign).
    pim = inputs_of(PIM)
    assert "requestType" not in pim
    assert findings(PIM, pim) == []


def test_leaves_an_auto_named_resource_alone(inputs_of):
    gw = inputs_of(GATEWAY)
    del gw["virtualNetworkGatewayName"]  # azure-native auto-names the resource
    assert findings(GATEWAY, gw) == []


# -- each kind of finding --------------------------------------------------------------------------


def test_fails_on_an_invented_property_naming_the_nearest_real_ones(inputs_of):
    vmss = inputs_of(VMSS)
    vmss["virtualMachineProfile"]["osProfile"]["adminUserName"] = "azureuser"
    found = findings(VMSS, vmss)
    assert [(f.kind, f.path) for f in found] == [("unknown-property", "virtualMachineProfile.osProfile.adminUserName")]
    assert "adminUsername" in found[0].message and "VirtualMachineScaleSetOSProfile" in found[0].message


def test_fails_on_a_wrong_nested_key(inputs_of):
    gw = inputs_of(GATEWAY)
    gw["ipConfigurations"][0]["subnet"] = {"resourceId": gw["ipConfigurations"][0]["subnet"]["id"]}
    assert ("unknown-property", "ipConfigurations[0].subnet.resourceId") in kinds(GATEWAY, gw)


def test_fails_on_a_value_outside_a_closed_enum(inputs_of):
    vmss = inputs_of(VMSS)
    vmss["upgradePolicy"]["mode"] = "manual"  # UpgradeMode, modelAsString false: 'Manual'
    found = findings(VMSS, vmss)
    assert [(f.kind, f.path) for f in found] == [("enum", "upgradePolicy.mode")]
    assert "closed enum" in found[0].message and "'Manual'" in found[0].message


def test_fails_on_a_value_outside_an_extensible_enum(inputs_of):
    gw = inputs_of(GATEWAY)
    gw["sku"]["name"] = "ErGw4AZ"
    found = findings(GATEWAY, gw)
    assert [(f.kind, f.path) for f in found] == [("enum", "sku.name")]
    assert "extensible enum" in found[0].message and "x-extensible-enum-values" in found[0].message


def test_fails_on_a_missing_required_property(inputs_of):
    nsg = inputs_of(NSG)
    del nsg["securityRules"][0]["priority"]  # SecurityRulePropertiesFormat requires it once the rule is sent
    found = findings(NSG, nsg)
    assert [(f.kind, f.path) for f in found] == [("missing-required", "securityRules[0].priority")]
    conn = inputs_of(CONNECTION)
    del conn["connectionType"]
    assert kinds(CONNECTION, conn) == [("missing-required", "connectionType")]


def test_fails_on_a_missing_url_parameter(inputs_of):
    peering = inputs_of(PEERING)
    del peering["circuitName"]
    assert kinds(PEERING, peering) == [("missing-required", "circuitName")]


def test_fails_on_a_read_only_property(inputs_of):
    gw = inputs_of(GATEWAY)
    gw["provisioningState"] = "Succeeded"
    gw["ipConfigurations"][0]["privateIPAddress"] = "10.0.0.4"
    assert sorted(kinds(GATEWAY, gw)) == [("read-only", "ipConfigurations[0].privateIPAddress"),
                                          ("read-only", "provisioningState")]


def test_fails_on_a_wrong_json_type(inputs_of):
    peering = inputs_of(PEERING)
    peering["vlanId"] = "120"
    vmss = inputs_of(VMSS)
    vmss["singlePlacementGroup"] = "true"
    vmss["identity"]["userAssignedIdentities"] = {vmss["identity"]["userAssignedIdentities"][0]: {}}
    assert kinds(PEERING, peering) == [("type", "vlanId")]
    assert sorted(kinds(VMSS, vmss)) == [("type", "identity.userAssignedIdentities"), ("type", "singlePlacementGroup")]


def test_fails_on_an_id_with_a_wrong_collection_name(inputs_of):
    conn = inputs_of(CONNECTION)
    good = conn["virtualNetworkGateway1"]["id"]
    conn["virtualNetworkGateway1"]["id"] = good.replace("virtualNetworkGateways", "virtualNetworkGatewaies")
    found = findings(CONNECTION, conn)
    assert [(f.kind, f.path) for f in found] == [("arm-id", "virtualNetworkGateway1.id")]
    assert "Microsoft.Network/virtualNetworkGatewaies" in found[0].message and "virtualNetworkGateways" in found[0].message


def test_leaves_ids_alone_in_namespaces_it_has_no_spec_for_and_at_any_case(inputs_of):
    sa = ("/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg/providers/"
          "Microsoft.Storage/storageAccounts/corpus")
    assert conformance.check_id(sa, conformance.library()) == []
    assert conformance.check_id("/subscriptions/s/resourcegroups/rg/providers/microsoft.network/"
                                "VIRTUALNETWORKGATEWAYS/gw", conformance.library()) == []
    # A child resource type and a lock on a resource are Azure collection paths too.
    assert conformance.check_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/c/"
                                "peerings/AzurePrivatePeering", conformance.library()) == []
    assert conformance.check_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/"
                                "providers/Microsoft.Authorization/locks/l", conformance.library()) == []
    assert conformance.check_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/c/"
                                "peering/AzurePrivatePeering", conformance.library()) != []


def test_the_invariant_names_the_resource_and_cites_the_spec(plan_shipped):
    inv = plan_shipped("eastus")
    target = inv.of_type(VMSS)[0]
    inputs = copy.deepcopy(dict(target.inputs))
    inputs["overprovisioned"] = False
    mutated = Inventory(inv.stack, tuple(r if r.urn != target.urn else r.__class__(**{**r.__dict__, "inputs": inputs})
                                         for r in inv))
    found = conformance_invariant.azure_api_conformance(mutated)
    assert [v.resource for v in found] == [target.urn]
    message = found[0].message
    assert found[0].invariant == "azure-api-conformance"
    for part in ("overprovisioned", "nearest: overprovision", "virtualMachineScaleSet.json", "2024-11-01"):
        assert part in message
