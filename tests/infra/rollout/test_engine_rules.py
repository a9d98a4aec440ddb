"""The rollout loop's decisions (infra/rollout/engine.py), rule by rule, with a scripted runner and probe and
one-circuit sites built in the test: what runs (a stack whose prepare or update failed stops the stacks that
read it, the others go on), when it stops (one preview when nothing changed; a second round only when a gate
opened; a probe of stack outputs gets one `up` while gates are closed), what it records (a state the carrier
provisioned, never a provisioned one back to pending) and the exit code it ends with."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from infra.rollout import engine, order
from infra.rollout.probe import Observation, OutputsProbe
from infra.rollout.runner import Changes, RunnerError, SecretsUnreadable
from infra.spec import FabricSpec, from_config
from infra.spec.carrier_state import PENDING, PROVISIONED, STATE_OVERRIDE_ENV
from infra.stackfile import LoadedStack, SpecError, StackFile, load
from tests.infra.rollout.conftest import write_direct_site


def spec(name: str, n: int, state: str | None = None, link_to: str | None = None) -> FabricSpec:
    """A site with one provider circuit `wdc` (recorded `state`), optionally owning a Global Reach link."""
    data: dict[str, Any] = {
        "site": {"region": "eastus", "address_space": [f"10.{n}.0.0/16"]},
        "interconnect": {
            "circuits": {"wdc": {"kind": "provider", "peering_location": "Washington DC", "bandwidth_mbps": 1000,
                                 "tier": "Premium", "private_peering": {
                                     "peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
                                     "secondary_prefix": f"172.16.{n}.4/30"}}},
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{n}.255.0/26"},
        },
    }
    if state:
        data["carrier_state"] = {"circuits": {"wdc": state}}
    return from_config(name, data)


def in_memory(s: FabricSpec) -> LoadedStack:
    return LoadedStack(StackFile(Path(f"Pulumi.{s.stack}.yaml"), s.stack, {}, {}), s)


def make_plan(stacks: dict[str, LoadedStack], waves: list[list[str]],
              deps: list[order.Dependency] = ()) -> engine.RolloutPlan:
    return engine.RolloutPlan(SimpleNamespace(stacks=stacks), Path("."), [s for w in waves for s in w], waves,
                              list(deps), dict(stacks))


class Runner:
    """Scripted: previews say `changes[stack]` (a list consumed call by call, then no changes)."""

    def __init__(self, changes: dict[str, list[Changes]] | None = None, fail_prepare: dict[str, str] | None = None,
                 fail_up: dict[str, str] | None = None):
        self.changes = {k: list(v) for k, v in (changes or {}).items()}
        self.fail_prepare = fail_prepare or {}
        self.fail_up = fail_up or {}
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def _call(self, what: str, stack: str) -> None:
        with self._lock:
            self.calls.append((what, stack))

    def prepare(self, stack: str) -> None:
        self._call("prepare", stack)
        if stack in self.fail_prepare:
            raise RunnerError(stack, self.fail_prepare[stack])

    def preview(self, stack: str) -> Changes:
        self._call("preview", stack)
        queue = self.changes.get(stack) or []
        return queue.pop(0) if queue else Changes()

    def up(self, stack: str) -> Changes:
        self._call("up", stack)
        if stack in self.fail_up:
            raise RunnerError(stack, self.fail_up[stack])
        return Changes(create=1)

    def count(self, what: str, stack: str) -> int:
        return self.calls.count((what, stack))


class Probe:
    """Azure as scripted: circuit and port names -> state (None: not in Azure yet)."""

    def __init__(self, states: dict[str, str | None] | None = None, unservable: dict[str, str] | None = None):
        self.states = states or {}
        self.refuse = unservable or {}

    def circuit(self, target) -> Observation:
        state = self.states.get(target.name)
        return Observation(state, f"state {state}")

    port = circuit

    def unservable(self, target) -> str | None:
        return self.refuse.get(target.name)


class LearningProbe(Probe):
    learns_from_updates = True


def run(plan: engine.RolloutPlan, runner: Runner, probe: Probe | None = None,
        max_parallel: int | None = None) -> tuple[engine.RolloutResult, list[str]]:
    lines: list[str] = []
    result = engine.Rollout(plan, runner, probe or Probe(), lambda s, m: lines.append(f"[{s}] {m}"),
                            max_parallel).run()
    return result, lines


CHANGED = Changes(create=2)
UP = str(Changes(create=1))


# Exit codes and the result.

def test_exit_codes_are_the_houses_and_three_for_waiting_on_the_carrier():
    assert (engine.EXIT_CONVERGED, engine.EXIT_FAILED, engine.EXIT_BAD_INPUT, engine.EXIT_WAITING) == (0, 1, 2, 3)


@pytest.mark.parametrize(("statuses", "code"), [
    (["converged", "converged"], 0), (["converged", "waiting"], 3), (["waiting", "failed"], 1),
    (["converged", "skipped"], 1), (["failed"], 1), (["waiting"], 3)])
def test_exit_code_is_failed_before_waiting_before_converged(statuses, code):
    outcomes = {f"s{i}": engine.StackOutcome(f"s{i}", 1, st) for i, st in enumerate(statuses)}
    assert engine.RolloutResult([list(outcomes)], outcomes).exit_code == code


def test_result_lists_gates_and_stacks_in_wave_order():
    gate = SimpleNamespace(to_json=lambda: {"g": 1})
    outcomes = {"b": engine.StackOutcome("b", 2, "waiting", gates=[gate]), "a": engine.StackOutcome("a", 1)}
    result = engine.RolloutResult([["a"], ["b"]], outcomes)
    assert result.gates == [gate]
    out = result.to_json()
    assert out["waves"] == [["a"], ["b"]] and out["gates"] == [{"g": 1}] and out["exit_code"] == 1
    assert [s["stack"] for s in out["stacks"]] == ["a", "b"]
    assert out["stacks"][0] == {"stack": "a", "wave": 1, "status": "skipped", "updates": [], "recorded": {},
                                "gates": [], "notes": [], "error": None}


def test_a_plan_is_frozen_and_its_json_lists_only_the_selected_stacks_dependencies():
    a, b = in_memory(spec("a", 31, PROVISIONED)), in_memory(spec("b", 32, PROVISIONED))
    deps = [order.Dependency("a", "b", "x"), order.Dependency("c", "b", "y")]
    plan = make_plan({"a": a, "b": b}, [["b"], ["a"]], deps)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.names = []  # type: ignore[misc]
    assert plan.specs == {"a": a.spec, "b": b.spec}
    out = plan.to_json()
    assert out["waves"] == [["b"], ["a"]] and out["gates"] == []
    assert out["dependencies"] == [{"stack": "a", "reads": "b", "why": "x", "link": None}]


def test_plan_gates_are_those_of_the_pending_circuits():
    plan = make_plan({"a": in_memory(spec("a", 31))}, [["a"]])
    assert [g.kind for g in plan.gates()] == ["carrier"]


# A dependency cycle is reported at the peer_stack of its first link, or for the stacks as a whole.

def test_a_cycle_is_reported_at_the_first_links_peer_stack():
    stacks = {"a": in_memory(spec("a", 31)), "b": in_memory(spec("b", 32))}
    edges = [order.Dependency("a", "b", "ids", "to-b"), order.Dependency("b", "a", "ids", "to-a")]
    issue = engine._cycle_issue(SimpleNamespace(stacks=stacks), order.DependencyCycle(["a", "b", "a"], edges))
    assert (issue.file, issue.path, issue.value) == ("Pulumi.a.yaml", "ai-fabric:interconnect.global_reach.to-b.peer_stack", "b")
    assert issue.message.startswith("stack a depends on itself through stack references (a -> b -> a)")
    assert "a reads b's ids; b reads a's ids" in issue.message


@pytest.mark.parametrize("edges", [[], [order.Dependency("a", "b", "ids")], [order.Dependency("z", "b", "ids", "l")]])
def test_a_cycle_without_a_known_stacks_link_is_reported_for_the_stacks(edges):
    stacks = {"a": in_memory(spec("a", 31))}
    issue = engine._cycle_issue(SimpleNamespace(stacks=stacks), order.DependencyCycle(["a", "b", "a"], edges))
    assert (issue.file, issue.line, issue.path, issue.value) == ("<stacks>", None, "", "a -> b -> a")


# What the probe reads, and gates that can never pass.

def test_provider_circuits_are_probe_targets_with_their_location_and_bandwidth():
    [(key, target)] = engine.circuit_targets(in_memory(spec("a", 31))).items()
    assert key == "wdc" and target.peering_location == "Washington DC" and target.bandwidth_mbps == 1000
    assert target.subscription_id is None


def test_direct_circuits_follow_their_port_and_are_no_targets_of_their_own(gamma):
    assert sorted(engine.circuit_targets(gamma)) == ["nyc"]
    assert sorted(engine.port_targets(gamma)) == ["p1"]


def test_fails_when_a_pending_circuit_can_never_be_provisioned():
    a = in_memory(spec("a", 31))
    target = engine.circuit_targets(a)["wdc"]
    issues = engine.unservable(make_plan({"a": a}, [["a"]]), Probe(unservable={target.name: "no provider"}))
    assert [(i.path, i.value, i.message) for i in issues] == [
        ("ai-fabric:interconnect.circuits.wdc.peering_location", "Washington DC", "this gate can never pass: no provider")]
    with pytest.raises(SpecError):
        run(make_plan({"a": a}, [["a"]]), Runner(), Probe(unservable={target.name: "no provider"}))


def test_a_provisioned_or_servable_circuit_is_no_refused_gate():
    a = in_memory(spec("a", 31, PROVISIONED))
    name = engine.circuit_targets(a)["wdc"].name
    assert engine.unservable(make_plan({"a": a}, [["a"]]), Probe(unservable={name: "no provider"})) == []
    assert engine.unservable(make_plan({"a": in_memory(spec("a", 31))}, [["a"]]), Probe()) == []


def test_fails_when_a_pending_port_can_never_be_provisioned_and_not_once_it_is(gamma):
    port = engine.port_targets(gamma)["p1"]
    refuse = Probe(unservable={port.name: "no colocation"})
    [issue] = engine.unservable(make_plan({"gamma": gamma}, [["gamma"]]), refuse)
    assert (issue.path, issue.value, issue.message) == (
        "ai-fabric:interconnect.ports.p1", "Washington DC", "this gate can never pass: no colocation")
    provisioned = with_state(gamma, {}, {"p1": PROVISIONED})
    assert engine.unservable(make_plan({"gamma": provisioned}, [["gamma"]]), refuse) == []


@pytest.fixture(scope="module")
def gamma_file(tmp_path_factory) -> LoadedStack:
    """gamma (conftest.write_direct_site: a Direct port p1 carrying circuit wdc, and provider circuit nyc), loaded."""
    return load(write_direct_site(tmp_path_factory.mktemp("engine-rules")) / "Pulumi.gamma.yaml")


@pytest.fixture
def gamma(gamma_file) -> LoadedStack:
    return gamma_file


def with_state(stack: LoadedStack, circuits: dict[str, str], ports: dict[str, str]) -> LoadedStack:
    state = stack.spec.carrier_state
    state = state.model_copy(update={"circuits": {**state.circuits, **circuits}, "ports": {**state.ports, **ports}})
    return dataclasses.replace(stack, spec=stack.spec.model_copy(update={"carrier_state": state}))


@pytest.fixture
def recorder(monkeypatch):
    """The stack files as a dict (path -> LoadedStack): what the rollout records (records.write, whose own
    rules are tests/infra/rollout/test_records*.py) and reloads (stackfile.load) comes and goes there."""
    files: dict[Path, LoadedStack] = {}
    written: list[tuple[str, dict, dict]] = []

    def write(path: Path, circuits={}, ports={}) -> bool:
        written.append((path.name, dict(circuits), dict(ports)))
        files[path] = with_state(files[path], dict(circuits), dict(ports))
        return True

    monkeypatch.setattr(engine.records, "write", write)
    monkeypatch.setattr(engine, "load", lambda path: files[path])
    return SimpleNamespace(files=files, written=written,
                           add=lambda stack: files.setdefault(stack.file.path, stack))


# What runs.

def test_a_converged_stack_costs_one_preview_and_no_update():
    result, lines = run(make_plan({"a": in_memory(spec("a", 31, PROVISIONED))}, [["a"]]), runner := Runner())
    assert runner.calls == [("prepare", "a"), ("preview", "a")]
    assert result.outcomes["a"].status == "converged" and result.outcomes["a"].updates == []
    assert result.exit_code == engine.EXIT_CONVERGED
    assert "[a] wave 1/1" in lines and "[a] converged" in lines


def test_a_preview_with_changes_is_applied_once():
    runner = Runner({"a": [CHANGED]})
    result, lines = run(make_plan({"a": in_memory(spec("a", 31, PROVISIONED))}, [["a"]]), runner)
    assert runner.count("up", "a") == 1 and runner.count("preview", "a") == 1
    assert result.outcomes["a"].updates == [UP]


def test_a_pending_circuit_leaves_the_stack_waiting_and_no_update_without_changes():
    runner = Runner()
    result, lines = run(make_plan({"a": in_memory(spec("a", 31))}, [["a"]]), runner)
    assert runner.count("up", "a") == 0 and runner.count("preview", "a") == 1
    assert result.outcomes["a"].status == "waiting" and result.exit_code == engine.EXIT_WAITING
    assert "[a] waiting: 1 gate(s) closed" in lines


def test_a_probe_of_stack_outputs_gets_one_update_while_gates_are_closed():
    runner = Runner()
    result, _ = run(make_plan({"a": in_memory(spec("a", 31))}, [["a"]]), runner, LearningProbe())
    assert runner.count("up", "a") == 1 and runner.count("preview", "a") == 1
    runner = Runner()
    run(make_plan({"a": in_memory(spec("a", 31, PROVISIONED))}, [["a"]]), runner, LearningProbe())
    assert runner.count("up", "a") == 0


def test_stacks_are_numbered_by_their_wave():
    stacks = {n: in_memory(spec(n, 31 + i, PROVISIONED)) for i, n in enumerate("abc")}
    result, lines = run(make_plan(stacks, [["a", "b"], ["c"]]), Runner(), max_parallel=1)
    assert {s: o.wave for s, o in result.outcomes.items()} == {"a": 1, "b": 1, "c": 2}
    assert "[c] wave 2/2" in lines and "[a] wave 1/2" in lines


def test_a_stack_that_fails_to_prepare_fails_and_stops_its_readers_the_others_go_on():
    stacks = {n: in_memory(spec(n, 31 + i, PROVISIONED)) for i, n in enumerate("abcd")}
    deps = [order.Dependency("c", "a", "ids"), order.Dependency("d", "b", "ids")]
    runner = Runner(fail_prepare={"a": "first\nlast line of pulumi"})
    result, lines = run(make_plan(stacks, [["a", "b"], ["c", "d"]], deps), runner)
    out = result.outcomes
    assert (out["a"].status, out["a"].wave, out["a"].error) == ("failed", 1, "first\nlast line of pulumi")
    assert "[a] failed: last line of pulumi" in lines
    assert (out["c"].status, out["c"].wave) == ("skipped", 2)
    assert out["c"].error == "not run: it reads a, which has not deployed in this run"
    assert out["b"].status == out["d"].status == "converged"
    assert ("preview", "a") not in runner.calls and ("preview", "c") not in runner.calls
    assert result.exit_code == engine.EXIT_FAILED


def test_a_stack_reading_two_failed_stacks_names_both():
    stacks = {n: in_memory(spec(n, 31 + i, PROVISIONED)) for i, n in enumerate("abc")}
    deps = [order.Dependency("c", "b", "ids"), order.Dependency("c", "a", "ids")]
    runner = Runner(fail_prepare={"a": "", "b": "x"})
    result, lines = run(make_plan(stacks, [["a", "b"], ["c"]], deps), runner)
    assert result.outcomes["c"].error == "not run: it reads a, b, which have not deployed in this run"
    assert "[a] failed: pulumi failed" in lines


def test_a_stack_not_run_stops_its_own_readers_in_turn():
    stacks = {n: in_memory(spec(n, 31 + i, PROVISIONED)) for i, n in enumerate("abc")}
    deps = [order.Dependency("b", "a", "ids"), order.Dependency("c", "b", "ids")]
    runner = Runner(fail_prepare={"a": "x"})
    result, _ = run(make_plan(stacks, [["a"], ["b"], ["c"]], deps), runner)
    assert result.outcomes["b"].error == "not run: it reads a, which has not deployed in this run"
    assert result.outcomes["c"].error == "not run: it reads b, which has not deployed in this run"
    assert [c for c in runner.calls if c[0] != "prepare"] == []


def test_a_failed_update_stops_the_readers_of_later_waves():
    stacks = {n: in_memory(spec(n, 31 + i, PROVISIONED)) for i, n in enumerate("abc")}
    deps = [order.Dependency("b", "a", "ids")]
    runner = Runner({"a": [CHANGED]}, fail_up={"a": "boom\nrefused"})
    result, lines = run(make_plan(stacks, [["a"], ["b", "c"]], deps), runner)
    out = result.outcomes
    assert (out["a"].status, out["a"].error, out["a"].wave, out["a"].gates) == ("failed", "boom\nrefused", 1, [])
    assert "[a] failed: refused" in lines
    assert out["b"].status == "skipped" and out["c"].status == "converged"
    assert ("preview", "b") not in runner.calls


def test_secrets_that_do_not_decrypt_stop_the_run_as_bad_input():
    class Secretive(Runner):
        def prepare(self, stack):
            raise SecretsUnreadable(stack, "failed to decrypt")

    with pytest.raises(SecretsUnreadable):
        run(make_plan({"a": in_memory(spec("a", 31, PROVISIONED))}, [["a"]]), Secretive())

    class SecretiveUp(Runner):
        def up(self, stack):
            raise SecretsUnreadable(stack, "failed to decrypt")

    with pytest.raises(SecretsUnreadable):
        run(make_plan({"a": in_memory(spec("a", 31, PROVISIONED))}, [["a"]]), SecretiveUp({"a": [CHANGED]}))


def test_max_parallel_one_runs_a_wave_one_stack_at_a_time():
    active, peak = [0], [0]
    lock = threading.Lock()

    class Counting(Runner):
        def preview(self, stack):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            try:
                return super().preview(stack)
            finally:
                with lock:
                    active[0] -= 1

    stacks = {n: in_memory(spec(n, 31 + i, PROVISIONED)) for i, n in enumerate("abcd")}
    result, _ = run(make_plan(stacks, [list("abcd")]), Counting(), max_parallel=1)
    assert peak[0] == 1 and result.exit_code == engine.EXIT_CONVERGED


# What it records.



def test_a_circuit_the_carrier_provisioned_is_recorded_and_applied_in_a_second_round(recorder):
    pending_on_disk = recorder.add(in_memory(spec("a", 31)))
    name = engine.circuit_targets(pending_on_disk)["wdc"].name
    probe = Probe({name: PENDING})

    class Provisioning(Runner):
        def up(self, stack):  # the carrier provisions the circuit while the first update runs
            probe.states[name] = PROVISIONED
            return super().up(stack)

    runner = Provisioning({"a": [CHANGED, CHANGED]})
    result, lines = run(make_plan({"a": pending_on_disk}, [["a"]]), runner, probe)
    out = result.outcomes["a"]
    assert out.recorded == {"circuits.wdc": PROVISIONED} and out.status == "converged"
    assert runner.count("preview", "a") == 2 and out.updates == [UP, UP]
    assert recorder.written == [("Pulumi.a.yaml", {"wdc": PROVISIONED}, {})]
    assert recorder.files[pending_on_disk.file.path].spec.carrier_state.circuits == {"wdc": PROVISIONED}
    assert "[a] recorded carrier_state.circuits.wdc: provisioned" in lines
    assert "[a] a gate opened: preview and up again" in lines


def test_a_circuit_azure_has_not_provisioned_is_not_recorded(recorder):
    pending_on_disk = recorder.add(in_memory(spec("a", 31)))
    name = engine.circuit_targets(pending_on_disk)["wdc"].name
    for seen in (PENDING, None):
        runner = Runner()
        result, _ = run(make_plan({"a": pending_on_disk}, [["a"]]), runner, Probe({name: seen}))
        assert result.outcomes["a"].recorded == {} and result.outcomes["a"].notes == []
        assert runner.count("preview", "a") == 1
    assert recorder.written == []


def test_a_provisioned_circuit_azure_reports_pending_is_noted_once_and_left_recorded():
    a = in_memory(spec("a", 31, PROVISIONED))
    name = engine.circuit_targets(a)["wdc"].name
    runner = Runner({"a": [CHANGED]})
    result, lines = run(make_plan({"a": a}, [["a"]]), runner, Probe({name: PENDING}))
    out = result.outcomes["a"]
    assert len(out.notes) == 1 and out.notes[0].startswith("circuit wdc is recorded provisioned but Azure says")
    assert out.recorded == {} and sum(out.notes[0] in line for line in lines) == 1
    result, _ = run(make_plan({"a": a}, [["a"]]), Runner(), Probe({name: PROVISIONED}))
    assert result.outcomes["a"].notes == [] and result.outcomes["a"].recorded == {}


def test_a_port_is_recorded_once_its_links_are_provisioned_and_not_before(gamma, recorder):
    recorder.add(gamma)
    port = engine.port_targets(gamma)["p1"].name
    result, _ = run(make_plan({"gamma": gamma}, [["gamma"]]), Runner(), Probe({port: PENDING}))
    assert result.outcomes["gamma"].recorded == {}
    result, _ = run(make_plan({"gamma": gamma}, [["gamma"]]), Runner(), Probe({port: PROVISIONED}))
    assert result.outcomes["gamma"].recorded == {"ports.p1": PROVISIONED}
    assert recorder.written == [("Pulumi.gamma.yaml", {}, {"p1": PROVISIONED})]


# The state override and the real runner.

def test_fails_when_the_state_override_is_set_for_a_rollout(monkeypatch):
    monkeypatch.setenv(STATE_OVERRIDE_ENV, "provisioned")
    with pytest.raises(SpecError) as err:
        engine.refuse_state_override()
    [issue] = err.value.issues
    assert issue.file == f"environment variable {STATE_OVERRIDE_ENV}" and issue.value == "provisioned"
    monkeypatch.setenv(STATE_OVERRIDE_ENV, "  ")
    engine.refuse_state_override()
    monkeypatch.delenv(STATE_OVERRIDE_ENV)
    engine.refuse_state_override()


def test_connect_reads_stack_outputs_unless_azure_is_asked(monkeypatch):
    class FakeAutomation:
        def __init__(self, stacks_dir, on_output=None, policy_pack=None):
            self.stacks_dir, self.policy_pack = stacks_dir, policy_pack

        def outputs(self, stack):
            return {}

    monkeypatch.setattr("infra.rollout.runner.AutomationRunner", FakeAutomation)
    rollout = make_plan({"a": in_memory(spec("a", 31, PROVISIONED))}, [["a"]])
    made = engine.connect(rollout, "outputs", lambda s, m: None, policy_pack=Path("policy"), max_parallel=3)
    assert isinstance(made.probe, OutputsProbe) and isinstance(made.runner, FakeAutomation)
    assert made.max_parallel == 3 and made.plan is rollout and made.runner.policy_pack == Path("policy")
