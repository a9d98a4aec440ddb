"""The rollout loop against a simulated Azure and carrier (tests/infra/rollout/conftest.py).

The shipped five-site fabric converges from an empty subscription over successive runs: circuits
first, then private peerings and gateway connections as the carrier provisions circuits, then each
Global Reach link once both of its circuits are provisioned. The smaller behaviours run on a two-site
fabric, alpha and beta, joined by one Global Reach link that alpha owns.
"""

from __future__ import annotations

import difflib

import pytest
import yaml

from infra.rollout import engine, records
from infra.rollout.probe import OutputsProbe
from infra.stackfile import SpecError, load

CIRCUIT = "azure-native:network:ExpressRouteCircuit"
PEERING = "azure-native:network:ExpressRouteCircuitPeering"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
GLOBAL_REACH = "azure-native:network:ExpressRouteCircuitConnection"
SHIPPED = ("eastus", "southcentralus", "uksouth", "westeurope", "westus3")


# ------------------------------------------------------------------------------------------------
# The shipped fabric, from nothing to converged
# ------------------------------------------------------------------------------------------------


def test_fresh_fabric_orders_every_circuit_and_nothing_that_needs_the_carrier(shipped_convergence, shipped_counts):
    first = shipped_convergence.runs[0]
    assert first.result.exit_code == engine.EXIT_WAITING
    assert first.totals[CIRCUIT] == shipped_counts.circuits
    assert PEERING not in first.totals and CONNECTION not in first.totals and GLOBAL_REACH not in first.totals
    carrier_gates = {(g.stack, g.circuit) for g in first.result.gates if g.kind == "carrier"}
    assert len(carrier_gates) == shipped_counts.circuits
    assert sum(g.kind == "global-reach" for g in first.result.gates) == shipped_counts.links
    assert not first.refusals  # Azure was never asked for anything it refuses


def test_provisioned_circuits_get_peering_connection_and_the_link_between_them(shipped_convergence):
    second = shipped_convergence.runs[1]
    assert second.result.exit_code == engine.EXIT_WAITING
    assert second.result.outcomes["eastus"].recorded == {"circuits.wdc": "provisioned"}
    assert second.result.outcomes["westus3"].recorded == {"circuits.svl": "provisioned"}
    assert second.totals[PEERING] == 2 and second.totals[CONNECTION] == 2
    assert [n for n in second.names["eastus"] if "global-reach" in n] == ["interconnect-global-reach-to-westus3-svl"]
    # eastus reads westus3's outputs: westus3 ran in an earlier wave of the same run.
    assert second.result.outcomes["westus3"].wave < second.result.outcomes["eastus"].wave
    assert not second.refusals


def test_fabric_converges_once_the_carrier_provisioned_every_circuit(shipped_convergence, shipped_counts):
    third = shipped_convergence.runs[2]
    assert third.result.exit_code == engine.EXIT_CONVERGED, third.result.to_json()
    assert third.totals[PEERING] == shipped_counts.circuits and third.totals[CONNECTION] == shipped_counts.circuits
    assert third.totals[GLOBAL_REACH] == shipped_counts.links  # each link once, by its owner
    assert not third.result.gates and not third.refusals


def test_converged_fabric_is_a_no_op_apart_from_preview(shipped_convergence):
    runs = shipped_convergence.runs
    assert runs[3].result.exit_code == engine.EXIT_CONVERGED
    assert {op for op, _ in runs[3].calls} == {"prepare", "preview"}
    assert runs[3].texts == runs[2].texts
    assert runs[3].plans == 0  # nothing changed since the last run: the program is not planned again


def test_each_declaration_is_planned_once_however_often_it_is_previewed(shipped_convergence, shipped_counts):
    runs = shipped_convergence.runs
    previews = sum(op == "preview" for op, _ in runs[0].calls)
    # A fresh stack is planned once (its preview and up share the plan); a stack is planned again only
    # when its file or what it reads of a peer changed.
    assert runs[0].plans == shipped_counts.stacks and previews == shipped_counts.stacks
    assert runs[1].plans == 2  # westus3 recorded svl; eastus recorded wdc (and westus3's outputs changed)
    assert runs[2].plans == shipped_counts.stacks  # every stack recorded a circuit


def test_a_converged_rollout_records_what_the_shipped_stacks_record(shipped_convergence, shipped_fabric):
    final = shipped_convergence.runs[2].texts
    for name, stack in shipped_fabric.stacks.items():
        recorded = yaml.safe_load(final[f"Pulumi.{name}.yaml"])["config"]["ai-fabric:carrier_state"]
        assert recorded == stack.spec.carrier_state.model_dump(exclude_defaults=True), name


def test_the_converged_fabric_is_what_fabric_plan_shows_for_the_shipped_stacks(shipped_convergence, plan_shipped):
    # The shipped files record every circuit as provisioned, as the rollout did by the third run: what the
    # rollout deployed, resource by resource and input by input, is the offline plan of the shipped stacks.
    deployed = shipped_convergence.runs[2].deployed
    for stack, resources in deployed.items():
        assert resources == {r.urn: r.inputs for r in plan_shipped(stack)}, stack


def test_recorded_states_keep_the_stack_files_comments_and_order(shipped_convergence):
    runs, fresh = shipped_convergence.runs, shipped_convergence.fresh
    for name, text in runs[2].texts.items():
        diff = list(difflib.ndiff(fresh[name].splitlines(), text.splitlines()))
        assert not [d for d in diff if d.startswith("- ")], name  # every line kept, comments included, in order
        added = [d[2:].strip() for d in diff if d.startswith("+ ")]
        assert added[0].startswith("ai-fabric:carrier_state:") and added[1] == "circuits:", (name, added)
        assert {a.split(": ")[1] for a in added[2:]} == {"provisioned"}, (name, added)


def test_progress_names_each_stack_as_it_runs(shipped_convergence):
    lines = shipped_convergence.runs[0].lines
    for stack in SHIPPED:
        assert any(line.startswith(f"[{stack}] wave ") for line in lines)
        assert any(line.startswith(f"[{stack}] preview: ") for line in lines)
        assert any(line.startswith(f"[{stack}] up: ") for line in lines)


# ------------------------------------------------------------------------------------------------
# Behaviours, on two small sites
# ------------------------------------------------------------------------------------------------


def test_program_defers_what_needs_the_carrier_by_itself(run_rollout, azure, fake_runner):
    result, _ = run_rollout()
    assert result.exit_code == engine.EXIT_WAITING and not azure.refusals
    assert fake_runner.total(CIRCUIT) == 4 and fake_runner.total(PEERING) == 0
    azure.provision_all()
    result, _ = run_rollout()
    assert result.exit_code == engine.EXIT_CONVERGED and not azure.refusals
    assert fake_runner.total(GLOBAL_REACH) == 1


def test_a_direct_port_opens_once_its_cross_connects_are_recorded(direct_stacks, runner_for, azure, fake_probe):
    stacks, runner = direct_stacks, runner_for(direct_stacks)

    def rollout():
        return engine.Rollout(engine.plan(stacks, [], all_stacks=True), runner, fake_probe).run()

    result = rollout()
    assert azure.port_links["erd-gamma-p1"] == ["Disabled", "Disabled"]  # no fibre behind them yet
    assert {(g.circuit, g.kind) for g in result.gates} == {("wdc", "cross-connect"), ("nyc", "carrier")}
    azure.provision_all()  # the carrier provisions nyc; nothing provisions a Direct circuit but its port
    result = rollout()
    assert runner.count("gamma", PEERING) == 1 and [g.circuit for g in result.gates] == ["wdc"]
    # The colocation provider made the cross-connects; Azure cannot see them, so a person records them.
    records.write(stacks / "Pulumi.gamma.yaml", ports={"p1": "provisioned"})
    result = rollout()
    assert result.exit_code == engine.EXIT_CONVERGED and not result.outcomes["gamma"].notes
    assert azure.port_links["erd-gamma-p1"] == ["Enabled", "Enabled"]  # the program enabled the links
    assert runner.count("gamma", PEERING) == 2 and runner.count("gamma", CONNECTION) == 2
    assert not azure.refusals


def test_global_reach_waits_for_the_peer_circuit(run_rollout, azure, fake_runner):
    run_rollout()
    azure.provision("erc-alpha-wdc")
    result, _ = run_rollout()
    assert fake_runner.total(PEERING) == 1 and fake_runner.total(GLOBAL_REACH) == 0
    (link,) = [g for g in result.gates if g.kind == "global-reach"]
    assert (link.stack, link.circuit, link.peer) == ("alpha", "wdc", "beta/chi")
    assert link.waits_for == "beta/chi provisioned"
    azure.provision("erc-beta-chi")
    run_rollout()
    assert fake_runner.total(GLOBAL_REACH) == 1


def test_rerun_after_a_failed_update_continues_where_it_stopped(run_rollout, fake_runner):
    fake_runner.fail_up.add("beta")
    result, _ = run_rollout()
    assert result.exit_code == engine.EXIT_FAILED
    assert result.outcomes["beta"].status == "failed" and "simulated" in result.outcomes["beta"].error
    # alpha reads beta's outputs: it waits for beta rather than deploy against nothing.
    assert result.outcomes["alpha"].status == "skipped" and "reads beta" in result.outcomes["alpha"].error
    assert ("up", "alpha") not in fake_runner.calls
    fake_runner.fail_up.clear()
    result, _ = run_rollout()
    assert result.exit_code == engine.EXIT_WAITING
    assert {o.status for o in result.outcomes.values()} == {"waiting"}
    assert fake_runner.total(CIRCUIT) == 4


def test_a_selected_stack_deploys_alone(run_rollout, fake_runner):
    run_rollout()
    fake_runner.calls.clear()
    result, _ = run_rollout(names=("alpha",))
    assert result.waves == [["alpha"]]
    assert {s for _, s in fake_runner.calls} == {"alpha"}


def test_fails_with_exit_2_when_the_provider_does_not_serve_the_location(run_rollout, fake_probe, fake_runner):
    fake_probe.refuse["erc-beta-sat"] = "CenturyLink Cloud Connect does not serve 'San Antonio'"
    with pytest.raises(SpecError) as exc:
        run_rollout()
    (issue,) = exc.value.issues
    assert issue.file.endswith("Pulumi.beta.yaml") and issue.line
    assert issue.path.endswith("interconnect.circuits.sat.peering_location")
    assert "can never pass" in issue.message and "does not serve 'San Antonio'" in issue.message
    assert fake_runner.calls == []  # nothing half-applied


def test_provisioned_circuit_is_never_recorded_back_as_pending(run_rollout, azure, rollout_stacks):
    run_rollout()
    azure.provision_all()
    run_rollout()
    azure.circuits["erc-beta-sat"] = "Deprovisioning"
    result, _ = run_rollout()
    (note,) = result.outcomes["beta"].notes
    assert "circuit sat" in note and "Deprovisioning" in note
    assert load(rollout_stacks / "Pulumi.beta.yaml").spec.carrier_state.circuits["sat"] == "provisioned"


def test_outputs_probe_opens_a_gate_after_an_update_and_updates_again(run_rollout, azure, fake_runner):
    probe = OutputsProbe(fake_runner.outputs)
    run_rollout(probe=probe)
    azure.provision("erc-beta-sat")
    fake_runner.calls.clear()
    result, lines = run_rollout(probe=probe, names=("beta",))
    # The outputs say what Azure said at the last update: the gate opens after one, and a second follows.
    assert result.outcomes["beta"].recorded == {"circuits.sat": "provisioned"}
    assert [op for op, _ in fake_runner.calls] == ["prepare", "preview", "up", "preview", "up"]
    assert fake_runner.count("beta", PEERING) == 1
    assert any("a gate opened" in line for line in lines)


def test_secrets_that_do_not_decrypt_stop_the_rollout_before_any_update(run_rollout, fake_runner):
    from infra.rollout.runner import SecretsUnreadable

    def prepare(stack):
        fake_runner.calls.append(("prepare", stack))
        if stack == "alpha":
            raise SecretsUnreadable(stack, "error: failed to decrypt")

    fake_runner.prepare = prepare
    with pytest.raises(SecretsUnreadable):
        run_rollout()
    assert not [c for c in fake_runner.calls if c[0] in ("preview", "up")]  # nothing half-applied


def test_a_stack_that_cannot_be_selected_fails_alone(run_rollout, fake_runner):
    from infra.rollout.runner import RunnerError

    def prepare(stack):
        if stack == "alpha":
            raise RunnerError(stack, "error: the backend refused the stack")

    fake_runner.prepare = prepare
    result, _ = run_rollout()
    assert result.outcomes["alpha"].status == "failed" and "refused" in result.outcomes["alpha"].error
    assert result.outcomes["beta"].status == "waiting"
    assert result.exit_code == engine.EXIT_FAILED
