"""Every resource the program declares, for every shipped stack and a small synthetic bench fabric, is a
request Azure accepts for the API version azure-native sends it with; and every type has a vendored spec."""

from __future__ import annotations

import pytest

from bench.synthetic import fabric as synthetic_fabric
from infra import conformance, offline
from infra.inventory import Inventory, Resource
from infra.invariants import conformance as conformance_invariant

SHIPPED = ["eastus", "southcentralus", "uksouth", "westeurope", "westus3"]


@pytest.fixture(scope="module")
def synthetic_inventories() -> list[Inventory]:
    """Two bench sites, one cluster each, joined by Global Reach (bench/synthetic.py)."""
    specs = synthetic_fabric(2, clusters_per_site=1)
    configs = {n: offline.config_from_spec(s) for n, s in specs.items()}
    planner = offline.FabricPlanner(specs, configs)
    return [planner.inventory(n) for n in sorted(specs)]


def _azure_types(inv: Inventory) -> set[str]:
    return {r.type for r in inv if r.custom and r.type.startswith("azure-native:")}


@pytest.mark.parametrize("stack", SHIPPED)
def test_every_shipped_resource_conforms_to_its_rest_spec(plan_shipped, stack):
    inv = plan_shipped(stack)
    assert _azure_types(inv), "the stack declares azure-native resources"
    assert conformance_invariant.azure_api_conformance(inv) == []


def test_every_synthetic_bench_resource_conforms_to_its_rest_spec(synthetic_inventories):
    for inv in synthetic_inventories:
        assert conformance_invariant.azure_api_conformance(inv) == []


def test_every_emitted_type_has_a_vendored_spec(plan_shipped, synthetic_inventories):
    emitted = set().union(*(_azure_types(plan_shipped(s)) for s in SHIPPED),
                          *(_azure_types(inv) for inv in synthetic_inventories))
    vendored = set(conformance.library().tokens())
    assert emitted - vendored == set(), f"vendor a spec for {sorted(emitted - vendored)} (infra/conformance/README.md)"
    assert {"azure-native:network:VirtualNetworkGateway", "azure-native:compute:VirtualMachineScaleSet",
            "azure-native:authorization:PimRoleEligibilitySchedule"} <= emitted


def test_fails_when_a_type_has_no_vendored_spec(plan_shipped):
    inv = plan_shipped("eastus")
    stray = Inventory(inv.stack, (Resource(urn="urn:x", type="azure-native:network:NatGateway", name="nat",
                                           parent=None, inputs={"resourceGroupName": "rg"}),))
    found = conformance_invariant.azure_api_conformance(stray)
    assert len(found) == 1 and "no vendored REST spec for azure-native:network:NatGateway" in found[0].message


def test_mock_ids_use_azure_collection_names(plan_shipped):
    inv = plan_shipped("eastus")
    by_urn = inv.by_urn()
    connection = inv.of_type("azure-native:network:VirtualNetworkGatewayConnection")[0]
    gateway_id = connection.get("virtualNetworkGateway1.id")
    assert "/providers/Microsoft.Network/virtualNetworkGateways/ergw-eastus" in gateway_id
    assert "virtualNetworkGatewaies" not in repr([r.inputs for r in inv])
    assert by_urn[connection.urn].id.split("/providers/")[1].startswith("Microsoft.Network/connections/con-eastus-")
    rg = inv.of_type("azure-native:resources:ResourceGroup")[0]
    assert rg.id == f"/subscriptions/{offline.MOCK_SUBSCRIPTION}/resourceGroups/{rg.inputs['resourceGroupName']}"
