"""`fabric plan --against-ref GITREF`: the ref's stacks planned by the ref's own program from a temporary
worktree, in a throwaway git repository holding a copy of the project."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PROJECT_FILES = ("infra", "components", "stacks", "Pulumi.yaml", "pyproject.toml")
OLD_PROGRAM = ('"component": component}', '"component": component, "era": "v0"}')
"""The base commit's program tags everything with era=v0; the next commit's program does not."""
LV_DOWN = ("peering_location: Las Vegas\n        bandwidth_mbps: 10000", "peering_location: Las Vegas\n        bandwidth_mbps: 5000")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com",
                           "-c", "commit.gpgsign=false", *args], check=True, capture_output=True, text=True).stdout


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


@pytest.fixture
def repo(tmp_path) -> Path:
    """Two commits: the base (an older program, the shipped stacks), then HEAD (today's program, westus3's
    Las Vegas circuit lowered to 5 Gbps)."""
    root = tmp_path / "project"
    root.mkdir()
    for name in PROJECT_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(src, root / name)
    context = root / "components" / "context.py"
    _edit(context, *OLD_PROGRAM)
    _git(root, "init", "--quiet")
    _git(root, "add", "-A")
    _git(root, "commit", "--quiet", "-m", "base")
    _edit(context, OLD_PROGRAM[1], OLD_PROGRAM[0])
    _edit(root / "stacks" / "Pulumi.westus3.yaml", *LV_DOWN)
    _git(root, "commit", "--quiet", "-am", "lower lv")
    return root


def _state(repo: Path) -> tuple[str, str, str]:
    return (_git(repo, "status", "--porcelain"), _git(repo, "stash", "list"), _git(repo, "worktree", "list"))


def test_against_an_earlier_commit_its_own_program_plans_it_and_the_tree_is_untouched(fabric, repo):
    # A stash, an untracked file and an uncommitted edit: none of them may move, and the edit is "after".
    stack = repo / "stacks" / "Pulumi.westus3.yaml"
    _edit(stack, "owner: fabric-team", "owner: stashed-team")
    _git(repo, "stash", "--quiet")
    (repo / "notes.txt").write_text("not part of any plan\n")
    _edit(stack, "cost-center: ai-platform", "cost-center: gpu-research")
    before = _state(repo)

    code, out, err = fabric("plan", "--stack", "westus3", "--format", "json", "--stacks-dir", str(repo / "stacks"),
                            "--against-ref", "HEAD~1")
    assert _state(repo) == before
    assert "cost-center: gpu-research" in stack.read_text()
    assert code == 1, err
    doc = json.loads(out)
    assert doc["review"]["against"].startswith("HEAD~1 (")
    (down,) = [c for c in doc["changes"] if c["unsafe"] and c["type"].endswith("ExpressRouteCircuit")]
    assert down["rule"] == "circuit-bandwidth-down" and down["urn"].endswith("::interconnect-circuit-lv")
    tagged = {k for c in doc["changes"] if c["op"] == "update" for k in c["keys"]}
    # tags.era: the base commit's own program planned the base (today's program has no era tag);
    # tags.cost-center: the uncommitted edit is in the new plan, not in the ref's.
    assert {"tags.era", "tags.cost-center"} <= tagged
    # Nothing else differs: the ref's plan, made in another process from another tree, matches this one
    # wherever the commits and the edit do not (what an unchanged tree planned against HEAD would show).
    # (the Las Vegas circuit's peering goes with the circuit it belongs to, and the circuit alerts' thresholds
    # follow the bandwidth the fabric can lose, infra/observability/thresholds.py).
    follow = ("::interconnect-peering-lv", "observability-alert-circuit-")
    others = [c for c in doc["changes"] if c is not down and not any(f in c["urn"] for f in follow)]
    assert {c["op"] for c in others} == {"update"}
    assert all(set(c["keys"]) <= {"tags.era", "tags.cost-center"} for c in others), [
        (c["urn"].rsplit("::", 1)[-1], c["keys"]) for c in others if not set(c["keys"]) <= {"tags.era", "tags.cost-center"}]


def test_fails_with_exit_2_naming_an_unknown_ref(fabric, repo):
    before = _state(repo)
    code, out, err = fabric("plan", "--stack", "westus3", "--stacks-dir", str(repo / "stacks"),
                            "--against-ref", "no-such-branch")
    assert code == 2 and out == "" and "no-such-branch" in err and "Traceback" not in err
    assert _state(repo) == before


def test_fails_with_exit_2_when_the_ref_cannot_be_planned_and_leaves_no_worktree(fabric, repo):
    _edit(repo / "stacks" / "Pulumi.uksouth.yaml", "config:", "config: [broken")
    _git(repo, "commit", "--quiet", "-am", "break uksouth")
    _edit(repo / "stacks" / "Pulumi.uksouth.yaml", "config: [broken", "config:")
    code, _, err = fabric("plan", "--stack", "westus3", "--stacks-dir", str(repo / "stacks"), "--against-ref", "HEAD")
    assert code == 2 and "could not plan" in err and "Pulumi.uksouth.yaml" in err and "Traceback" not in err
    assert len(_git(repo, "worktree", "list").splitlines()) == 1


def test_fails_with_exit_2_when_the_stacks_are_not_in_a_git_work_tree(fabric, stacks_dir):
    code, _, err = fabric("plan", "--stack", "westus3", "--stacks-dir", str(stacks_dir), "--against-ref", "HEAD")
    assert code == 2 and "not inside a git work tree" in err


def test_an_interrupted_plan_of_the_ref_leaves_no_worktree(fabric, repo, monkeypatch):
    from infra.review import ref

    real_run = subprocess.run
    made = []

    def run(command, *args, **kwargs):
        if command[0] == "git":
            if "add" in command:
                made.append(Path(command[command.index("add") + 3]))
            return real_run(command, *args, **kwargs)
        raise KeyboardInterrupt  # Ctrl-C while the ref's program plans

    monkeypatch.setattr(ref.subprocess, "run", run)
    code, _, err = fabric("plan", "--stack", "westus3", "--stacks-dir", str(repo / "stacks"), "--against-ref", "HEAD")
    assert code == 130 and "interrupted" in err
    assert len(_git(repo, "worktree", "list").splitlines()) == 1
    assert made and not made[0].exists()
