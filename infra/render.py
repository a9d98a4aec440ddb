"""Human-readable views of the capacity report: the summary `fabric validate` prints."""

from __future__ import annotations

from collections.abc import Sequence

from infra.capacity import StackCapacity, Violation


def _n(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def capacity_summary(cap: StackCapacity, quota: dict[str, int]) -> list[str]:
    lines = [f"{cap.stack} ({cap.region}): {_n(cap.gpus)} GPUs on {_n(cap.vms)} VMs, {_n(cap.cpu_sockets)} CPU sockets"]
    for c in cap.clusters:
        domains = ", ".join(map(str, c.ib_domain_sizes))
        lines.append(
            f"  cluster {c.name}: {c.sku}, {_n(c.vms)} VMs x {c.gpus // c.vms if c.vms else 0} = {_n(c.gpus)} GPUs, "
            f"{_n(c.cpu_sockets)} CPU sockets, InfiniBand {_n(c.ib_gbps_per_vm)} Gb/s per VM in {c.ib_domains} "
            f"domain{'s' if c.ib_domains != 1 else ''} ({domains} VMs)"
        )
        lines.append(
            f"    vCPUs {_n(cap.vcpus_by_sku.get(c.sku, 0))} of quota {_n(quota.get(c.sku, 0))}; subnet {c.subnet} "
            f"needs {_n(c.subnet_needed)} of {_n(c.subnet_usable)} addresses"
        )
    ic = cap.interconnect
    lines.append(
        f"  interconnect: {ic.circuits} circuits, {_n(ic.circuit_gbps)} Gbps at {', '.join(ic.peering_locations)}; "
        f"gateway {ic.gateway_sku} {_n(ic.gateway_gbps)} Gbps{', FastPath' if ic.fastpath else ''}; "
        f"worst single failure leaves {_n(ic.n_minus_1_gbps)} Gbps; {len(ic.global_reach)} Global Reach links"
    )
    for d in ic.demands:
        hours = f", {d.hours_at_available:.1f} h to replicate {d.dataset_tb:g} TB" if d.hours_at_available else ""
        lines.append(
            f"  demand {d.name} -> {d.to_stack}: needs {_n(d.needed_gbps)} Gbps, {_n(d.available_gbps)} available, "
            f"{_n(d.worst_failure_gbps)} after the worst failure{hours}"
        )
    return lines


def violations_block(violations: Sequence[Violation]) -> list[str]:
    if not violations:
        return ["  invariants: all hold"]
    return [f"  VIOLATION {v}" for v in violations]
