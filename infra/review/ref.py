"""`fabric plan --against-ref GITREF`: the plan of a git ref's stacks, made by that ref's own program.

The ref is checked out with ``git worktree add --detach`` into a temporary directory, never into the
work tree: the work tree, the index and the stashes are not touched, and uncommitted or untracked
stack files stay out of the "before" plan. The ref's own ``infra.cli plan --format json`` runs there
(this interpreter, the temporary tree first on the path), so a change to the program is reviewed as
well as a change to the stack files. The worktree is removed afterwards, also when planning fails or
the user interrupts (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.review.earlier import EarlierPlan, parse_plan
from infra.stackfile import SpecError, SpecIssue

GIT_TIMEOUT_S = 120
PLAN_TIMEOUT_S = 1800


@dataclass(frozen=True)
class RefPlan:
    ref: str
    commit: str
    plan: EarlierPlan
    stacks_in_ref: tuple[str, ...]
    document: Any = None
    """The ref's plan JSON as parsed (its `cost` blocks give the monthly delta of the change)."""

    @property
    def label(self) -> str:
        return f"{self.ref} ({self.commit[:12]})"


def _bad(ref: str, message: str, key: str = "--against-ref") -> SpecError:
    return SpecError([SpecIssue("git", None, key, ref, message)])


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(["git", "-C", str(repo), "-c", "core.hooksPath=/dev/null", *args],
                              capture_output=True, text=True, timeout=GIT_TIMEOUT_S)
    except FileNotFoundError:
        raise _bad(" ".join(args), "git is not installed; --against-ref needs it (or use --against PLAN.json)") from None
    except subprocess.TimeoutExpired:
        raise _bad(" ".join(args), f"git did not answer within {GIT_TIMEOUT_S} s") from None
    if check and done.returncode != 0:
        raise _bad(" ".join(args), f"git failed: {done.stderr.strip() or done.stdout.strip()}")
    return done


def repository_of(stacks_dir: Path) -> tuple[Path, Path]:
    """(top of the git work tree holding the stacks directory, the stacks directory relative to it)."""
    where = stacks_dir.resolve()
    probe = where if where.is_dir() else where.parent
    done = _git(probe, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        raise SpecError([SpecIssue(str(stacks_dir), None, "--against-ref", str(stacks_dir),
                                   "the stacks directory is not inside a git work tree; --against-ref plans a "
                                   "git ref of it (use --against PLAN.json otherwise)")])
    top = Path(done.stdout.strip()).resolve()
    try:
        return top, where.relative_to(top)
    except ValueError:  # a symlink out of the work tree, a submodule boundary
        raise SpecError([SpecIssue(str(stacks_dir), None, "--against-ref", str(where),
                                   f"the stacks directory resolves outside the git work tree {top}")]) from None


def resolve(repo: Path, ref: str) -> str:
    """The commit a ref names; bad input naming the ref when it names none."""
    if not ref or ref.startswith("-"):
        raise _bad(ref, "not a git ref (a branch, tag or commit such as main, origin/main, HEAD~1)")
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise _bad(ref, f"unknown git ref in {repo}: no commit is named {ref!r}")
    return done.stdout.strip()


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI job cancelled) unwinds like Ctrl-C, so the worktree is removed either way."""
    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def checkout(repo: Path, commit: str) -> Iterator[Path]:
    """A detached worktree of the commit in a temporary directory, removed on the way out."""
    with _terminate_as_interrupt(), tempfile.TemporaryDirectory(prefix="fabric-ref-") as tmp:
        tree = Path(tmp) / "tree"
        _git(repo, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        try:
            yield tree
        finally:
            removed = _git(repo, "worktree", "remove", "--force", str(tree), check=False)
            if removed.returncode != 0:  # e.g. the directory is gone already: drop git's record of it
                _git(repo, "worktree", "prune", check=False)


def _stacks_of(stacks_dir: Path) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in stacks_dir.glob("Pulumi.*.yaml"))


def plan_ref(stacks_dir: Path, ref: str, names: Sequence[str] | None) -> RefPlan:
    """Plan the ref's stacks (`names`, or all when None) with the ref's own program, as JSON."""
    repo, relative = repository_of(stacks_dir)
    commit = resolve(repo, ref)
    with checkout(repo, commit) as tree:
        ref_stacks_dir = tree / relative
        in_ref = _stacks_of(ref_stacks_dir) if ref_stacks_dir.is_dir() else []
        if not in_ref:
            raise _bad(ref, f"{relative} holds no Pulumi.<stack>.yaml at {ref} ({commit[:12]}); nothing to compare with")
        wanted = [n for n in names if n in in_ref] if names is not None else in_ref
        if not wanted:
            return RefPlan(ref, commit, {}, tuple(in_ref))
        selection = ["--all"] if names is None else [a for n in wanted for a in ("--stack", n)]
        command = [sys.executable, "-m", "infra.cli", "plan", "--format", "json",
                   "--stacks-dir", str(ref_stacks_dir), *selection]
        env = {**os.environ, "PYTHONPATH": str(tree)}
        try:
            done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=PLAN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise _bad(ref, f"planning {ref} did not finish within {PLAN_TIMEOUT_S} s") from None
        if done.returncode not in (0, 1):  # 1: the ref's plan has violations, which is still a plan
            tail = "\n    ".join((done.stderr.strip() or done.stdout.strip()).splitlines()[-12:])
            raise _bad(ref, f"the program at {ref} ({commit[:12]}) could not plan its stacks (exit "
                            f"{done.returncode}):\n    {tail}")
        plan = parse_plan(done.stdout, f"plan of {ref} ({commit[:12]})")
    return RefPlan(ref, commit, plan, tuple(in_ref), json.loads(done.stdout))
