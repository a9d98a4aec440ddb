"""Run the mutants of some modules against the tests mapped to them, in private copies of the project.

Each worker process copies the project once into a temporary directory (the real tree is never
written), imports the heavy third-party libraries once (pytest, Pulumi, pydantic, scipy, ...), and
then, per mutant: writes the mutated module into its copy, forks, and runs pytest in the child with
``-x`` on the module's test files, fast rule tests first, under a timeout; then restores the file.
Nothing of the project is imported before the fork, so each child imports the mutated code fresh;
bytecode is never written, so a stale ``.pyc`` can never stand in for a mutant.

A mutant is *killed* when a test fails (or the run errors, crashes or times out), *survived* when
every test passes.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools.mutation.mutants import Mutant

KILLED, SURVIVED, TIMEOUT = "killed", "survived", "timeout"

_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", ".mutation", "build", "*.egg-info",
    "out", "mutants",
)
_PRELOAD = ("pytest", "_pytest.python", "hypothesis", "xdist", "pulumi", "pulumi.runtime", "pulumi.runtime.mocks",
            "pulumi_policy", "pydantic", "yaml", "numpy", "scipy.optimize", "ipaddress", "json", "uuid")
"""Third-party modules every child would import: imported once per worker, before any fork."""


@dataclass(frozen=True)
class Job:
    mutant: Mutant
    tests: tuple[str, ...]
    timeout_s: float


@dataclass(frozen=True)
class Outcome:
    key: str
    status: str
    seconds: float
    killed_by: str | None = None
    """The first failing test, or what else stopped the run (an exit code, a signal, the timeout)."""


class _FirstFailure:
    """pytest plugin: remember the first test that failed."""

    def __init__(self) -> None:
        self.nodeid: str | None = None

    def pytest_runtest_logreport(self, report) -> None:  # noqa: ANN001 (pytest's TestReport)
        if report.failed and self.nodeid is None:
            self.nodeid = report.nodeid


# ------------------------------------------------------------------------------------------------
# Inside a worker process
# ------------------------------------------------------------------------------------------------

_workdir: Path | None = None
_child: int | None = None
"""The pytest child running now (its own process group)."""


def _end_worker(signum: int, frame: object) -> None:
    """Pool.terminate() sends SIGTERM: take the running child's process group along."""
    if _child is not None:
        try:
            os.killpg(_child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    os._exit(1)


def _init_worker(root: str, scratch: str) -> None:
    global _workdir
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends the pool
    signal.signal(signal.SIGTERM, _end_worker)
    _workdir = Path(tempfile.mkdtemp(dir=scratch)) / "project"
    shutil.copytree(root, _workdir, ignore=_COPY_IGNORE)
    os.chdir(_workdir)
    sys.path.insert(0, str(_workdir))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(_workdir), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True
    for name in _PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass


def run_tests(tests: tuple[str, ...], timeout_s: float) -> tuple[str, float, str | None]:
    """Run `tests` in a forked child of this worker: (status, seconds, what killed it)."""
    assert _workdir is not None
    log = _workdir / ".mutation-child.log"
    failure_file = _workdir / ".mutation-first-failure"
    failure_file.unlink(missing_ok=True)
    global _child
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: run pytest, never return into the worker's code
        code = 3
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.setpgid(0, 0)  # its own process group, so a timeout also ends what the tests started
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest

            plugin = _FirstFailure()
            code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly",
                                    "--tb=line", *tests], plugins=[plugin]))
            if plugin.nodeid:
                failure_file.write_text(plugin.nodeid)
        finally:
            os._exit(code)
    try:
        os.setpgid(pid, pid)  # also from this side, so killpg works however the race goes
    except (ProcessLookupError, PermissionError):
        pass
    _child = pid
    try:
        return _wait(pid, start, timeout_s, tests, log, failure_file)
    finally:
        _child = None


def _wait(pid: int, start: float, timeout_s: float, tests: tuple[str, ...], log: Path,
          failure_file: Path) -> tuple[str, float, str | None]:
    deadline = start + timeout_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return TIMEOUT, time.monotonic() - start, f"timeout after {timeout_s:.0f} s"
        time.sleep(0.02)
    seconds = time.monotonic() - start
    try:
        os.killpg(pid, signal.SIGKILL)  # anything the tests left running
    except (ProcessLookupError, PermissionError):
        pass
    if os.WIFSIGNALED(status):
        return KILLED, seconds, f"signal {os.WTERMSIG(status)}"
    code = os.WEXITSTATUS(status)
    if code == 0:
        return SURVIVED, seconds, None
    killer = failure_file.read_text() if failure_file.exists() else None
    if code == 4 and "ImportError while loading conftest" in log.read_text():
        # The clean run loaded the conftest: the mutant broke an import it needs (a module-level lookup failing
        # at import), so every test fails.
        return KILLED, seconds, killer or "import error loading the conftest"
    if code in (4, 5):  # usage error, no tests collected: the map of tests is wrong, not the mutant killed
        raise RuntimeError(f"pytest exit {code} running {' '.join(tests)}; see {log}:\n{log.read_text()[-3000:]}")
    return KILLED, seconds, killer or f"pytest exit {code} (collection or import error)"


def _run_job(job: Job) -> Outcome:
    assert _workdir is not None
    target = _workdir / job.mutant.module
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(job.mutant.source, encoding="utf-8")
        status, seconds, killer = run_tests(job.tests, job.timeout_s)
    finally:
        target.write_text(original, encoding="utf-8")
    return Outcome(job.mutant.key, status, round(seconds, 2), killer)


def _clean_run(tests: tuple[str, ...]) -> tuple[str, float, str | None]:
    return run_tests(tests, timeout_s=1800)


# ------------------------------------------------------------------------------------------------
# The parent
# ------------------------------------------------------------------------------------------------


class Pool:
    """Worker processes, each with its own copy of the project under one scratch directory that
    closing (or terminating) the pool removes."""

    def __init__(self, root: Path, jobs: int):
        ctx = multiprocessing.get_context("fork")
        self._scratch = tempfile.mkdtemp(prefix="ai-fabric-mutation-")
        self._pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(str(root), self._scratch))

    def clean_run(self, tests: tuple[str, ...]) -> tuple[str, float, str | None]:
        """The unmutated tests, once: they must pass; their time sets the mutants' timeout."""
        return self._pool.apply(_clean_run, (tests,))

    def run(self, jobs: list[Job]):
        return self._pool.imap_unordered(_run_job, jobs, chunksize=1)

    def close(self) -> None:
        self._pool.close()
        self._pool.join()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def terminate(self) -> None:
        self._pool.terminate()
        self._pool.join()
        shutil.rmtree(self._scratch, ignore_errors=True)
