"""The identity rules (infra/review/identity.py) on both sides and at their edges: which declarations are
Azure resources, where a resource's Azure name comes from, which identity parts differ, and what
Azure deletes with what."""

from __future__ import annotations

from infra.inventory import Resource
from infra.review.identity import (
    RESOURCE_GROUP,
    Identity,
    azure_name,
    contains,
    display_name,
    identity,
    identity_differences,
    is_azure,
)
from infra.tokens import (
    CIRCUIT,
    GLOBAL_REACH,
    PEERING,
    PIM_ELIGIBILITY,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    SUBNET,
    VIRTUAL_NETWORK,
)

RG = "rg-net"
SCOPE = f"/subscriptions/s/resourceGroups/{RG}"


def _raw(typ: str, custom: bool, name: str = "x") -> Resource:
    return Resource(urn=f"urn:pulumi:s::ai-fabric::{typ}::{name}", type=typ, name=name, parent=None, inputs={},
                    custom=custom)


# ------------------------------------------------------------------------------------------------
# is_azure
# ------------------------------------------------------------------------------------------------


def test_is_azure_leaves_out_pulumis_own_custom_resources_and_components_of_any_package():
    assert is_azure(_raw(VIRTUAL_NETWORK, True))
    assert not is_azure(_raw("pulumi:providers:azure-native", True))
    assert not is_azure(_raw("pulumi:pulumi:StackReference", True))
    assert not is_azure(_raw("ai-fabric:network:Thing", True))
    assert not is_azure(_raw("acme:network:Component", False))


# ------------------------------------------------------------------------------------------------
# azure_name / display_name
# ------------------------------------------------------------------------------------------------


def test_azure_name_of_a_role_definition_is_its_id_input(res):
    rd = res(ROLE_DEFINITION, "rd", {"roleDefinitionId": "guid-1", "scope": "/subscriptions/s", "roleName": "x"})
    assert azure_name(rd) == "guid-1"


def test_azure_name_is_none_when_the_name_input_is_not_a_string(res):
    for value in (5, {"value": "vnet-a"}, "", None):
        vnet = res(VIRTUAL_NETWORK, "v", {"virtualNetworkName": value, "resourceGroupName": RG})
        assert azure_name(vnet) is None and identity(vnet).named_by_pulumi, value


def test_azure_name_of_a_pim_eligibility_needs_both_principal_and_role(res):
    assert azure_name(res(PIM_ELIGIBILITY, "e", {"scope": "/subscriptions/s", "principalId": "p"})) is None


def test_azure_name_of_an_unknown_type_prefers_the_camel_case_type_name_over_other_name_inputs(res):
    r = res("azure-native:network:BastionHost", "b", {"bastionHostName": "bas-1", "dnsName": "d",
                                                      "resourceGroupName": RG})
    assert azure_name(r) == "bas-1"
    # Only the first letter is lowered: 'XYThing' -> 'xYThingName'.
    xy = res("azure-native:network:XYThing", "xy", {"xYThingName": "xy-1", "dnsName": "d", "resourceGroupName": RG})
    assert azure_name(xy) == "xy-1"


def test_azure_name_of_an_unknown_type_is_its_one_other_name_input_and_none_when_there_are_two(res):
    one = res("azure-native:network:Gadget", "g", {"hostName": "h-1", "resourceGroupName": RG, "location": "x",
                                                   "tags": {"a": "b"}})
    assert azure_name(one) == "h-1"
    two = res("azure-native:network:Gadget", "g", {"hostName": "h-1", "dnsName": "d", "resourceGroupName": RG})
    assert azure_name(two) is None
    only_group = res("azure-native:network:Gadget", "g", {"resourceGroupName": RG, "location": "x"})
    assert azure_name(only_group) is None


def test_display_name_puts_the_parents_names_first_and_a_question_mark_for_a_missing_one(res):
    peering = {"peeringName": "AzurePrivatePeering", "resourceGroupName": RG}
    assert display_name(res(PEERING, "p", {**peering, "circuitName": "erc-a"})) == "erc-a/AzurePrivatePeering"
    assert display_name(res(PEERING, "p", peering)) == "?/AzurePrivatePeering"
    assert display_name(res(VIRTUAL_NETWORK, "vnet-logical", {"resourceGroupName": RG})) == "vnet-logical"


# ------------------------------------------------------------------------------------------------
# Identity: describe, differences
# ------------------------------------------------------------------------------------------------


def test_an_identity_describes_scope_parents_name_and_location():
    sub = Identity(SUBNET, RG, ((VIRTUAL_NETWORK, "vnet-a"),), "snet-1", "eastus")
    assert not sub.named_by_pulumi and sub.describe() == "rg-net/vnet-a/snet-1 in eastus"
    rg = Identity(RESOURCE_GROUP, "", (), "rg-a", None)
    assert rg.describe() == "rg-a"
    pulumi = Identity(VIRTUAL_NETWORK, RG, (), "urn:x", None, named_by_pulumi=True)
    assert pulumi.describe() == "rg-net/(named by Pulumi)"


def test_identity_differences_name_a_moved_scope_as_scope_and_a_moved_group_as_resource_group(res):
    def ra(scope):
        return identity(res(ROLE_ASSIGNMENT, "ra", {"roleAssignmentName": "g", "scope": scope}))

    assert identity_differences(ra("/subscriptions/s"), ra(SCOPE)) == [("scope", "/subscriptions/s", SCOPE)]
    assert identity_differences(ra(SCOPE), ra(SCOPE.upper())) == []

    def vnet(rg):
        return identity(res(VIRTUAL_NETWORK, "v", {"virtualNetworkName": "vnet-a", "resourceGroupName": rg}))

    assert identity_differences(vnet("rg-1"), vnet("rg-2")) == [("resource group", "rg-1", "rg-2")]


def test_identity_differences_name_a_new_parent_and_ignore_its_case(res):
    def peering(circuit):
        return identity(res(PEERING, "p", {"circuitName": circuit, "peeringName": "AzurePrivatePeering",
                                           "resourceGroupName": RG}))

    assert identity_differences(peering("erc-a"), peering("erc-b")) == [
        ("parent ExpressRouteCircuit", "erc-a", "erc-b")]
    assert identity_differences(peering("erc-a"), peering("ERC-A")) == []


def test_identity_differences_compare_azure_names_without_case_and_pulumi_names_exactly(res):
    def vnet(name, urn_name="v"):
        inputs = {"resourceGroupName": RG} if name is None else {"virtualNetworkName": name, "resourceGroupName": RG}
        return identity(res(VIRTUAL_NETWORK, urn_name, inputs))

    assert identity_differences(vnet("vnet-a"), vnet("VNET-A")) == []
    assert identity_differences(vnet("vnet-a"), vnet("vnet-b")) == [("name", "vnet-a", "vnet-b")]
    assert identity_differences(vnet(None), vnet(None)) == []
    pulumi_a, pulumi_b = vnet(None, "v"), vnet(None, "V")
    assert identity_differences(pulumi_a, pulumi_b) == [("name", pulumi_a.name, pulumi_b.name)]
    # From a name Pulumi picks to one the stack gives, even one spelled like the URN: a new name.
    spelled = vnet(pulumi_a.name)
    assert identity_differences(pulumi_a, spelled) == [("name", pulumi_a.name, pulumi_a.name)]


def test_identity_differences_say_none_for_a_location_set_or_unset(res):
    def vnet(location):
        extra = {"location": location} if location else {}
        return identity(res(VIRTUAL_NETWORK, "v", {"virtualNetworkName": "vnet-a", "resourceGroupName": RG, **extra}))

    assert identity_differences(vnet(None), vnet("eastus")) == [("location", "(none)", "eastus")]
    assert identity_differences(vnet("eastus"), vnet(None)) == [("location", "eastus", "(none)")]
    assert identity_differences(vnet("East US"), vnet("eastus")) == []


def test_identity_differences_list_every_part_that_moved(res):
    old = identity(res(PEERING, "p", {"circuitName": "erc-a", "peeringName": "AzurePrivatePeering",
                                      "resourceGroupName": "rg-1", "location": "eastus"}))
    new = identity(res(PEERING, "p", {"circuitName": "erc-b", "peeringName": "MicrosoftPeering",
                                      "resourceGroupName": "rg-2", "location": "westus"}))
    assert [what for what, _, _ in identity_differences(old, new)] == [
        "resource group", "parent ExpressRouteCircuit", "name", "location"]


# ------------------------------------------------------------------------------------------------
# contains: what Azure deletes with what
# ------------------------------------------------------------------------------------------------


def test_a_peering_contains_its_global_reach_connections(res):
    peering = identity(res(PEERING, "p", {"circuitName": "erc-a", "peeringName": "AzurePrivatePeering",
                                          "resourceGroupName": RG}))
    gr = {"connectionName": "gr", "circuitName": "erc-a", "resourceGroupName": RG}
    assert contains(peering, identity(res(GLOBAL_REACH, "g", {**gr, "peeringName": "AzurePrivatePeering"})))
    assert not contains(peering, identity(res(GLOBAL_REACH, "g", {**gr, "peeringName": "MicrosoftPeering"})))


def test_a_vnet_contains_its_subnets_in_its_own_resource_group_only(res):
    vnet = identity(res(VIRTUAL_NETWORK, "v", {"virtualNetworkName": "vnet-a", "resourceGroupName": RG}))

    def subnet(vnet_name, rg=RG):
        return identity(res(SUBNET, "s", {"subnetName": "snet", "virtualNetworkName": vnet_name,
                                          "resourceGroupName": rg}))

    assert contains(vnet, subnet("vnet-a")) and contains(vnet, subnet("VNET-A"))
    assert not contains(vnet, subnet("vnet-b")) and not contains(vnet, subnet("vnet-a", "rg-other"))
    assert not contains(subnet("vnet-a"), vnet)


def test_a_resource_group_contains_scoped_resources_below_it_and_nothing_of_another_group(res):
    rg = identity(res(RESOURCE_GROUP, "rg", {"resourceGroupName": RG}))

    def ra(scope):
        return identity(res(ROLE_ASSIGNMENT, "ra", {"roleAssignmentName": "g", "scope": scope}))

    assert contains(rg, ra(f"{SCOPE}/providers/Microsoft.Network/virtualNetworks/vnet-a"))
    assert not contains(rg, ra("/subscriptions/s")) and not contains(rg, ra(f"/subscriptions/s/resourceGroups/{RG}-2"))
    # A resource group is not inside itself, nor inside another one.
    assert not contains(rg, rg)
    assert not contains(identity(res(RESOURCE_GROUP, "rg2", {"resourceGroupName": "rg-2"})), rg)


def test_a_container_named_by_pulumi_contains_nothing(res):
    rg = identity(res(RESOURCE_GROUP, "rg", {"location": "eastus"}))
    vnet = identity(res(VIRTUAL_NETWORK, "v", {"resourceGroupName": RG}))
    # Not even what names it by the URN that stands in for its name.
    named_after_it = {"virtualNetworkName": "w", "resourceGroupName": rg.name}
    assert not contains(rg, identity(res(VIRTUAL_NETWORK, "w", named_after_it)))
    assert not contains(vnet, identity(res(SUBNET, "s", {"subnetName": "s", "virtualNetworkName": vnet.name,
                                                          "resourceGroupName": RG})))


def test_a_circuit_contains_its_peering_but_not_a_same_named_circuit_elsewhere(res):
    circuit = identity(res(CIRCUIT, "c", {"circuitName": "erc-a", "resourceGroupName": RG}))
    peering = identity(res(PEERING, "p", {"circuitName": "erc-a", "peeringName": "AzurePrivatePeering",
                                          "resourceGroupName": RG}))
    assert contains(circuit, peering) and not contains(peering, circuit) and not contains(circuit, circuit)
