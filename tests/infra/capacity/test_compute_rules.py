"""The spec-level compute rules (vcpu-quota, subnet-room, ib-placement-group) and the figures behind
them, rule by rule: both sides, exactly at the limit and one over, one report per broken claim."""

from __future__ import annotations

import dataclasses

import pytest

from infra.capacity import compute
from infra.spec import from_config

H100 = "Standard_ND96isr_H100_v5"  # 96 vCPUs, 8 GPUs per VM


def spec_with(vms: int = 16, quota: int | None = 10_000, subnet: str = "10.10.0.0/24", headroom: int = 10,
              clusters: int = 1):
    data = {
        "site": {"region": "eastus", "address_space": ["10.10.0.0/16"],
                 "vcpu_quota": {} if quota is None else {H100: quota}},
        "clusters": {
            f"h{i}": {"sku": H100, "vm_count": vms, "subnet": subnet if i == 0 else f"10.10.{100 + i}.0/24",
                      "subnet_headroom_pct": headroom}
            for i in range(clusters)
        },
        "interconnect": {
            "circuits": {
                "wdc": {"kind": "provider", "peering_location": "Washington DC", "bandwidth_mbps": 10000,
                        "private_peering": {"peer_asn": 64600, "vlan_id": 101, "primary_prefix": "172.16.1.0/30",
                                            "secondary_prefix": "172.16.1.4/30"}},
            },
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": "10.10.255.0/26"},
        },
    }
    return from_config("eastus", data)


def checked(spec, caps=None):
    caps = compute.clusters(spec) if caps is None else caps
    return [(v.invariant, v.path, v.message) for v in compute.check(spec, caps)]


def test_clusters_within_quota_and_subnet_room_pass():
    assert checked(spec_with()) == []


# vcpu-quota --------------------------------------------------------------------------------------


def test_vcpu_quota_holds_exactly_at_the_quota():
    assert checked(spec_with(quota=16 * 96)) == []


def test_fails_when_the_clusters_need_one_vcpu_more_than_the_quota():
    assert checked(spec_with(quota=16 * 96 - 1)) == [(
        "vcpu-quota", f"site.vcpu_quota.{H100}",
        f"clusters h0 need 1,536 vCPUs of {H100} in eastus, over the declared quota of 1,535; request 1 more or "
        "shrink the clusters")]


def test_fails_when_no_quota_is_declared_for_the_sku():
    # The spec refuses such a stack file; a spec built another way is judged with a quota of 0.
    spec = spec_with()
    spec = spec.model_copy(update={"site": spec.site.model_copy(update={"vcpu_quota": {}})})
    [(rule, _, message)] = checked(spec)
    assert rule == "vcpu-quota" and "over the declared quota of 0; request 1,536 more" in message


def test_the_quota_covers_every_cluster_of_the_sku_at_once():
    spec = spec_with(quota=2 * 16 * 96 - 1, clusters=2)
    assert compute.vcpus_by_sku(compute.clusters(spec)) == {H100: 3072}
    [(rule, _, message)] = checked(spec)
    assert rule == "vcpu-quota" and message.startswith("clusters h0, h1 need 3,072 vCPUs")


# subnet-room -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("vms", "headroom", "needed"), [(16, 10, 23), (10, 10, 16), (101, 1, 108), (20, 0, 25)])
def test_a_subnet_holds_the_vms_azures_five_and_the_headroom_rounded_up(vms, headroom, needed):
    spec = spec_with(vms=vms, headroom=headroom)
    assert compute.subnet_needed(spec.clusters["h0"]) == needed


def test_a_subnet_that_fits_exactly_holds():
    spec = spec_with(vms=228, quota=100_000)  # 228 + 5 + 23 = 256, a /24
    assert compute.clusters(spec)[0].subnet_needed == 256
    assert checked(spec) == []


def test_fails_when_the_subnet_is_one_address_short():
    assert checked(spec_with(vms=229, quota=100_000)) == [(
        "subnet-room", "clusters.h0.subnet",
        "subnet 10.10.0.0/24 has 256 addresses; 229 VMs + 5 reserved by Azure + 10% headroom need 257 (a /23 at "
        "least)")]


@pytest.mark.parametrize(("needed", "fix"), [
    (2 ** 24, "a /8 at least"),
    (2 ** 24 + 1, "more than any VNet subnet holds; split the cluster"),
])
def test_the_fix_for_a_small_subnet_is_a_prefix_of_at_least_a_slash_8(needed, fix):
    spec = spec_with()
    caps = tuple(dataclasses.replace(c, subnet_needed=needed) for c in compute.clusters(spec))
    [(rule, _, message)] = checked(spec, caps)
    assert rule == "subnet-room" and message.endswith(f"need {needed:,} ({fix})")


# ib-placement-group (spec level) -----------------------------------------------------------------


def test_the_split_keeps_every_infiniband_domain_within_the_limit():
    spec = spec_with(vms=250, quota=100_000, subnet="10.10.0.0/23")
    assert compute.clusters(spec)[0].ib_domain_sizes == (84, 83, 83)
    assert checked(spec) == []


def test_fails_when_an_infiniband_domain_is_over_the_placement_group_limit():
    spec = spec_with()
    caps = tuple(dataclasses.replace(c, ib_domain_sizes=(100, 101, 50)) for c in compute.clusters(spec))
    assert checked(spec, caps) == [("ib-placement-group", "clusters.h0",
                                    "InfiniBand domain 1 has 101 VMs, over the placement-group limit of 100")]


def test_cluster_figures_follow_the_catalog():
    [cap] = compute.clusters(spec_with(vms=3))
    assert (cap.name, cap.sku, cap.vms, cap.gpus, cap.vcpus, cap.subnet, cap.subnet_usable) == (
        "h0", H100, 3, 24, 288, "10.10.0.0/24", 256)
    assert cap.cpu_sockets == 3 * cap.cpu_sockets // 3 and cap.ib_gbps_per_vm > 0
