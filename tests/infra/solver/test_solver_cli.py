"""`fabric solve`: the JSON contract, exit codes (0 fits, 1 nothing makes it fit, 2 bad input), --write.

On a scratch copy of the shipped stacks (the `stacks_dir` / `stack_file` fixtures of tests/infra).
"""

from __future__ import annotations

import json
import re

import pytest

from infra.cli import main

CONTRACT_KEYS = {"feasible_before", "feasible_after", "changes", "monthly_usd_delta"}
CHANGE_KEYS = {"stack", "key", "from", "to", "monthly_usd"}


@pytest.fixture
def fabric(stacks_dir, capsys):
    """Run `fabric CMD --stacks-dir <copy> ARGS...` in-process: (exit code, stdout, stderr)."""

    def run(command: str, *args: str):
        try:
            code = main([command, "--stacks-dir", str(stacks_dir), *args])
        except SystemExit as exc:  # argparse's bad usage
            code = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


def test_the_shipped_fabric_fits_and_needs_no_change(fabric):
    code, out, err = fabric("solve", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert CONTRACT_KEYS <= set(doc)
    assert doc["feasible_before"] is True and doc["feasible_after"] is True
    assert doc["changes"] == [] and doc["monthly_usd_delta"] == 0
    code, out, _ = fabric("solve")
    assert code == 0 and "Nothing to change" in out


def _more_demand(stack_file) -> None:
    # 3 -> 12 Gb/s each way between eastus and southcentralus: more than one 10 Gb/s circuit after a failure.
    stack_file("eastus").replace("      to_stack: southcentralus\n      gbps: 3", "      to_stack: southcentralus\n      gbps: 12")
    stack_file("southcentralus").replace("      to_stack: eastus\n      gbps: 3", "      to_stack: eastus\n      gbps: 12")


def test_short_fabric_gets_changes_with_their_cost(fabric, stack_file):
    _more_demand(stack_file)
    code, out, err = fabric("solve", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["feasible_before"] is False and doc["feasible_after"] is True
    assert doc["changes"] and all(CHANGE_KEYS <= set(c) for c in doc["changes"])
    assert doc["monthly_usd_delta"] == pytest.approx(sum(c["monthly_usd"] for c in doc["changes"]), abs=0.05)
    assert doc["status"] == "solved" and doc["optimality_gap"] <= 0.005
    assert "infra/cost" in doc["prices_source"]  # the price catalog is the default where it is installed
    assert "fabric solve:" in err  # progress on stderr, the document alone on stdout
    # Nothing is written without --write.
    assert "gbps: 12" in stack_file("eastus").text and "added by `fabric solve`" not in stack_file("eastus").text


def test_write_keeps_comments_and_order_and_validates(fabric, stack_file, stacks_dir):
    _more_demand(stack_file)
    before = {s: stack_file(s).text for s in ("eastus", "southcentralus")}
    code, out, err = fabric("solve", "--write", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["written"]
    changed = {c["stack"] for c in doc["changes"]}
    for stack, old in before.items():
        new = stack_file(stack).text
        # Every comment line and every key line of the file is still there, in the same order.
        kept = [line for line in old.splitlines() if line.strip()]
        lines = new.splitlines()
        at = 0
        for line in kept:
            if line.strip().startswith(("bandwidth_mbps:", "sku:", "scale_units:", "fastpath:")):
                continue  # values the solver may change
            assert line in lines[at:], f"{stack}: {line!r} lost or moved"
            at = lines.index(line, at) + 1
        if stack in changed:
            assert new != old
    for change in doc["changes"]:
        if change["from"] is None and ".circuits." in change["key"]:
            text = stack_file(change["stack"]).text
            name = change["key"].rsplit(".", 1)[1]
            assert re.search(rf"# added by `fabric solve`.*\n\s+{re.escape(name)}:", text)
    # The result validates, and solving again changes nothing.
    code, out, err = fabric("validate", "--all")
    assert code == 0, out + err
    code, out, _ = fabric("solve", "--format", "json")
    assert code == 0 and json.loads(out)["changes"] == []
    # Each new BGP key is in the file as a placeholder the user must replace, and named in the output.
    for secret in doc["secrets"]:
        assert f"ai-fabric:{secret['key']}:" in stack_file(secret["stack"]).text
        assert secret["command"].startswith("pulumi config set --secret")


def test_fails_naming_the_demand_the_site_and_the_most_that_fits(fabric, stack_file):
    # 60 TB in 6 minutes is 1,333 Gb/s, beyond any combination of circuits and spans.
    stack_file("eastus").replace("      dataset_tb: 60\n      within_hours: 24", "      dataset_tb: 60\n      within_hours: 0.1")
    code, out, err = fabric("solve", "--format", "json", "--time-limit", "60")
    assert code == 1, err
    doc = json.loads(out)
    assert doc["feasible_before"] is False and doc["feasible_after"] is False and doc["changes"] == []
    b = doc["binding"]
    assert "eastus/corpus-to-westeurope" in b["demands"]
    assert b["site"] and b["most_gbps"] is not None and 0 < b["most_gbps"] < b["needed_gbps"]
    code, out, _ = fabric("solve")
    assert code == 1
    assert "No combination of the options makes every demand fit" in out
    assert "eastus/corpus-to-westeurope" in out and "the most that fits there" in out


@pytest.mark.parametrize("args", [["--stack", "nowhere"], ["--time-limit", "0"], ["--gap", "-1"],
                                  ["--format", "yaml"]])
def test_fails_with_exit_2_on_bad_usage(fabric, args):
    code, out, err = fabric("solve", *args)
    assert code == 2
    assert err


def test_fails_with_exit_2_on_a_malformed_stack_file(fabric, stack_file):
    stack_file("westus3").replace("      sku: ErGwScale", "      sku: ErGwHuge")
    code, out, err = fabric("solve")
    assert code == 2
    assert "ErGwHuge" in err and "Pulumi.westus3.yaml" in err
    assert out == ""


def test_write_is_refused_when_nothing_fits_and_files_stay(fabric, stack_file):
    stack_file("eastus").replace("      dataset_tb: 60\n      within_hours: 24", "      dataset_tb: 60\n      within_hours: 0.1")
    text = stack_file("eastus").text
    code, _, _ = fabric("solve", "--write")
    assert code == 1
    assert stack_file("eastus").text == text
