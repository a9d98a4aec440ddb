"""The Automation API runner, and `fabric rollout` end to end through the CLI.

The test against the real CLI runs where `pulumi` is on PATH (on a throwaway file backend, in a
throwaway project directory) and is skipped, with the reason, where it is not.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from infra import cli, offline, peers
from infra.rollout import engine, records
from infra.rollout.runner import AutomationRunner, Changes, SecretsUnreadable, program_env
from infra.stackfile import load

REPO = Path(__file__).resolve().parents[3]


def test_changes_count_what_pulumi_reports():
    changes = Changes.from_op_map({"create": 3, "same": 10, "update": 1})
    assert (changes.create, changes.update, changes.same) == (3, 1, 10)
    assert changes.any and str(changes) == "3 to create, 1 to update"
    assert not Changes.from_op_map({"same": 5}).any and str(Changes()) == "no changes"


def test_the_program_reads_its_peers_carrier_state_from_the_directory_the_runner_names(rollout_stacks, monkeypatch):
    """AutomationRunner gives the program AI_FABRIC_STACKS_DIR (program_env): a Global Reach owner then
    judges its peer's circuit by the peer's file in the directory being deployed, as infra/peers.py reads it."""
    records.write(rollout_stacks / "Pulumi.alpha.yaml", {"wdc": "provisioned"})
    records.write(rollout_stacks / "Pulumi.beta.yaml", {"chi": "provisioned"})
    alpha = load(rollout_stacks / "Pulumi.alpha.yaml").file.config
    peering_ids = {"beta": {"circuit_peering_ids": {"chi": "/peerings/beta/chi"}}}

    def global_reach() -> list[str]:
        inv = offline.run("alpha", alpha, peer_outputs=lambda peer: peering_ids[peer])  # peers from files
        return [r.name for r in inv.of_type("azure-native:network:ExpressRouteCircuitConnection")]

    env = program_env(rollout_stacks)
    assert set(env) == {peers.STACKS_DIR_ENV}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert global_reach() == ["interconnect-global-reach-to-beta"]
    monkeypatch.delenv(peers.STACKS_DIR_ENV)  # the project's stacks/, where no beta lives: the link waits
    assert global_reach() == []


def test_rollout_without_the_pulumi_cli_says_so_and_exits_2(monkeypatch, capsys, rollout_stacks):
    monkeypatch.setenv("PATH", "/nonexistent")
    code = cli.main(["rollout", "--stacks-dir", str(rollout_stacks)])
    err = capsys.readouterr().err
    assert code == 2
    assert "pulumi CLI is needed" in err and "--dry-run" in err and "Traceback" not in err


def _fake_connect(runner, probe):
    def connect(plan, probe_kind, progress, **options):
        return engine.Rollout(plan, runner, probe, progress)
    return connect


def test_rollout_command_reports_the_gates_and_exits_3_while_waiting(monkeypatch, capsys, rollout_stacks,
                                                                     fake_runner, fake_probe):
    monkeypatch.setattr(engine, "connect", _fake_connect(fake_runner, fake_probe))
    code = cli.main(["rollout", "--stacks-dir", str(rollout_stacks)])
    captured = capsys.readouterr()
    assert code == engine.EXIT_WAITING
    assert "fabric rollout: waiting on the carrier (exit 3)" in captured.out
    assert "alpha/wdc waits for CenturyLink Cloud Connect to provision erc-alpha-wdc" in captured.out
    assert "fabric rollout: [beta] up: " in captured.err  # progress while stacks run


def test_rollout_command_json_and_exit_0_once_converged(monkeypatch, capsys, rollout_stacks, fake_runner, fake_probe,
                                                        azure):
    monkeypatch.setattr(engine, "connect", _fake_connect(fake_runner, fake_probe))
    cli.main(["rollout", "--stacks-dir", str(rollout_stacks)])
    azure.provision_all()
    capsys.readouterr()
    code = cli.main(["rollout", "--format", "json", "--stacks-dir", str(rollout_stacks)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["exit_code"] == 0
    assert doc["waves"] == [["beta"], ["alpha"]] and doc["gates"] == []
    assert {s["stack"]: s["status"] for s in doc["stacks"]} == {"alpha": "converged", "beta": "converged"}


def test_unreadable_secrets_are_bad_input_with_the_way_out(monkeypatch, capsys, rollout_stacks, fake_probe):
    class Locked:
        def prepare(self, stack):
            raise SecretsUnreadable(stack, "error: failed to decrypt secure value")

    monkeypatch.setattr(engine, "connect", _fake_connect(Locked(), fake_probe))
    code = cli.main(["rollout", "--stacks-dir", str(rollout_stacks)])
    err = capsys.readouterr().err
    assert code == 2 and "fabric secrets --stack beta" in err


@pytest.fixture
def pulumi_cli() -> str:
    found = shutil.which("pulumi")
    if found is None:
        pytest.skip("the pulumi CLI is not on PATH (no registry here ships its binary); the rollout loop is "
                    "tested with the fake runner instead")
    return found


def test_real_cli_creates_the_stack_and_refuses_placeholder_secrets(pulumi_cli, tmp_path, rollout_stacks, monkeypatch):
    # A throwaway project beside the real program, and a throwaway file backend and passphrase.
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    for name in ("infra", "components"):
        (project / name).symlink_to(REPO / name)
    (project / ".venv").symlink_to(Path(sys.prefix))
    shutil.copytree(rollout_stacks, project / "stacks")
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PULUMI_BACKEND_URL", (tmp_path / "state").as_uri())
    (tmp_path / "state").mkdir()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "ai-fabric test")
    runner = AutomationRunner(project / "stacks", project_dir=project, refresh=False)
    # The test stacks hold `secure: v1:offline` placeholders: nothing decrypts them, and preparing the
    # stack (created on the backend first) says so before anything could be deployed.
    with pytest.raises(SecretsUnreadable):
        runner.prepare("beta")
    assert "encryptionsalt" in (project / "stacks" / "Pulumi.beta.yaml").read_text()  # stack init recorded it
    assert dict(runner.outputs("beta")) == {}


def test_fails_with_exit_2_when_the_carrier_state_is_overridden(monkeypatch, capsys, rollout_stacks, fake_runner,
                                                              fake_probe):
    monkeypatch.setattr(engine, "connect", _fake_connect(fake_runner, fake_probe))
    monkeypatch.setenv("AI_FABRIC_CARRIER_STATE", "provisioned")
    code = cli.main(["rollout", "--stacks-dir", str(rollout_stacks)])
    err = capsys.readouterr().err
    assert code == 2 and "AI_FABRIC_CARRIER_STATE" in err and "unset" in err and "Traceback" not in err
    assert fake_runner.calls == []  # nothing half-applied
    monkeypatch.delenv("AI_FABRIC_CARRIER_STATE")
    assert cli.main(["rollout", "--stacks-dir", str(rollout_stacks)]) == engine.EXIT_WAITING


def test_fails_with_exit_2_on_a_parallelism_below_one(capsys, rollout_stacks):
    assert cli.main(["rollout", "--parallel", "0", "--stacks-dir", str(rollout_stacks)]) == 2
    assert "--parallel 0" in capsys.readouterr().err
