"""The fabric spec models: what a stack may declare, and every rejection names its key path.

Plain pydantic over small dicts; no Pulumi, no files.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from infra import catalog
from infra.spec import GpuClusterSpec
from infra.spec.introspect import allowed_keys

A100 = "Standard_ND96amsr_A100_v4"
H100 = "Standard_ND96isr_H100_v5"
GB200 = "Standard_ND128isr_NDR_GB200_v6"


GB200_IMAGE = "22.04.2025061001"
"""The catalog pins no arm64 image version, so GB200 clusters built here pin one."""


def cluster(**fields):
    pin = {"image_version": GB200_IMAGE} if fields.get("sku") == GB200 else {}
    return GpuClusterSpec.model_validate({"subnet": "10.10.0.0/20", **pin, **fields})


def only_error(errors, path):
    hits = [e for e in errors if e.path == path]
    assert len(hits) == 1, f"expected one error at {path}, got {errors}"
    return hits[0].msg


# --------------------------------------------------------------------------------------------
# The minimal spec and the reference shape
# --------------------------------------------------------------------------------------------


def test_minimal_spec_is_valid_and_fills_defaults(spec_data, make_spec):
    spec = make_spec(spec_data)
    assert spec.stack == "eastus"
    assert spec.resource_group == "rg-ai-fabric-eastus"
    c = spec.clusters["h100"]
    assert (c.vms, c.placement_group_max_vms, c.subnet_headroom_pct) == (16, 100, 10)
    assert c.image_version is None and c.pinned_image_version == catalog.GPU_SKUS[H100].image_version
    wdc = spec.interconnect.circuits["wdc"]
    assert (wdc.provider, wdc.data_plan) == ("CenturyLink Cloud Connect", "UnlimitedData")
    assert spec.carrier_state.circuits == {} and spec.circuit_state("wdc") == "pending"
    assert spec.interconnect.unlocked == ()


def test_spec_is_frozen(spec_data, make_spec):
    spec = make_spec(spec_data)
    with pytest.raises(ValidationError, match="frozen"):
        spec.clusters["h100"].vm_count = 17  # type: ignore[misc]


def test_vm_count_is_derived_from_gpu_count_alone():
    c = cluster(sku=A100, gpu_count=5400, placement_group_max_vms=300)
    assert c.vm_count is None
    assert c.vms == 675


def test_agreeing_gpu_and_vm_counts_are_accepted():
    assert cluster(sku=A100, gpu_count=5400, vm_count=675).vms == 675


# --------------------------------------------------------------------------------------------
# Cluster size and SKU
# --------------------------------------------------------------------------------------------


def test_fails_when_gpu_count_and_vm_count_disagree():
    with pytest.raises(ValidationError) as info:
        cluster(sku=A100, gpu_count=5392, vm_count=675)
    assert "vm_count 675 x 8 GPUs per Standard_ND96amsr_A100_v4 VM = 5400 GPUs, but gpu_count says 5392" in str(info.value)


def test_fails_when_gpu_count_is_not_a_multiple_of_gpus_per_vm():
    with pytest.raises(ValidationError) as info:
        cluster(sku=A100, gpu_count=5401)
    msg = str(info.value)
    assert "gpu_count 5401 is not a multiple of 8 GPUs per Standard_ND96amsr_A100_v4 VM" in msg
    assert "use 5408" in msg


def test_fails_when_neither_vm_count_nor_gpu_count_is_given():
    with pytest.raises(ValidationError, match="give vm_count or gpu_count"):
        cluster(sku=H100)


def test_fails_when_gb200_is_not_whole_racks_of_18():
    with pytest.raises(ValidationError) as info:
        cluster(sku=GB200, vm_count=20)
    msg = str(info.value)
    assert "whole racks of 18 VMs; 20 VMs is 1.11 racks (use 36 VMs)" in msg


def test_gb200_whole_racks_are_accepted():
    c = cluster(sku=GB200, gpu_count=288)
    assert c.vms == 72
    assert c.ib_domain_sizes() == (72,)


def test_fails_when_placement_group_cannot_hold_one_gb200_rack():
    with pytest.raises(ValidationError, match="placement_group_max_vms 17 cannot hold one 18-VM rack"):
        cluster(sku=GB200, vm_count=36, placement_group_max_vms=17)


def test_fails_when_sku_is_unknown_and_lists_allowed_skus(spec_data, spec_errors):
    spec_data["clusters"]["h100"]["sku"] = "Standard_ND96amsr_A100_v9"
    msg = only_error(spec_errors(spec_data), "clusters.h100.sku")
    assert "unknown GPU SKU 'Standard_ND96amsr_A100_v9'" in msg
    for sku in catalog.GPU_SKUS:
        assert sku in msg


@pytest.mark.parametrize("limit", [0, 301])
def test_fails_when_placement_group_max_vms_is_outside_1_to_300(spec_data, spec_errors, limit):
    spec_data["clusters"]["h100"]["placement_group_max_vms"] = limit
    msg = only_error(spec_errors(spec_data), "clusters.h100.placement_group_max_vms")
    assert msg == ("Input should be less than or equal to 300" if limit > 300 else "Input should be greater than or equal to 1")


def test_placement_group_max_vms_of_300_is_accepted(spec_data, make_spec):
    spec_data["clusters"]["h100"]["placement_group_max_vms"] = 300
    assert make_spec(spec_data).clusters["h100"].placement_group_max_vms == 300


# --------------------------------------------------------------------------------------------
# InfiniBand domains
# --------------------------------------------------------------------------------------------


def test_ib_domains_of_the_reference_cluster_are_three_of_225():
    assert cluster(sku=A100, vm_count=675, placement_group_max_vms=300).ib_domain_sizes() == (225, 225, 225)


def test_ib_domains_at_the_default_limit_are_balanced():
    sizes = cluster(sku=A100, vm_count=675).ib_domain_sizes()
    assert len(sizes) == 7
    assert sum(sizes) == 675
    assert max(sizes) <= 100
    assert max(sizes) - min(sizes) <= 1
    assert sizes == (97, 97, 97, 96, 96, 96, 96)


def test_gb200_ib_domains_are_whole_racks():
    # 21 racks at 5 racks per 100-VM domain: 5 domains, none splitting a rack.
    sizes = cluster(sku=GB200, vm_count=378).ib_domain_sizes()
    assert sizes == (90, 72, 72, 72, 72)
    assert all(s % 18 == 0 for s in sizes)


@settings(max_examples=150, deadline=None)
@given(
    sku=st.sampled_from(sorted(catalog.GPU_SKUS)),
    racks=st.integers(min_value=1, max_value=120),
    limit=st.integers(min_value=18, max_value=300),
)
def test_ib_domains_are_fewest_balanced_whole_racks_within_the_limit(sku, racks, limit):
    rack = catalog.GPU_SKUS[sku].rack_vms
    vms = racks * rack
    sizes = cluster(sku=sku, vm_count=vms, placement_group_max_vms=limit).ib_domain_sizes()
    per_domain = limit // rack
    assert sum(sizes) == vms
    assert all(s <= limit and s % rack == 0 and s > 0 for s in sizes)
    assert max(sizes) - min(sizes) <= rack
    assert len(sizes) == -(-racks // per_domain)  # as few scale sets as the limit allows


# --------------------------------------------------------------------------------------------
# Circuits, ports, peering
# --------------------------------------------------------------------------------------------


def test_fails_when_provider_bandwidth_is_off_the_ladder(spec_data, spec_errors):
    spec_data["interconnect"]["circuits"]["wdc"]["bandwidth_mbps"] = 3000
    msg = only_error(spec_errors(spec_data), "interconnect.circuits.wdc")
    assert msg.endswith(
        "bandwidth_mbps 3000 is not on the provider ladder; allowed: 50, 100, 200, 500, 1000, 2000, 5000, 10000"
    )


def test_fails_when_direct_circuit_bandwidth_is_not_offered_on_the_port(spec_data, spec_errors, direct):
    ic = spec_data["interconnect"]
    ic["ports"] = {"wdc-port": {"peering_location": "Washington DC", "bandwidth_gbps": 10}}
    ic["circuits"]["wdc"] = direct("wdc-port", 1, 40)
    msg = only_error(spec_errors(spec_data), "interconnect.circuits.wdc.bandwidth_gbps")
    assert msg == "40 Gbps is not offered on a 10G port; allowed: 1, 2, 5, 10"


def test_direct_circuit_on_the_port_ladder_is_accepted(spec_data, make_spec, direct):
    ic = spec_data["interconnect"]
    ic["ports"] = {"wdc-port": {"peering_location": "Washington DC", "bandwidth_gbps": 100}}
    ic["circuits"]["wdc"] = direct("wdc-port", 1, 40)
    spec = make_spec(spec_data)
    assert spec.interconnect.peering_location_of("wdc") == "Washington DC"
    assert spec.interconnect.bandwidth_gbps_of("wdc") == 40.0


def test_fails_when_direct_circuit_names_a_missing_port(spec_data, spec_errors, direct):
    spec_data["interconnect"]["circuits"]["wdc"] = direct("nope", 1, 10)
    msg = only_error(spec_errors(spec_data), "interconnect.circuits.wdc.port")
    assert msg == "'nope' is not in ports (none)."


def test_fails_when_direct_port_is_400g_without_override(spec_data, spec_errors):
    spec_data["interconnect"]["ports"] = {"big": {"peering_location": "Washington DC", "bandwidth_gbps": 400}}
    msg = only_error(spec_errors(spec_data), "interconnect.ports.big.bandwidth_gbps")
    assert "400 is not a Direct port size; allowed: 10, 100" in msg
    assert "catalog_overrides.direct_port_gbps" in msg


def test_400g_direct_port_is_accepted_with_catalog_override(spec_data, make_spec, direct):
    spec_data["catalog_overrides"] = {"direct_port_gbps": [10, 100, 400]}
    ic = spec_data["interconnect"]
    ic["ports"] = {"big": {"peering_location": "Washington DC", "bandwidth_gbps": 400}}
    ic["circuits"]["wdc"] = direct("big", 1, 400)
    spec = make_spec(spec_data)
    assert spec.catalog.direct_port_gbps == (10, 100, 400)
    assert spec.catalog.direct_circuit_gbps_by_port[400] == (5, 10, 40, 100, 400)


@pytest.mark.parametrize("asn", [12076, 65515, 65520])
def test_fails_when_peer_asn_is_reserved_by_azure(spec_data, spec_errors, asn):
    spec_data["interconnect"]["circuits"]["wdc"]["private_peering"]["peer_asn"] = asn
    msg = only_error(spec_errors(spec_data), "interconnect.circuits.wdc.private_peering.peer_asn")
    assert f"ASN {asn} is reserved by Azure" in msg


@pytest.mark.parametrize("vlan", [0, 4095])
def test_fails_when_vlan_is_outside_1_to_4094(spec_data, spec_errors, vlan):
    spec_data["interconnect"]["circuits"]["wdc"]["private_peering"]["vlan_id"] = vlan
    msg = only_error(spec_errors(spec_data), "interconnect.circuits.wdc.private_peering.vlan_id")
    assert ("greater than or equal to 1" if vlan == 0 else "less than or equal to 4094") in msg


@pytest.mark.parametrize("vlan", [1, 4094])
def test_vlan_bounds_are_accepted(spec_data, make_spec, vlan):
    spec_data["interconnect"]["circuits"]["wdc"]["private_peering"]["vlan_id"] = vlan
    assert make_spec(spec_data).interconnect.circuits["wdc"].private_peering.vlan_id == vlan


def test_fails_when_peering_prefix_is_not_a_slash_30(spec_data, spec_errors):
    spec_data["interconnect"]["circuits"]["wdc"]["private_peering"]["primary_prefix"] = "172.16.1.0/29"
    spec_data["interconnect"]["circuits"]["wdc"]["private_peering"]["secondary_prefix"] = "172.16.1.8/30"
    msg = only_error(spec_errors(spec_data), "interconnect.circuits.wdc.private_peering.primary_prefix")
    assert msg.endswith("prefix 172.16.1.0/29 must be a /30, got a /29")


def test_fails_when_primary_and_secondary_prefixes_overlap(spec_data, spec_errors):
    spec_data["interconnect"]["circuits"]["wdc"]["private_peering"]["secondary_prefix"] = "172.16.1.0/30"
    msg = only_error(spec_errors(spec_data), "interconnect.circuits.wdc.private_peering")
    assert "primary_prefix 172.16.1.0/30 and secondary_prefix 172.16.1.0/30 overlap" in msg


def test_fails_when_local_tier_circuit_has_global_reach(spec_data, spec_errors):
    spec_data["interconnect"]["circuits"]["wdc"]["tier"] = "Local"
    spec_data["interconnect"]["global_reach"] = {
        "to-west": {"circuit": "wdc", "peer_stack": "westus3", "peer_circuit": "svl", "prefix": "172.31.0.0/29"}
    }
    msg = only_error(spec_errors(spec_data), "interconnect.global_reach.to-west.circuit")
    assert "circuit 'wdc' is tier Local, which has no Global Reach" in msg


def test_fails_when_local_tier_is_metered(spec_data, spec_errors):
    spec_data["interconnect"]["circuits"]["wdc"].update(tier="Local", data_plan="MeteredData")
    msg = only_error(spec_errors(spec_data), "interconnect.circuits.wdc")
    assert msg.endswith("tier Local only offers data_plan UnlimitedData")


def test_fails_when_global_reach_prefix_is_not_a_slash_29(spec_data, spec_errors):
    spec_data["interconnect"]["global_reach"] = {
        "to-west": {"circuit": "wdc", "peer_stack": "westus3", "peer_circuit": "svl", "prefix": "172.31.0.0/30"}
    }
    msg = only_error(spec_errors(spec_data), "interconnect.global_reach.to-west.prefix")
    assert msg.endswith("must be a /29, got a /30")


# --------------------------------------------------------------------------------------------
# Gateway
# --------------------------------------------------------------------------------------------


def test_fails_when_ergwscale_has_no_scale_units(spec_data, spec_errors):
    spec_data["interconnect"]["gateway"] = {"sku": "ErGwScale", "subnet": "10.10.255.0/26"}
    msg = only_error(spec_errors(spec_data), "interconnect.gateway")
    assert msg.endswith("sku ErGwScale needs scale_units (1-40)")


def test_fails_when_scale_units_are_given_to_a_fixed_sku(spec_data, spec_errors):
    spec_data["interconnect"]["gateway"]["scale_units"] = 10
    msg = only_error(spec_errors(spec_data), "interconnect.gateway")
    assert msg.endswith("scale_units applies to ErGwScale only, not to sku ErGw3AZ")


def test_fails_when_gateway_subnet_is_a_slash_28(spec_data, spec_errors):
    spec_data["interconnect"]["gateway"]["subnet"] = "10.10.255.0/28"
    msg = only_error(spec_errors(spec_data), "interconnect.gateway")
    assert msg.endswith("GatewaySubnet 10.10.255.0/28 is smaller than the minimum /27")


# --------------------------------------------------------------------------------------------
# Address space
# --------------------------------------------------------------------------------------------


def test_fails_when_subnet_is_outside_the_address_space(spec_data, spec_errors):
    spec_data["clusters"]["h100"]["subnet"] = "10.99.0.0/24"
    msg = only_error(spec_errors(spec_data), "clusters.h100.subnet")
    assert msg == "10.99.0.0/24 is outside site.address_space (10.10.0.0/16)"


def test_fails_when_two_subnets_overlap(spec_data, spec_errors):
    spec_data["clusters"]["h100-b"] = {"sku": H100, "vm_count": 8, "subnet": "10.10.0.128/25"}
    msg = only_error(spec_errors(spec_data), "clusters.h100-b.subnet")
    assert msg.startswith("10.10.0.128/25 overlaps clusters.h100.subnet 10.10.0.0/24")


def test_fails_when_address_space_prefixes_overlap(spec_data, spec_errors):
    spec_data["site"]["address_space"] = ["10.10.0.0/16", "10.10.128.0/17"]
    msg = only_error(spec_errors(spec_data), "site.address_space.0")
    assert msg == "prefixes 10.10.0.0/16 and 10.10.128.0/17 overlap"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("10.10.0.1/24", "invalid IPv4 prefix '10.10.0.1/24'"), ("10.10.0.0", "has no length")],
)
def test_fails_when_subnet_is_not_a_network_prefix(spec_data, spec_errors, value, fragment):
    spec_data["clusters"]["h100"]["subnet"] = value
    assert fragment in only_error(spec_errors(spec_data), "clusters.h100.subnet")


# --------------------------------------------------------------------------------------------
# Keys, names, references, access
# --------------------------------------------------------------------------------------------


def test_fails_when_a_key_is_unknown(spec_data, spec_errors):
    spec_data["clusters"]["h100"]["subnt"] = "10.10.0.0/24"
    errors = spec_errors(spec_data)
    assert any(e.path == "clusters.h100.subnt" and "Extra inputs are not permitted" in e.msg for e in errors)


def test_allowed_keys_lists_the_fields_of_the_model_at_a_path(spec_data):
    assert allowed_keys(("clusters", "h100"), spec_data) == list(GpuClusterSpec.model_fields)
    # A tagged union resolves by the 'kind' written in the data.
    assert "bandwidth_mbps" in allowed_keys(("interconnect", "circuits", "wdc"), spec_data)
    spec_data["interconnect"]["circuits"]["wdc"] = {"kind": "direct"}
    assert "port" in allowed_keys(("interconnect", "circuits", "wdc"), spec_data)


def test_fails_when_a_map_key_is_not_a_dns_label(spec_data, spec_errors):
    spec_data["clusters"] = {"H100_Main": spec_data["clusters"]["h100"]}
    assert any("invalid name 'H100_Main'" in e.msg for e in spec_errors(spec_data))


def test_fails_when_region_is_unknown(spec_data, spec_errors):
    spec_data["site"]["region"] = "mars-north"
    msg = only_error(spec_errors(spec_data), "site.region")
    assert "unknown Azure region 'mars-north'; allowed:" in msg
    assert "eastus" in msg


def test_fails_when_a_cluster_sku_has_no_declared_quota(spec_data, spec_errors):
    spec_data["site"]["vcpu_quota"] = {A100: 1000}
    msg = only_error(spec_errors(spec_data), "clusters.h100.sku")
    assert msg.startswith(f"{H100} has no quota in site.vcpu_quota")


def test_fails_when_principal_object_id_is_not_a_guid(spec_data, spec_errors):
    spec_data["access"] = {
        "principals": {"ops": {"object_id": "5d3c8a5e-2f0b-4c41-9a57-0b6f4f9e1a0", "kind": "Group", "persona": "auditor"}}
    }
    msg = only_error(spec_errors(spec_data), "access.principals.ops.object_id")
    assert "'5d3c8a5e-2f0b-4c41-9a57-0b6f4f9e1a0' is not an Entra object ID; expected a GUID" in msg


def test_principal_object_id_parses_to_a_uuid(spec_data, make_spec):
    oid = "5d3c8a5e-2f0b-4c41-9a57-0b6f4f9e1a01"
    spec_data["access"] = {"principals": {"ops": {"object_id": oid, "kind": "Group", "persona": "auditor"}}}
    assert make_spec(spec_data).access.principals["ops"].object_id == uuid.UUID(oid)


def test_fails_when_a_grant_names_a_missing_principal_and_role(spec_data, spec_errors):
    spec_data["access"] = {"grants": {"g": {"principal": "ghost", "role": "Overlord", "scope": "fabric"}}}
    errors = spec_errors(spec_data)
    assert only_error(errors, "access.grants.g.principal") == "'ghost' is not in principals (none)."
    assert only_error(errors, "access.grants.g.role").startswith("'Overlord' is neither a custom role (none)")


def test_fails_when_gpu_cpu_sockets_override_targets_a_verified_sku(spec_data, spec_errors):
    spec_data["catalog_overrides"] = {"gpu_cpu_sockets": {H100: 4}}
    msg = only_error(spec_errors(spec_data), "catalog_overrides.gpu_cpu_sockets")
    assert msg.endswith(f"{H100} socket count is verified ({catalog.SIZES_DOC}); it cannot be overridden")


def test_gpu_cpu_sockets_override_of_an_unverified_sku_is_accepted(spec_data, make_spec):
    spec_data["catalog_overrides"] = {"gpu_cpu_sockets": {"Standard_ND96isr_H200_v5": 4}}
    assert make_spec(spec_data).catalog.gpu_skus["Standard_ND96isr_H200_v5"].cpu_sockets == 4


def test_all_independent_errors_of_a_spec_are_reported_together(spec_data, spec_errors):
    spec_data["clusters"]["h100"]["sku"] = "Standard_NC6"
    spec_data["interconnect"]["circuits"]["nyc"]["private_peering"]["vlan_id"] = 0
    spec_data["interconnect"]["gateway"]["sku"] = "ErGw9AZ"
    paths = {e.path for e in spec_errors(spec_data)}
    assert {"clusters.h100.sku", "interconnect.circuits.nyc.private_peering.vlan_id", "interconnect.gateway.sku"} <= paths


@pytest.mark.parametrize("field,value", [("vm_count", "675"), ("vm_count", 67.5), ("placement_group_max_vms", "300")])
def test_fails_when_a_count_is_not_written_as_a_whole_number(spec_data, spec_errors, field, value):
    data = spec_data
    cluster = next(iter(data["clusters"].values()))
    cluster[field] = value
    errs = spec_errors(data)
    assert any(e.path.endswith(f".{field}") for e in errs), errs


@pytest.mark.parametrize("demand", [
    {"kind": "sustained", "to_stack": "westus3", "gbps": float("inf")},
    {"kind": "sustained", "to_stack": "westus3", "gbps": 1e9},
    {"kind": "replication", "to_stack": "westus3", "dataset_tb": 1e300, "within_hours": 1},
    {"kind": "replication", "to_stack": "westus3", "dataset_tb": 10, "within_hours": 1e-300},
    {"kind": "replication", "to_stack": "westus3", "dataset_tb": 900_000, "within_hours": 1},
])
def test_fails_when_a_demand_is_beyond_any_fabric(spec_data, spec_errors, demand):
    data = spec_data
    data["demands"] = {"d": demand}
    errs = spec_errors(data)
    assert any(e.path.startswith("demands.d") for e in errs), errs


# --------------------------------------------------------------------------------------------
# Node image: pinned, never 'latest'
# --------------------------------------------------------------------------------------------


def test_fails_when_the_image_version_is_latest():
    with pytest.raises(ValidationError, match="'latest' is not a pinned version"):
        cluster(sku=H100, vm_count=8, image_version="latest")


def test_fails_when_the_image_version_is_not_major_minor_patch():
    with pytest.raises(ValidationError, match="expected Major.Minor.Patch"):
        cluster(sku=H100, vm_count=8, image_version="22.04")


def test_a_pinned_image_version_is_kept():
    assert cluster(sku=H100, vm_count=8, image_version="22.04.2025030701").pinned_image_version == "22.04.2025030701"


def test_fails_when_neither_the_spec_nor_the_catalog_pins_the_image():
    with pytest.raises(ValidationError, match="the catalog pins no image version for Standard_ND128isr_NDR_GB200_v6"):
        GpuClusterSpec.model_validate({"subnet": "10.10.0.0/20", "sku": GB200, "vm_count": 18})


# --------------------------------------------------------------------------------------------
# Carrier state and lock lifting
# --------------------------------------------------------------------------------------------


def test_a_direct_circuit_follows_its_port_state(spec_data, make_spec, direct):
    ic = spec_data["interconnect"]
    ic["ports"] = {"p": {"peering_location": "Washington DC", "bandwidth_gbps": 10}}
    ic["circuits"]["d1"] = direct("p", 3, 10)
    spec_data["carrier_state"] = {"circuits": {"wdc": "provisioned", "d1": "pending"}, "ports": {"p": "provisioned"}}
    spec = make_spec(spec_data)
    assert (spec.circuit_state("wdc"), spec.circuit_state("nyc"), spec.circuit_state("d1")) == (
        "provisioned", "pending", "provisioned")


def test_the_carrier_state_override_applies_to_every_circuit(spec_data, make_spec, monkeypatch):
    spec_data["carrier_state"] = {"circuits": {"wdc": "provisioned"}}
    spec = make_spec(spec_data)
    monkeypatch.setenv("AI_FABRIC_CARRIER_STATE", "pending")
    assert spec.circuit_state("wdc") == "pending"
    monkeypatch.setenv("AI_FABRIC_CARRIER_STATE", "provisioned")
    assert spec.circuit_state("nyc") == "provisioned"


def test_fails_when_the_carrier_state_names_an_unknown_circuit_or_port(spec_data, spec_errors):
    spec_data["carrier_state"] = {"circuits": {"lax": "provisioned"}, "ports": {"p9": "pending"}}
    errors = spec_errors(spec_data)
    assert "'lax' is not a circuit" in only_error(errors, "carrier_state.circuits.lax")
    assert "'p9' is not a port" in only_error(errors, "carrier_state.ports.p9")


def test_fails_when_a_carrier_state_is_neither_pending_nor_provisioned(spec_data, spec_errors):
    spec_data["carrier_state"] = {"circuits": {"wdc": "ordered"}}
    assert only_error(spec_errors(spec_data), "carrier_state.circuits.wdc")


def test_fails_when_unlocked_names_no_lockable_resource(spec_data, spec_errors):
    spec_data["interconnect"]["unlocked"] = ["circuit/wdc", "circuit/lax", "gateway", "gateway"]
    errors = spec_errors(spec_data)
    assert "names no lockable resource" in only_error(errors, "interconnect.unlocked.1")
    assert "listed twice" in only_error(errors, "interconnect.unlocked.3")
