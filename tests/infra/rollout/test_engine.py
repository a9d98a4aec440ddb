"""The rollout loop against a simulated Azure and carrier (tests/infra/rollout/conftest.py).

The shipped five-site fabric converges from an empty subscription over successive runs: circuits and Direct
ports first (the ports' links disabled), then private peerings and gateway connections as the carrier
provisions provider circuits and the colocation provider makes a port's cross-connects (the links then
enabled by the program), then each Global Reach link once both of its circuits are provisioned. The smaller
behaviours run on a two-site fabric, alpha and beta, joined by one Global Reach link that alpha owns, and on
gamma, a site with one Direct port.
"""

from __future__ import annotations

import difflib

import pytest
import yaml

from components.interconnect import circuit_name, port_name
from infra.rollout import engine, records
from infra.rollout.probe import OutputsProbe
from infra.rollout.runner import RunnerError
from infra.stackfile import SpecError, load

CIRCUIT = "azure-native:network:ExpressRouteCircuit"
PEERING = "azure-native:network:ExpressRouteCircuitPeering"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
GLOBAL_REACH = "azure-native:network:ExpressRouteCircuitConnection"
PORT = "azure-native:network:ExpressRoutePort"
AUTHORIZATION = "azure-native:network:ExpressRouteCircuitAuthorization"
VAULT_SECRET = "azure-native:keyvault:Secret"
SHIPPED = ("eastus", "southcentralus", "uksouth", "westeurope", "westus3")


def _links(run, specs, stack=None):
    """Azure port name -> link admin states, for every shipped port (of one stack)."""
    return {port_name(s, k): run.port_links[port_name(s, k)] for s, spec in specs.items() if stack in (None, s)
            for k in spec.interconnect.ports}


# ------------------------------------------------------------------------------------------------
# The shipped fabric, from nothing to converged
# ------------------------------------------------------------------------------------------------


def test_fresh_fabric_orders_every_circuit_and_port_and_nothing_that_needs_the_carrier(
        shipped_convergence, shipped_counts, shipped_specs):
    first = shipped_convergence.runs[0]
    assert first.result.exit_code == engine.EXIT_WAITING
    assert first.totals[CIRCUIT] == shipped_counts.circuits and first.totals[PORT] == shipped_counts.ports > 0
    assert PEERING not in first.totals and CONNECTION not in first.totals and GLOBAL_REACH not in first.totals
    # No fibre behind the ports yet: their links stay disabled.
    assert set(map(tuple, _links(first, shipped_specs).values())) == {("Disabled", "Disabled")}
    # Authorizations and MACsec keys wait for no one.
    assert first.totals[AUTHORIZATION] == sum(len(c.authorizations) for s in shipped_specs.values()
                                              for c in s.interconnect.circuits.values()) > 0
    assert first.totals[VAULT_SECRET] == 2 * sum(p.macsec is not None for s in shipped_specs.values()
                                                 for p in s.interconnect.ports.values()) > 0
    kinds = [g.kind for g in first.result.gates]
    assert kinds.count("carrier") == shipped_counts.provider_circuits
    assert kinds.count("cross-connect") == shipped_counts.direct_circuits > 0  # Direct circuits gate on their ports
    assert kinds.count("owner") == shipped_counts.linked_circuits
    assert kinds.count("global-reach") == shipped_counts.links
    assert len(kinds) == shipped_counts.circuits + shipped_counts.links
    assert not first.refusals and not first.alarms  # Azure was never asked for anything it refuses


def test_a_pending_port_says_what_the_colocation_provider_must_do(shipped_convergence, shipped_specs):
    first = shipped_convergence.runs[0]
    ports = {(g.stack, g.port): g for g in first.result.gates if g.kind == "cross-connect"}
    assert set(ports) == {(s, spec.interconnect.circuits[c].port) for s, spec in shipped_specs.items()
                          for c, circuit in spec.interconnect.circuits.items() if circuit.kind == "direct"}
    for (stack, port), gate in ports.items():
        handoff = first.exports[stack]["port_handoff"][port]
        assert handoff["state"] == "pending" and handoff["links_enabled"] is False
        # The letter of authorization: the program's own command, word for word.
        assert f"`{handoff['loa_command']}`" in gate.instruction
        assert gate.waits_for == (f"the colocation provider at {handoff['peering_location']} to make the "
                                  f"cross-connects of {port_name(stack, port)}")
        assert (f"`pulumi config set --path 'carrier_state.ports.{port}' provisioned --stack {stack}` (the program "
                "then enables both links)") in gate.instruction
        macsec = shipped_specs[stack].interconnect.ports[port].macsec
        assert f"{macsec.cak_secret} and {macsec.ckn_secret}" in gate.instruction
        assert gate.deferred == (f"interconnect-peering-{gate.circuit}", f"interconnect-connection-{gate.circuit}",
                                 f"interconnect-lock-connection-{gate.circuit}")


def test_provisioned_circuits_get_peering_connection_and_the_link_between_them(shipped_convergence, shipped_specs):
    second = shipped_convergence.runs[1]
    assert second.result.exit_code == engine.EXIT_WAITING
    assert second.result.outcomes["westus3"].recorded == {"circuits.svl": "provisioned"}
    # eastus's port wdc was recorded by a person (Azure cannot see cross-connects): the run records nothing.
    assert second.result.outcomes["eastus"].recorded == {}
    # ... and the program enabled its links; nyc's stay disabled.
    assert _links(second, shipped_specs, "eastus") == {"erd-eastus-wdc": ["Enabled", "Enabled"],
                                                       "erd-eastus-nyc": ["Disabled", "Disabled"]}
    assert second.totals[PEERING] == 2 and second.totals[CONNECTION] == 2
    assert {n for n in second.names["eastus"] if "peering" in n} == {"interconnect-peering-wdc"}
    assert [n for n in second.names["eastus"] if "global-reach" in n] == ["interconnect-global-reach-to-westus3-svl"]
    assert "observability-alert-port-wdc-line" in second.names["eastus"]
    assert "observability-alert-port-nyc-line" not in second.names["eastus"]
    assert [(g.port, g.circuit) for g in second.result.gates if g.kind == "cross-connect"] == [("nyc", "nyc")]
    # eastus reads westus3's outputs: westus3 ran in an earlier wave of the same run.
    assert second.result.outcomes["westus3"].wave < second.result.outcomes["eastus"].wave
    assert not second.refusals and not second.alarms


def test_links_enabled_by_hand_are_read_from_azure_and_recorded(shipped_convergence):
    third = shipped_convergence.runs[2]
    assert third.result.outcomes["eastus"].recorded == {"ports.nyc": "provisioned"}
    assert any(line == "[eastus] port nyc: links adminState Enabled, Enabled" for line in third.lines)
    assert third.exports["eastus"]["port_handoff"]["nyc"]["links_enabled"] is True


def test_fabric_converges_once_the_carrier_provisioned_every_circuit_and_port(
        shipped_convergence, shipped_counts, shipped_specs):
    third = shipped_convergence.runs[2]
    assert third.result.exit_code == engine.EXIT_CONVERGED, third.result.to_json()
    assert third.totals[PEERING] == shipped_counts.circuits and third.totals[CONNECTION] == shipped_counts.circuits
    assert third.totals[GLOBAL_REACH] == shipped_counts.links  # each link once, by its owner
    assert set(map(tuple, _links(third, shipped_specs).values())) == {("Enabled", "Enabled")}
    assert not third.result.gates and not third.refusals and not third.alarms


def test_azure_holds_exactly_what_the_program_declared_after_every_run(shipped_convergence):
    for run in shipped_convergence.runs:
        for stack, deployed in run.deployed.items():
            # Components and stack references live in Pulumi's state only; everything else is in Azure.
            types = [u.split("::")[-2].split("$")[-1] for u in deployed]
            assert len(run.azure[stack]) == sum(t.startswith("azure-native:") for t in types) > 0, stack
            assert all(inputs in run.deployed[stack].values() for inputs in run.azure[stack].values()), stack


def test_exported_states_are_what_azure_said(shipped_convergence):
    third = shipped_convergence.runs[2]
    for stack, exported in third.exports.items():
        assert set(exported["circuit_provider_states"].values()) == {"Provisioned"}, stack
    assert third.exports["eastus"]["port_link_admin_states"] == {"wdc": ["Enabled", "Enabled"],
                                                                 "nyc": ["Enabled", "Enabled"]}
    assert shipped_convergence.runs[0].exports["westus3"]["circuit_provider_states"] == {
        "svl": "NotProvisioned", "lv": "NotProvisioned"}


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
    assert runs[1].plans == 2  # westus3 recorded svl; eastus's port wdc was recorded (and westus3's outputs changed)
    assert runs[2].plans == shipped_counts.stacks  # every stack recorded a circuit or a port


def test_a_converged_rollout_records_what_the_shipped_stacks_record(shipped_convergence, shipped_fabric):
    final = shipped_convergence.runs[2].texts
    for name, stack in shipped_fabric.stacks.items():
        recorded = yaml.safe_load(final[f"Pulumi.{name}.yaml"])["config"]["ai-fabric:carrier_state"]
        assert recorded == stack.spec.carrier_state.model_dump(exclude_defaults=True), name


def test_the_converged_fabric_is_what_fabric_plan_shows_for_the_shipped_stacks(shipped_convergence, plan_shipped):
    # The shipped files record every circuit and port as provisioned, as the rollout did by the third run: what
    # the rollout deployed, resource by resource and input by input, is the offline plan of the shipped stacks.
    deployed = shipped_convergence.runs[2].deployed
    assert set(deployed) == set(SHIPPED)
    for stack, resources in deployed.items():
        assert resources == {r.urn: r.inputs for r in plan_shipped(stack)}, stack


def test_recorded_states_keep_the_stack_files_comments_and_order(shipped_convergence, shipped_specs):
    runs, fresh = shipped_convergence.runs, shipped_convergence.fresh
    for name, text in runs[2].texts.items():
        diff = list(difflib.ndiff(fresh[name].splitlines(), text.splitlines()))
        assert not [d for d in diff if d.startswith("- ")], name  # every line kept, comments included, in order
        added = [d[2:].strip() for d in diff if d.startswith("+ ")]
        assert added[0].startswith("ai-fabric:carrier_state:"), (name, added)
        # Then one block per section the shipped file records, each state `provisioned`.
        shipped = shipped_specs[name.split(".")[1]].carrier_state.model_dump(exclude_defaults=True)
        assert [a for a in added[1:] if a.endswith(":")] == [f"{section}:" for section in shipped], (name, added)
        assert {a.split(": ")[1] for a in added[1:] if not a.endswith(":")} == {"provisioned"}, (name, added)


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
    # The MACsec keys are in the vault and on both links from the first `up`, whatever the port's state.
    assert runner.count("gamma", VAULT_SECRET) == 2
    assert azure.circuits["erc-gamma-wdc"] == "Provisioned"  # Azure says so of a Direct circuit at once ...
    azure.provision_all()  # ... so the carrier provisions nyc only
    result = rollout()
    assert runner.count("gamma", PEERING) == 1 and [g.circuit for g in result.gates] == ["wdc"]
    # The colocation provider made the cross-connects; Azure cannot see them, so a person records them.
    azure.cross_connect("erd-gamma-p1")
    records.write(stacks / "Pulumi.gamma.yaml", ports={"p1": "provisioned"})
    result = rollout()
    assert result.exit_code == engine.EXIT_CONVERGED and not result.outcomes["gamma"].notes
    assert result.outcomes["gamma"].recorded == {}
    assert azure.port_links["erd-gamma-p1"] == ["Enabled", "Enabled"]  # the program enabled the links
    assert azure.carries_traffic("erc-gamma-wdc")
    assert runner.count("gamma", PEERING) == 2 and runner.count("gamma", CONNECTION) == 2
    assert not azure.refusals and not azure.alarms


def test_links_enabled_by_hand_are_recorded_and_stay_enabled(direct_stacks, runner_for, azure, fake_probe):
    runner = runner_for(direct_stacks)
    engine.Rollout(engine.plan(direct_stacks, [], all_stacks=True), runner, fake_probe).run()
    azure.cross_connect("erd-gamma-p1")
    azure.enable_links_by_hand("erd-gamma-p1")  # the Layer 1 test of the cross-connects
    result = engine.Rollout(engine.plan(direct_stacks, [], all_stacks=True), runner, fake_probe).run()
    assert result.outcomes["gamma"].recorded == {"ports.p1": "provisioned"}
    assert load(direct_stacks / "Pulumi.gamma.yaml").spec.port_state("p1") == "provisioned"
    # The program now declares the links enabled too: Azure and the declaration agree, the peering follows.
    assert azure.port_links["erd-gamma-p1"] == ["Enabled", "Enabled"] and runner.count("gamma", PEERING) == 1
    assert not azure.refusals and not azure.alarms


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


# ------------------------------------------------------------------------------------------------
# The simulation refuses what Azure refuses (so a convergence without refusals means something)
# ------------------------------------------------------------------------------------------------


def test_simulated_azure_refuses_a_peering_the_carrier_has_not_made_possible(gamma_plans, azure_knowing,
                                                                            declaration_check):
    plans, specs = gamma_plans
    eager = plans["provisioned"]  # every circuit and port taken as provisioned, though nothing is
    with pytest.raises(AssertionError):
        declaration_check("gamma", eager, specs)  # the harness catches the program's mistake ...
    azure = azure_knowing(eager)
    with pytest.raises(RunnerError, match="erc-gamma-nyc is NotProvisioned"):
        azure.apply("gamma", eager)  # ... and so does Azure
    # Enabling the links before the cross-connects are in is accepted, and raises the links' alarm.
    azure = azure_knowing(plans["pending"])
    azure.apply("gamma", plans["pending"])
    azure.apply("gamma", [eager.named("interconnect-port-p1")])
    assert azure.alarms == ["erd-gamma-p1: links enabled with no cross-connects behind them (no light: the links alarm)"]
    assert not azure.carries_traffic("erc-gamma-wdc")


def test_simulated_azure_refuses_macsec_without_its_keys_and_children_without_parents(gamma_plans, azure_knowing):
    plans, _ = gamma_plans
    inv = plans["pending"]
    port = inv.named("interconnect-port-p1")
    azure = azure_knowing(inv)
    with pytest.raises(RunnerError, match="link link1: cakSecretIdentifier .* names no secret in a vault"):
        azure.apply("gamma", [port])  # its CAK and CKN are not in the vault yet
    azure = azure_knowing(inv)
    azure.apply("gamma", [inv.named("network-rg")])
    with pytest.raises(RunnerError, match="vaults/kv-[0-9a-f]{8}-gamma does not exist"):
        azure.apply("gamma", [inv.named("interconnect-macsec-cak-p1")])  # a secret before its vault
    with pytest.raises(RunnerError, match="expressRouteCircuits/erc-gamma-nyc does not exist"):
        azure.apply("gamma", [inv.named("observability-diag-circuit-nyc")])  # a diagnostic setting before its target
    azure = azure_knowing(inv)
    azure.apply("gamma", inv)  # all of it, in dependency order: accepted
    assert not azure.refusals


def test_simulated_azure_refuses_deleting_a_locked_circuit(gamma_plans, azure_knowing):
    plans, _ = gamma_plans
    inv = plans["pending"]
    azure = azure_knowing(inv)
    azure.apply("gamma", inv)
    circuit = inv.named("interconnect-circuit-nyc")
    with pytest.raises(RunnerError, match="ScopeLocked"):
        azure.delete("gamma", [circuit])
    azure.delete("gamma", [circuit, inv.named("interconnect-lock-circuit-nyc")])  # the lock goes first
    assert str(circuit.id).lower() not in azure.resources
