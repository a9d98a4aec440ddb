"""Fixtures for the review tests: resources built in the test, the shipped westus3 plan as JSON, and a
runner of `fabric plan` in-process.

Helpers are handed out as fixtures (not imported from this module), as in the other conftest files.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra import cli
from infra.inventory import Resource

REPO = Path(__file__).resolve().parents[3]
STACKS = REPO / "stacks"


def _resource(typ: str, name: str, inputs: dict[str, Any] | None = None, *, parent: str | None = None,
              protect: bool = False, urn: str | None = None, stack: str = "s") -> Resource:
    chain = typ if parent is None else f"{parent.split('::')[-2].split('$')[-1]}${typ}"
    return Resource(urn=urn or f"urn:pulumi:{stack}::ai-fabric::{chain}::{name}", type=typ, name=name,
                    parent=parent, inputs=inputs or {}, protect=protect, custom=not typ.startswith("ai-fabric:"))


@pytest.fixture
def res() -> Callable[..., Resource]:
    """res(type, name, inputs, parent=URN, protect=bool, urn=...) -> a Resource as a plan records it."""
    return _resource


def run_cli(*argv: str) -> tuple[int, str, str]:
    """`fabric ARGV` in-process, with the plans of unchanged stacks shared (tests/conftest.py memoized_plan)."""
    from infra import plan
    from tests.conftest import memoized_plan

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan, "plan", memoized_plan)
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def fabric() -> Callable[..., tuple[int, str, str]]:
    """fabric('plan', ...) -> (exit code, stdout, stderr), run in-process."""
    return run_cli


@pytest.fixture(scope="session")
def westus3_before(tmp_path_factory) -> Path:
    """`fabric plan --stack westus3 --format json` of the shipped stacks, as a file."""
    code, out, err = run_cli("plan", "--stack", "westus3", "--format", "json", "--stacks-dir", str(STACKS))
    assert code == 0, err
    path = tmp_path_factory.mktemp("before") / "westus3.json"
    path.write_text(out)
    return path


@pytest.fixture
def against_westus3(westus3_before, stack_file, stacks_dir) -> Callable[..., tuple[int, dict]]:
    """Edit the copied westus3 stack file (pairs of old, new text), plan it against the shipped plan:
    (exit code, JSON document)."""

    def replan(*edits: tuple[str, str], fmt: str = "json") -> tuple[int, Any]:
        editor = stack_file("westus3")
        for old, new in edits:
            editor.replace(old, new)
        code, out, err = run_cli("plan", "--stack", "westus3", "--format", fmt, "--stacks-dir", str(stacks_dir),
                                 "--against", str(westus3_before))
        assert "Traceback" not in err, err
        return code, (json.loads(out) if fmt == "json" else out)

    return replan
