"""The carrier's utilisation as Markdown lines (for `fabric plan --format markdown`) and JSON."""

from __future__ import annotations

from infra.capacity.flows import FlowReport


def _n(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def carrier_json(report: FlowReport | None) -> dict:
    """The plan document's fabric-level ``carrier`` key: span use normal and worst, pending fibre."""
    return {} if report is None else {"carrier": report.carrier_json()}


def _immune(report: FlowReport) -> str:
    n, k = report.critical_pairs, report.critical_immune
    if not n:
        return ""
    if k == n:
        return (f" (every one of the {n} pairs of sites with critical demands has three routes no single failure "
                "shares, so no two failures cut it off)" if n > 1 else
                " (the one pair of sites with critical demands has three routes no single failure shares, so no "
                "two failures cut it off)")
    return f" ({k} of the {n} pairs of sites with critical demands have three routes no single failure shares)"


def utilisation_markdown(report: FlowReport | None) -> list[str]:
    """A table of span use per direction: normal, and the worst over single failures (with which)."""
    if report is None:
        return []
    g = report.graph
    if g.carrier is None:
        return ["", "### Carrier network", "",
                "No `fabric.yaml`: the carrier's network is not modelled (only circuits and gateways bound the "
                "demands)."]
    out = ["", f"### Carrier network: {g.carrier} on {g.on.isoformat()}", "",
           f"{len(g.pops)} PoPs, {len(g.spans)} spans in service, {len(g.srlgs())} shared-risk groups; "
           f"{report.failures} single failures analysed, {report.pairs} pairs of failures checked for critical "
           f"demands{_immune(report)}.", ""]
    if g.pending:
        out.append("New fibre not yet in service: " + ", ".join(
            f"`{s.name}` ({s.a}-{s.z}, {_n(s.gbps)} Gb/s, from {s.in_service})" for s in g.pending.values()) + ".")
        out.append("")
    if report.demands:
        out += ["| demand | needs Gb/s | path (baseline) | alone Gb/s | after worst failure | short after a failure |",
                "|---|--:|---|--:|---|--:|"]
        for (stack, name), fig in sorted(report.demands.items()):
            d = fig.demand
            path = "; ".join(f"{p} ({_n(round(p.gbps, 2))} Gb/s)" for p in fig.paths) or "none"
            flags = " (critical)" if d.critical else ""
            flags += " [carrier only]" if d.path == "carrier" else ""
            worst = f"{_n(round(fig.worst_failure_gbps, 2))} Gb/s ({fig.worst_failure or 'none'})"
            short = (f"{_n(round(fig.worst_shortfall_gbps, 2))} ({fig.worst_shortfall_failure})"
                     if fig.worst_shortfall_failure else "0")
            out.append(f"| {stack}/{name} -> {d.to_stack}{flags} | {_n(round(d.gbps, 2))} | {path} | "
                       f"{_n(round(fig.available_gbps, 2))} | {worst} | {short} |")
        out.append("")
    out += ["| span (direction) | capacity Gb/s | normal Gb/s | normal % | worst Gb/s | worst % | worst failure |",
            "|---|--:|--:|--:|--:|--:|---|"]
    rows = sorted(report.spans, key=lambda u: -(u.worst_gbps / u.capacity_gbps if u.capacity_gbps else 0))
    for u in rows:
        pct = lambda x: f"{100 * x / u.capacity_gbps:.0f}%" if u.capacity_gbps else "-"
        out.append(f"| {u.label.removeprefix('span ')} | {_n(u.capacity_gbps)} | {_n(round(u.normal_gbps, 2))} | "
                   f"{pct(u.normal_gbps)} | {_n(round(u.worst_gbps, 2))} | {pct(u.worst_gbps)} | "
                   f"{u.worst_failure or '-'} |")
    return out
