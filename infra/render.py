"""Human-readable views: the capacity summary of `fabric validate`, the table and PR comment of `fabric plan`.

Both plan reports lead with the summary (per stack and in total: GPUs, VMs, circuits and their Gb/s,
the worst single failure and what it leaves, violations, unsafe changes), then the changes when the
plan was compared with an earlier one, then the violations, then the detail. Their last line counts
violations and unsafe changes, which are what the exit code is made of.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from infra.capacity import StackCapacity, Violation
from infra.inventory import Inventory, Resource
from infra.review.models import Change, Review, StackReview, plural
from infra.spec import PROJECT

if TYPE_CHECKING:
    from infra.plan import FabricPlan, StackPlan

KEYS_SHOWN = 6
"""Changed keys listed per change before the rest are counted."""
MARKDOWN_CHANGES_SHOWN = 10
"""Changes listed in the open in a PR comment; longer lists fold into <details>."""
MARKDOWN_CHANGES_CHARS = 40_000
"""Characters of change rows in a PR comment: GitHub caps a comment at 65,536, and the summary, violations
and detail need room too. Rows beyond it are counted, not listed; the JSON has every one."""


def _n(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _gbps(x: float) -> str:
    return f"{_n(x)} Gb/s"


def capacity_summary(cap: StackCapacity, quota: dict[str, int]) -> list[str]:
    lines = [f"{cap.stack} ({cap.region}): {plural(cap.gpus, 'GPU')} on {plural(cap.vms, 'VM')}, "
             f"{plural(cap.cpu_sockets, 'CPU socket')}"]
    for c in cap.clusters:
        domains = ", ".join(map(str, c.ib_domain_sizes))
        lines.append(
            f"  cluster {c.name}: {c.sku}, {plural(c.vms, 'VM')} x {c.gpus // c.vms if c.vms else 0} = "
            f"{plural(c.gpus, 'GPU')}, {plural(c.cpu_sockets, 'CPU socket')}, InfiniBand {_gbps(c.ib_gbps_per_vm)} "
            f"per VM in {plural(c.ib_domains, 'domain')} ({domains} VMs)"
        )
        lines.append(
            f"    vCPUs {_n(cap.vcpus_by_sku.get(c.sku, 0))} of quota {_n(quota.get(c.sku, 0))}; subnet {c.subnet} "
            f"needs {_n(c.subnet_needed)} of {_n(c.subnet_usable)} addresses"
        )
    ic = cap.interconnect
    worst = f" ({ic.worst_failure})" if ic.worst_failure else ""
    lines.append(
        f"  interconnect: {plural(ic.circuits, 'circuit')}, {_n(ic.circuit_gbps)} Gbps at "
        f"{', '.join(ic.peering_locations)}; gateway {ic.gateway_sku} {_n(ic.gateway_gbps)} Gbps"
        f"{', FastPath' if ic.fastpath else ''}; worst single failure leaves {_n(ic.n_minus_1_gbps)} Gbps{worst}; "
        f"{plural(len(ic.global_reach), 'Global Reach link')}"
    )
    for d in ic.demands:
        hours = f", {d.hours_at_available:.1f} h to replicate {d.dataset_tb:g} TB" if d.hours_at_available else ""
        after = f" ({d.worst_failure})" if d.worst_failure else ""
        lines.append(
            f"  demand {d.name} -> {d.to_stack}: needs {_n(d.needed_gbps)} Gbps, {_n(d.available_gbps)} available, "
            f"{_n(d.worst_failure_gbps)} after the worst failure{after}{hours}"
        )
    return lines


def violations_block(violations: Sequence[Violation]) -> list[str]:
    if not violations:
        return ["  invariants: all hold"]
    return [f"  VIOLATION {v}" for v in violations]


# ------------------------------------------------------------------------------------------------
# fabric plan: the parts both reports share
# ------------------------------------------------------------------------------------------------


def _as_fabric_plan(plans: FabricPlan | Sequence[StackPlan]) -> FabricPlan:
    from infra.plan import FabricPlan

    return plans if isinstance(plans, FabricPlan) else FabricPlan(tuple(plans))


def monthly_usd(p: StackPlan) -> float | None:
    """The stack's monthly cost once the cost model provides one (docs/DESIGN.md: a stack's
    ``cost.monthly_usd``); None until then, and the reports leave the column out."""
    cost = getattr(p, "cost", None)
    value = cost.get("monthly_usd") if isinstance(cost, dict) else getattr(cost, "monthly_usd", None)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


TEXT_COLUMNS = {"stack", "region", "worst single failure"}
COST_ITEMS_SHOWN = 12
"""Cost items listed per stack in a PR comment before the rest are counted; the JSON has every one."""
COST_SOURCE_CHARS = 120
"""A cost item's source in a PR comment is cut here (the JSON and the table have it whole)."""


def _summary_rows(fp: FabricPlan) -> tuple[list[str], list[list[str]], list[str]]:
    """(header, a row per stack, the total row) of the summary both reports lead with."""
    from infra.plan import worst_failure

    costs = [monthly_usd(p) for p in fp.stacks]
    with_cost = any(c is not None for c in costs)
    review = fp.review
    fabric_cost = fp.cost if any(_priced(p) for p in fp.stacks) else None
    with_delta = with_cost and review is not None
    header = ["stack", "region", "GPUs", "VMs", "circuits", "circuit Gb/s", "worst single failure", "leaves Gb/s",
              "violations", "unsafe changes"] + (["monthly USD"] if with_cost else []) + (
              ["Δ monthly USD"] if with_delta else [])
    rows = []
    for p, cost in zip(fp.stacks, costs):
        c, ic = p.capacity, p.capacity.interconnect
        added = review is not None and p.stack in review.added
        rows.append([p.stack + (" (new)" if added else ""), c.region, _n(c.gpus), _n(c.vms), _n(ic.circuits),
                     _n(ic.circuit_gbps), ic.worst_failure or "-", _n(ic.n_minus_1_gbps), _n(len(p.violations)),
                     _n(len(p.unsafe_changes))] + ([_usd_cell(p, cost)] if with_cost else [])
                    + ([_delta(fabric_cost.delta_of(p.stack))] if with_delta and fabric_cost else []))
    for s in fp.removed:
        rows.append([f"{s.stack} (removed)", "-", "-", "-", "-", "-", "-", "-", "-", _n(len(s.unsafe))]
                    + (["-"] if with_cost else [])
                    + ([_delta(fabric_cost.delta_of(s.stack))] if with_delta and fabric_cost else []))
    caps = [p.capacity for p in fp.stacks]
    worst = worst_failure(caps)
    total = ["total", "", _n(sum(c.gpus for c in caps)), _n(sum(c.vms for c in caps)),
             _n(sum(c.interconnect.circuits for c in caps)), _n(sum(c.interconnect.circuit_gbps for c in caps)),
             f"{worst.interconnect.worst_failure} ({worst.stack})" if worst and worst.interconnect.worst_failure else "-",
             f"{_n(worst.interconnect.n_minus_1_gbps)} of {_n(worst.interconnect.circuit_gbps)}" if worst else "-",
             _n(fp.violations), _n(fp.unsafe)]
    if with_cost:
        total.append(_n(fabric_cost.monthly_usd) + ("+" if fabric_cost.unpriced else "") if fabric_cost is not None
                     else _n(sum(c for c in costs if c is not None)))
    if with_delta and fabric_cost is not None:
        total.append(_delta(fabric_cost.monthly_usd_delta))
    return header, rows, total


def _priced(p: StackPlan) -> bool:
    """Whether the plan carries the cost model's StackCost (not only a monthly figure)."""
    from infra.cost.model import StackCost

    return isinstance(p.cost, StackCost)


def _usd_cell(p: StackPlan, cost: float | None) -> str:
    """The stack's monthly USD; '+' marks a lower bound (items without a published price)."""
    if cost is None:
        return "-"
    incomplete = bool(getattr(p.cost, "unpriced", ()))
    return _n(cost) + ("+" if incomplete else "")


def _delta(x: float | None) -> str:
    return "unknown" if x is None else f"{x:+,.0f}"


def _headline(fp: FabricPlan) -> str:
    caps = [p.capacity for p in fp.stacks]
    return (f"{plural(len(fp.stacks), 'stack')}: {plural(sum(c.gpus for c in caps), 'GPU')} on "
            f"{plural(sum(c.vms for c in caps), 'VM')}, {plural(sum(c.interconnect.circuits for c in caps), 'circuit')} "
            f"({_gbps(sum(c.interconnect.circuit_gbps for c in caps))})")


def _verdict(fp: FabricPlan) -> str:
    parts = [plural(fp.violations, "violation")]
    if fp.review is not None:
        parts.append(plural(fp.unsafe, "unsafe change"))
    return ", ".join(parts)


def _keys(change: Change, limit: int = KEYS_SHOWN) -> str:
    keys = list(change.keys)
    shown = ", ".join(keys[:limit])
    return shown + (f" (+{len(keys) - limit} more)" if len(keys) > limit else "")


def _short_type(token: str) -> str:
    return token.rsplit(":", 1)[-1]


def _stack_impact(s: StackReview) -> str:
    """'eastus: replaces 3 scale sets: 675 VMs, 5,400 GPUs'; '' for a stack with nothing unsafe."""
    parts = s.impact()
    if s.status == "added":
        return f"{s.stack} (new stack): creates {plural(len(s.changes), 'resource')}"
    if s.status == "removed":
        parts.insert(0, f"deletes {plural(len(s.changes), 'resource')}")
        return f"{s.stack} (stack file removed): " + "; ".join(parts)
    return f"{s.stack}: " + "; ".join(parts) if parts else ""


def _listed(s: StackReview) -> list[Change]:
    """The changes a report lists one by one: all of them, except the creates of a new stack and the
    safe deletes of a removed one (counted in its summary line)."""
    return list(s.changes) if s.status == "compared" else [c for c in s.changes if c.unsafe]


# ------------------------------------------------------------------------------------------------
# fabric plan: the table
# ------------------------------------------------------------------------------------------------


def _aligned(rows: Sequence[Sequence[str]], text_columns: set[str]) -> list[str]:
    """Columns padded to width: the named text columns left-aligned, the figures right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    left = {i for i, h in enumerate(rows[0]) if h in text_columns}
    out = []
    for r in rows:
        cells = [c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append("  " + "  ".join(cells).rstrip())
    return out


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


def _changes_table(review: Review) -> list[str]:
    out = [f"Changes against {review.against}: {review.counts_text()}"]
    if review.added or review.removed:
        out.append(f"  stacks added: {', '.join(review.added) or 'none'}; removed: {', '.join(review.removed) or 'none'}")
    out += [f"  {line}" for s in review.stacks if (line := _stack_impact(s))]
    for s in review.stacks:
        for c in _listed(s):
            mark = "UNSAFE" if c.unsafe else ""
            out.append(f"  {mark:6}  {c.op.value:7}  {c.stack}  {_short_type(c.type)}  {c.label}")
            if c.reason:
                out.append(f"            {c.reason}")
            if c.keys:
                out.append(f"            keys: {_keys(c)}")
    return out


def waiting_for_carrier(p: StackPlan) -> list[str]:
    """What of a stack waits for the carrier: pending circuits and ports, and what the program deferred."""
    rollout = p.rollout
    pending = [f"circuit {k}" for k, v in rollout["circuits"].items() if v != "provisioned"]
    pending += [f"port {k}" for k, v in rollout["ports"].items() if v != "provisioned"]
    if not pending and not rollout["deferred"]:
        return []
    lines = [f"{', '.join(pending) or 'nothing'} pending with the carrier; "
             f"{plural(len(rollout['deferred']), 'resource')} deferred until it provisions them "
             "(`fabric rollout` records the state and deploys them)"]
    lines += [f"  deferred: {name}" for name in rollout["deferred"]]
    return lines


def _cost_table(fp: FabricPlan) -> list[str]:
    """The cost section: the fabric's total (and delta), each stack's items, what carrying its demands costs."""
    from infra.cost.report import cost_lines, fabric_line, usd

    out = ["Cost", f"  {fabric_line(fp.cost)}"]
    for p in fp.stacks:
        if not _priced(p):
            continue
        out.append(f"  {p.stack}:")
        out += cost_lines(p.cost, "    ")
        for i in p.cost.items:
            out.append(f"      {usd(i.monthly_usd) if i.priced else 'unpriced':>12}  {i.item} [{i.status}]")
    if any(_priced(p) and not p.cost.complete for p in fp.stacks):
        out.append("  + a lower bound: some items have no published price (README, \"What it costs\")")
    return out


def plan_table(plans: FabricPlan | Sequence[StackPlan], quotas: dict[str, dict[str, int]]) -> str:
    fp = _as_fabric_plan(plans)
    against = f" against {fp.review.against}" if fp.review is not None else ""
    out = [f"ai-fabric plan{against}: {_headline(fp)}", ""]
    header, rows, total = _summary_rows(fp)
    out += ["Summary", *_aligned([header, *rows, total], TEXT_COLUMNS), ""]
    if fp.review is not None:
        out += [*_changes_table(fp.review), ""]
    waiting = [(p.stack, lines) for p in fp.stacks if (lines := waiting_for_carrier(p))]
    if waiting:
        out.append("Waiting for the carrier")
        out += [f"  {stack}: {lines[0]}" for stack, lines in waiting]
        out.append("")
    out += [*_cost_table(fp), ""] if any(_priced(p) for p in fp.stacks) else []
    out.append("Violations")
    found = [(p.stack, v) for p in fp.stacks for v in p.violations]
    out += [f"  {stack}: {v}" for stack, v in found] or ["  none: every invariant holds"]
    out += ["", "Detail"]
    for p in fp.stacks:
        counts = Counter(r.type for r in p.inventory if r.custom)
        azure = sum(counts.values())
        out.append(f"Stack {p.stack}: {plural(len(p.inventory), 'resource')} ({azure} Azure, "
                   f"{plural(len(p.inventory) - azure, 'component')})")
        out += _tree(p.inventory)
        out.append("")
        out += capacity_summary(p.capacity, quotas.get(p.stack, {}))
        out += [f"  {line}" for line in waiting_for_carrier(p)[1:]]
        out += violations_block(p.violations)
        out.append("")
    code = 0 if fp.clean else 1
    out.append(f"{plural(len(fp.stacks), 'stack')} planned, {plural(sum(len(p.inventory) for p in fp.stacks), 'resource')}: "
               f"{_verdict(fp)} -> exit {code}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------
# fabric plan: the pull-request comment
# ------------------------------------------------------------------------------------------------


def _cell(text: Any) -> str:
    """Table-safe: pipes escaped, line breaks flattened."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _md_change_rows(changes: Sequence[Change]) -> list[str]:
    rows = ["| stack | op | resource | type | changed keys | unsafe | why |", "|---|---|---|---|---|---|---|"]
    for c in changes:
        keys = ", ".join(f"`{k}`" for k in c.keys[:KEYS_SHOWN]) + (
            f" (+{len(c.keys) - KEYS_SHOWN} more)" if len(c.keys) > KEYS_SHOWN else "")
        resource = f"`{c.previous_name}` → `{c.name}`" if c.previous_name else f"`{c.name}`"
        rows.append(_md_row([c.stack, c.op.value, resource, _short_type(c.type), keys or "-",
                             "**yes**" if c.unsafe else "no", c.reason or ""]))
    return rows


def _md_changes(review: Review) -> list[str]:
    out = [f"### Changes against `{review.against}`: {review.counts_text()}", ""]
    if review.added or review.removed:
        out += [f"Stacks added: {', '.join(review.added) or 'none'}; removed: {', '.join(review.removed) or 'none'}.", ""]
    impacts = [f"- **{line.split(':', 1)[0]}**:{line.split(':', 1)[1]}" for s in review.stacks
               if (line := _stack_impact(s))]
    if impacts:
        out += [*impacts, ""]
    listed = [c for s in review.stacks for c in _listed(s)]
    if len(listed) <= MARKDOWN_CHANGES_SHOWN:
        return out + ([*_md_change_rows(listed), ""] if listed else [])
    unsafe = [c for c in listed if c.unsafe]
    if unsafe:
        more = f" (+{len(unsafe) - MARKDOWN_CHANGES_SHOWN} more below)" if len(unsafe) > MARKDOWN_CHANGES_SHOWN else ""
        out += [f"Unsafe changes{more}:", "", *_md_change_rows(unsafe[:MARKDOWN_CHANGES_SHOWN]), ""]
    rows = _md_change_rows(listed)
    kept, used = rows[:2], 0
    for row in rows[2:]:
        if used + len(row) > MARKDOWN_CHANGES_CHARS:
            break
        kept.append(row)
        used += len(row) + 1
    out += [f"<details><summary>All {plural(len(listed), 'change')}</summary>", "", *kept]
    if len(kept) < len(rows):
        out += ["", f"... and {len(rows) - len(kept)} more: see `fabric plan --format json`."]
    return out + ["", "</details>", ""]


def _md_cost(fp: FabricPlan) -> list[str]:
    """The fabric's total (and delta), each stack's total, what is unpriced and what carrying its demands
    costs; the items themselves are in each stack's Detail."""
    from infra.cost.report import demand_lines, fabric_line, usd

    out = ["### Cost", "", fabric_line(fp.cost) + ".", ""]
    for p in fp.stacks:
        if not _priced(p):
            continue
        cats = ", ".join(f"{k} {usd(v)}" for k, v in p.cost.by_category().items() if v)
        unpriced = "; ".join(_cell(i.item.split(":")[0]) for i in p.cost.unpriced)
        out.append(f"- **{p.stack}**: {usd(p.cost.monthly_usd)} a month ({cats})"
                   + (f"; not in the total, no published price: {unpriced}" if unpriced else ""))
        out += [f"  - {_cell(line)}" for line in demand_lines(p.cost)]
    return out + [""]


def _md_cost_items(p: StackPlan) -> list[str]:
    if not _priced(p):
        return []
    out = ["", "| cost item | monthly USD | status | source |", "|---|--:|---|---|"]
    for i in p.cost.items[:COST_ITEMS_SHOWN]:
        source = i.source if len(i.source) <= COST_SOURCE_CHARS else i.source[:COST_SOURCE_CHARS - 1] + "…"
        out.append(_md_row([i.item, _n(i.monthly_usd) if i.priced else "unpriced", i.status, source]))
    if len(p.cost.items) > COST_ITEMS_SHOWN:
        out.append(_md_row([f"... {len(p.cost.items) - COST_ITEMS_SHOWN} more: see `--format json`", "", "", ""]))
    return out


def plan_markdown(plans: FabricPlan | Sequence[StackPlan], flows: Any = None) -> str:
    """For a pull-request comment: the verdict and summary first, the changes, violations, the detail folded."""
    fp = _as_fabric_plan(plans)
    mark = "✅" if fp.clean else "❌"
    out = ["## ai-fabric plan", "", f"{mark} **{_verdict(fp)}**: {_headline(fp)}.", ""]
    header, rows, total = _summary_rows(fp)
    out.append(_md_row(header))
    out.append("|" + "|".join("---" if h in TEXT_COLUMNS else "--:" for h in header) + "|")
    out += [_md_row(r) for r in rows]
    out.append(_md_row([f"**{c}**" if c else "" for c in total]))
    out.append("")
    if fp.review is not None:
        out += _md_changes(fp.review)
    waiting = [(p.stack, lines) for p in fp.stacks if (lines := waiting_for_carrier(p))]
    if waiting:
        out += ["### Waiting for the carrier", ""]
        for stack, lines in waiting:
            deferred = ", ".join(f"`{line.split(': ', 1)[1]}`" for line in lines[1:])
            out.append(f"- **{stack}**: {lines[0]}" + (f"<br>deferred: {deferred}" if deferred else ""))
        out.append("")
    if any(_priced(p) for p in fp.stacks):
        out += _md_cost(fp)
    out += ["### Violations", ""]
    found = [(p.stack, v) for p in fp.stacks for v in p.violations]
    for stack, v in found:
        where = f"`{v.resource}`" if v.resource else (f"`{v.path}`" if v.path else "")
        out.append(f"- **{stack}** `{v.invariant}` {where}: {_cell(v.message)}")
    if not found:
        out.append("None: every invariant holds.")
    out += ["", "### Detail", ""]
    for p in fp.stacks:
        counts = Counter(r.type for r in p.inventory)
        out += [f"<details><summary>{p.stack}: {plural(p.capacity.gpus, 'GPU')}, "
                f"{plural(len(p.inventory), 'resource')}</summary>", ""]
        for c in p.capacity.clusters:
            out.append(f"- **{c.name}**: {plural(c.gpus, 'GPU')} on {_n(c.vms)} × `{c.sku}`, "
                       f"{plural(c.cpu_sockets, 'CPU socket')}, InfiniBand {_gbps(c.ib_gbps_per_vm)} per VM in "
                       f"{plural(c.ib_domains, 'domain')} ({', '.join(map(str, c.ib_domain_sizes))} VMs)")
        ic = p.capacity.interconnect
        out.append(f"- interconnect: {plural(ic.circuits, 'circuit')}, {_gbps(ic.circuit_gbps)} at "
                   f"{', '.join(ic.peering_locations)}; gateway {ic.gateway_sku} {_gbps(ic.gateway_gbps)}"
                   f"{' with FastPath' if ic.fastpath else ''}")
        for d in ic.demands:
            out.append(f"- demand **{d.name}** → {d.to_stack}: needs {_gbps(d.needed_gbps)}, "
                       f"{_n(d.available_gbps)} available, {_n(d.worst_failure_gbps)} after the worst failure"
                       + (f" ({d.worst_failure})" if d.worst_failure else ""))
        out += ["", "| type | count |", "|---|--:|"]
        out += [f"| `{t}` | {n} |" for t, n in sorted(counts.items())]
        out += _md_cost_items(p)
        out += ["", "</details>", ""]
    # The carrier network (infra.carrier.report): demand paths and span utilisation, for the whole fabric.
    from infra.carrier.report import utilisation_markdown

    out += utilisation_markdown(flows)
    out.append(f"{plural(len(fp.stacks), 'stack')} planned: {_verdict(fp)} (exit {0 if fp.clean else 1}).")
    return "\n".join(out) + "\n"
