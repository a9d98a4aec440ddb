"""Which changes are unsafe (exit 1), what they cost in capacity, and which ordinary changes stay safe."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.inventory import Resource
from infra.review import Op, review, review_stack
from infra.review.identity import RESOURCE_GROUP
from infra.tokens import (
    CIRCUIT,
    CONNECTION,
    GATEWAY,
    GLOBAL_REACH,
    GPU_CLUSTER,
    NSG,
    PEERING,
    ROLE_ASSIGNMENT,
    SCALE_SET,
)

RG = "rg-x"
A100 = "Standard_ND96amsr_A100_v4"


def _scale_sets(res, key: str, sku: str = A100, vms: int = 225, n: int = 3, rg: str = "rg-a100"):
    parent = f"urn:pulumi:s::ai-fabric::{GPU_CLUSTER}::{key}"
    return [res(GPU_CLUSTER, key, {"gpusPerVm": 8}), *(
        res(SCALE_SET, f"{key}-ib-{i}", {"vmScaleSetName": f"vmss-{key}-ib-{i}", "resourceGroupName": rg,
                                         "location": "eastus", "sku": {"name": sku, "capacity": vms}}, parent=parent)
        for i in range(n))]


def _only(stack_review, op=None):
    changes = [c for c in stack_review.changes if op is None or c.op is op]
    assert len(changes) == 1, changes
    return changes[0]


def test_renaming_a_cluster_key_replaces_its_scale_sets_and_names_the_capacity(res):
    r = review_stack("eastus", _scale_sets(res, "a100"), _scale_sets(res, "a100x"))
    assert [c.op for c in r.changes] == [Op.REPLACE] * 3
    assert all(c.unsafe and c.rule == "gpu-scale-set-replaced" for c in r.changes)
    assert r.impact() == ["replaces 3 scale sets: 675 VMs, 5,400 GPUs"]
    first = r.changes[0]
    assert first.previous_name == "vmss-a100-ib-0" and first.name == "vmss-a100x-ib-0"
    assert "225 VMs, 1,800 GPUs" in first.reason


def test_a_new_vm_size_restarts_gpu_vms_and_is_unsafe(res):
    r = review_stack("eastus", _scale_sets(res, "a100"), _scale_sets(res, "a100", sku="Standard_ND96isr_H100_v5"))
    assert {(c.op, c.rule) for c in r.changes} == {(Op.UPDATE, "gpu-vms-restarted")}
    assert r.impact() == ["restarts 3 scale sets: 675 VMs, 5,400 GPUs"]


def test_scaling_out_and_in_is_safe_and_scaling_in_says_what_goes(res):
    more = review_stack("s", _scale_sets(res, "a100", n=1), _scale_sets(res, "a100", vms=300, n=1))
    assert not _only(more).unsafe and _only(more).keys == ("sku.capacity",)
    fewer = _only(review_stack("s", _scale_sets(res, "a100", n=1), _scale_sets(res, "a100", vms=200, n=1)))
    assert not fewer.unsafe and fewer.reason == "scales in by 25 VMs (200 GPUs)"


def test_deleting_gpu_scale_sets_is_unsafe_and_adding_them_is_safe(res):
    gone = review_stack("s", _scale_sets(res, "a100"), [])
    assert {c.rule for c in gone.changes} == {"gpu-scale-set-removed"}
    assert gone.impact() == ["deletes 3 scale sets: 675 VMs, 5,400 GPUs"]
    added = review_stack("s", [], _scale_sets(res, "a100"))
    assert [c.op for c in added.changes] == [Op.CREATE] * 3 and not added.unsafe


def test_a_scale_set_without_gpus_may_be_replaced(res):
    def vmss(rg):
        return res(SCALE_SET, "tools", {"vmScaleSetName": "vmss-tools", "resourceGroupName": rg,
                                        "sku": {"name": "Standard_D4s_v5", "capacity": 2}})

    change = _only(review_stack("s", [vmss("rg-1")], [vmss("rg-2")]))
    assert change.op is Op.REPLACE and not change.unsafe


def _circuit(res, mbps=10000, location="Chicago", rg=RG, name="erc-a"):
    return res(CIRCUIT, "interconnect-circuit-a", {
        "circuitName": name, "resourceGroupName": rg, "location": "eastus",
        "serviceProviderProperties": {"bandwidthInMbps": mbps, "peeringLocation": location,
                                      "serviceProviderName": "CenturyLink Cloud Connect"}}, protect=True)


def _peering(res, circuit="erc-a", rg=RG):
    return res(PEERING, "interconnect-peering-a", {"circuitName": circuit, "peeringName": "AzurePrivatePeering",
                                                   "resourceGroupName": rg, "vlanId": 100}, protect=True)


def test_a_circuit_bandwidth_increase_is_safe_and_a_decrease_replaces_it(res):
    up = _only(review_stack("s", [_circuit(res, 1000)], [_circuit(res, 10000)]))
    assert up.op is Op.UPDATE and not up.unsafe
    down = review_stack("s", [_circuit(res, 10000), _peering(res)], [_circuit(res, 5000), _peering(res)])
    circuit = next(c for c in down.changes if c.type == CIRCUIT)
    assert circuit.rule == "circuit-bandwidth-down" and "10,000 Mbps -> 5,000 Mbps" in circuit.reason
    assert circuit.cost.circuit_gbps == 10
    # The peering lives inside the circuit: Azure deletes it with it, and it is protected.
    peering = next(c for c in down.changes if c.type == PEERING)
    assert peering.op is Op.REPLACE and peering.rule == "protected-replaced" and "inside" in peering.reason


def test_deleting_a_protected_circuit_is_unsafe(res):
    change = _only(review_stack("s", [_circuit(res)], []))
    assert change.op is Op.DELETE and change.rule == "protected-removed" and change.cost.circuit_gbps == 10


def _gateway(res, sku):
    return res(GATEWAY, "interconnect-gateway", {"virtualNetworkGatewayName": "ergw", "resourceGroupName": RG,
                                                 "location": "eastus", "sku": {"name": sku, "tier": sku}})


def _connection(res, circuit="erc-a"):
    sub = "/subscriptions/s/resourceGroups/rg-x/providers/Microsoft.Network"
    return res(CONNECTION, "interconnect-connection-a", {
        "virtualNetworkGatewayConnectionName": "con-a", "resourceGroupName": RG, "location": "eastus",
        "virtualNetworkGateway1": {"id": f"{sub}/virtualNetworkGateways/ergw"},
        "peer": {"id": f"{sub}/expressRouteCircuits/{circuit}"}, "connectionType": "ExpressRoute"})


def test_a_gateway_resize_in_place_is_safe_and_any_other_sku_change_drops_its_connections(res):
    before = [_circuit(res), _gateway(res, "ErGw1AZ"), _connection(res)]
    resized = review_stack("s", before, [_circuit(res), _gateway(res, "ErGw3AZ"), _connection(res)])
    assert not resized.unsafe and _only(resized).op is Op.UPDATE
    recreated = review_stack("s", before, [_circuit(res), _gateway(res, "ErGwScale"), _connection(res)])
    change = _only(recreated)
    assert change.rule == "gateway-recreated" and change.cost.connections == 1 and change.cost.circuit_gbps == 10
    assert recreated.impact() == ["replaces 1 gateway: 1 connection, 10 Gb/s"]


def test_pointing_a_connection_at_another_circuit_is_unsafe(res):
    change = _only(review_stack("s", [_circuit(res), _connection(res)], [_circuit(res), _connection(res, "erc-b")]))
    assert change.op is Op.UPDATE and change.rule == "connection-circuit-changed" and "erc-a" in change.reason


def test_removing_an_unprotected_role_assignment_or_an_nsg_rule_is_safe(res):
    ra = res(ROLE_ASSIGNMENT, "access-assignment-audit", {"roleAssignmentName": "g1", "scope": "/subscriptions/s",
                                                          "principalId": "p", "roleDefinitionId": "r"})
    removed = _only(review_stack("s", [ra], []))
    assert removed.op is Op.DELETE and not removed.unsafe and removed.reason is None

    def nsg(rules):
        return res(NSG, "nsg", {"networkSecurityGroupName": "nsg-a", "resourceGroupName": RG,
                                "securityRules": [{"name": n, "priority": p} for n, p in rules]})

    fewer = _only(review_stack("s", [nsg([("deny", 100), ("allow", 200)])], [nsg([("deny", 100)])]))
    assert fewer.op is Op.UPDATE and not fewer.unsafe and fewer.keys == ("securityRules",)


def test_a_tag_change_on_shipped_resources_is_an_update_and_safe(plan_shipped):
    before = list(plan_shipped("westus3"))
    after = [dataclasses.replace(r, inputs={**r.inputs, "tags": {**r.inputs["tags"], "owner": "someone-else"}})
             if isinstance(r.inputs.get("tags"), dict) else r for r in before]
    r = review_stack("westus3", before, after)
    assert r.changes and all(c.op is Op.UPDATE and c.keys == ("tags.owner",) and not c.unsafe for c in r.changes)


def test_adding_global_reach_links_is_a_create_and_safe(plan_shipped):
    after = list(plan_shipped("uksouth"))
    before = [r for r in after if r.type != GLOBAL_REACH]
    r = review_stack("uksouth", before, after)
    assert len(r.changes) == len(after) - len(before) >= 2
    assert all(c.op is Op.CREATE and not c.unsafe for c in r.changes)


def test_an_unchanged_stack_has_no_changes(plan_shipped):
    inv = list(plan_shipped("westus3"))
    assert review_stack("westus3", inv, inv).changes == ()


def test_changing_the_site_resource_group_replaces_every_azure_resource(plan_shipped):
    before = list(plan_shipped("westus3"))

    def moved(value):
        if isinstance(value, str):
            return value.replace("rg-ai-fabric-westus3", "rg-west")
        if isinstance(value, dict):
            return {k: moved(v) for k, v in value.items()}
        if isinstance(value, list):
            return [moved(v) for v in value]
        return value

    after = [dataclasses.replace(r, inputs=moved(dict(r.inputs))) for r in before]
    r = review_stack("westus3", before, after)
    azure = [x for x in before if x.custom]
    # Everything but the role definitions (subscription-scoped, only their assignable scopes change).
    replaced = {c.urn for c in r.changes if c.op is Op.REPLACE}
    assert replaced >= {x.urn for x in azure if x.type in (RESOURCE_GROUP, SCALE_SET, CIRCUIT, PEERING, GATEWAY)}
    assert {"gpu-scale-set-replaced", "circuit-replaced", "gateway-recreated", "protected-replaced"} <= {
        c.rule for c in r.unsafe}


def test_a_removed_stack_deletes_everything_and_flags_its_circuits(plan_shipped):
    rv = review("before.json", {"uksouth": tuple(plan_shipped("uksouth"))}, {}, whole_fabric=True)
    assert rv.removed == ["uksouth"]
    kinds = {(c.rule, c.urn.rsplit("::", 1)[1]) for c in rv.unsafe}
    assert ("protected-removed", "interconnect-circuit-lon") in kinds
    assert ("protected-removed", "interconnect-peering-dub") in kinds
    assert ("gpu-scale-set-removed", "gb200-ib-0") in kinds
    assert all(c.op is Op.DELETE for c in rv.changes)


def test_a_stack_outside_the_selection_is_not_reviewed_as_removed(plan_shipped):
    rv = review("before.json", {"uksouth": tuple(plan_shipped("uksouth"))}, {}, whole_fabric=False)
    assert rv.stacks == () and rv.counts_text() == "no changes"


# ------------------------------------------------------------------------------------------------
# Any earlier plan of the right shape is judged, whatever its values
# ------------------------------------------------------------------------------------------------

_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=6)),
                       lambda inner: st.one_of(st.lists(inner, max_size=3),
                                               st.dictionaries(st.sampled_from(["name", "id", "capacity", "x"]),
                                                               inner, max_size=3)), max_leaves=8)
_keys = st.sampled_from(["sku", "circuitName", "resourceGroupName", "location", "peer", "scope", "zones",
                         "serviceProviderProperties", "virtualNetworkGateway1", "vmScaleSetName", "tags"])
_resources = st.lists(st.tuples(st.sampled_from([SCALE_SET, CIRCUIT, PEERING, GATEWAY, CONNECTION, ROLE_ASSIGNMENT,
                                                 RESOURCE_GROUP, GLOBAL_REACH, "x"]),
                                st.sampled_from(["a", "b", "c"]), st.booleans(),
                                st.dictionaries(_keys, _values, max_size=5)), max_size=6)


def _build(items):
    seen, out = set(), []
    for typ, name, protect, inputs in items:
        urn = f"urn:pulumi:s::ai-fabric::{typ}::{name}"
        if urn not in seen:
            seen.add(urn)
            out.append(Resource(urn=urn, type=typ, name=name, parent=None, inputs=inputs, protect=protect))
    return out


@settings(max_examples=30, deadline=None)
@given(_resources, _resources)
def test_any_values_are_judged_without_crashing(old, new):
    r = review_stack("s", _build(old), _build(new))
    for c in r.changes:
        assert c.op in Op and (c.reason is None or isinstance(c.reason, str))
        assert not c.unsafe or c.rule
    r.impact()
