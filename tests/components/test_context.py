"""SiteContext: what the program hands every component about its site, including the VNet's subnets."""

from __future__ import annotations

from pathlib import Path

from components.context import baseline_tags
from infra.inventory import Inventory
from infra.invariants.network import subnet_order
from infra.spec import FabricSpec, from_config
from infra.stackfile import load
from infra.tokens import SUBNET

STACKS = Path(__file__).resolve().parents[2] / "stacks"
A100 = "Standard_ND96amsr_A100_v4"


def two_clusters() -> FabricSpec:
    """The shipped eastus stack with two small clusters in place of its one, planned alone."""
    data = load(STACKS / "Pulumi.eastus.yaml").spec.model_dump(mode="json", exclude={"stack"})
    data["interconnect"]["global_reach"] = {}
    data["demands"] = {}
    for grant in data["access"]["grants"].values():
        if grant["scope"] == "cluster/a100":
            grant["scope"] = "cluster/train"
    data["clusters"] = {
        "train": {"sku": A100, "vm_count": 8, "subnet": "10.10.0.0/24", "zone": "1"},
        "eval": {"sku": A100, "vm_count": 8, "subnet": "10.10.1.0/24", "zone": "1"},
    }
    data["site"]["vcpu_quota"] = {A100: 1_000_000}
    return from_config("eastus", data)


def _subnet_names_in_creation_order(inv: Inventory) -> list[str]:
    by_urn = {r.urn: r for r in inv.of_type(SUBNET)}

    def depth(urn: str) -> int:  # how many subnets are created before this one
        before = [d for d in by_urn[urn].dependencies if d in by_urn]
        return 0 if not before else 1 + max(depth(d) for d in before)

    return [r.inputs["subnetName"] for r in sorted(by_urn.values(), key=lambda r: depth(r.urn))]


def test_subnets_of_the_site_vnet_are_created_one_after_another_in_declaration_order(plan_spec):
    inv = plan_spec(two_clusters())
    assert _subnet_names_in_creation_order(inv) == ["snet-train", "snet-eval", "GatewaySubnet"]
    assert subnet_order(inv) == []
    vnet = inv.named("vnet")
    for subnet in inv.of_type(SUBNET):
        assert subnet.inputs["virtualNetworkName"] == vnet.inputs["virtualNetworkName"]
        assert subnet.inputs["resourceGroupName"] == inv.named("network-rg").inputs["resourceGroupName"]
        assert vnet.urn in subnet.dependencies


def test_the_first_subnet_waits_for_nothing_but_its_own_inputs(plan_spec):
    inv = plan_spec(two_clusters())
    first = next(r for r in inv.of_type(SUBNET) if r.inputs["subnetName"] == "snet-train")
    assert not {d for d in first.dependencies if d in {r.urn for r in inv.of_type(SUBNET)}}


def test_baseline_tags_win_over_the_spec_tags_on_their_own_keys():
    tags = baseline_tags("eastus", "eastus", "gpu-cluster", {"stack": "spoofed", "owner": "ml-infra"})
    assert tags == {"owner": "ml-infra", "fabric": "ai-fabric", "stack": "eastus", "site": "eastus",
                    "component": "gpu-cluster"}
