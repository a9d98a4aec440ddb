"""Resource-level compute invariants: each one passes on every shipped stack and catches a mutated
inventory of the reference stack (eastus: three A100 scale sets of 225 VMs, limit 300)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from infra.invariants.compute import CHECKS
from infra.inventory import Inventory, Resource
from infra.tokens import SCALE_SET as VMSS

IB0 = "a100-ib-0"


@pytest.fixture(scope="module")
def eastus(plan_shipped) -> Inventory:
    return plan_shipped("eastus")


def mutate(inv: Inventory, name: str, change: Callable[[dict[str, Any]], Any]) -> Inventory:
    """A copy of `inv` in which `change` edited (a deep copy of) the inputs of the resource `name`."""
    target = inv.named(name)
    inputs = copy.deepcopy(dict(target.inputs))
    change(inputs)
    return dataclasses.replace(inv, resources=tuple(
        dataclasses.replace(r, inputs=inputs) if r is target else r for r in inv.resources
    ))


def replace(inv: Inventory, name: str, **fields: Any) -> Inventory:
    target = inv.named(name)
    return dataclasses.replace(inv, resources=tuple(
        dataclasses.replace(r, **fields) if r is target else r for r in inv.resources
    ))


def add(inv: Inventory, resource: Resource) -> Inventory:
    return dataclasses.replace(inv, resources=(*inv.resources, resource))


def fired(inv: Inventory) -> dict[str, list[str]]:
    """Compute invariant name -> messages, for every compute check that fails on `inv`."""
    out: dict[str, list[str]] = {}
    for name, fn in CHECKS.items():
        for v in fn(inv):
            assert v.invariant == name and v.stack == inv.stack and v.resource in inv.by_urn()
            out.setdefault(name, []).append(v.message)
    return out


def only(inv: Inventory, invariant: str) -> list[str]:
    found = fired(inv)
    assert list(found) == [invariant], found
    return found[invariant]


def vmss_nic(inputs: dict[str, Any]) -> dict[str, Any]:
    return inputs["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]


# ------------------------------------------------------------------------------------------------


def test_checks_are_registered_under_their_names():
    assert list(CHECKS) == [
        "ib-placement-group", "ib-proximity", "no-public-ip", "gpu-count", "encryption-at-host",
        "image-pinned", "accelerated-networking", "nsg-denies-internet",
    ]


def test_every_shipped_stack_plans_with_no_compute_violation(shipped_fabric, plan_shipped):
    for stack in shipped_fabric.stacks:
        assert fired(plan_shipped(stack)) == {}, stack


# ib-placement-group ------------------------------------------------------------------------------


def test_fails_when_a_scale_set_is_over_azures_hard_limit_of_300(eastus):
    inv = mutate(eastus, IB0, lambda i: i["sku"].update(capacity=301))
    # 301 of one set also breaks the cluster's GPU count; the placement group is what this test is about.
    found = fired(inv)
    assert set(found) == {"ib-placement-group", "gpu-count"}
    assert found["ib-placement-group"] == [
        "301 VMs in one InfiniBand placement group, over the declared limit of 300; split the cluster into more "
        "InfiniBand domains"
    ]


def test_fails_when_a_scale_set_is_over_its_declared_limit(eastus):
    inv = mutate(eastus, IB0, lambda i: i["tags"].update({"ib-placement-group-max-vms": "200"}))
    [message] = only(inv, "ib-placement-group")
    assert message.startswith("225 VMs in one InfiniBand placement group, over the declared limit of 200")


def test_fails_when_a_scale_set_declares_no_limit_and_exceeds_the_default_100(eastus):
    inv = mutate(eastus, IB0, lambda i: i["tags"].pop("ib-placement-group-max-vms"))
    [message] = only(inv, "ib-placement-group")
    assert "over Azure's default limit of 100" in message and "ib-placement-group-max-vms" in message


def test_fails_when_a_scale_set_declares_a_limit_over_300(eastus):
    inv = mutate(eastus, IB0, lambda i: i["tags"].update({"ib-placement-group-max-vms": "400"}))
    [message] = only(inv, "ib-placement-group")
    assert message.startswith("tag ib-placement-group-max-vms='400' is not a placement-group limit; allowed 1-300")


@pytest.mark.parametrize(("change", "expected"), [
    (lambda i: i.update(singlePlacementGroup=False), "singlePlacementGroup is False"),
    (lambda i: i.pop("singlePlacementGroup"), "singlePlacementGroup is None"),
    (lambda i: i.update(orchestrationMode="Flexible"), "orchestrationMode is 'Flexible'"),
    (lambda i: i.update(platformFaultDomainCount=5), "platformFaultDomainCount is 5"),
])
def test_fails_when_a_gpu_scale_set_is_not_one_infiniband_placement_group(eastus, change, expected):
    [message] = only(mutate(eastus, IB0, change), "ib-placement-group")
    assert message.startswith(expected)


# ib-proximity ------------------------------------------------------------------------------------


def test_fails_when_a_scale_set_has_no_proximity_placement_group(eastus):
    [message] = only(mutate(eastus, IB0, lambda i: i.pop("proximityPlacementGroup")), "ib-proximity")
    assert message.startswith("proximityPlacementGroup not set")


def test_fails_when_the_proximity_placement_group_is_not_of_this_stack(eastus):
    other = "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/proximityPlacementGroups/elsewhere"
    inv = mutate(eastus, IB0, lambda i: i.update(proximityPlacementGroup={"id": other}))
    [message] = only(inv, "ib-proximity")
    assert f"{other} is not declared in this stack" in message


def test_an_unknown_placement_group_id_resolves_through_the_dependency(eastus):
    # A preview before the placement group exists: its ID is unknown, the dependency is not.
    unknown = mutate(eastus, IB0, lambda i: i.update(proximityPlacementGroup={"id": None}))
    assert fired(unknown) == {}
    ppg = eastus.named("a100-ppg").urn
    cut = replace(unknown, IB0, dependencies=tuple(d for d in eastus.named(IB0).dependencies if d != ppg))
    [message] = only(cut, "ib-proximity")
    assert message.startswith("proximityPlacementGroup refers to nothing this stack declares")


def without_ids(inv: Inventory) -> Inventory:
    """The inventory as the policy engine builds it: no resource IDs, references by ARM ID in inputs."""
    return dataclasses.replace(inv, resources=tuple(dataclasses.replace(r, id=None) for r in inv.resources))


def test_references_resolve_by_arm_names_where_the_inventory_has_no_ids(shipped_fabric, plan_shipped):
    for stack in shipped_fabric.stacks:
        assert fired(without_ids(plan_shipped(stack))) == {}, stack


def test_fails_without_ids_when_the_placement_group_is_of_another_resource_group(eastus):
    other = eastus.named(IB0).get("proximityPlacementGroup.id").replace("rg-ai-fabric-eastus-a100", "rg-elsewhere")
    inv = without_ids(mutate(eastus, IB0, lambda i: i.update(proximityPlacementGroup={"id": other})))
    [message] = only(inv, "ib-proximity")
    assert f"{other} is not declared in this stack" in message


def test_fails_without_ids_when_the_subnet_has_another_nsg(eastus):
    other = eastus.named("a100-nsg").id.replace("/nsg-a100", "/nsg-open")
    inv = without_ids(mutate(eastus, "a100-subnet", lambda i: i.update(networkSecurityGroup={"id": other})))
    [message] = only(inv, "nsg-denies-internet")
    assert message.startswith(f"networkSecurityGroup {other} is not declared in this stack")


def test_fails_when_the_placement_group_is_for_another_size_or_zone(eastus):
    other_size = mutate(eastus, "a100-ppg", lambda i: i["intent"].update(vmSizes=["Standard_ND96isr_H100_v5"]))
    assert len(only(other_size, "ib-proximity")) == 3
    other_zone = mutate(eastus, IB0, lambda i: i.update(zones=["2"]))
    [message] = only(other_zone, "ib-proximity")
    assert "differ from a100-ppg's zones ['1']" in message


# no-public-ip ------------------------------------------------------------------------------------


def test_fails_when_a_scale_set_nic_has_a_public_ip(eastus):
    def public(i: dict[str, Any]) -> None:
        vmss_nic(i)["ipConfigurations"][0]["publicIPAddressConfiguration"] = {"name": "pip"}

    [message] = only(mutate(eastus, IB0, public), "no-public-ip")
    assert message.startswith("ipConfiguration a100-nic/a100-ipconfig has a publicIPAddressConfiguration")


def test_fails_when_a_public_ip_is_declared_under_a_gpu_cluster(eastus):
    cluster = eastus.named("a100")
    pip = Resource(
        urn=cluster.urn.replace("ai-fabric:compute:GpuCluster::a100",
                                "ai-fabric:compute:GpuCluster$azure-native:network:PublicIPAddress::a100-pip"),
        type="azure-native:network:PublicIPAddress", name="a100-pip", parent=cluster.urn, inputs={},
    )
    [message] = only(add(eastus, pip), "no-public-ip")
    assert message == "public IP address declared under GPU cluster a100"


# gpu-count ---------------------------------------------------------------------------------------


def test_fails_when_the_scale_sets_hold_fewer_gpus_than_the_cluster_declares(eastus):
    found = only(mutate(eastus, IB0, lambda i: i["sku"].update(capacity=224)), "gpu-count")
    assert found[0].startswith("cluster a100 declares 5,400 GPUs but its scale sets hold 5,392 (a100-ib-0 224 x 8")
    assert found[1] == "cluster a100 declares 675 VMs but its scale sets hold 674"


def test_fails_when_the_cluster_declares_other_gpus_than_its_scale_sets_hold(eastus):
    inv = mutate(eastus, "a100", lambda i: i.update(gpus=5408, vms=676))
    found = only(inv, "gpu-count")
    assert found[0].startswith("cluster a100 declares 5,408 GPUs but its scale sets hold 5,400")
    assert found[1] == "cluster a100 declares 676 VMs but its scale sets hold 675"


def test_fails_when_a_scale_set_of_the_cluster_is_missing(eastus):
    inv = dataclasses.replace(eastus, resources=tuple(r for r in eastus.resources if r.name != "a100-ib-2"))
    found = only(inv, "gpu-count")
    assert found[0].startswith("cluster a100 declares 5,400 GPUs but its scale sets hold 3,600")
    assert found[1] == "cluster a100 declares 675 VMs but its scale sets hold 450"


def test_fails_when_a_gpu_scale_set_belongs_to_no_cluster(eastus):
    found = only(replace(eastus, IB0, parent=None), "gpu-count")
    assert found[0].startswith("GPU scale set outside any GpuCluster: its 225 x Standard_ND96amsr_A100_v4 VMs")
    assert found[1].startswith("cluster a100 declares 5,400 GPUs but its scale sets hold 3,600")


def test_fails_when_a_cluster_scale_set_has_a_size_outside_the_catalog(eastus):
    inv = mutate(eastus, IB0, lambda i: i["sku"].update(name="Standard_D4s_v5"))
    found = fired(inv)
    assert "gpu-count" in found
    assert found["gpu-count"][0].startswith("SKU 'Standard_D4s_v5' is not a GPU size of the catalog")


# encryption-at-host, accelerated-networking ------------------------------------------------------


def test_fails_when_a_scale_set_does_not_encrypt_at_host(eastus):
    inv = mutate(eastus, IB0, lambda i: i["virtualMachineProfile"].pop("securityProfile"))
    [message] = only(inv, "encryption-at-host")
    assert message.endswith("encryptionAtHost is None; set it to true")


def test_fails_when_a_scale_set_nic_lacks_accelerated_networking(eastus):
    inv = mutate(eastus, IB0, lambda i: vmss_nic(i).update(enableAcceleratedNetworking=False))
    [message] = only(inv, "accelerated-networking")
    assert message == "NIC a100-nic has enableAcceleratedNetworking False; set it to true"


# nsg-denies-internet -----------------------------------------------------------------------------


def _rules(inputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in inputs["securityRules"]}


def test_fails_when_the_nsg_has_no_deny_internet_rule(eastus):
    inv = mutate(eastus, "a100-nsg", lambda i: i.update(
        securityRules=[r for r in i["securityRules"] if r["name"] != "deny-internet-inbound"]))
    [message] = only(inv, "nsg-denies-internet")
    assert message == (
        "its NSG a100-nsg has no inbound Deny rule for source Internet on all protocols and ports"
    )


def test_fails_when_the_deny_rule_covers_one_port_only(eastus):
    inv = mutate(eastus, "a100-nsg", lambda i: _rules(i)["deny-internet-inbound"].update(destinationPortRange="22"))
    only(inv, "nsg-denies-internet")


def test_fails_when_an_allow_rule_lets_the_internet_in_before_the_deny(eastus):
    allow = {"name": "allow-ssh", "priority": 50, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
             "sourceAddressPrefix": "Internet", "destinationPortRange": "22"}
    inv = mutate(eastus, "a100-nsg", lambda i: i["securityRules"].append(allow))
    [message] = only(inv, "nsg-denies-internet")
    assert message == "its NSG a100-nsg allows Internet inbound (allow-ssh) at a priority before its deny rule at 100"


def test_an_allow_rule_after_the_deny_is_harmless(eastus):
    allow = {"name": "allow-ssh", "priority": 300, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
             "sourceAddressPrefix": "*", "destinationPortRange": "22"}
    assert fired(mutate(eastus, "a100-nsg", lambda i: i["securityRules"].append(allow))) == {}


def test_fails_when_the_gpu_subnet_has_no_nsg(eastus):
    [message] = only(mutate(eastus, "a100-subnet", lambda i: i.pop("networkSecurityGroup")), "nsg-denies-internet")
    assert message.startswith("networkSecurityGroup not set")
