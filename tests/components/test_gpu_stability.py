"""A re-apply keeps the VM count operators set on a GPU scale set (draining, replacing nodes), scales out when
the spec asks for more, and stops rather than guess when Azure cannot be read."""

from __future__ import annotations

import pytest

from components import gpu_cluster
from infra import catalog, offline
from infra.invariants import check
from infra.tokens import SCALE_SET

READ = "azure-native:compute:getVirtualMachineScaleSet"


@pytest.mark.parametrize("spec_vms,live,kept", [(225, None, 225), (225, 230, 230), (225, 225, 225), (225, 200, 225),
                                                (225, 0, 225)])
def test_a_run_declares_the_larger_of_the_spec_and_the_live_count(spec_vms, live, kept):
    assert gpu_cluster.kept_capacity(spec_vms, live) == kept


def _answering(monkeypatch, answer):
    """FabricMocks answer the live read with answer(args): a dict of outputs, or (outputs, failures) for an
    invoke Azure answers with an error (the engine hands the program an exception, as it does for a 404)."""
    original = offline.FabricMocks.call

    def call(self, args):
        if args.token == READ:
            return answer(args.args)
        return original(self, args)

    monkeypatch.setattr(offline.FabricMocks, "call", call)


@pytest.fixture
def plan_westus3(shipped_fabric, monkeypatch):
    """plan_westus3(answer) -> the westus3 inventory (144 H200 VMs in two scale sets of 72; it reads no peer's
    outputs) with the live read answered by `answer`."""
    stack = shipped_fabric.stacks["westus3"]
    specs = {n: s.spec for n, s in shipped_fabric.stacks.items()}

    def plan(answer):
        _answering(monkeypatch, answer)
        return offline.run("westus3", stack.file.config, peer_specs=specs)

    return plan


def test_operators_surge_is_kept_and_nothing_is_scaled_in(plan_westus3, shipped_fabric):
    reads = []

    def answer(args):
        reads.append((args["resourceGroupName"], args["vmScaleSetName"]))
        # An operator added 3 replacement nodes to domain 1 before draining the bad ones.
        return {"sku": {"name": "Standard_ND96isr_H200_v5", "capacity": 75}} \
            if args["vmScaleSetName"] == "vmss-h200-ib-1" else {"sku": {"capacity": 72}}

    inv = plan_westus3(answer)
    assert reads == [("rg-ai-fabric-westus3-h200", f"vmss-h200-ib-{i}") for i in range(2)]
    assert [s.get("sku.capacity") for s in sorted(inv.of_type(SCALE_SET), key=lambda s: s.name)] == [72, 75]
    claim = inv.named("h200").inputs
    assert (claim["specDomainVms"], claim["liveDomainVms"], claim["vms"], claim["gpus"]) == (
        [72, 72], [72, 75], 147, 1176)
    assert inv.exports["capacity"]["vms"] == 144  # the spec's promise is unchanged
    assert check(inv, shipped_fabric.stacks["westus3"].spec.catalog) == []  # gpu-count follows the declared count; gpu-capacity-kept holds


def test_a_spec_asking_for_more_scales_out(plan_westus3):
    inv = plan_westus3(lambda args: {"sku": {"capacity": 60}})  # after operators deleted 12 nodes per domain
    assert {s.get("sku.capacity") for s in inv.of_type(SCALE_SET)} == {72}


def test_a_scale_set_that_does_not_exist_yet_gets_the_spec_count(plan_westus3):
    def answer(args):
        return {}, [("", f"RESPONSE 404: 404 Not Found\nERROR CODE: ResourceGroupNotFound\nResource group "
                         f"'{args['resourceGroupName']}' could not be found.")]

    inv = plan_westus3(answer)
    assert {s.get("sku.capacity") for s in inv.of_type(SCALE_SET)} == {72}
    assert inv.named("h200").inputs["liveDomainVms"] == [None, None]


def test_fails_rather_than_guess_when_azure_cannot_be_read(plan_westus3):
    with pytest.raises(offline.PlanError) as info:
        plan_westus3(lambda args: ({}, [("", "RESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationFailed")]))
    assert "cannot read the VM count of scale set vmss-h200-ib-0 in rg-ai-fabric-westus3-h200" in str(info.value)
    assert "AuthorizationFailed" in str(info.value)


def test_gpu_scale_sets_scale_in_newest_first_and_carry_no_automatic_repairs(plan_shipped):
    for stack in ("eastus", "westus3"):
        for s in plan_shipped(stack).of_type(SCALE_SET):
            assert s.inputs["scaleInPolicy"] == {"rules": ["NewestVM"], "forceDeletion": False}
            assert "automaticRepairsPolicy" not in s.inputs


def test_capacity_reservations_cannot_hold_any_gpu_cluster_here():
    # Every cluster is ND-series, in a proximity placement group, with single-placement-group scale sets: each of
    # the three rules Azure lists rules capacity reservations out on its own.
    unsupported = catalog.CAPACITY_RESERVATION_UNSUPPORTED.value
    assert "ND-series" in unsupported["vm_series"]
    assert {"proximity placement group", "scale sets with singlePlacementGroup true"} <= set(unsupported["constraints"])
    assert all(sku.name.startswith("Standard_ND") for sku in catalog.GPU_SKUS.values())
