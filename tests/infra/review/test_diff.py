"""What changed between two declarations, whether Azure can do it in place, and which earlier resource
each new one is."""

from __future__ import annotations

import pytest

from infra import catalog
from infra.catalog import InPlace, Status
from infra.review.diff import changed_paths, diff_pair, fixed_changes, match, short_id, values_at
from infra.review.identity import RESOURCE_GROUP
from infra.review.models import Op
from infra.tokens import CIRCUIT, GATEWAY, GPU_CLUSTER, PUBLIC_IP, ROLE_ASSIGNMENT, SCALE_SET

RG = "rg-x"


def test_changed_paths_name_the_leaves_that_differ():
    before = {"sku": {"name": "A", "capacity": 3}, "tags": {"a": "1"}, "zones": ["1"], "list": [{"x": 1}]}
    after = {"sku": {"name": "B", "capacity": 3}, "tags": {"a": "1", "b": "2"}, "zones": ["1", "2"], "list": [{"x": 2}]}
    assert changed_paths(before, after) == ["list.0.x", "sku.name", "tags.b", "zones"]
    assert changed_paths(before, before) == []


def test_a_missing_input_and_a_null_one_are_the_same():
    assert changed_paths({"a": None}, {}) == []
    assert changed_paths({"flag": False}, {"flag": 0}) == ["flag"]


def test_values_at_takes_every_item_of_a_list_for_a_star():
    inputs = {"ipConfigurations": [{"subnet": {"id": "s1"}}, {"subnet": {"id": "s2"}}]}
    assert values_at(inputs, "ipConfigurations.*.subnet.id") == ["s1", "s2"]
    assert values_at(inputs, "sku.name") == [None]


def test_short_id_keeps_the_resource_group_type_and_name():
    arm = "/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.Compute/proximityPlacementGroups/ppg-1"
    assert short_id(arm) == "rg-a/proximityPlacementGroups/ppg-1"
    assert short_id("Standard_ND96isr_H100_v5") == "Standard_ND96isr_H100_v5"


# ------------------------------------------------------------------------------------------------
# catalog.FIXED_PROPERTIES
# ------------------------------------------------------------------------------------------------


def test_every_fixed_property_names_its_source_and_unsure_ones_say_why():
    for fact in catalog.FIXED_PROPERTIES:
        assert fact.source and fact.what, fact
        assert fact.type == "*" or fact.type.startswith("azure-native:"), fact
        if fact.status is not Status.VERIFIED:
            assert fact.note, f"{fact.type} {fact.path} is {fact.status.value} without a note"
        if fact.when in (catalog.When.TRANSITION, catalog.When.NOT_LISTED):
            assert fact.transitions, fact


def _circuit(res, mbps: int, location: str = "Chicago"):
    return res(CIRCUIT, "c", {"circuitName": "erc", "resourceGroupName": RG, "serviceProviderProperties": {
        "bandwidthInMbps": mbps, "peeringLocation": location, "serviceProviderName": "CenturyLink Cloud Connect"}})


def test_lowering_circuit_bandwidth_is_a_replacement_and_raising_it_is_not(res):
    (down,) = fixed_changes(_circuit(res, 10000), _circuit(res, 5000))
    assert down.fact.effect is InPlace.REPLACE and down.describe() == "bandwidth 10,000 Mbps -> 5,000 Mbps"
    assert fixed_changes(_circuit(res, 1000), _circuit(res, 10000)) == []


def test_moving_a_circuit_to_another_peering_location_is_a_replacement(res):
    (moved,) = fixed_changes(_circuit(res, 1000), _circuit(res, 1000, "Dallas"))
    assert moved.fact.what == "peering location"


@pytest.mark.parametrize(("before", "after", "replaced"), [
    ("ErGw1AZ", "ErGw2AZ", False), ("HighPerformance", "Standard", False), ("ErGw3AZ", "ErGw1AZ", True),
    ("ErGwScale", "Standard", True), ("Standard", "ErGw1AZ", True),
])
def test_gateway_sku_changes_outside_the_in_place_resizes_replace_it(res, before, after, replaced):
    def gw(sku):
        return res(GATEWAY, "g", {"virtualNetworkGatewayName": "gw", "resourceGroupName": RG, "sku": {"name": sku}})

    assert bool(fixed_changes(gw(before), gw(after))) is replaced


@pytest.mark.parametrize(("before", "after", "replaced"), [(True, False, False), (False, True, True)])
def test_single_placement_group_may_only_be_turned_off_in_place(res, before, after, replaced):
    def vmss(spg):
        return res(SCALE_SET, "v", {"vmScaleSetName": "v", "resourceGroupName": RG, "singlePlacementGroup": spg})

    assert bool(fixed_changes(vmss(before), vmss(after))) is replaced


def test_a_new_vm_size_restarts_the_scale_set_in_place(res):
    def vmss(sku):
        return res(SCALE_SET, "v", {"vmScaleSetName": "v", "resourceGroupName": RG, "sku": {"name": sku, "capacity": 3}})

    d = diff_pair(match([vmss("Standard_ND96isr_H100_v5")], [vmss("Standard_ND96isr_H200_v5")]).pairs[0])
    assert d.op is Op.UPDATE and d.keys == ("sku.name",)
    assert [f.fact.effect for f in d.restarts] == [InPlace.RESTART]


def test_public_ip_sku_and_zones_cannot_change_in_place(res):
    def pip(**inputs):
        return res(PUBLIC_IP, "p", {"publicIpAddressName": "pip", "resourceGroupName": RG, **inputs})

    assert [f.fact.what for f in fixed_changes(pip(sku={"name": "Basic"}), pip(sku={"name": "Standard"}))] == ["SKU"]
    assert [f.fact.what for f in fixed_changes(pip(zones=["1"]), pip(zones=["1", "2", "3"]))] == ["zones"]
    assert fixed_changes(pip(tags={"a": "1"}), pip(tags={"a": "2"})) == []


def test_a_role_assignment_cannot_change_principal_in_place(res):
    def ra(principal):
        return res(ROLE_ASSIGNMENT, "ra", {"roleAssignmentName": "g", "scope": "/subscriptions/s",
                                           "principalId": principal, "roleDefinitionId": "r"})

    d = diff_pair(match([ra("p1")], [ra("p2")]).pairs[0])
    assert d.op is Op.REPLACE and "principal 'p1' -> 'p2'" in d.causes[0]


# ------------------------------------------------------------------------------------------------
# Matching
# ------------------------------------------------------------------------------------------------


def _cluster(res, key: str, rg: str = "rg-a"):
    parent = f"urn:pulumi:s::ai-fabric::{GPU_CLUSTER}::{key}"
    return [
        res(GPU_CLUSTER, key),
        *(res(SCALE_SET, f"{key}-ib-{i}", {"vmScaleSetName": f"vmss-{key}-ib-{i}", "resourceGroupName": f"{rg}-{key}",
                                           "sku": {"name": "Standard_ND96amsr_A100_v4", "capacity": 225}},
              parent=parent) for i in range(3)),
        res(RESOURCE_GROUP, f"{key}-rg", {"resourceGroupName": f"{rg}-{key}", "location": "eastus"}),
    ]


def test_a_renamed_cluster_key_pairs_each_scale_set_with_its_successor(res):
    m = match([r for r in _cluster(res, "a100") if r.custom], [r for r in _cluster(res, "gpu") if r.custom])
    assert not m.deleted and not m.created
    pairs = {(p.old.name, p.new.name) for p in m.pairs}
    assert pairs == {("a100-ib-0", "gpu-ib-0"), ("a100-ib-1", "gpu-ib-1"), ("a100-ib-2", "gpu-ib-2"),
                     ("a100-rg", "gpu-rg")}
    assert all(diff_pair(p).op is Op.REPLACE for p in m.pairs)


def test_a_new_urn_for_the_same_azure_resource_is_a_replacement_that_needs_an_alias(res):
    inputs = {"circuitName": "erc-a", "resourceGroupName": RG, "location": "eastus"}
    old = res(CIRCUIT, "interconnect-circuit-a", inputs, protect=True)
    new = res(CIRCUIT, "ic-circuit-a", inputs, protect=True)
    (pair,) = match([old], [new]).pairs
    d = diff_pair(pair)
    assert pair.how == "identity" and d.op is Op.REPLACE and d.keys == ()
    assert "alias" in d.causes[0] and old.urn in d.causes[0]


def test_an_identity_change_under_the_same_urn_is_a_replacement(res):
    old = res(CIRCUIT, "c", {"circuitName": "erc-a", "resourceGroupName": "rg-1"})
    new = res(CIRCUIT, "c", {"circuitName": "erc-a", "resourceGroupName": "rg-2"})
    (pair,) = match([old], [new]).pairs
    assert pair.how == "urn" and diff_pair(pair).causes == ("resource group 'rg-1' -> 'rg-2'",)


def test_unrelated_resources_are_deleted_and_created_not_paired(res):
    old = [res(CIRCUIT, "c1", {"circuitName": "a", "resourceGroupName": RG}),
           res(CIRCUIT, "c2", {"circuitName": "b", "resourceGroupName": RG})]
    new = [res(CIRCUIT, "c3", {"circuitName": "c", "resourceGroupName": RG}),
           res(CIRCUIT, "c4", {"circuitName": "d", "resourceGroupName": RG})]
    m = match(old, new)
    assert not m.pairs and len(m.deleted) == 2 and len(m.created) == 2
