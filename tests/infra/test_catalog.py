"""The Azure facts catalog: figures, how sure we are of them, and which ones a stack may override."""

from __future__ import annotations

import pytest

from infra import catalog
from infra.catalog import Status
from infra.spec import CatalogOverrides

IB_GBPS_PER_VM = {
    "Standard_ND96asr_v4": 1600,
    "Standard_ND96amsr_A100_v4": 1600,
    "Standard_ND96isr_H100_v5": 3200,
    "Standard_ND96isr_H200_v5": 3200,
    "Standard_ND128isr_NDR_GB200_v6": 1600,
    "Standard_ND96isr_MI300X_v5": 3200,
}

STATUS = {
    "Standard_ND96asr_v4": Status.VERIFIED,
    "Standard_ND96amsr_A100_v4": Status.CONTRADICTORY,
    "Standard_ND96isr_H100_v5": Status.VERIFIED,
    "Standard_ND96isr_H200_v5": Status.UNVERIFIED,
    "Standard_ND128isr_NDR_GB200_v6": Status.CONTRADICTORY,
    "Standard_ND96isr_MI300X_v5": Status.UNVERIFIED,
}


def test_catalog_lists_exactly_the_six_gpu_skus():
    assert set(catalog.GPU_SKUS) == set(IB_GBPS_PER_VM)
    assert all(name == sku.name for name, sku in catalog.GPU_SKUS.items())


@pytest.mark.parametrize(("sku", "gbps"), sorted(IB_GBPS_PER_VM.items()))
def test_infiniband_per_vm_is_links_times_link_speed(sku, gbps):
    s = catalog.GPU_SKUS[sku]
    assert s.ib_gbps_per_vm == gbps == s.ib_links_per_vm * s.ib_gbps_per_link


@pytest.mark.parametrize(("sku", "status"), sorted(STATUS.items(), key=lambda kv: kv[0]))
def test_gpu_sku_status_marks_what_the_sources_do_not_settle(sku, status):
    assert catalog.GPU_SKUS[sku].status is status


def test_every_doubtful_gpu_fact_says_why():
    for sku in catalog.GPU_SKUS.values():
        assert sku.source, sku.name
        if sku.status is not Status.VERIFIED:
            assert sku.note, f"{sku.name} is {sku.status.value} but has no note"


def test_contradictory_notes_name_the_contradiction():
    a100 = catalog.GPU_SKUS["Standard_ND96amsr_A100_v4"]
    assert "1900 GB" in a100.note and "900 GiB" in a100.note
    gb200 = catalog.GPU_SKUS["Standard_ND128isr_NDR_GB200_v6"]
    assert "1.8 TBps" in gb200.note and gb200.rack_vms == 18


def test_reference_a100_vm_has_8_gpus_on_2_sockets():
    # 5,400 GPUs = 675 VMs = 1,350 processors (May 2022 announcement) only holds with 8 and 2.
    a100 = catalog.GPU_SKUS["Standard_ND96amsr_A100_v4"]
    assert (a100.gpus_per_vm, a100.cpu_sockets, a100.vcpus) == (8, 2, 96)
    assert 675 * a100.gpus_per_vm == 5400 and 675 * a100.cpu_sockets == 1350


def test_only_unverified_or_contradictory_facts_are_overridable():
    assert not catalog.PROVIDER_BANDWIDTHS_MBPS.overridable
    assert not catalog.RESERVED_ASNS.overridable
    assert catalog.DIRECT_PORT_GBPS.overridable
    assert catalog.DIRECT_PORT_GBPS.status is Status.UNVERIFIED
    assert catalog.LUMEN_PROVIDER_NAME.overridable
    assert catalog.ERGWSCALE_UNAVAILABLE_REGIONS.overridable


def test_every_override_in_the_catalog_is_a_spec_field_and_back():
    assert set(catalog.OVERRIDES) == set(CatalogOverrides.model_fields)


def test_fastpath_only_on_ultraperformance_and_ergw3az_by_default():
    assert {g.name for g in catalog.GATEWAY_SKUS.values() if g.fastpath} == {"UltraPerformance", "ErGw3AZ"}
    assert catalog.GATEWAY_SKUS["ErGwScale"].status is Status.UNVERIFIED


def test_ergwscale_throughput_is_one_gbps_per_unit():
    assert catalog.ergwscale_throughput_gbps(20) == 20
    assert catalog.ERGWSCALE_UNITS.value == (1, 40)


def test_reserved_asns_are_12076_and_65515_to_65520():
    assert catalog.RESERVED_ASNS.value == {12076, *range(65515, 65521)}
    assert catalog.VLAN_RANGE.value == (1, 4094)


def test_no_overrides_give_the_default_catalog():
    assert catalog.with_overrides({}) == catalog.DEFAULT
    assert catalog.DEFAULT.direct_port_gbps == (10, 100)
    assert catalog.DEFAULT.direct_circuit_gbps_by_port == {10: (1, 2, 5, 10), 100: (5, 10, 40, 100)}


def test_overrides_change_only_what_they_name():
    cat = catalog.with_overrides({
        "ergwscale_fastpath": True,
        "ergwscale_max_circuits": 8,
        "gpu_cpu_sockets": {"Standard_ND96isr_MI300X_v5": 4},
        "provider_name": "Lumen Technologies",
        "ergwscale_unavailable_regions": ["westeurope"],
        "peering_locations": {"Denver": {"metro": "Denver", "geopolitical_region": "North America"}},
    })
    scale = cat.gateway_skus["ErGwScale"]
    assert (scale.fastpath, scale.max_circuits) == (True, 8)
    assert cat.gateway_skus["ErGw3AZ"] == catalog.GATEWAY_SKUS["ErGw3AZ"]
    assert cat.gpu_skus["Standard_ND96isr_MI300X_v5"].cpu_sockets == 4
    assert cat.gpu_skus["Standard_ND96isr_H100_v5"] == catalog.GPU_SKUS["Standard_ND96isr_H100_v5"]
    assert cat.provider_names == ("CenturyLink Cloud Connect", "Level 3 Communications", "Lumen Technologies")
    assert cat.ergwscale_unavailable_regions == frozenset({"westeurope"})
    assert cat.peering_locations["Denver"] == ("Denver", "North America")
    assert cat.peering_locations["Chicago"] == catalog.PEERING_LOCATIONS["Chicago"]
    # The module-level facts are untouched.
    assert catalog.GATEWAY_SKUS["ErGwScale"].fastpath is False
    assert catalog.GPU_SKUS["Standard_ND96isr_MI300X_v5"].cpu_sockets == 2


def test_undocumented_port_size_offers_circuits_up_to_its_own_size():
    cat = catalog.with_overrides({"direct_port_gbps": [10, 100, 40]})
    assert max(cat.direct_circuit_gbps_by_port[40]) == 40


def test_every_peering_location_and_region_has_a_known_geopolitical_region():
    geos = set(catalog.AZURE_REGIONS.values())
    for name, (metro, geo) in catalog.PEERING_LOCATIONS.items():
        assert metro and geo in geos, name
