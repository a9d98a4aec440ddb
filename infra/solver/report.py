"""`fabric solve`'s reports: the JSON document of DESIGN.md ("The design solver") and the text for people."""

from __future__ import annotations

from typing import Any

from infra.solver.engine import Result


def to_json(result: Result, written: list[str] | None = None) -> dict[str, Any]:
    """{"feasible_before", "feasible_after", "changes": [{"stack", "key", "from", "to", "monthly_usd"}],
    "monthly_usd_delta"} as the contract fixes them, then what else a user needs: how sure the answer is
    (status, gap, bound), what it took, the secrets to set, the binding limit when nothing fits."""
    design = result.design
    return {
        "feasible_before": result.feasible_before,
        "feasible_after": result.feasible_after,
        "changes": [c.to_json() for c in result.changes],
        "monthly_usd_delta": round(result.monthly_usd_delta, 2),
        "status": result.status,
        "optimality_gap": None if result.gap is None else round(result.gap, 6),
        "bound_usd": None if result.bound_usd is None else round(result.bound_usd, 2),
        "prices_source": result.prices_source,
        "secrets": [{"stack": s.stack, "key": s.key, "for": s.circuit, "purpose": s.purpose, "command": s.command}
                    for s in (design.secrets if design else ())],
        "binding": result.binding.to_json() if result.binding else None,
        "violations_before": [_violation(v) for v in result.before],
        "violations_after": [_violation(v) for v in result.after],
        "left_as_they_are": [_violation(v) for v in result.untouched],
        "notes": list(result.notes),
        "rounds": [r.to_json() for r in result.rounds],
        "scenarios": result.scenarios,
        "seconds": round(result.seconds, 3),
        "cpu_seconds": round(result.cpu_seconds, 3),
        "written": written or [],
    }


def _violation(v) -> dict[str, Any]:
    return {"invariant": v.invariant, "stack": v.stack, "path": v.path, "message": v.message}


def text(result: Result, write_hint: bool = True, written: list[str] | None = None) -> str:
    out: list[str] = []
    if result.status == "fits":
        out.append("The fabric fits: every demand under the failure policy (any single failure; any two for "
                   "critical demands), every interconnect rule. Nothing to change.")
        _untouched(result, out)
        return "\n".join(out) + "\n"
    before = _distinct(result.before)
    out.append(f"Today {len(before)} problem(s) the solver can act on:")
    for v in before[:10]:
        out.append(f"  {v.stack}: [{v.invariant}] {v.message}")
    if len(before) > 10:
        out.append(f"  ... and {len(before) - 10} more")
    if result.status in ("infeasible", "unsolved"):
        b = result.binding
        head = "No combination of the options makes every demand fit." if result.status == "infeasible" else \
            "No design was proven in time."
        out.append("")
        out.append(head)
        if b is not None:
            out.append(f"  {b.message}")
            if b.demands:
                out.append(f"  demand: {', '.join(b.demands)}; site: {b.site}; the most that fits there: "
                           + ("n/a" if b.most_gbps is None else f"{b.most_gbps:.2f} of {b.needed_gbps:.2f} Gb/s"))
        _untouched(result, out)
        return "\n".join(out) + "\n"
    out.append("")
    out.append(f"The cheapest changes ({result.prices_source}):")
    stack = object()
    for c in result.changes:
        if c.stack != stack:
            stack = c.stack
            out.append(f"  {stack if stack is not None else 'fabric.yaml (carrier)'}:")
        if c.before is None:
            what = f"+ {c.key}: {c.note}"
        else:
            what = f"  {c.key}: {_short(c.before)} -> {_short(c.after)}" + (f" ({c.note})" if c.note else "")
        if not c.in_place:
            what += " [REPLACES the resource]"
        out.append(f"    {what:<100} {c.monthly_usd:>+13,.2f} USD/month")
    out.append(f"  {'total':<102} {result.monthly_usd_delta:>+13,.2f} USD/month")
    gap = "n/a" if result.gap is None else f"{100 * result.gap:.2f}%"
    out.append("")
    out.append(f"Proven within {gap} of the cheapest (lower bound {result.bound_usd:+,.2f} USD/month) over "
               f"{len(result.rounds)} round(s), {result.scenarios} scenarios; {result.seconds:.1f} s "
               f"({result.cpu_seconds:.1f} s CPU). The failure analysis confirms the design: "
               + ("every demand fits." if result.feasible_after else "NOT every rule holds:"))
    for v in result.after:
        out.append(f"  {v.stack}: [{v.invariant}] {v.message}")
    design = result.design
    if design and design.secrets:
        out.append("")
        out.append("New secret keys: set each (the stack file holds a placeholder that never decrypts until you do):")
        for s in design.secrets:
            out.append(f"  {s.command}   # {s.purpose}")
    if result.notes:
        out.append("")
        out.append("Options not offered:")
        for n in result.notes[:12]:
            out.append(f"  {n}")
        if len(result.notes) > 12:
            out.append(f"  ... and {len(result.notes) - 12} more (--format json lists them all)")
    _untouched(result, out)
    out.append("")
    if written:
        out.append("Wrote " + ", ".join(written) + "; `fabric validate` passes on them.")
    elif write_hint and result.changes:
        out.append("Nothing written: run again with --write to edit the files (comments and order are kept).")
    return "\n".join(out) + "\n"


def _distinct(violations) -> list:
    """One line per problem: a shortfall of several sites' demands is reported once per stack."""
    seen, out = set(), []
    for v in violations:
        if (v.invariant, v.message) not in seen:
            seen.add((v.invariant, v.message))
            out.append(v)
    return out


def _untouched(result: Result, out: list[str]) -> None:
    if result.untouched:
        out.append("")
        out.append(f"Left as they are ({len(result.untouched)} violation(s) outside what solve changes):")
        for v in result.untouched[:5]:
            out.append(f"  {v.stack}: [{v.invariant}] {v.message}")


def _short(value: Any) -> str:
    return "none" if value is None else str(value)


__all__ = ["text", "to_json"]
