"""Human-readable views: the capacity summary of `fabric validate`, the tree and PR comment of `fabric plan`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from infra.capacity import StackCapacity, Violation
from infra.inventory import Inventory, Resource
from infra.spec import PROJECT

if TYPE_CHECKING:
    from infra.plan import StackPlan


def _n(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def capacity_summary(cap: StackCapacity, quota: dict[str, int]) -> list[str]:
    lines = [f"{cap.stack} ({cap.region}): {_n(cap.gpus)} GPUs on {_n(cap.vms)} VMs, {_n(cap.cpu_sockets)} CPU sockets"]
    for c in cap.clusters:
        domains = ", ".join(map(str, c.ib_domain_sizes))
        lines.append(
            f"  cluster {c.name}: {c.sku}, {_n(c.vms)} VMs x {c.gpus // c.vms if c.vms else 0} = {_n(c.gpus)} GPUs, "
            f"{_n(c.cpu_sockets)} CPU sockets, InfiniBand {_n(c.ib_gbps_per_vm)} Gb/s per VM in {_n(c.ib_domains)} "
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


# ------------------------------------------------------------------------------------------------
# fabric plan
# ------------------------------------------------------------------------------------------------


def _tree(inv: Inventory) -> list[str]:
    """A `pulumi preview`-like tree: components with their children, sorted by name."""
    kids: dict[str | None, list[Resource]] = {}
    for r in inv:
        kids.setdefault(r.parent, []).append(r)
    lines = [f"  +  pulumi:pulumi:Stack  {PROJECT}-{inv.stack}"]

    def walk(parent: str | None, prefix: str) -> None:
        children = sorted(kids.get(parent, []), key=lambda r: (r.custom, r.name))
        for i, r in enumerate(children):
            last = i == len(children) - 1
            marks = " [protect]" if r.protect else ""
            marks += f" [secret: {', '.join(sorted(r.secret_inputs))}]" if r.secret_inputs else ""
            lines.append(f"  {prefix}{'└─' if last else '├─'} {r.type}  {r.name}{marks}")
            walk(r.urn, prefix + ("   " if last else "│  "))

    walk(None, "")
    return lines


def _removed_lines(removed: Mapping[str, Sequence[Any]] | None) -> list[str]:
    out: list[str] = []
    for name, changes in (removed or {}).items():
        out.append(f"Stack {name}: its stack file is gone since the earlier plan")
        out += [f"  UNSAFE CHANGE {c}" for c in changes] or ["  (it had no protected resource)"]
        out.append("")
    return out


def plan_table(plans: Sequence[StackPlan], quotas: dict[str, dict[str, int]],
               removed: Mapping[str, Sequence[Any]] | None = None) -> str:
    out: list[str] = []
    for p in plans:
        counts = Counter(r.type for r in p.inventory if r.custom)
        out.append(f"Stack {p.stack}: {len(p.inventory)} resources "
                   f"({sum(counts.values())} Azure, {len(p.inventory) - sum(counts.values())} components)")
        out += _tree(p.inventory)
        out.append("")
        out += capacity_summary(p.capacity, quotas.get(p.stack, {}))
        out += violations_block(p.violations)
        out += [f"  UNSAFE CHANGE {c}" for c in p.unsafe_changes]
        out.append("")
    out += _removed_lines(removed)
    total = sum(len(p.violations) for p in plans)
    out.append(f"{len(plans)} stack{'s' if len(plans) != 1 else ''} planned, "
               f"{sum(len(p.inventory) for p in plans)} resources, {total} violation{'s' if total != 1 else ''}")
    return "\n".join(out) + "\n"


def plan_markdown(plans: Sequence[StackPlan], removed: Mapping[str, Sequence[Any]] | None = None,
                  flows: Any = None) -> str:
    """For a pull-request comment: capacity per stack, violations, and the resources folded away.

    `flows` (the fabric's FlowReport) adds the carrier's utilisation, normal and worst case."""
    out = ["## ai-fabric plan", ""]
    for name, changes in (removed or {}).items():
        out.append(f"**Stack {name} is gone since the earlier plan**")
        out += [f"- `{c.kind}` `{c.urn}`: {c.message}" for c in changes]
        out.append("")
    out.append("| stack | region | GPUs | VMs | CPU sockets | IB domains | circuits | circuit Gbps | gateway Gbps "
               "| FastPath | N-1 Gbps | resources | violations |")
    out.append("|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|")
    for p in plans:
        c, ic = p.capacity, p.capacity.interconnect
        out.append(
            f"| {p.stack} | {c.region} | {c.gpus:,} | {c.vms:,} | {c.cpu_sockets:,} | "
            f"{sum(x.ib_domains for x in c.clusters)} | {ic.circuits} | {_n(ic.circuit_gbps)} | {_n(ic.gateway_gbps)} | "
            f"{'yes' if ic.fastpath else 'no'} | {_n(ic.n_minus_1_gbps)} | {len(p.inventory)} | {len(p.violations)} |"
        )
    for p in plans:
        out += ["", f"### {p.stack}", ""]
        for c in p.capacity.clusters:
            out.append(f"- **{c.name}**: {c.gpus:,} GPUs on {c.vms:,} × `{c.sku}`, {c.cpu_sockets:,} CPU sockets, "
                       f"InfiniBand {c.ib_gbps_per_vm:,} Gb/s per VM in {c.ib_domains} domains "
                       f"({', '.join(map(str, c.ib_domain_sizes))} VMs)")
        for d in p.capacity.interconnect.demands:
            out.append(f"- demand **{d.name}** → {d.to_stack}: needs {_n(d.needed_gbps)} Gbps, "
                       f"{_n(d.available_gbps)} available, {_n(d.worst_failure_gbps)} after the worst failure")
        if p.violations:
            out.append("")
            out.append("**Violations**")
            out.append("")
            for v in p.violations:
                out.append(f"- `{v.invariant}` {('`' + v.resource + '`') if v.resource else (v.path or '')}: {v.message}")
        else:
            out.append("- all invariants hold")
        if p.unsafe_changes:
            out += ["", "**Changes that cost an outage or the carrier's provisioning**", ""]
            out += [f"- `{c.kind}` `{c.urn}`: {c.message}" for c in p.unsafe_changes]
        counts = Counter(r.type for r in p.inventory)
        out += ["", f"<details><summary>{len(p.inventory)} resources</summary>", "",
                "| type | count |", "|---|--:|"]
        out += [f"| `{t}` | {n} |" for t, n in sorted(counts.items())]
        out += ["", "</details>"]
    # The carrier network (infra.carrier.report): one table for the whole fabric.
    from infra.carrier.report import utilisation_markdown

    out += utilisation_markdown(flows)
    return "\n".join(out) + "\n"
