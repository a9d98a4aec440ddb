"""The diff rules (infra/review/diff.py) on both sides and at their edges: which input paths changed, which
catalog facts a change breaks and how it is described, and which earlier resource each new one is."""

from __future__ import annotations

from infra import catalog
from infra.catalog import FixedProperty, InPlace, When
from infra.inventory import Resource
from infra.review import Op, review_stack
from infra.review.diff import FixedChange, changed_paths, diff_pair, fixed_changes, match, short_id, values_at
from infra.tokens import CIRCUIT, GATEWAY, GPU_CLUSTER, PORT, ROLE_ASSIGNMENT, SCALE_SET, SUBNET, VIRTUAL_NETWORK

RG = "rg-x"
VAULT = "azure-native:keyvault:Vault"
BANDWIDTH = next(f for f in catalog.FIXED_PROPERTIES if f.type == CIRCUIT and f.path.endswith("bandwidthInMbps"))


# ------------------------------------------------------------------------------------------------
# changed_paths / values_at
# ------------------------------------------------------------------------------------------------


def test_changed_paths_name_a_map_replaced_by_a_value_and_back():
    assert changed_paths({"sku": {"name": "A"}}, {"sku": "A"}) == ["sku"]
    assert changed_paths({"sku": "A"}, {"sku": {"name": "A"}}) == ["sku"]


def test_changed_paths_name_an_input_added_or_removed_but_not_one_missing_on_one_side_and_null_on_the_other():
    assert changed_paths({}, {"a": 1}) == ["a"] and changed_paths({"a": 1}, {}) == ["a"]
    assert changed_paths({}, {"a": None}) == [] and changed_paths({"a": None}, {}) == []
    assert changed_paths({"a": None}, {"a": 1}) == ["a"]


def test_changed_paths_name_a_list_replaced_by_a_value_and_a_whole_input_tree_replaced():
    assert changed_paths({"zones": ["1"]}, {"zones": "1"}) == ["zones"]
    assert changed_paths(["1"], "1") == ["(inputs)"] and changed_paths(1, 2) == ["(inputs)"]
    assert changed_paths([1, 2], [1, 3]) == ["1"]


def test_values_at_a_list_index_past_the_end_is_none():
    inputs = {"ipConfigurations": [{"subnet": {"id": "s1"}}]}
    assert values_at(inputs, "ipConfigurations.0.subnet.id") == ["s1"]
    assert values_at(inputs, "ipConfigurations.1.subnet.id") == [None]
    assert values_at({"a": "text"}, "a.*") == [None] and values_at({"a": []}, "a.*.b") == []


# ------------------------------------------------------------------------------------------------
# short_id
# ------------------------------------------------------------------------------------------------


def test_short_id_of_a_resource_group_is_its_name():
    assert short_id("/subscriptions/s/resourceGroups/rg-a") == "rg-a"


def test_short_id_drops_the_provider_namespace_of_a_resource_in_a_group():
    assert short_id("/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks") == \
        "rg-a/virtualNetworks"
    # Without a type after it, the provider namespace stays.
    assert short_id("/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.Network") == \
        "rg-a/providers/Microsoft.Network"


def test_short_id_keeps_a_subscription_level_id_after_the_subscription():
    assert short_id("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/r") == \
        "providers/Microsoft.Authorization/roleDefinitions/r"


def test_short_id_leaves_short_and_non_subscription_ids_whole():
    for value in ("/subscriptions/s", "/subscriptions/s/resourceGroups", "rg-a/vnets/vnet-a/subnets", "a/b/c/d/e"):
        assert short_id(value) == value


# ------------------------------------------------------------------------------------------------
# Which facts a change breaks, and how it reads
# ------------------------------------------------------------------------------------------------


def _circuit(res, mbps, location="Chicago"):
    return res(CIRCUIT, "c", {"circuitName": "erc", "resourceGroupName": RG, "serviceProviderProperties": {
        "bandwidthInMbps": mbps, "peeringLocation": location, "serviceProviderName": "CenturyLink Cloud Connect"}})


def _gateway(res, sku="ErGw1AZ", subnets=("s1",)):
    return res(GATEWAY, "g", {"virtualNetworkGatewayName": "gw", "resourceGroupName": RG, "sku": {"name": sku},
                              "ipConfigurations": [{"subnet": {"id": s}} for s in subnets]})


def test_a_bandwidth_that_is_not_a_number_is_never_called_lowered(res):
    assert fixed_changes(_circuit(res, "10000"), _circuit(res, "5000")) == []
    assert fixed_changes(_circuit(res, True), _circuit(res, False)) == []
    assert fixed_changes(_circuit(res, None), _circuit(res, 5000)) == []


def test_a_bandwidth_that_is_not_a_number_is_described_as_it_is():
    assert FixedChange(BANDWIDTH, ["10000"], ["5000"]).describe() == "bandwidth '10000' -> '5000'"
    assert FixedChange(BANDWIDTH, 10000, 5000.5).describe() == "bandwidth 10,000 Mbps -> 5,000.5 Mbps"


def test_a_value_set_for_the_first_time_reads_none(res):
    def port(location):
        return res(PORT, "p", {"expressRoutePortName": "erp", "resourceGroupName": RG, "peeringLocation": location})

    (change,) = fixed_changes(port(None), port("Chicago"))
    assert change.describe() == "peering location (none) -> 'Chicago'"


def test_a_number_without_a_unit_is_shown_as_written(res):
    def vault(days):
        return res(VAULT, "v", {"vaultName": "kv", "resourceGroupName": RG,
                                "properties": {"softDeleteRetentionInDays": days}})

    (change,) = fixed_changes(vault(1000), vault(90))
    assert change.describe() == "soft-delete retention 1000 -> 90"


def test_an_id_in_a_change_is_shown_short(res):
    sub = "/subscriptions/s/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/vnet/subnets"
    (change,) = fixed_changes(_gateway(res, subnets=(f"{sub}/GatewaySubnet",)), _gateway(res, subnets=(f"{sub}/B",)))
    assert change.describe() == "GatewaySubnet 'rg-x/virtualNetworks/vnet/subnets/GatewaySubnet' -> " \
                                "'rg-x/virtualNetworks/vnet/subnets/B'"


def test_a_fact_over_a_list_breaks_when_the_list_grows_shrinks_or_changes_but_not_when_it_stays(res):
    assert [f.fact.what for f in fixed_changes(_gateway(res, subnets=("s1",)), _gateway(res, subnets=("s1", "s2")))] \
        == ["GatewaySubnet"]
    assert fixed_changes(_gateway(res, subnets=("s1", "s2")), _gateway(res, subnets=("s1",))) != []
    assert fixed_changes(_gateway(res, subnets=("s1", "s2")), _gateway(res, subnets=("s1", "s3"))) != []
    assert fixed_changes(_gateway(res, subnets=("s1", "s2")), _gateway(res, subnets=("s1", "s2"))) == []
    assert fixed_changes(_gateway(res, subnets=()), _gateway(res, subnets=("s1", "s2"))) != []


def test_a_gateway_sku_given_as_a_list_or_a_map_is_judged_not_crashed(res):
    assert fixed_changes(_gateway(res, ["ErGw1AZ"]), _gateway(res, ["ErGw2AZ"])) != []
    assert fixed_changes(_gateway(res, {"n": "ErGw1AZ"}), _gateway(res, {"n": "ErGw2AZ"})) != []


def test_a_one_way_transition_breaks_only_in_the_listed_direction(res):
    def vault(purge):
        return res(VAULT, "v", {"vaultName": "kv", "resourceGroupName": RG,
                                "properties": {"enablePurgeProtection": purge}})

    assert [f.fact.what for f in fixed_changes(vault(True), vault(False))] == ["purge protection"]
    assert fixed_changes(vault(False), vault(True)) == [] and fixed_changes(vault(True), vault(True)) == []


def test_a_fact_that_breaks_on_any_change_leaves_an_equal_value_alone():
    fact = FixedProperty(SCALE_SET, "zones", InPlace.REPLACE, "test", "zones", When.CHANGED)
    old = Resource(urn="u", type=SCALE_SET, name="v", parent=None, inputs={"zones": ["1"]})
    assert FixedChange(fact, ["1"], ["1"]).describe() == "zones '1' -> '1'"
    assert fixed_changes(old, old) == []


# ------------------------------------------------------------------------------------------------
# diff_pair: replacement causes
# ------------------------------------------------------------------------------------------------


def test_a_move_of_scope_is_one_cause_not_two(res):
    def ra(scope):
        return res(ROLE_ASSIGNMENT, "ra", {"roleAssignmentName": "g", "scope": scope, "principalId": "p",
                                           "roleDefinitionId": "r"})

    (pair,) = match([ra("/subscriptions/s")], [ra("/subscriptions/s/resourceGroups/rg")]).pairs
    assert diff_pair(pair).causes == ("scope '/subscriptions/s' -> 'rg'",)


def test_a_change_the_catalog_does_not_know_is_an_update_and_no_change_is_nothing(res):
    def vnet(tags):
        return res(VIRTUAL_NETWORK, "v", {"virtualNetworkName": "vnet", "resourceGroupName": RG, "tags": tags})

    (pair,) = match([vnet({"a": "1"})], [vnet({"a": "2"})]).pairs
    d = diff_pair(pair)
    assert (d.op, d.keys, d.causes, d.how) == (Op.UPDATE, ("tags.a",), (), "identity")
    assert diff_pair(match([vnet({})], [vnet({})]).pairs[0]).op is None


def test_a_resource_inside_a_replaced_one_is_replaced_too(res):
    def vnet(location):
        return res(VIRTUAL_NETWORK, "v", {"virtualNetworkName": "vnet", "resourceGroupName": RG, "location": location})

    subnet = res(SUBNET, "s", {"subnetName": "snet", "virtualNetworkName": "vnet", "resourceGroupName": RG})
    r = review_stack("s", [vnet("eastus"), subnet], [vnet("westus"), subnet])
    inside = next(c for c in r.changes if c.type == SUBNET)
    assert inside.op is Op.REPLACE and "inside VirtualNetwork vnet, which is replaced" in inside.reason


# ------------------------------------------------------------------------------------------------
# Matching: identity, URN, role, the only one of its kind
# ------------------------------------------------------------------------------------------------


def _vnet(res, urn_name, azure, rg=RG, urn=None):
    return res(VIRTUAL_NETWORK, urn_name, {"virtualNetworkName": azure, "resourceGroupName": rg}, urn=urn)


def test_declarations_sharing_one_azure_identity_are_not_paired_by_it(res):
    old = [_vnet(res, "v1", "vnet-a"), _vnet(res, "v2", "vnet-a")]
    new = [_vnet(res, "v3", "vnet-a"), _vnet(res, "v4", "vnet-a")]
    m = match(old, new)
    assert not m.pairs and len(m.deleted) == 2 and len(m.created) == 2


def test_the_only_delete_and_the_only_create_of_a_type_are_paired(res):
    (pair,) = match([_vnet(res, "v1", "vnet-a")], [_vnet(res, "v2", "vnet-b")]).pairs
    assert (pair.old.name, pair.new.name, pair.how) == ("v1", "v2", "role")


def test_one_delete_and_two_creates_of_a_type_are_not_paired_nor_two_deletes_and_one_create(res):
    one, two, three = _vnet(res, "v1", "vnet-a"), _vnet(res, "v2", "vnet-b"), _vnet(res, "v3", "vnet-c")
    m = match([one], [two, three])
    assert not m.pairs and m.deleted == (one,) and {r.urn for r in m.created} == {two.urn, three.urn}
    m = match([two, three], [one])
    assert not m.pairs and {r.urn for r in m.deleted} == {two.urn, three.urn} and m.created == (one,)


def test_resources_keep_their_role_by_name_across_a_project_rename(res):
    old = [_vnet(res, n, f"{n}-old", urn=f"urn:pulumi:s::old-project::{VIRTUAL_NETWORK}::{n}") for n in ("v1", "v2")]
    new = [_vnet(res, n, f"{n}-new") for n in ("v1", "v2")]
    m = match(old, new)
    assert {(p.old.name, p.new.name, p.how) for p in m.pairs} == {("v1", "v1", "role"), ("v2", "v2", "role")}


def _in(res, parent_type, component, name, azure):
    parent = f"urn:pulumi:s::ai-fabric::{parent_type}::{component}"
    return res(SCALE_SET, name, {"vmScaleSetName": azure, "resourceGroupName": RG}, parent=parent)


def test_a_scale_set_moved_to_another_kind_of_component_or_out_of_it_is_not_paired_by_role(res):
    old = _in(res, GPU_CLUSTER, "a100", "a100-ib-0", "vmss-1")
    moved = _in(res, "ai-fabric:compute:OtherCluster", "b", "b-ib-0", "vmss-2")
    m = match([old], [moved])
    assert not m.pairs and m.deleted == (old,) and m.created == (moved,)
    top = res(SCALE_SET, "ib-0", {"vmScaleSetName": "vmss-2", "resourceGroupName": RG})
    assert not match([old], [top]).pairs


def test_a_scale_set_keeps_its_role_when_its_name_drops_the_component_prefix(res):
    old = [_in(res, GPU_CLUSTER, "a100", "a100-ib-0", "vmss-1"), _in(res, GPU_CLUSTER, "a100", "a100-ib-1", "vmss-2")]
    new = [_in(res, GPU_CLUSTER, "gpu", "ib-0", "vmss-3"), _in(res, GPU_CLUSTER, "gpu", "ib-1", "vmss-4")]
    m = match(old, new)
    assert {(p.old.name, p.new.name) for p in m.pairs} == {("a100-ib-0", "ib-0"), ("a100-ib-1", "ib-1")}


def test_the_parent_recorded_in_the_plan_wins_over_the_urn(res):
    vnet = _vnet(res, "vnet", "vnet-a")
    flat = Resource(urn=f"urn:pulumi:s::ai-fabric::{SUBNET}::snet", type=SUBNET, name="snet", parent=vnet.urn,
                    inputs={"subnetName": "snet-1", "virtualNetworkName": "vnet-a", "resourceGroupName": RG})
    nested = res(SUBNET, "snet", {"subnetName": "snet-2", "virtualNetworkName": "vnet-a", "resourceGroupName": RG},
                 parent=vnet.urn)
    # The earlier subnet's URN does not spell its VNet parent; its recorded parent does, so both are
    # the one subnet under a VNet, and the new one replaces the old.
    m = match([vnet, flat], [vnet, nested])
    assert [(p.old.urn, p.new.urn, p.how) for p in m.pairs if p.old.type == SUBNET] == [(flat.urn, nested.urn, "role")]


def test_without_a_parent_the_urn_names_no_parent_type(res):
    def vmss(chain, name, azure):
        return Resource(urn=f"urn:pulumi:s::ai-fabric::{chain}::{name}", type=SCALE_SET, name=name, parent=None,
                        inputs={"vmScaleSetName": azure, "resourceGroupName": RG})

    old = vmss(f"{GPU_CLUSTER}${SCALE_SET}", "a100-ib-0", "vmss-1")
    new = vmss(SCALE_SET, "tools", "vmss-2")
    (pair,) = match([old], [new]).pairs
    assert pair.how == "role"


def test_a_malformed_urn_names_no_parent_type(res):
    def vmss(urn, azure):
        return Resource(urn=urn, type=SCALE_SET, name="ib-0", parent="urn:pulumi:s::ai-fabric::x::gone",
                        inputs={"vmScaleSetName": azure, "resourceGroupName": RG})

    for old_urn, new_urn in (("s::A$T::ib-0", "s::B$T::ib-0"), ("s::x::T::ib-0", "s::y::T2::ib-0")):
        (pair,) = match([vmss(old_urn, "vmss-1")], [vmss(new_urn, "vmss-2")]).pairs
        assert pair.how == "role"
