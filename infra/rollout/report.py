"""Text of `fabric rollout` and `fabric secrets`: the order, the gates, the outcome, the commands."""

from __future__ import annotations

from collections.abc import Sequence

from infra.rollout.engine import EXIT_CONVERGED, EXIT_WAITING, RolloutPlan, RolloutResult
from infra.rollout.gates import Gate
from infra.rollout.secrets import StackSecrets


def _gates(gates: Sequence[Gate]) -> list[str]:
    lines = []
    for g in gates:
        what = f"{g.stack}/{g.circuit}" + (f" (Global Reach {g.link})" if g.link else "")
        lines.append(f"  {what} waits for {g.waits_for}")
        lines.append(f"    {g.instruction}")
        if g.deferred:
            lines.append(f"    held back until then: {', '.join(g.deferred)}")
    return lines


def _waves(waves: Sequence[Sequence[str]]) -> list[str]:
    return [f"wave {i}: {', '.join(w)}" for i, w in enumerate(waves, 1)]


def dry_run(plan: RolloutPlan) -> str:
    n = sum(len(w) for w in plan.waves)
    lines = [f"fabric rollout (dry run): {n} stack{'s' if n != 1 else ''} in {len(plan.waves)} "
             f"wave{'s' if len(plan.waves) != 1 else ''}; a stack deploys after the stacks whose outputs it reads", ""]
    lines += _waves(plan.waves)
    deps = [d for d in plan.dependencies if d.stack in plan.names]
    if deps:
        lines += ["", "reads:"]
        lines += [f"  {d.stack} reads {d.reads}: {d.why}"
                  + ("" if d.reads in plan.names else f" ({d.reads} is not in this rollout: taken as deployed)")
                  for d in deps]
    gates = plan.gates()
    lines.append("")
    if plan.state_override:
        lines += [f"AI_FABRIC_CARRIER_STATE={plan.state_override}: every circuit and port is taken as "
                  f"{plan.state_override}, whatever the stack files record (a rollout without --dry-run refuses it)", ""]
    source = "AI_FABRIC_CARRIER_STATE" if plan.state_override else "the recorded carrier state"
    if gates:
        lines.append(f"gates closed by {source} ({len(gates)}):")
        lines += _gates(gates)
        lines += ["", "`fabric rollout` deploys what each gate allows, reads Azure for what the carrier has done, "
                      "and continues from there each time it is run."]
    else:
        lines.append(f"no gates: by {source}, every circuit and port is provisioned")
    return "\n".join(lines) + "\n"


def outcome(result: RolloutResult) -> str:
    code = result.exit_code
    headline = {EXIT_CONVERGED: "converged", EXIT_WAITING: "waiting on the carrier"}.get(code, "failed")
    lines = [f"fabric rollout: {headline} (exit {code})", ""]
    for i, wave in enumerate(result.waves, 1):
        lines.append(f"wave {i}:")
        for stack in wave:
            o = result.outcomes[stack]
            detail = "; ".join(
                [f"up: {u}" for u in o.updates] or ["no changes"]
                if o.status != "skipped" else []
            )
            if o.recorded:
                detail += "; recorded " + ", ".join(f"{k}: {v}" for k, v in o.recorded.items())
            lines.append(f"  {stack:<16} {o.status:<10} {detail}".rstrip())
            if o.error:
                lines += [f"    {line}" for line in o.error.splitlines()]
            lines += [f"    note: {n}" for n in o.notes]
    gates = result.gates
    if gates:
        lines += ["", f"gates still closed ({len(gates)}); run `fabric rollout` again once they open:"]
        lines += _gates(gates)
    return "\n".join(lines) + "\n"


def secrets(found: Sequence[StackSecrets]) -> str:
    lines: list[str] = []
    for s in found:
        lines.append(f"{s.stack}:")
        if not s.provider_recorded:
            lines.append("  the stack file records no secrets provider (no encryptionsalt, encryptedkey or "
                         "secretsprovider): its secure: values are the shipped placeholders, which nothing "
                         "decrypts, unless your backend is Pulumi Cloud and you set them yourself")
        if not s.keys:
            lines.append("  no secret keys")
        for k in s.keys:
            lines.append(f"  {k.key:<24} {'in the file' if k.set_in_file else 'NOT SET':<12} {k.purpose}")
        lines.append("  commands:")
        lines += [f"    {c}" for c in s.commands()]
        lines.append("")
    return "\n".join(lines)
