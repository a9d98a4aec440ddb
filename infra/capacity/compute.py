"""GPU cluster figures and the spec-level compute invariants: quota and subnet room."""

from __future__ import annotations

import math
from collections import defaultdict

from infra import catalog
from infra.capacity.report import ClusterCapacity, Violation
from infra.spec import FabricSpec, GpuClusterSpec


def subnet_needed(cluster: GpuClusterSpec) -> int:
    """Addresses a cluster subnet must hold: one per VM, Azure's 5 reserved, and the declared headroom."""
    headroom = math.ceil(cluster.vms * cluster.subnet_headroom_pct / 100)
    return cluster.vms + catalog.SUBNET_RESERVED_ADDRESSES.value + headroom


def cluster_capacity(name: str, cluster: GpuClusterSpec, cat: catalog.Catalog) -> ClusterCapacity:
    sku = cat.gpu_skus[cluster.sku]
    vms = cluster.vms
    return ClusterCapacity(
        name=name,
        sku=sku.name,
        vms=vms,
        gpus=vms * sku.gpus_per_vm,
        cpu_sockets=vms * sku.cpu_sockets,
        vcpus=vms * sku.vcpus,
        ib_gbps_per_vm=sku.ib_gbps_per_vm,
        ib_domain_sizes=cluster.ib_domain_sizes(),
        subnet=str(cluster.subnet),
        subnet_usable=cluster.subnet.num_addresses,
        subnet_needed=subnet_needed(cluster),
    )


def clusters(spec: FabricSpec) -> tuple[ClusterCapacity, ...]:
    cat = spec.catalog
    return tuple(cluster_capacity(name, c, cat) for name, c in spec.clusters.items())


def vcpus_by_sku(caps: tuple[ClusterCapacity, ...]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for c in caps:
        totals[c.sku] += c.vcpus
    return dict(totals)


def check(spec: FabricSpec, caps: tuple[ClusterCapacity, ...]) -> list[Violation]:
    out: list[Violation] = []
    for sku, vcpus in vcpus_by_sku(caps).items():
        quota = spec.site.vcpu_quota.get(sku, 0)
        if vcpus > quota:
            users = ", ".join(c.name for c in caps if c.sku == sku)
            out.append(Violation(
                "vcpu-quota",
                f"clusters {users} need {vcpus:,} vCPUs of {sku} in {spec.site.region}, over the declared quota "
                f"of {quota:,}; request {vcpus - quota:,} more or shrink the clusters",
                stack=spec.stack, path=f"site.vcpu_quota.{sku}",
            ))
    for c in caps:
        if c.subnet_needed > c.subnet_usable:
            need_len = 32 - math.ceil(math.log2(c.subnet_needed))
            fix = f"a /{need_len} at least" if need_len >= 8 else "more than any VNet subnet holds; split the cluster"
            out.append(Violation(
                "subnet-room",
                f"subnet {c.subnet} has {c.subnet_usable:,} addresses; {c.vms:,} VMs + 5 reserved by Azure + "
                f"{spec.clusters[c.name].subnet_headroom_pct}% headroom need {c.subnet_needed:,} ({fix})",
                stack=spec.stack, path=f"clusters.{c.name}.subnet",
            ))
        limit = spec.clusters[c.name].placement_group_max_vms
        for i, size in enumerate(c.ib_domain_sizes):
            if size > limit:  # cannot happen by construction; kept so a change to the split is caught
                out.append(Violation(
                    "ib-placement-group",
                    f"InfiniBand domain {i} has {size} VMs, over the placement-group limit of {limit}",
                    stack=spec.stack, path=f"clusters.{c.name}",
                ))
    return out
