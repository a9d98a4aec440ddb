"""The carrier state recorded in the stack files: read with file:line errors, written as a round trip."""

from __future__ import annotations

import json

import pytest

from infra import cli
from infra.rollout import records
from infra.stackfile import load


def _spec(stacks_dir, stack):
    return load(stacks_dir / f"Pulumi.{stack}.yaml").spec


def test_recorded_state_defaults_to_pending(rollout_stacks):
    spec = _spec(rollout_stacks, "alpha")
    assert spec.carrier_state.circuits == {} and spec.circuit_state("wdc") == "pending"


def test_writing_a_state_adds_only_that_state(rollout_stacks):
    path = rollout_stacks / "Pulumi.alpha.yaml"
    before = path.read_text()
    assert records.write(path, {"wdc": "provisioned"})
    after = path.read_text()
    assert after.startswith("# alpha: a small test site; this comment must survive a rollout\n")
    assert after.replace("""  ai-fabric:carrier_state:  # what the carrier has provisioned; `fabric rollout` records it from Azure
    circuits:
      wdc: provisioned
""", "") == before
    assert _spec(rollout_stacks, "alpha").circuit_state("wdc") == "provisioned"


def test_a_new_block_leaves_the_next_keys_comment_above_that_key(rollout_stacks):
    path = rollout_stacks / "Pulumi.alpha.yaml"
    path.write_text(path.read_text().replace("  ai-fabric:access:\n", "  # who may do what\n  ai-fabric:access:\n"))
    before = path.read_text()
    assert records.write(path, {"wdc": "provisioned"})
    after = path.read_text()
    assert "      wdc: provisioned\n  # who may do what\n  ai-fabric:access:\n" in after
    assert after.replace("""  ai-fabric:carrier_state:  # what the carrier has provisioned; `fabric rollout` records it from Azure
    circuits:
      wdc: provisioned
""", "") == before


def test_a_state_added_to_a_later_section_keeps_the_next_keys_comment_in_place(rollout_stacks):
    path = rollout_stacks / "Pulumi.beta.yaml"
    path.write_text(path.read_text().replace(
        "  ai-fabric:access:\n",
        "  ai-fabric:carrier_state:\n    circuits:\n      chi: provisioned  # Lumen ticket 4711\n"
        "  # who may do what\n  ai-fabric:access:\n"))
    records.write(path, {"sat": "provisioned"})
    assert ("      chi: provisioned  # Lumen ticket 4711\n      sat: provisioned\n  # who may do what\n"
            "  ai-fabric:access:\n") in path.read_text()
    assert _spec(rollout_stacks, "beta").carrier_state.circuits == {"chi": "provisioned", "sat": "provisioned"}


def test_writing_the_same_state_again_changes_nothing(rollout_stacks):
    path = rollout_stacks / "Pulumi.alpha.yaml"
    records.write(path, {"wdc": "provisioned"})
    text = path.read_text()
    assert not records.write(path, {"wdc": "provisioned"})
    assert path.read_text() == text


def test_a_state_set_by_hand_is_updated_in_place_with_its_comment(rollout_stacks):
    path = rollout_stacks / "Pulumi.beta.yaml"
    path.write_text(path.read_text() + "  ai-fabric:carrier_state:\n    circuits:\n"
                    "      chi: pending  # Lumen ticket 4711\n      sat: provisioned\n")
    records.write(path, {"chi": "provisioned"})
    tail = path.read_text().splitlines()[-3:]
    assert tail[0] == "    circuits:" and tail[2] == "      sat: provisioned"
    assert tail[1].split("#") == ["      chi: provisioned ", " Lumen ticket 4711"]


def test_a_state_is_recorded_in_the_shipped_files_own_block(shipped_copy):
    # The shipped files record their carrier state under a comment: an update edits that block.
    path = shipped_copy / "Pulumi.southcentralus.yaml"
    shipped = path.read_text()
    path.write_text(shipped.replace("      chi: provisioned\n", ""))
    assert _spec(shipped_copy, "southcentralus").circuit_state("chi") == "pending"
    assert records.write(path, {"chi": "provisioned"})
    after = path.read_text()
    assert after.count("ai-fabric:carrier_state:") == 1
    assert after == shipped  # back where it stood, line for line
    assert _spec(shipped_copy, "southcentralus").circuit_state("chi") == "provisioned"


def test_a_port_state_is_recorded_in_the_shipped_files_own_block(shipped_copy):
    # eastus records its Direct ports, not its circuits (a circuit on a Direct port follows its port).
    path = shipped_copy / "Pulumi.eastus.yaml"
    shipped = path.read_text()
    path.write_text(shipped.replace("      nyc: provisioned\n", ""))
    assert _spec(shipped_copy, "eastus").port_state("nyc") == "pending"
    assert _spec(shipped_copy, "eastus").circuit_state("nyc") == "pending"
    assert records.write(path, ports={"nyc": "provisioned"})
    after = path.read_text()
    assert after == shipped and "    circuits:" not in after.split("ai-fabric:carrier_state:")[1].split("ai-fabric:")[0]
    assert _spec(shipped_copy, "eastus").circuit_state("nyc") == "provisioned"


def test_an_empty_recorded_block_is_filled_in(rollout_stacks):
    path = rollout_stacks / "Pulumi.alpha.yaml"
    path.write_text(path.read_text() + "  ai-fabric:carrier_state:\n")
    records.write(path, {"wdc": "provisioned"})
    assert path.read_text().endswith("  ai-fabric:carrier_state:\n    circuits:\n      wdc: provisioned\n")
    assert _spec(rollout_stacks, "alpha").circuit_state("wdc") == "provisioned"


def _append(path, text):
    path.write_text(path.read_text() + text)
    return path.read_text().count("\n") - text.count("\n") + 1


def test_fails_with_exit_2_when_a_recorded_state_is_neither_pending_nor_provisioned(rollout_stacks, capsys):
    line = _append(rollout_stacks / "Pulumi.beta.yaml", "  ai-fabric:carrier_state:\n    circuits:\n      chi: done\n")
    code = cli.main(["rollout", "--dry-run", "--stacks-dir", str(rollout_stacks)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"Pulumi.beta.yaml:{line + 2}: ai-fabric:carrier_state.circuits.chi: " in err
    # The spec's own message: the allowed values and the value received.
    assert "'pending'" in err and "'provisioned'" in err and "'done'" in err and "Traceback" not in err


def test_fails_with_exit_2_when_a_recorded_state_names_no_circuit(rollout_stacks, capsys):
    line = _append(rollout_stacks / "Pulumi.beta.yaml", "  ai-fabric:carrier_state:\n    circuits:\n      lax: provisioned\n")
    code = cli.main(["rollout", "--dry-run", "--stacks-dir", str(rollout_stacks)])
    err = capsys.readouterr().err
    assert code == 2 and f"Pulumi.beta.yaml:{line + 2}: ai-fabric:carrier_state.circuits.lax: " in err
    assert "'lax' is not a circuit" in err and "chi, sat" in err


def test_a_recorded_state_opens_its_gate_in_the_dry_run(rollout_stacks, capsys):
    records.write(rollout_stacks / "Pulumi.beta.yaml", {"chi": "provisioned", "sat": "provisioned"})
    assert cli.main(["rollout", "--dry-run", "--format", "json", "--stacks-dir", str(rollout_stacks)]) == 0
    gates = json.loads(capsys.readouterr().out)["gates"]
    assert not [g for g in gates if g["stack"] == "beta"]
    (link,) = [g for g in gates if g["kind"] == "global-reach"]
    assert link["waits_for"] == "alpha/wdc provisioned"


@pytest.mark.parametrize("value", [
    "provisioned", "[wdc]", "{circuits: [wdc]}", "{circuits: {wdc: 1}}", "{circuits: {wdc: null}}",
    "{ports: {p1: provisioned}}", "{circuit: {wdc: provisioned}}", "null", "{circuits: {wdc: {a: b}}}",
])
def test_a_malformed_recorded_state_is_bad_input_never_a_crash(rollout_stacks, capsys, value):
    _append(rollout_stacks / "Pulumi.alpha.yaml", f"  ai-fabric:carrier_state: {value}\n")
    code = cli.main(["rollout", "--dry-run", "--stacks-dir", str(rollout_stacks)])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err
    if value != "null":
        assert code == 2 and "Pulumi.alpha.yaml:" in err and "ai-fabric:carrier_state" in err
