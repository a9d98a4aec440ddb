"""The compute invariants rule by rule, on inventories built here (no engine): both sides of every
rule, its boundaries, malformed inputs reported rather than crashing, one report per broken claim.

The site: one GpuCluster `c` (A100, 8 GPUs per VM) holding a proximity placement group, an NSG that
denies the Internet, a subnet using it, and one scale set `c-ib-0` of 2 VMs in all of them.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from infra.inventory import UNKNOWN, Inventory, Resource
from infra.invariants import compute
from infra.invariants.compute import CHECKS, MAX_VMS_TAG
from infra.tokens import GPU_CLUSTER, NIC, NSG, PLACEMENT_GROUP, PUBLIC_IP, SCALE_SET, SUBNET

A100 = "Standard_ND96amsr_A100_v4"
SUB = "/subscriptions/00000000-0000-4000-8000-000000000001"
RG = "rg-ai"
PPG_ID = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/proximityPlacementGroups/ppg-c"
NSG_ID = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-c"
SUBNET_ID = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-c"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:s::ai-fabric::{type_}::{name}"


def res(type_: str, name: str, inputs: dict[str, Any], parent: str | None = None, **extra: Any) -> Resource:
    return Resource(urn=urn(type_, name), type=type_, name=name, parent=parent, inputs=inputs, **extra)


CLUSTER = urn(GPU_CLUSTER, "c")


def deny_internet(priority: int = 100, **extra: Any) -> dict[str, Any]:
    return {"name": "deny-internet", "priority": priority, "direction": "Inbound", "access": "Deny",
            "protocol": "*", "sourceAddressPrefix": "Internet", "destinationPortRange": "*", **extra}


def allow(priority: int, source: str = "Internet", **extra: Any) -> dict[str, Any]:
    return {"name": f"allow-{priority}", "priority": priority, "direction": "Inbound", "access": "Allow",
            "protocol": "Tcp", "sourceAddressPrefix": source, "destinationPortRange": "22", **extra}


def scale_set(name: str = "c-ib-0", capacity: Any = 2, parent: str | None = CLUSTER, sku: str = A100,
              **inputs: Any) -> Resource:
    base = {
        "sku": {"name": sku, "capacity": capacity},
        "orchestrationMode": "Uniform",
        "singlePlacementGroup": True,
        "platformFaultDomainCount": 1,
        "tags": {MAX_VMS_TAG: "100"},
        "proximityPlacementGroup": {"id": PPG_ID},
        "zones": ["1"],
        "virtualMachineProfile": {
            "securityProfile": {"encryptionAtHost": True},
            "networkProfile": {"networkInterfaceConfigurations": [{
                "name": "nic", "enableAcceleratedNetworking": True,
                "ipConfigurations": [{"name": "ipc", "subnet": {"id": SUBNET_ID}}],
            }]},
        },
    }
    return res(SCALE_SET, name, {**base, **inputs}, parent)


def site(gpus: int = 16, vms: int | None = 2, *, sets: tuple[Resource, ...] | None = None) -> Inventory:
    cluster_inputs: dict[str, Any] = {"sku": A100, "gpus": gpus}
    if vms is not None:
        cluster_inputs["vms"] = vms
    return Inventory("s", (
        res(GPU_CLUSTER, "c", cluster_inputs, custom=False),
        res(PLACEMENT_GROUP, "ppg", {"resourceGroupName": RG, "proximityPlacementGroupName": "ppg-c",
                                     "intent": {"vmSizes": [A100]}, "zones": ["1"]}, CLUSTER),
        res(NSG, "nsg", {"resourceGroupName": RG, "networkSecurityGroupName": "nsg-c",
                         "securityRules": [deny_internet()]}, CLUSTER),
        res(SUBNET, "subnet", {"resourceGroupName": RG, "virtualNetworkName": "vnet", "subnetName": "snet-c",
                               "networkSecurityGroup": {"id": NSG_ID}}, CLUSTER),
        *(sets if sets is not None else (scale_set(),)),
    ))


def edit(inv: Inventory, name: str, change: Callable[[dict[str, Any]], Any]) -> Inventory:
    target = inv.named(name)
    inputs = copy.deepcopy(dict(target.inputs))
    change(inputs)
    return dataclasses.replace(inv, resources=tuple(
        dataclasses.replace(r, inputs=inputs) if r is target else r for r in inv.resources))


def plus(inv: Inventory, *resources: Resource) -> Inventory:
    return dataclasses.replace(inv, resources=(*inv.resources, *resources))


def fired(inv: Inventory) -> list[tuple[str, str, str]]:
    """(invariant, resource name, message) of every compute violation, in check order."""
    names = {r.urn: r.name for r in inv}
    out = []
    for name, fn in CHECKS.items():
        for v in fn(inv):
            assert v.invariant == name and v.stack == "s"
            out.append((name, names[v.resource], v.message))
    return out


def only(inv: Inventory) -> tuple[str, str, str]:
    found = fired(inv)
    assert len(found) == 1, found
    return found[0]


def ss_nic(inputs: dict[str, Any]) -> dict[str, Any]:
    return inputs["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]


def test_a_valid_gpu_cluster_passes_every_compute_check():
    assert fired(site()) == []


def test_a_scale_set_of_another_size_outside_any_cluster_is_not_a_gpu_scale_set():
    web = res(SCALE_SET, "web", {"sku": {"name": "Standard_D4s_v5", "capacity": 3}})
    assert fired(plus(site(), web)) == []


# ib-placement-group ------------------------------------------------------------------------------


@pytest.mark.parametrize(("tag", "capacity"), [(None, 100), ("100", 100), ("300", 300), (300, 300),
                                               (300.0, 300), (" 7 ", 7), ("1", 1)])
def test_ib_placement_group_holds_up_to_the_limit(tag, capacity):
    tags = {} if tag is None else {MAX_VMS_TAG: tag}
    inv = site(gpus=capacity * 8, vms=capacity, sets=(scale_set(capacity=capacity, tags=tags),))
    assert fired(inv) == []


def test_fails_when_a_scale_set_is_one_over_azures_default_limit():
    inv = site(gpus=808, vms=101, sets=(scale_set(capacity=101, tags={}),))
    assert only(inv) == ("ib-placement-group", "c-ib-0", (
        "101 VMs in one InfiniBand placement group, over Azure's default limit of 100; split the cluster into "
        f"more InfiniBand domains or declare a raised limit with the tag {MAX_VMS_TAG}"))


def test_fails_when_a_scale_set_is_one_over_its_declared_limit():
    inv = site(gpus=408, vms=51, sets=(scale_set(capacity=51, tags={MAX_VMS_TAG: "50"}),))
    assert only(inv) == ("ib-placement-group", "c-ib-0", (
        "51 VMs in one InfiniBand placement group, over the declared limit of 50; split the cluster into more "
        "InfiniBand domains"))


def test_tags_that_are_not_a_map_mean_the_default_limit():
    inv = site(gpus=808, vms=101, sets=(scale_set(capacity=101, tags="oops"),))
    assert "over Azure's default limit of 100" in only(inv)[2]


@pytest.mark.parametrize("tag", ["301", "0", "-1", "lots", True, 150.5])
def test_fails_when_the_declared_limit_is_not_a_placement_group_limit(tag):
    inv = site(sets=(scale_set(tags={MAX_VMS_TAG: tag}),))
    assert only(inv) == ("ib-placement-group", "c-ib-0", (
        f"tag {MAX_VMS_TAG}={tag!r} is not a placement-group limit; allowed 1-300 (100 by default, up to 300 "
        "after Azure raised it)"))


def test_an_invalid_limit_is_judged_against_the_hard_300():
    inv = site(gpus=2408, vms=301, sets=(scale_set(capacity=301, tags={MAX_VMS_TAG: "999"}),))
    found = [m for _, _, m in fired(inv)]
    assert len(found) == 2 and found[1].startswith("301 VMs in one InfiniBand placement group, over the declared "
                                                   "limit of 300")


@pytest.mark.parametrize(("change", "message"), [
    ({"orchestrationMode": "Flexible"}, "orchestrationMode is 'Flexible'; InfiniBand needs Uniform orchestration"),
    ({"singlePlacementGroup": "true"}, "singlePlacementGroup is 'true'; InfiniBand links only the VMs"),
    ({"platformFaultDomainCount": 2}, "platformFaultDomainCount is 2; an InfiniBand placement group uses 1"),
    ({"platformFaultDomainCount": "5"}, "platformFaultDomainCount is '5'; an InfiniBand placement group uses 1"),
])
def test_fails_when_a_gpu_scale_set_is_not_one_infiniband_placement_group(change, message):
    rule, name, found = only(site(sets=(scale_set(**change),)))
    assert (rule, name) == ("ib-placement-group", "c-ib-0") and found.startswith(message)


@pytest.mark.parametrize("fault_domains", [1, 1.0, "1"])
def test_one_fault_domain_in_any_spelling_is_max_spreading(fault_domains):
    assert fired(site(sets=(scale_set(platformFaultDomainCount=fault_domains),))) == []


def test_a_scale_set_without_a_fault_domain_count_is_left_alone():
    inv = edit(site(), "c-ib-0", lambda i: i.pop("platformFaultDomainCount"))
    assert fired(inv) == []


def test_each_broken_placement_group_setting_is_reported_once():
    inv = site(gpus=808, vms=101, sets=(scale_set(capacity=101, tags={}, orchestrationMode="Flexible",
                                                  singlePlacementGroup=False, platformFaultDomainCount=5),))
    assert [m.split(" ")[0] for _, _, m in fired(inv)] == [
        "orchestrationMode", "singlePlacementGroup", "platformFaultDomainCount", "101"]


# A scale set without a numeric capacity: reported, never a crash ---------------------------------


def test_fails_when_a_scale_set_capacity_is_not_a_number():
    inv = site(sets=(scale_set(capacity="lots"),))
    assert fired(inv) == [
        ("ib-placement-group", "c-ib-0", "sku.capacity 'lots' is not a VM count"),
        ("gpu-count", "c-ib-0", "scale set c-ib-0 has no VM count (sku.capacity 'lots'); cluster c's 16 GPUs "
                                "cannot be verified"),
    ]


def test_fails_when_a_scale_set_declares_no_capacity():
    inv = edit(site(), "c-ib-0", lambda i: i["sku"].pop("capacity"))
    assert fired(inv) == [
        ("gpu-count", "c-ib-0", "scale set c-ib-0 has no VM count (sku.capacity None); cluster c's 16 GPUs "
                                "cannot be verified"),
    ]


def test_a_capacity_not_known_before_deployment_is_not_judged():
    assert fired(site(sets=(scale_set(capacity=UNKNOWN),))) == []


# ib-proximity ------------------------------------------------------------------------------------


def test_fails_when_a_scale_set_has_no_proximity_placement_group():
    inv = edit(site(), "c-ib-0", lambda i: i.pop("proximityPlacementGroup"))
    assert only(inv) == ("ib-proximity", "c-ib-0", (
        "proximityPlacementGroup not set; GPU scale sets go in the cluster's placement group"))


@pytest.mark.parametrize("other", [
    PPG_ID.replace(f"/{RG}/", "/rg-other/"),
    PPG_ID.replace("ppg-c", "ppg-other"),
    PPG_ID.replace("resourceGroups", "resourceGroupz"),
    "not-an-arm-id",
    f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute",
])
def test_fails_when_the_proximity_placement_group_is_not_of_this_stack(other):
    inv = edit(site(), "c-ib-0", lambda i: i.update(proximityPlacementGroup={"id": other}))
    assert only(inv) == ("ib-proximity", "c-ib-0", (
        f"proximityPlacementGroup {other} is not declared in this stack; GPU scale sets go in the cluster's "
        "placement group"))


def test_arm_ids_match_whatever_their_case():
    inv = edit(site(), "c-ib-0", lambda i: i.update(proximityPlacementGroup={"id": PPG_ID.upper()}))
    assert fired(inv) == []


def test_a_reference_not_known_yet_resolves_through_the_dependency():
    ppg = urn(PLACEMENT_GROUP, "ppg")
    unknown = edit(site(), "c-ib-0", lambda i: i.update(proximityPlacementGroup={"id": UNKNOWN}))
    with_dep = dataclasses.replace(unknown, resources=tuple(
        dataclasses.replace(r, dependencies=(ppg,)) if r.name == "c-ib-0" else r for r in unknown))
    assert fired(with_dep) == []
    assert only(unknown) == ("ib-proximity", "c-ib-0", (
        "proximityPlacementGroup refers to nothing this stack declares (by ID, name or dependency); GPU scale "
        "sets go in the cluster's placement group"))


def test_a_placement_group_whose_names_are_not_known_is_resolved_through_the_dependency():
    unnamed = edit(site(), "ppg", lambda i: i.update(proximityPlacementGroupName=UNKNOWN))
    assert only(unnamed)[2].startswith("proximityPlacementGroup refers to nothing this stack declares")
    with_dep = dataclasses.replace(unnamed, resources=tuple(
        dataclasses.replace(r, dependencies=(urn(PLACEMENT_GROUP, "ppg"),)) if r.name == "c-ib-0" else r
        for r in unnamed))
    assert fired(with_dep) == []


def test_fails_when_the_placement_group_is_for_another_size():
    inv = edit(site(), "ppg", lambda i: i["intent"].update(vmSizes=["Standard_ND96isr_H100_v5", "x"]))
    assert only(inv) == ("ib-proximity", "c-ib-0", f"{A100} is not in the intent of ppg (Standard_ND96isr_H100_v5, x)")


def test_a_placement_group_without_an_intent_takes_any_size():
    assert fired(edit(site(), "ppg", lambda i: i.pop("intent"))) == []


@pytest.mark.parametrize("zones", [["2"], None, ["1", "2"]])
def test_fails_when_the_scale_set_is_in_another_zone_than_its_placement_group(zones):
    inv = site(sets=(scale_set(zones=zones),))
    assert only(inv) == ("ib-proximity", "c-ib-0", (
        f"zones {zones or 'none'} differ from ppg's zones ['1']; a placement group holds one zone"))


@pytest.mark.parametrize("ppg_zones", [None, []])
def test_a_regional_placement_group_takes_any_zone(ppg_zones):
    inv = edit(site(), "ppg", lambda i: i.update(zones=ppg_zones))
    assert fired(inv) == []


# no-public-ip ------------------------------------------------------------------------------------


def test_fails_when_a_scale_set_nic_has_a_public_ip():
    def public(i: dict[str, Any]) -> None:
        ss_nic(i)["ipConfigurations"][0]["publicIPAddressConfiguration"] = {"name": "pip"}

    assert only(edit(site(), "c-ib-0", public)) == ("no-public-ip", "c-ib-0", (
        "ipConfiguration nic/ipc has a publicIPAddressConfiguration; scale set nodes are reached over the VNet "
        "and ExpressRoute only"))


def test_any_scale_set_with_a_public_ip_is_reported_not_only_gpu_ones():
    web = res(SCALE_SET, "web", {"sku": {"name": "Standard_D4s_v5", "capacity": 3}, "virtualMachineProfile": {
        "networkProfile": {"networkInterfaceConfigurations": [
            "not a map", {"name": "n", "ipConfigurations": ["x", {"name": "i", "publicIPAddressConfiguration": {}}]},
        ]}}})
    assert only(plus(site(), web))[:2] == ("no-public-ip", "web")


def test_fails_when_a_public_ip_is_declared_under_a_gpu_cluster_and_not_elsewhere():
    inside = res(PUBLIC_IP, "pip-c", {}, CLUSTER)
    outside = res(PUBLIC_IP, "pip-gateway", {})
    assert fired(plus(site(), inside, outside)) == [
        ("no-public-ip", "pip-c", "public IP address declared under GPU cluster c")]


def test_fails_when_a_nic_of_a_gpu_cluster_has_a_public_ip():
    public = {"ipConfigurations": [{"name": "a"}, {"name": "b", "publicIPAddress": {"id": "x"}}, "junk"]}
    private = {"ipConfigurations": [{"name": "a", "publicIPAddress": None}]}
    inv = plus(site(), res(NIC, "nic-pub", public, CLUSTER), res(NIC, "nic-priv", private, CLUSTER),
               res(NIC, "nic-outside", public))
    assert fired(inv) == [("no-public-ip", "nic-pub", "NIC of GPU cluster c has a public IP on ipConfiguration b")]


# gpu-count ---------------------------------------------------------------------------------------


def test_fails_when_the_cluster_declares_one_gpu_more_than_its_scale_sets_hold():
    assert fired(site(gpus=17)) == [
        ("gpu-count", "c", "cluster c declares 17 GPUs but its scale sets hold 16 (c-ib-0 2 x 8)")]


def test_fails_when_the_cluster_declares_one_vm_more_than_its_scale_sets_hold():
    assert fired(site(vms=3)) == [("gpu-count", "c", "cluster c declares 3 VMs but its scale sets hold 2")]


def test_a_cluster_that_declares_no_vm_count_is_judged_by_its_gpus():
    assert fired(site(vms=None)) == []


def test_fails_when_the_cluster_declares_no_gpu_count():
    inv = edit(site(), "c", lambda i: i.pop("gpus"))
    assert fired(inv) == [("gpu-count", "c", "the cluster declares no GPU count (input 'gpus')")]


def test_the_scale_sets_of_a_cluster_add_up():
    sets = (scale_set("c-ib-0", 2), scale_set("c-ib-1", 3))
    assert fired(site(gpus=40, vms=5, sets=sets)) == []
    assert fired(site(gpus=48, vms=5, sets=sets)) == [
        ("gpu-count", "c", "cluster c declares 48 GPUs but its scale sets hold 40 (c-ib-0 2 x 8 + c-ib-1 3 x 8)")]


def test_a_cluster_without_scale_sets_holds_no_gpus():
    assert fired(site(sets=())) == [
        ("gpu-count", "c", "cluster c declares 16 GPUs but its scale sets hold 0 (no scale sets)"),
        ("gpu-count", "c", "cluster c declares 2 VMs but its scale sets hold 0")]
    assert fired(site(gpus=0, vms=0, sets=())) == []


def test_each_cluster_counts_its_own_scale_sets():
    other = urn(GPU_CLUSTER, "d")
    inv = plus(site(), res(GPU_CLUSTER, "d", {"gpus": 8, "vms": 1}, custom=False),
               scale_set("d-ib-0", 1, parent=other, proximityPlacementGroup={"id": PPG_ID}))
    assert fired(inv) == []


def test_a_scale_set_finds_its_cluster_through_intermediate_components():
    middle = res("ai-fabric:compute:Domain", "dom", {}, CLUSTER, custom=False)
    inv = site(sets=(middle, scale_set(parent=middle.urn)))
    assert fired(inv) == []


def test_fails_when_a_gpu_scale_set_belongs_to_no_cluster():
    inv = site(sets=(scale_set(parent=None),))
    assert fired(inv) == [
        ("gpu-count", "c-ib-0", f"GPU scale set outside any GpuCluster: its 2 x {A100} VMs are in no capacity claim"),
        ("gpu-count", "c", "cluster c declares 16 GPUs but its scale sets hold 0 (no scale sets)"),
        ("gpu-count", "c", "cluster c declares 2 VMs but its scale sets hold 0")]


@pytest.mark.parametrize("parent", ["urn:pulumi:s::ai-fabric::gone::missing", "loop"])
def test_a_scale_set_whose_parent_is_missing_or_circular_belongs_to_no_cluster(parent):
    loop = res("ai-fabric:x:Loop", "loop", {}, urn("ai-fabric:x:Loop", "loop"), custom=False)
    inv = site(gpus=0, vms=0, sets=(loop, scale_set(parent=loop.urn if parent == "loop" else parent)))
    assert [(r, n) for r, n, _ in fired(inv)] == [("gpu-count", "c-ib-0")]


def test_fails_when_a_cluster_scale_set_has_a_size_outside_the_catalog():
    inv = site(sets=(scale_set(sku="Standard_D4s_v5"),))
    [proximity, (rule, name, message)] = fired(inv)
    assert proximity == ("ib-proximity", "c-ib-0", f"Standard_D4s_v5 is not in the intent of ppg ({A100})")
    assert (rule, name) == ("gpu-count", "c-ib-0")
    assert message.startswith("SKU 'Standard_D4s_v5' is not a GPU size of the catalog; allowed: ")


# encryption-at-host, accelerated-networking ------------------------------------------------------


@pytest.mark.parametrize("value", [False, None, "true"])
def test_fails_when_a_gpu_scale_set_does_not_encrypt_at_host(value):
    inv = edit(site(), "c-ib-0", lambda i: i["virtualMachineProfile"]["securityProfile"].update(
        encryptionAtHost=value))
    assert only(inv) == ("encryption-at-host", "c-ib-0", (
        f"virtualMachineProfile.securityProfile.encryptionAtHost is {value!r}; set it to true"))


def test_fails_when_a_gpu_scale_set_has_no_network_interface():
    inv = edit(site(), "c-ib-0", lambda i: i["virtualMachineProfile"].pop("networkProfile"))
    assert only(inv) == ("accelerated-networking", "c-ib-0", "no network interface configuration")


def test_fails_once_per_nic_without_accelerated_networking():
    def second_nic(i: dict[str, Any]) -> None:
        nics = i["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
        nics.append({"name": "nic2", "enableAcceleratedNetworking": False, "ipConfigurations": []})

    assert only(edit(site(), "c-ib-0", second_nic)) == (
        "accelerated-networking", "c-ib-0", "NIC nic2 has enableAcceleratedNetworking False; set it to true")


# nsg-denies-internet -----------------------------------------------------------------------------


def rules(*security_rules: dict[str, Any]) -> Inventory:
    return edit(site(), "nsg", lambda i: i.update(securityRules=list(security_rules)))


NO_DENY = ("nsg-denies-internet", "subnet",
           "its NSG nsg has no inbound Deny rule for source Internet on all protocols and ports")


@pytest.mark.parametrize("deny", [
    deny_internet(),
    deny_internet(sourceAddressPrefix=None, sourceAddressPrefixes=["10.0.0.0/8", "0.0.0.0/0"]),
    deny_internet(sourceAddressPrefix="*"),
    deny_internet(sourceAddressPrefix="Any"),
    deny_internet(destinationPortRange=None, destinationPortRanges=["*"]),
])
def test_nsg_denies_internet_in_any_spelling(deny):
    assert fired(rules(deny)) == []


@pytest.mark.parametrize("deny", [
    deny_internet(protocol="Tcp"),
    deny_internet(destinationPortRange="22"),
    deny_internet(direction="Outbound"),
    deny_internet(sourceAddressPrefix="VirtualNetwork"),
    deny_internet(sourceAddressPrefix=None),
    deny_internet(priority=None),
    deny_internet(access="Allow"),
])
def test_fails_when_the_nsg_denies_the_internet_only_in_part(deny):
    assert fired(rules(deny)) == [NO_DENY]


def test_fails_when_the_nsg_has_no_rules():
    assert fired(edit(site(), "nsg", lambda i: i.pop("securityRules"))) == [NO_DENY]


def test_fails_when_an_allow_rule_lets_the_internet_in_before_the_deny():
    assert fired(rules(deny_internet(200), allow(199), allow(300), deny_internet(400))) == [(
        "nsg-denies-internet", "subnet",
        "its NSG nsg allows Internet inbound (allow-199) at a priority before its deny rule at 200")]


def test_an_allow_rule_without_a_priority_counts_as_first():
    rule = allow(0)
    rule.pop("priority")
    assert fired(rules(deny_internet(100), rule)) == [(
        "nsg-denies-internet", "subnet",
        "its NSG nsg allows Internet inbound (allow-0) at a priority before its deny rule at 100")]


def test_an_allow_rule_at_the_denys_own_priority_counts_as_before_it():
    assert [m for _, _, m in fired(rules(deny_internet(100), allow(100)))] == [
        "its NSG nsg allows Internet inbound (allow-100) at a priority before its deny rule at 100"]


def test_allow_rules_after_the_deny_or_not_from_the_internet_are_harmless():
    assert fired(rules(deny_internet(100), allow(101), allow(50, source="VirtualNetwork"),
                       allow(60, direction="Outbound"))) == []


def test_fails_when_the_gpu_subnet_has_no_nsg():
    inv = edit(site(), "subnet", lambda i: i.pop("networkSecurityGroup"))
    assert fired(inv) == [("nsg-denies-internet", "subnet", (
        "networkSecurityGroup not set; a GPU subnet needs an NSG that denies the Internet"))]


def test_a_subnet_outside_the_cluster_that_a_gpu_scale_set_uses_is_checked_too():
    shared_id = SUBNET_ID.replace("snet-c", "snet-shared")
    shared = res(SUBNET, "shared", {"resourceGroupName": RG, "virtualNetworkName": "vnet",
                                    "subnetName": "snet-shared"})
    other_subnet = res(SUBNET, "unrelated", {"resourceGroupName": RG, "virtualNetworkName": "vnet",
                                             "subnetName": "snet-x"})
    inv = edit(plus(site(), shared, other_subnet), "c-ib-0",
               lambda i: ss_nic(i)["ipConfigurations"][0].update(subnet={"id": shared_id}))
    assert fired(inv) == [("nsg-denies-internet", "shared", (
        "networkSecurityGroup not set; a GPU subnet needs an NSG that denies the Internet"))]


def test_fails_when_a_gpu_scale_set_ip_configuration_names_no_subnet():
    inv = edit(site(), "c-ib-0", lambda i: ss_nic(i)["ipConfigurations"][0].pop("subnet"))
    assert fired(inv) == [("nsg-denies-internet", "c-ib-0", (
        "subnet of ipConfiguration nic/ipc not set; its NSG cannot be checked"))]


def test_a_subnet_id_must_name_the_vnet_too():
    other_vnet = SUBNET_ID.replace("/vnet/", "/vnet-other/")
    inv = edit(site(), "c-ib-0", lambda i: ss_nic(i)["ipConfigurations"][0].update(subnet={"id": other_vnet}))
    assert fired(inv) == [("nsg-denies-internet", "c-ib-0", (
        f"subnet of ipConfiguration nic/ipc {other_vnet} is not declared in this stack; its NSG cannot be "
        "checked"))]


def test_int_reads_whole_numbers_only():
    assert [compute._int(v) for v in (3, 3.0, " 3 ", True, 3.5, "3x", None, [3])] == [3, 3, 3, None, None, None,
                                                                                       None, None]
