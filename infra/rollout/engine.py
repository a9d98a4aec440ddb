"""The rollout loop: waves of stacks, carrier gates read from Azure, `pulumi up` where a gate opened.

One run, from wherever the fabric stands (the state lives in Pulumi's backend and in the stack files,
so a run can stop anywhere and the next one continues):

1. Load the fabric, order the selected stacks in waves (infra/rollout/order.py) and refuse gates that
   can never pass (exit 2).
2. Select or create every stack and check that its secrets decrypt, before anything is deployed.
3. Wave by wave, the stacks of a wave in parallel: read the stack's circuits' and ports' states from
   Azure and record the ones the carrier has provisioned in its stack file (``ai-fabric:carrier_state``,
   which the program reads: it declares what the recorded states allow and defers the rest); preview;
   `up` when the preview has changes; read the states again (a probe of stack outputs learns only from
   the update) and, if one opened, record it and `up` again.
4. Report the gates still closed (gates.py: exactly what the program still defers), with what the
   carrier or colocation provider must do.

A stack whose update fails stops the stacks that read it (later waves); the others go on. A converged
fabric costs one preview per stack and changes nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from components.interconnect import circuit_name, port_name
from infra.rollout import gates as gates_
from infra.rollout import order, records
from infra.rollout.probe import CarrierProbe, CircuitTarget, PortTarget
from infra.rollout.runner import Runner, RunnerError, SecretsUnreadable
from infra.spec import DirectCircuit, FabricSpec, ProviderCircuit
from infra.spec.carrier_state import PENDING, PROVISIONED, STATE_OVERRIDE_ENV, CarrierState, state_override
from infra.stackfile import LoadedStack, SpecError, SpecIssue, load
from infra.workspace import Fabric, load_fabric, resolve_names

# Exit codes of `fabric rollout` (the house's 0/1/2, and one for "waiting on the carrier").
EXIT_CONVERGED, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_WAITING = 0, 1, 2, 3

Status = Literal["converged", "waiting", "failed", "skipped"]
Progress = Callable[[str, str], None]
"""(stack, message): what the rollout is doing, as it does it."""


@dataclass
class StackOutcome:
    stack: str
    wave: int
    status: Status = "skipped"
    updates: list[str] = field(default_factory=list)
    """One line per `up`: its changes."""
    recorded: dict[str, CarrierState] = field(default_factory=dict)
    """States recorded in the stack file by this run: 'circuits.wdc' -> 'provisioned'."""
    gates: list[gates_.Gate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What Azure said that needs a person (a provisioned circuit Azure now reports otherwise)."""
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack, "wave": self.wave, "status": self.status, "updates": self.updates,
            "recorded": self.recorded, "gates": [g.to_json() for g in self.gates], "notes": self.notes,
            "error": self.error,
        }


@dataclass
class RolloutResult:
    waves: list[list[str]]
    outcomes: dict[str, StackOutcome]

    @property
    def exit_code(self) -> int:
        statuses = {o.status for o in self.outcomes.values()}
        if statuses & {"failed", "skipped"}:
            return EXIT_FAILED
        if "waiting" in statuses:
            return EXIT_WAITING
        return EXIT_CONVERGED

    @property
    def gates(self) -> list[gates_.Gate]:
        return [g for wave in self.waves for s in wave for g in self.outcomes[s].gates]

    def to_json(self) -> dict[str, Any]:
        return {
            "waves": self.waves,
            "gates": [g.to_json() for g in self.gates],
            "stacks": [self.outcomes[s].to_json() for wave in self.waves for s in wave],
            "exit_code": self.exit_code,
        }


# ------------------------------------------------------------------------------------------------
# The plan of a rollout: order, gates, refusals (pure; --dry-run stops here)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RolloutPlan:
    fabric: Fabric
    stacks_dir: Path
    names: list[str]
    waves: list[list[str]]
    dependencies: list[order.Dependency]
    stacks: dict[str, LoadedStack]
    """Every stack of the fabric as its file stands now: the rollout reloads a file it records states in."""
    state_override: CarrierState | None = None
    """AI_FABRIC_CARRIER_STATE, when set: every circuit and port is seen so (a dry run may show it; a
    rollout refuses it)."""

    @property
    def specs(self) -> dict[str, FabricSpec]:
        return {n: s.spec for n, s in self.stacks.items()}

    def gates(self) -> list[gates_.Gate]:
        return gates_.gates(self.specs, [s for wave in self.waves for s in wave])

    def to_json(self) -> dict[str, Any]:
        return {
            "waves": self.waves,
            "gates": [g.to_json() for g in self.gates()],
            "dependencies": [d.to_json() for d in self.dependencies if d.stack in self.names],
        }


def plan(stacks_dir: Path, names: Sequence[str], all_stacks: bool) -> RolloutPlan:
    """Order and gates of a rollout, from the stack files alone. Raises SpecError on bad input."""
    try:
        override = state_override()
    except ValueError as exc:
        raise SpecError([SpecIssue(f"environment variable {STATE_OVERRIDE_ENV}", None, "",
                                   os.environ.get(STATE_OVERRIDE_ENV), str(exc))]) from None
    fabric = load_fabric(stacks_dir)
    selected = resolve_names(stacks_dir, names, all_stacks)
    specs = {n: s.spec for n, s in fabric.stacks.items()}
    deps = order.dependencies(specs)
    try:
        waves = order.waves(selected, deps)
    except order.DependencyCycle as exc:
        raise SpecError([_cycle_issue(fabric, exc)]) from None
    refused = gates_.never_passing(specs, selected)
    if refused:
        raise SpecError([fabric.stacks[r.stack].file.issue(r.path, r.message, r.value) for r in refused])
    return RolloutPlan(fabric, stacks_dir, selected, waves, deps, dict(fabric.stacks), override)


def _cycle_issue(fabric: Fabric, exc: order.DependencyCycle) -> SpecIssue:
    first = exc.edges[0] if exc.edges else None
    reads = "; ".join(f"{d.stack} reads {d.reads}'s {d.why}" for d in exc.edges)
    message = (f"stack {exc.cycle[0]} depends on itself through stack references ({' -> '.join(exc.cycle)}): "
               f"no order deploys them; {reads}. Break the cycle: one of the pair must not read the other")
    if first is not None and first.stack in fabric.stacks and first.link:
        path = ("ai-fabric:interconnect", "global_reach", first.link, "peer_stack")
        return fabric.stacks[first.stack].file.issue(path, message, first.reads)
    return SpecIssue("<stacks>", None, "", " -> ".join(exc.cycle), message)


# ------------------------------------------------------------------------------------------------
# Targets the probe reads
# ------------------------------------------------------------------------------------------------


def circuit_targets(stack: LoadedStack) -> dict[str, CircuitTarget]:
    """Circuits whose own state is recorded: provider circuits and linked ones (Direct follow their port)."""
    spec = stack.spec
    rg = gates_.network_resource_group(spec)
    sub = stack.file.config.get("azure-native:subscriptionId")
    out: dict[str, CircuitTarget] = {}
    for key, c in spec.interconnect.circuits.items():
        if isinstance(c, DirectCircuit) and not c.linked:
            continue
        out[key] = CircuitTarget(
            stack=spec.stack, key=key, name=circuit_name(spec.stack, key), resource_group=rg,
            subscription_id=sub if isinstance(sub, str) else None,
            provider=c.provider if isinstance(c, ProviderCircuit) else None,
            peering_location=spec.interconnect.peering_location_of(key),
            bandwidth_mbps=c.bandwidth_mbps if isinstance(c, ProviderCircuit) else None,
            owner_circuit_id=c.owner_circuit_id,
        )
    return out


def port_targets(stack: LoadedStack) -> dict[str, PortTarget]:
    spec = stack.spec
    sub = stack.file.config.get("azure-native:subscriptionId")
    return {
        key: PortTarget(stack=spec.stack, key=key, name=port_name(spec.stack, key),
                        resource_group=gates_.network_resource_group(spec), peering_location=p.peering_location,
                        bandwidth_gbps=p.bandwidth_gbps, subscription_id=sub if isinstance(sub, str) else None)
        for key, p in spec.interconnect.ports.items()
    }


def unservable(rollout: RolloutPlan, probe: CarrierProbe) -> list[SpecIssue]:
    """Circuits and ports still to be provisioned that no carrier can provision (asks the probe)."""
    issues: list[SpecIssue] = []
    for name in rollout.names:
        stack = rollout.stacks[name]
        recorded = stack.spec.carrier_state
        for key, target in circuit_targets(stack).items():
            if recorded.circuits.get(key) == PROVISIONED:
                continue
            why = probe.unservable(target)
            if why:
                issues.append(stack.file.issue(("ai-fabric:interconnect", "circuits", key, "peering_location"),
                                               f"this gate can never pass: {why}", target.peering_location))
        for key, port in port_targets(stack).items():
            if recorded.ports.get(key) == PROVISIONED:
                continue
            why = probe.unservable(port)
            if why:
                issues.append(stack.file.issue(("ai-fabric:interconnect", "ports", key),
                                               f"this gate can never pass: {why}", port.peering_location))
    return issues


# ------------------------------------------------------------------------------------------------
# The loop
# ------------------------------------------------------------------------------------------------


class Rollout:
    def __init__(self, rollout: RolloutPlan, runner: Runner, probe: CarrierProbe,
                 progress: Progress = lambda stack, message: None, max_parallel: int | None = None):
        self.plan = rollout
        self.runner = runner
        self.probe = probe
        self.progress = progress
        self.max_parallel = max_parallel
        self._lock = threading.Lock()

    def run(self) -> RolloutResult:
        refuse_state_override()
        issues = unservable(self.plan, self.probe)
        if issues:
            raise SpecError(issues)
        outcomes = {s: StackOutcome(s, i + 1) for i, wave in enumerate(self.plan.waves) for s in wave}
        blocked: set[str] = set()  # stacks that have not deployed in this run: their readers do not run
        # Every stack is selected (or created) and its secrets checked before anything is deployed:
        # secrets that do not decrypt are bad input (SecretsUnreadable propagates), found before any update.
        for stack in outcomes:
            self.progress(stack, "select or create the stack")
            try:
                self.runner.prepare(stack)
            except SecretsUnreadable:
                raise
            except RunnerError as exc:
                outcomes[stack].status, outcomes[stack].error = "failed", str(exc)
                blocked.add(stack)
                self.progress(stack, f"failed: {str(exc).splitlines()[-1] if str(exc) else 'pulumi failed'}")
        reads = {}
        for d in self.plan.dependencies:
            reads.setdefault(d.stack, set()).add(d.reads)
        total = len(self.plan.waves)
        for i, wave in enumerate(self.plan.waves, 1):
            runnable = []
            for stack in wave:
                if outcomes[stack].status == "failed":
                    continue
                failed = sorted(p for p in reads.get(stack, ()) if p in blocked)
                if failed:
                    blocked.add(stack)
                    outcomes[stack].error = (f"not run: it reads {', '.join(failed)}, which "
                                             f"{'has' if len(failed) == 1 else 'have'} not deployed in this run")
                    self.progress(stack, outcomes[stack].error)
                else:
                    runnable.append(stack)
            for stack in runnable:
                self.progress(stack, f"wave {i}/{total}")
            if not runnable:
                continue
            workers = min(len(runnable), self.max_parallel or len(runnable))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rollout") as pool:
                for stack, outcome in zip(runnable, pool.map(self._deploy, runnable, [i] * len(runnable))):
                    outcomes[stack] = outcome
                    if outcome.status == "failed":
                        blocked.add(stack)
        return RolloutResult(self.plan.waves, outcomes)

    def _deploy(self, stack: str, wave: int) -> StackOutcome:
        outcome = StackOutcome(stack, wave)
        try:
            self._sync(stack, outcome)
            for attempt in range(2):
                changes = self.runner.preview(stack)
                self.progress(stack, f"preview: {changes}")
                # A probe of stack outputs learns what Azure says only from an update (`up --refresh`).
                stale = getattr(self.probe, "learns_from_updates", False) and self._closed(stack)
                if changes.any or (stale and not attempt):
                    self.progress(stack, "up")
                    done = self.runner.up(stack)
                    outcome.updates.append(str(done))
                    self.progress(stack, f"up: {done}")
                if not self._sync(stack, outcome) or attempt:
                    break
                self.progress(stack, "a gate opened: preview and up again")
        except SecretsUnreadable:
            raise
        except RunnerError as exc:
            outcome.status, outcome.error = "failed", str(exc)
            self.progress(stack, f"failed: {str(exc).splitlines()[-1] if str(exc) else 'pulumi failed'}")
            return outcome
        with self._lock:
            outcome.gates = gates_.stack_gates(self.plan.specs[stack], self.plan.specs)
        outcome.status = "waiting" if outcome.gates else "converged"
        self.progress(stack, f"{outcome.status}" + (f": {len(outcome.gates)} gate(s) closed" if outcome.gates else ""))
        return outcome

    def _closed(self, stack: str) -> bool:
        with self._lock:
            return bool(gates_.stack_gates(self.plan.specs[stack], self.plan.specs))

    def _sync(self, stack: str, outcome: StackOutcome) -> bool:
        """Read the stack's circuits and ports from Azure; record what opened. True when a state changed."""
        with self._lock:
            loaded = self.plan.stacks[stack]
        state = loaded.spec.carrier_state
        circuits: dict[str, CarrierState] = {}
        ports: dict[str, CarrierState] = {}
        for key, target in circuit_targets(loaded).items():
            seen = self.probe.circuit(target)
            recorded = state.circuits.get(key, PENDING)
            self.progress(stack, f"circuit {key}: {seen.detail}")
            if recorded == PROVISIONED and seen.state == PENDING:
                # Never recorded back as pending: that would withdraw protected peerings. A person decides.
                self._note(stack, outcome, f"circuit {key} is recorded provisioned but Azure says {seen.detail}: ask "
                                           "the carrier whether it was deprovisioned; the recorded state is left as it is")
            if seen.state == PROVISIONED and recorded != PROVISIONED:
                circuits[key] = PROVISIONED
        for key, target in port_targets(loaded).items():
            seen = self.probe.port(target)
            self.progress(stack, f"port {key}: {seen.detail}")
            # Disabled links on a port recorded provisioned are the program's to enable at the next `up`
            # (it declares the links from the recorded state), not a reason to doubt the record.
            if seen.state == PROVISIONED and state.ports.get(key, PENDING) != PROVISIONED:
                ports[key] = PROVISIONED
        if not circuits and not ports:
            return False
        records.write(loaded.file.path, circuits, ports)
        reloaded = load(loaded.file.path)  # what the program reads: the file as written, validated again
        with self._lock:
            self.plan.stacks[stack] = reloaded
        for section, changed in (("circuits", circuits), ("ports", ports)):
            for key, value in changed.items():
                outcome.recorded[f"{section}.{key}"] = value
                self.progress(stack, f"recorded carrier_state.{section}.{key}: {value}")
        return True

    def _note(self, stack: str, outcome: StackOutcome, note: str) -> None:
        if note not in outcome.notes:
            outcome.notes.append(note)
            self.progress(stack, note)


def refuse_state_override() -> None:
    """A rollout deploys what the recorded states allow. AI_FABRIC_CARRIER_STATE makes the program ignore
    them: `provisioned` declares peerings Azure refuses, `pending` withdraws protected ones. Bad input."""
    value = os.environ.get(STATE_OVERRIDE_ENV, "")
    if value.strip():
        raise SpecError([SpecIssue(
            f"environment variable {STATE_OVERRIDE_ENV}", None, "", value,
            "makes the program plan every circuit and port alike, whatever the carrier has done; `fabric rollout` "
            f"deploys what the recorded states allow: unset {STATE_OVERRIDE_ENV} (`fabric rollout --dry-run` and "
            "`fabric plan --carrier-state` show a fabric with every circuit pending or provisioned)",
        )])


def connect(rollout: RolloutPlan, probe_kind: str, progress: Progress, *, policy_pack: Path | None = None,
            max_parallel: int | None = None) -> Rollout:
    """The real thing: the Automation API runner and the chosen probe. Raises RunnerError / ProbeError."""
    from infra.rollout.probe import AzureProbe, OutputsProbe
    from infra.rollout.runner import AutomationRunner

    runner = AutomationRunner(rollout.stacks_dir, on_output=lambda stack, line: progress(stack, f"| {line}"),
                              policy_pack=policy_pack)
    probe: CarrierProbe = AzureProbe() if probe_kind == "azure" else OutputsProbe(runner.outputs)
    return Rollout(rollout, runner, probe, progress, max_parallel)
