"""The change rules (infra/review/rules.py) on both sides and at their edges: what each rule flags, what
it leaves alone, and what it costs, on resources built in the test."""

from __future__ import annotations

from infra.review import Cost, Op, review_stack
from infra.review.diff import ResourceDiff
from infra.review.rules import StackContext, judge
from infra.tokens import CIRCUIT, CONNECTION, GATEWAY, GPU_CLUSTER, PORT, SCALE_SET, VIRTUAL_NETWORK

RG = "rg-x"
A100 = "Standard_ND96amsr_A100_v4"
ARM = "/subscriptions/s/resourceGroups/rg-x/providers/Microsoft.Network"
CLUSTER = f"urn:pulumi:s::ai-fabric::{GPU_CLUSTER}::a100"


def _only(stack_review):
    assert len(stack_review.changes) == 1, stack_review.changes
    return stack_review.changes[0]


def _vmss(res, name="vmss-a", sku=A100, capacity=2, rg=RG, parent=None, **inputs):
    return res(SCALE_SET, "a100-ib-0" if parent else "tools", {
        "vmScaleSetName": name, "resourceGroupName": rg, "location": "eastus",
        "sku": {"name": sku, "capacity": capacity}, **inputs}, parent=parent)


def _circuit(res, mbps=10000, location="Chicago", protect=False, name="erc-a"):
    return res(CIRCUIT, f"circuit-{name}", {
        "circuitName": name, "resourceGroupName": RG, "location": "eastus",
        "serviceProviderProperties": {"bandwidthInMbps": mbps, "peeringLocation": location,
                                      "serviceProviderName": "CenturyLink Cloud Connect"}}, protect=protect)


def _direct_circuit(res, gbps=10):
    port = {"id": f"{ARM}/expressRoutePorts/p"}
    return res(CIRCUIT, "circuit-d", {"circuitName": "erc-d", "resourceGroupName": RG, "location": "eastus",
                                      "bandwidthInGbps": gbps, "expressRoutePort": port})


def _port(res, gbps=100):
    return res(PORT, "port-a", {"expressRoutePortName": "erp-a", "resourceGroupName": RG, "location": "eastus",
                                "bandwidthInGbps": gbps, "peeringLocation": "Chicago"})


def _gateway(res, name="ergw", sku="ErGw1AZ", urn_name="gateway"):
    inputs = {"resourceGroupName": RG, "location": "eastus", "sku": {"name": sku}}
    if name:
        inputs["virtualNetworkGatewayName"] = name
    return res(GATEWAY, urn_name, inputs)


def _connection(res, circuit="erc-a", gateway="ergw", name="con-a", **inputs):
    peer = {"peer": {"id": f"{ARM}/expressRouteCircuits/{circuit}"}} if circuit else {}
    gw = {"virtualNetworkGateway1": {"id": f"{ARM}/virtualNetworkGateways/{gateway}"}} if gateway else {}
    return res(CONNECTION, f"connection-{name}", {
        "virtualNetworkGatewayConnectionName": name, "resourceGroupName": RG, "location": "eastus",
        "connectionType": "ExpressRoute", **gw, **peer, **inputs})


def _vnet(res, protect=False, location="eastus"):
    return res(VIRTUAL_NETWORK, "vnet", {"virtualNetworkName": "vnet-a", "resourceGroupName": RG,
                                         "location": location}, protect=protect)


# ------------------------------------------------------------------------------------------------
# gpu-scale-set-removed / -replaced: which scale sets hold GPUs, and how many
# ------------------------------------------------------------------------------------------------


def test_gpu_scale_set_removed_covers_a_gpu_sku_outside_any_cluster(res):
    change = _only(review_stack("s", [_vmss(res, capacity=2)], []))
    assert change.rule == "gpu-scale-set-removed" and change.unsafe and change.verb == "deletes"
    assert change.cost == Cost(scale_sets=1, vms=2, gpus=16)


def test_gpu_scale_set_removed_covers_a_cluster_scale_set_of_an_unlisted_sku_at_the_clusters_gpus_per_vm(res):
    claim = res(GPU_CLUSTER, "a100", {"gpusPerVm": 4})
    vmss = _vmss(res, sku="Standard_Retired_v1", capacity=3, parent=CLUSTER)
    change = _only(review_stack("s", [claim, vmss], [claim]))
    assert change.rule == "gpu-scale-set-removed" and change.cost == Cost(scale_sets=1, vms=3, gpus=12)


def test_gpu_scale_set_removed_counts_no_gpus_when_the_cluster_claim_is_missing(res):
    vmss = _vmss(res, sku="Standard_Retired_v1", capacity=3, parent=CLUSTER)
    change = _only(review_stack("s", [vmss], []))
    assert change.rule == "gpu-scale-set-removed" and change.cost == Cost(scale_sets=1, vms=3, gpus=0)


def test_gpu_scale_set_removed_counts_no_vms_when_the_capacity_is_not_a_number(res):
    for capacity in ("3", True, None):
        change = _only(review_stack("s", [_vmss(res, capacity=capacity)], []))
        assert change.rule == "gpu-scale-set-removed" and change.cost == Cost(scale_sets=1), capacity


def test_removing_a_scale_set_without_gpus_is_safe(res):
    change = _only(review_stack("s", [_vmss(res, sku="Standard_D4s_v5")], []))
    assert change.op is Op.DELETE and not change.unsafe and change.rule is None


def test_gpu_scale_set_replaced_when_a_cpu_scale_set_is_replaced_by_a_gpu_one(res):
    old = _vmss(res, sku="Standard_D4s_v5", capacity=2)
    new = _vmss(res, sku=A100, capacity=2, rg="rg-y")
    change = _only(review_stack("s", [old], [new]))
    assert change.op is Op.REPLACE and change.rule == "gpu-scale-set-replaced"
    assert change.cost == Cost(scale_sets=1, vms=2, gpus=0)  # what goes is the old, CPU-only scale set
    assert change.reason.startswith("replaces scale set vmss-a (2 VMs, 0 GPUs): resource group 'rg-x' -> 'rg-y'")


# ------------------------------------------------------------------------------------------------
# protected-removed: circuits and Direct ports always, anything else when protected
# ------------------------------------------------------------------------------------------------


def test_protected_removed_covers_an_unprotected_provider_circuit(res):
    change = _only(review_stack("s", [_circuit(res, protect=False)], []))
    assert change.rule == "protected-removed" and change.noun == "circuit"
    assert change.cost == Cost(circuits=1, circuit_gbps=10)
    assert change.reason.startswith("circuit erc-a is no longer declared")


def test_protected_removed_costs_a_direct_circuit_its_gbps(res):
    change = _only(review_stack("s", [_direct_circuit(res, gbps=40)], []))
    assert change.rule == "protected-removed" and change.cost == Cost(circuits=1, circuit_gbps=40)


def test_protected_removed_covers_an_unprotected_direct_port_at_its_size(res):
    change = _only(review_stack("s", [_port(res, gbps=100)], []))
    assert change.rule == "protected-removed" and change.noun == "Direct port"
    assert change.cost == Cost(circuit_gbps=100)


def test_protected_removed_covers_any_protected_resource_named_by_its_type(res):
    change = _only(review_stack("s", [_vnet(res, protect=True)], []))
    assert change.rule == "protected-removed" and change.noun == "VirtualNetwork" and change.cost == Cost()
    assert change.reason.startswith("VirtualNetwork vnet-a is no longer declared")


def test_removing_an_ordinary_unprotected_resource_is_left_alone(res):
    change = _only(review_stack("s", [_vnet(res)], []))
    assert change.op is Op.DELETE and not change.unsafe and change.rule is None and change.reason is None
    assert change.cost == Cost() and change.name == "vnet-a"


# ------------------------------------------------------------------------------------------------
# gateway-removed / gateway-recreated: the connections behind that gateway, and only those
# ------------------------------------------------------------------------------------------------


def _behind_ergw(res):
    """ergw with one connection (to a 10 Gb/s circuit); another gateway's connection; a resource of
    another type that names ergw; a connection with no gateway at all."""
    return [_circuit(res), _circuit(res, 5000, name="erc-b"), _gateway(res),
            _gateway(res, "ergw-2", urn_name="gateway-2"),
            _connection(res), _connection(res, "erc-b", "ergw-2", name="con-b"),
            _connection(res, "erc-b", None, name="con-c"),
            res("azure-native:network:Thing", "thing", {
                "thingName": "t", "resourceGroupName": RG,
                "virtualNetworkGateway1": {"id": f"{ARM}/virtualNetworkGateways/ergw"}})]


def test_gateway_removed_drops_only_the_connections_behind_that_gateway(res):
    before = _behind_ergw(res)
    after = [r for r in before if r.name != "gateway"]
    change = _only(review_stack("s", before, after))
    assert change.rule == "gateway-removed" and change.cost == Cost(connections=1, circuit_gbps=10)
    assert change.reason == ("gateway ergw is no longer declared: every connection behind it drops "
                             "(1 connection, 10 Gb/s)")


def test_gateway_removed_names_no_figures_when_nothing_is_behind_it(res):
    change = _only(review_stack("s", [_gateway(res)], []))
    assert change.rule == "gateway-removed" and change.cost == Cost() and change.reason.endswith("(none)")


def test_gateway_recreated_counts_a_connection_whose_gateway_id_differs_in_case(res):
    before = [_circuit(res), _gateway(res), _connection(res, gateway="ERGW")]
    after = [_circuit(res), _gateway(res, sku="ErGwScale"), _connection(res, gateway="ERGW")]
    change = _only(review_stack("s", before, after))
    assert change.rule == "gateway-recreated" and change.cost == Cost(connections=1, circuit_gbps=10)


def test_a_gateway_without_an_azure_name_counts_no_connections(res):
    # A connection without a gateway ID is behind no gateway the plan can name.
    change = _only(review_stack("s", [_gateway(res, name=None), _connection(res, gateway=None)],
                                [_connection(res, gateway=None)]))
    assert change.rule == "gateway-removed" and change.cost == Cost()


def test_a_connection_to_a_circuit_outside_the_plan_costs_no_bandwidth(res):
    before = [_gateway(res), _connection(res, "erc-elsewhere")]
    change = _only(review_stack("s", before, [before[1]]))
    assert change.rule == "gateway-removed" and change.cost == Cost(connections=1)


# ------------------------------------------------------------------------------------------------
# circuit-replaced / circuit-bandwidth-down / port-replaced / connection-replaced / protected-replaced
# ------------------------------------------------------------------------------------------------


def test_circuit_replaced_when_it_moves_peering_location_and_not_called_bandwidth_down(res):
    change = _only(review_stack("s", [_circuit(res)], [_circuit(res, location="Dallas")]))
    assert change.rule == "circuit-replaced" and change.cost == Cost(circuits=1, circuit_gbps=10)
    assert change.reason == ("peering location 'Chicago' -> 'Dallas' (Azure cannot change it in place): the "
                             "circuit is replaced (10 Gb/s down until the carrier provisions a new one)")


def test_circuit_bandwidth_down_costs_the_old_bandwidth(res):
    change = _only(review_stack("s", [_circuit(res, 10000)], [_circuit(res, 5000)]))
    assert change.rule == "circuit-bandwidth-down" and change.cost == Cost(circuits=1, circuit_gbps=10)


def test_circuit_bandwidth_equal_is_no_change(res):
    assert review_stack("s", [_circuit(res, 10000)], [_circuit(res, 10000)]).changes == ()


def test_port_replaced_when_its_size_changes(res):
    change = _only(review_stack("s", [_port(res, 100)], [_port(res, 10)]))
    assert change.rule == "port-replaced" and change.noun == "Direct port" and change.cost == Cost(circuit_gbps=100)
    assert change.reason.startswith("port size 100 Gbps -> 10 Gbps (Azure cannot change it in place): the Direct port")


def test_connection_replaced_stops_the_traffic_of_its_circuit(res):
    before = [_circuit(res), _connection(res)]
    after = [_circuit(res), _connection(res, connectionType="Vnet2Vnet")]
    change = _only(review_stack("s", before, after))
    assert change.rule == "connection-replaced" and change.cost == Cost(connections=1, circuit_gbps=10)
    assert "traffic over circuit erc-a stops" in change.reason


def test_protected_replaced_when_either_side_is_protected(res):
    for old_protect, new_protect in ((True, False), (False, True), (True, True)):
        change = _only(review_stack("s", [_vnet(res, old_protect)], [_vnet(res, new_protect, "westus")]))
        assert change.rule == "protected-replaced" and change.noun == "VirtualNetwork", (old_protect, new_protect)
        assert change.reason == ("location 'eastus' -> 'westus': the protected VirtualNetwork vnet-a would be "
                                 "deleted and created again")


def test_replacing_an_ordinary_unprotected_resource_is_left_alone(res):
    change = _only(review_stack("s", [_vnet(res)], [_vnet(res, location="westus")]))
    assert change.op is Op.REPLACE and not change.unsafe and change.rule is None
    assert change.reason == "location 'eastus' -> 'westus'"


def test_a_replacement_without_a_cause_is_called_replaced(res):
    d = ResourceDiff(_vnet(res, protect=True), _vnet(res, protect=True), Op.REPLACE)
    change = judge("s", d, StackContext([], []))
    assert change.rule == "protected-replaced" and change.reason.startswith("replaced: the protected")


# ------------------------------------------------------------------------------------------------
# gpu-vms-restarted / connection-circuit-changed / scaling in
# ------------------------------------------------------------------------------------------------


def test_a_new_size_for_a_scale_set_without_gpus_is_an_ordinary_update(res):
    change = _only(review_stack("s", [_vmss(res, sku="Standard_D4s_v5")], [_vmss(res, sku="Standard_D8s_v5")]))
    assert change.op is Op.UPDATE and not change.unsafe and change.reason is None


def test_gpu_vms_restarted_says_the_size_change_and_costs_the_scale_set(res):
    change = _only(review_stack("s", [_vmss(res)], [_vmss(res, sku="Standard_ND96isr_H100_v5")]))
    assert change.rule == "gpu-vms-restarted" and change.cost == Cost(scale_sets=1, vms=2, gpus=16)
    assert change.reason.startswith("VM size 'Standard_ND96amsr_A100_v4' -> 'Standard_ND96isr_H100_v5': Azure")


def test_connection_circuit_changed_costs_the_old_circuit(res):
    before = [_circuit(res), _circuit(res, 5000, name="erc-b"), _connection(res)]
    after = [_circuit(res), _circuit(res, 5000, name="erc-b"), _connection(res, "erc-b")]
    change = _only(review_stack("s", before, after))
    assert change.rule == "connection-circuit-changed" and change.cost == Cost(connections=1, circuit_gbps=10)
    assert change.reason.startswith("circuit 'erc-a' -> 'erc-b'")


def test_connection_circuit_changed_when_a_connection_gets_its_first_circuit(res):
    change = _only(review_stack("s", [_connection(res, circuit=None)], [_connection(res)]))
    assert change.rule == "connection-circuit-changed"


def test_connection_circuit_changed_from_a_malformed_peer_id_reads_as_no_circuit(res):
    # An earlier plan may hold anything there: an empty, numeric or structured ID names no circuit.
    for peer in ("", 5, {"id": "erc-a"}):
        old = _connection(res, circuit=None, peer={"id": peer})
        change = _only(review_stack("s", [old], [_connection(res)]))
        assert change.rule == "connection-circuit-changed" and change.reason.startswith("circuit None -> 'erc-a'")


def test_updating_a_connection_on_the_same_circuit_is_left_alone(res):
    before = [_circuit(res), _connection(res)]
    after = [_circuit(res), _connection(res, tags={"owner": "x"})]
    change = _only(review_stack("s", before, after))
    assert change.op is Op.UPDATE and not change.unsafe and change.keys == ("tags",)
    # The circuit's name in the connection's peer ID is compared without case.
    upper = [_circuit(res), _connection(res, "ERC-A")]
    assert not _only(review_stack("s", before, upper)).unsafe


def test_scaling_in_by_one_vm_says_so_and_an_unchanged_capacity_says_nothing(res):
    one = _only(review_stack("s", [_vmss(res, capacity=225)], [_vmss(res, capacity=224)]))
    assert not one.unsafe and one.reason == "scales in by 1 VM (8 GPUs)"
    same = _only(review_stack("s", [_vmss(res)], [_vmss(res, tags={"a": "b"})]))
    assert not same.unsafe and same.reason is None


# ------------------------------------------------------------------------------------------------
# The change itself: which URN and name it reports, before and after
# ------------------------------------------------------------------------------------------------


def test_a_change_reports_the_new_urn_and_the_previous_one_when_it_moved(res):
    old = res(VIRTUAL_NETWORK, "vnet-old", {"virtualNetworkName": "vnet-a", "resourceGroupName": RG})
    new = res(VIRTUAL_NETWORK, "vnet-new", {"virtualNetworkName": "vnet-a", "resourceGroupName": RG})
    change = _only(review_stack("s", [old], [new]))
    assert (change.urn, change.previous_urn, change.previous_name) == (new.urn, old.urn, None)


def test_a_change_in_place_has_no_previous_urn_and_names_a_new_spelling(res):
    old = res(VIRTUAL_NETWORK, "vnet", {"virtualNetworkName": "VNET-A", "resourceGroupName": RG})
    new = res(VIRTUAL_NETWORK, "vnet", {"virtualNetworkName": "vnet-a", "resourceGroupName": RG})
    change = _only(review_stack("s", [old], [new]))
    assert change.op is Op.UPDATE and change.previous_urn is None
    assert (change.name, change.previous_name) == ("vnet-a", "VNET-A")
    tagged = _only(review_stack("s", [new], [res(VIRTUAL_NETWORK, "vnet", {**new.inputs, "tags": {"a": "b"}})]))
    assert tagged.previous_name is None and tagged.name == "vnet-a"


def test_a_create_is_reported_safe_under_its_own_name(res):
    change = _only(review_stack("s", [], [_vnet(res)]))
    assert change.op is Op.CREATE and change.name == "vnet-a" and not change.unsafe and change.previous_urn is None
