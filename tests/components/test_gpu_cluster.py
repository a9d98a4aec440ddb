"""GpuCluster: what the component declares for a cluster, asserted on the recorded inventory.

The reference stack (eastus) is the May 2022 cluster: 5,400 A100 80GB GPUs on 675 NDm A100 v4 VMs,
1,350 CPU sockets, 1.6 Tb/s InfiniBand per VM, as three InfiniBand domains of 225 VMs.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from components.context import SiteContext, baseline_tags
from components.gpu_cluster import GpuClusterArgs, unusable_ssh_public_key
from infra import catalog
from infra.capacity import compute as capacity_compute
from infra.invariants.compute import CHECKS
from infra.inventory import Inventory, Resource
from infra.spec import FabricSpec, GpuClusterSpec, from_config
from infra.spec.compute import parse_ssh_public_key
from infra.stackfile import load
from infra.tokens import GPU_CLUSTER as CLUSTER, SCALE_SET as VMSS

STACKS = Path(__file__).resolve().parents[2] / "stacks"
A100 = "Standard_ND96amsr_A100_v4"
GB200 = "Standard_ND128isr_NDR_GB200_v6"
GB200_IMAGE = "22.04.2025061001"


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def spec_with(cluster: dict[str, Any], *, quota_vcpus: int = 1_000_000, name: str = "gpu") -> FabricSpec:
    """The shipped eastus stack with its cluster replaced by `cluster` (named `name`), planned alone
    (its Global Reach links and demands to other sites left out)."""
    data = load(STACKS / "Pulumi.eastus.yaml").spec.model_dump(mode="json", exclude={"stack"})
    data["interconnect"]["global_reach"] = {}
    data["demands"] = {}
    for grant in data["access"]["grants"].values():
        if grant["scope"] == "cluster/a100":
            grant["scope"] = f"cluster/{name}"
    if cluster["sku"] == GB200 and "image_version" not in cluster:
        cluster = {**cluster, "image_version": GB200_IMAGE}  # the catalog pins no arm64 image version
    data["clusters"] = {name: cluster}
    data["site"]["vcpu_quota"] = {cluster["sku"]: quota_vcpus}
    return from_config("eastus", data)


def children(inv: Inventory, cluster: str) -> list[Resource]:
    return inv.children(inv.named(cluster).urn)


def scale_sets(inv: Inventory, cluster: str) -> list[Resource]:
    return sorted((r for r in children(inv, cluster) if r.type == VMSS), key=lambda r: r.name)


def compute_violations(inv: Inventory) -> list[str]:
    return [str(v) for fn in CHECKS.values() for v in fn(inv)]


@pytest.fixture(scope="module")
def eastus(plan_shipped) -> Inventory:
    return plan_shipped("eastus")


# ------------------------------------------------------------------------------------------------
# The reference cluster
# ------------------------------------------------------------------------------------------------


def test_reference_cluster_is_5400_gpus_on_675_vms_in_three_ib_domains_of_225(eastus):
    claim = eastus.named("a100").inputs
    assert (claim["gpus"], claim["vms"], claim["cpuSockets"], claim["ibGbpsPerVm"]) == (5400, 675, 1350, 1600)
    assert (claim["ibDomains"], claim["ibDomainVms"], claim["sku"]) == (3, [225, 225, 225], A100)
    sets = scale_sets(eastus, "a100")
    assert [s.name for s in sets] == ["a100-ib-0", "a100-ib-1", "a100-ib-2"]
    assert [s.get("sku.capacity") for s in sets] == [225, 225, 225]
    assert all(s.get("sku.name") == A100 for s in sets)
    assert sum(s.get("sku.capacity") * catalog.GPU_SKUS[A100].gpus_per_vm for s in sets) == 5400


def test_capacity_export_carries_the_reference_figures(eastus):
    cap = eastus.exports["capacity"]
    assert (cap["gpus"], cap["vms"], cap["cpu_sockets"]) == (5400, 675, 1350)
    [a100] = cap["clusters"]
    assert {k: a100[k] for k in ("name", "sku", "vms", "gpus", "cpu_sockets", "ib_gbps_per_vm", "ib_domains")} == {
        "name": "a100", "sku": A100, "vms": 675, "gpus": 5400, "cpu_sockets": 1350, "ib_gbps_per_vm": 1600,
        "ib_domains": 3,
    }
    assert a100["ib_domain_vms"] == [225, 225, 225]
    assert eastus.exports["clusters"]["a100"]["gpus"] == 5400


def test_every_ib_scale_set_is_one_uniform_placement_group_in_the_proximity_group(eastus):
    ppg = eastus.named("a100-ppg")
    assert ppg.get("intent.vmSizes") == [A100]
    assert ppg.get("zones") == ["1"]
    assert ppg.get("resourceGroupName") == "rg-ai-fabric-eastus-a100"
    for s in scale_sets(eastus, "a100"):
        assert s.get("orchestrationMode") == "Uniform"
        assert s.get("singlePlacementGroup") is True
        assert s.get("sku.capacity") <= 300
        assert s.get("platformFaultDomainCount") == 1
        assert s.get("overprovision") is False
        assert s.get("upgradePolicy.mode") == "Manual"
        assert s.get("zones") == ["1"]
        assert s.get("proximityPlacementGroup.id") == ppg.id
        assert s.get("tags")["ib-placement-group-max-vms"] == "300"


def test_children_are_named_by_role_and_parented_to_the_cluster(eastus):
    cluster = eastus.named("a100")
    assert cluster.type == CLUSTER and cluster.parent is None
    kids = {r.name: r.type for r in children(eastus, "a100")}
    assert kids == {
        "a100-subnet": "azure-native:network:Subnet",
        "a100-nsg": "azure-native:network:NetworkSecurityGroup",
        "a100-ppg": "azure-native:compute:ProximityPlacementGroup",
        "a100-identity": "azure-native:managedidentity:UserAssignedIdentity",
        "a100-ib-0": VMSS,
        "a100-ib-1": VMSS,
        "a100-ib-2": VMSS,
    }
    assert {r.urn for r in eastus.descendants(cluster.urn)} == {r.urn for r in children(eastus, "a100")}


def test_no_public_ip_on_any_gpu_node(eastus):
    for s in scale_sets(eastus, "a100"):
        for nic in s.get("virtualMachineProfile.networkProfile.networkInterfaceConfigurations"):
            for ip in nic["ipConfigurations"]:
                assert "publicIPAddressConfiguration" not in ip
    under = {r.type for r in eastus.descendants(eastus.named("a100").urn)}
    assert "azure-native:network:PublicIPAddress" not in under
    assert CHECKS["no-public-ip"](eastus) == []


def test_nodes_run_the_hpc_image_with_accelerated_networking_and_encryption_at_host(eastus):
    sku = catalog.GPU_SKUS[A100]
    for s in scale_sets(eastus, "a100"):
        assert s.get("virtualMachineProfile.storageProfile.imageReference") == {
            "publisher": "microsoft-dsvm", "offer": sku.image_offer, "sku": sku.image_sku,
            "version": "22.04.2024102301",  # pinned in the stack file, never 'latest'
        }
        nics = s.get("virtualMachineProfile.networkProfile.networkInterfaceConfigurations")
        assert len(nics) == 1 and nics[0]["enableAcceleratedNetworking"] is True
        assert nics[0]["ipConfigurations"][0]["subnet"]["id"] == eastus.named("a100-subnet").id
        assert s.get("virtualMachineProfile.securityProfile.encryptionAtHost") is True


def test_admin_login_is_by_ssh_key_only_and_people_use_entra_id(eastus):
    for s in scale_sets(eastus, "a100"):
        os_profile = s.get("virtualMachineProfile.osProfile")
        assert "adminPassword" not in os_profile
        linux = os_profile["linuxConfiguration"]
        assert linux["disablePasswordAuthentication"] is True
        [key] = linux["ssh"]["publicKeys"]
        assert key == {"path": "/home/azureuser/.ssh/authorized_keys", "keyData": unusable_ssh_public_key()}
        [ext] = s.get("virtualMachineProfile.extensionProfile.extensions")
        assert (ext["publisher"], ext["type"]) == ("Microsoft.Azure.ActiveDirectory", "AADSSHLoginForLinux")


def test_unusable_admin_key_is_a_stable_rsa_4096_key_azure_accepts():
    key = unusable_ssh_public_key()
    assert key == unusable_ssh_public_key()
    assert parse_ssh_public_key(key) == key
    assert key.startswith("ssh-rsa ") and key.endswith(" ai-fabric-no-private-key")


def test_training_identity_is_one_per_cluster_in_the_cluster_resource_group(eastus):
    identity = eastus.named("a100-identity")
    assert identity.get("resourceGroupName") == "rg-ai-fabric-eastus-a100"
    assert [r for r in children(eastus, "a100") if r.type == identity.type] == [identity]
    for s in scale_sets(eastus, "a100"):
        assert s.get("identity") == {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": [identity.id]}


def test_subnet_is_the_spec_prefix_in_the_site_vnet_behind_an_nsg_that_denies_the_internet(eastus):
    subnet, nsg = eastus.named("a100-subnet"), eastus.named("a100-nsg")
    assert subnet.get("addressPrefix") == "10.10.0.0/22"
    assert subnet.get("virtualNetworkName") == "vnet-ai-fabric-eastus"
    assert subnet.get("resourceGroupName") == "rg-ai-fabric-eastus-network"
    assert subnet.get("networkSecurityGroup.id") == nsg.id
    assert nsg.get("resourceGroupName") == "rg-ai-fabric-eastus-a100"
    rules = {r["name"]: r for r in nsg.get("securityRules")}
    deny = rules["deny-internet-inbound"]
    assert (deny["direction"], deny["access"], deny["sourceAddressPrefix"], deny["protocol"]) == (
        "Inbound", "Deny", "Internet", "*",
    )
    assert deny["destinationPortRange"] == "*"
    vnet = rules["allow-vnet-inbound"]
    assert (vnet["access"], vnet["sourceAddressPrefix"]) == ("Allow", "VirtualNetwork")
    assert deny["priority"] < vnet["priority"]


def test_taggable_children_carry_the_site_tags(eastus):
    spec = load(STACKS / "Pulumi.eastus.yaml").spec
    expected = baseline_tags("eastus", "eastus", "gpu-cluster", spec.site.tags)
    for r in children(eastus, "a100"):
        if r.type != "azure-native:network:Subnet":  # subnets take no tags
            assert expected.items() <= r.get("tags").items(), r.name


# ------------------------------------------------------------------------------------------------
# Every SKU of the catalog
# ------------------------------------------------------------------------------------------------

SKU_SIZES = {
    "Standard_ND96asr_v4": 16,
    A100: 16,
    "Standard_ND96isr_H100_v5": 16,
    "Standard_ND96isr_H200_v5": 16,
    GB200: 36,
    "Standard_ND96isr_MI300X_v5": 16,
}


def test_sku_sizes_cover_the_catalog():
    assert set(SKU_SIZES) == set(catalog.GPU_SKUS)


@pytest.mark.parametrize("sku", sorted(SKU_SIZES))
def test_every_catalog_sku_plans_as_ib_scale_sets_with_its_hpc_image(plan_spec, sku):
    known = catalog.GPU_SKUS[sku]
    vms = SKU_SIZES[sku]
    inv = plan_spec(spec_with({"sku": sku, "vm_count": vms, "subnet": "10.10.0.0/24", "zone": "2"}))
    claim = inv.named("gpu").inputs
    assert (claim["gpus"], claim["vms"], claim["ibGbpsPerVm"]) == (vms * known.gpus_per_vm, vms, known.ib_gbps_per_vm)
    [s] = scale_sets(inv, "gpu")
    assert (s.get("sku.name"), s.get("sku.capacity"), s.get("zones")) == (sku, vms, ["2"])
    image = s.get("virtualMachineProfile.storageProfile.imageReference")
    assert (image["publisher"], image["offer"], image["sku"]) == ("microsoft-dsvm", known.image_offer, known.image_sku)
    assert image["version"] == (known.image_version or GB200_IMAGE)
    assert inv.named("gpu-ppg").get("intent.vmSizes") == [sku]
    assert compute_violations(inv) == []


def test_gb200_ib_domains_are_whole_nvl72_racks(plan_spec):
    # 5 racks at 2 racks per domain: 2 + 2 + 1 racks.
    inv = plan_spec(spec_with({"sku": GB200, "vm_count": 90, "placement_group_max_vms": 40, "subnet": "10.10.0.0/24"}))
    assert [s.get("sku.capacity") for s in scale_sets(inv, "gpu")] == [36, 36, 18]
    assert inv.named("gpu").inputs["gpus"] == 90 * 4
    assert compute_violations(inv) == []


def test_a_regional_cluster_has_no_zones(plan_spec):
    inv = plan_spec(spec_with({"sku": A100, "vm_count": 8, "subnet": "10.10.0.0/24"}))
    assert inv.named("gpu-ppg").get("zones") is None
    assert all(s.get("zones") is None for s in scale_sets(inv, "gpu"))
    assert compute_violations(inv) == []


def test_default_limit_splits_675_vms_into_seven_domains_of_at_most_100(plan_spec):
    inv = plan_spec(spec_with({"sku": A100, "gpu_count": 5400, "subnet": "10.10.0.0/22", "zone": "1"}))
    sizes = [s.get("sku.capacity") for s in scale_sets(inv, "gpu")]
    assert sorted(sizes, reverse=True) == [97, 97, 97, 96, 96, 96, 96] and sum(sizes) == 675
    assert {s.get("tags")["ib-placement-group-max-vms"] for s in scale_sets(inv, "gpu")} == {"100"}
    assert compute_violations(inv) == []


# ------------------------------------------------------------------------------------------------
# Rejections
# ------------------------------------------------------------------------------------------------


def _violations_of(spec: FabricSpec) -> dict[str, list[str]]:
    """The spec-level compute violations (quota, subnet room, placement groups) of a spec."""
    found = capacity_compute.check(spec, capacity_compute.clusters(spec))
    out: dict[str, list[str]] = {}
    for v in found:
        out.setdefault(v.invariant, []).append(v.message)
    return out


def test_fails_when_the_vcpus_exceed_the_declared_quota():
    spec = spec_with({"sku": A100, "vm_count": 675, "subnet": "10.10.0.0/22"}, quota_vcpus=64_000)
    found = _violations_of(spec)
    assert list(found) == ["vcpu-quota"]
    assert "64,800 vCPUs" in found["vcpu-quota"][0] and "request 800 more" in found["vcpu-quota"][0]


def test_fails_when_the_subnet_cannot_hold_the_vms_reserved_and_headroom():
    spec = spec_with({"sku": A100, "vm_count": 675, "subnet": "10.10.0.0/23"})
    found = _violations_of(spec)
    assert list(found) == ["subnet-room"]
    assert "need 748" in found["subnet-room"][0] and "/22 at least" in found["subnet-room"][0]


def test_fails_when_the_placement_group_limit_is_over_azures_300():
    with pytest.raises(ValidationError, match="less than or equal to 300"):
        spec_with({"sku": A100, "vm_count": 675, "placement_group_max_vms": 301, "subnet": "10.10.0.0/22"})


def test_fails_when_gb200_is_not_in_whole_nvl72_racks():
    with pytest.raises(ValidationError, match=r"whole racks of 18 VMs; 20 VMs is 1.11 racks \(use 36 VMs\)"):
        spec_with({"sku": GB200, "vm_count": 20, "subnet": "10.10.0.0/24"})


def test_fails_when_the_sku_is_unknown_and_names_the_allowed_skus():
    with pytest.raises(ValidationError) as info:
        GpuClusterSpec.model_validate({"sku": "Standard_ND96asr_v9", "vm_count": 8, "subnet": "10.10.0.0/24"})
    message = str(info.value)
    assert "unknown GPU SKU 'Standard_ND96asr_v9'" in message
    assert all(sku in message for sku in catalog.GPU_SKUS)


def test_fails_when_a_dataset_is_listed_twice():
    with pytest.raises(ValidationError, match="datasets 'corpus' listed more than once"):
        GpuClusterSpec.model_validate({"sku": A100, "vm_count": 8, "subnet": "10.10.0.0/24",
                                       "datasets": ["corpus", "evals", "corpus"]})


def _args(**changes: Any) -> GpuClusterArgs:
    spec = GpuClusterSpec.model_validate({"sku": A100, "vm_count": 8, "subnet": "10.10.0.0/24"})
    site = SiteContext(stack="eastus", region="eastus", subscription_id="sub", network_resource_group="rg",
                       vnet_name="vnet", vnet_id="vnet-id")
    return GpuClusterArgs(**{"spec": spec, "site": site, "resource_group_name": "rg", "sku": catalog.GPU_SKUS[A100],
                             **changes})


def test_fails_when_the_args_sku_disagrees_with_the_spec():
    with pytest.raises(ValueError, match="GpuClusterArgs.sku is Standard_ND96isr_H100_v5 but the cluster spec says"):
        _args(sku=catalog.GPU_SKUS["Standard_ND96isr_H100_v5"])


@pytest.mark.parametrize(("key", "why"), [
    ("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=", "not accepted by Azure"),
    ("ssh-rsa not-base64!", "does not decode"),
    ("ssh-rsa", "not an OpenSSH public key"),
])
def test_fails_when_the_admin_key_is_one_azure_refuses(key, why):
    with pytest.raises(ValueError, match=why):
        _args(admin_ssh_public_key=key)


def test_fails_when_the_admin_rsa_key_is_under_2048_bits():
    blob = base64.b64decode(unusable_ssh_public_key().split()[1])
    # Cut the 4096-bit modulus to 1024 bits, keeping the blob well-formed.
    head, modulus = blob[:-517], blob[-513:][:129]
    short = head + len(modulus).to_bytes(4, "big") + modulus
    with pytest.raises(ValueError, match="RSA key of 1024 bits; Azure needs 2048 or more"):
        _args(admin_ssh_public_key="ssh-rsa " + base64.b64encode(short).decode())


def test_a_given_admin_key_is_kept_as_parsed():
    key = unusable_ssh_public_key()
    assert _args(admin_ssh_public_key=f"  {key}  ").admin_ssh_public_key == key
    assert copy.copy(_args()).admin_ssh_public_key is None
