"""How `fabric rollout` drives Pulumi: a small interface, and its implementation on the Automation API.

The interface is what the rollout needs of a stack (select or create it from its stack file, preview,
up, outputs, refresh); tests drive the whole flow with a fake behind it. ``AutomationRunner`` uses
``pulumi.automation`` with a LocalWorkspace on the project directory (``Pulumi.yaml``, program
``infra/``), the stack's own file as ``--config-file`` so that ``--stacks-dir`` works, and
``AI_FABRIC_STACKS_DIR`` set so that a Global Reach owner reads its peers' recorded states from the
same directory (infra/peers.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from infra.peers import STACKS_DIR_ENV

PROJECT_DIR = Path(__file__).resolve().parents[2]

OnOutput = Callable[[str, str], None]
"""(stack, line) for each line Pulumi prints."""


@dataclass(frozen=True)
class Changes:
    """Counts of resource operations in a preview or an update."""

    create: int = 0
    update: int = 0
    replace: int = 0
    delete: int = 0
    same: int = 0

    @property
    def any(self) -> bool:
        return bool(self.create or self.update or self.replace or self.delete)

    def __str__(self) -> str:
        parts = [f"{n} to {op}" for op, n in (("create", self.create), ("update", self.update),
                                               ("replace", self.replace), ("delete", self.delete)) if n]
        return ", ".join(parts) or "no changes"

    @classmethod
    def from_op_map(cls, ops: Mapping[Any, int] | None) -> Changes:
        counts: dict[str, int] = {}
        for op, n in (ops or {}).items():
            name = str(getattr(op, "value", op)).lower()
            counts[name] = counts.get(name, 0) + int(n)
        replaced = sum(counts.get(k, 0) for k in ("replace", "create-replacement", "delete-replaced"))
        return cls(create=counts.get("create", 0), update=counts.get("update", 0),
                   replace=counts.get("replace", 0) or (replaced and replaced // 2),
                   delete=counts.get("delete", 0), same=counts.get("same", 0))


def program_env(stacks_dir: Path) -> dict[str, str]:
    """What the program needs in its environment besides the inherited one: where the peers' stack files
    are (infra/peers.py reads AI_FABRIC_STACKS_DIR), so that a Global Reach owner judges its peers' carrier
    state from the files this rollout deploys and records into."""
    return {STACKS_DIR_ENV: str(stacks_dir.resolve())}


class RunnerError(Exception):
    """Pulumi failed on a stack; the message is Pulumi's own (its last lines)."""

    def __init__(self, stack: str, message: str):
        self.stack = stack
        super().__init__(message)


class SecretsUnreadable(RunnerError):
    """The stack's `secure:` values do not decrypt with this backend and secrets provider: bad input."""


class Runner(Protocol):
    def prepare(self, stack: str) -> None:
        """Select the stack, creating it from its stack file when the backend has none."""
        ...

    def preview(self, stack: str) -> Changes: ...

    def up(self, stack: str) -> Changes: ...

    def outputs(self, stack: str) -> Mapping[str, Any]:
        """The stack's outputs (secret values included, never printed)."""
        ...

    def refresh(self, stack: str) -> None: ...


_DECRYPT_ERRORS = ("failed to decrypt", "incorrect passphrase", "passphrase must be set", "could not decrypt",
                   "PULUMI_CONFIG_PASSPHRASE", "secrets manager", "cipher: message authentication failed")


class AutomationRunner:
    """pulumi.automation on this project; needs the `pulumi` CLI on PATH."""

    def __init__(self, stacks_dir: Path, *, project_dir: Path = PROJECT_DIR, on_output: OnOutput | None = None,
                 refresh: bool = True, policy_pack: Path | None = None):
        try:
            from pulumi import automation
        except ImportError as exc:  # pragma: no cover - pulumi is a dependency
            raise RunnerError("*", f"pulumi.automation is unavailable: {exc}") from None
        self._auto = automation
        self.stacks_dir = stacks_dir.resolve()
        self.project_dir = project_dir
        self.on_output = on_output
        self.refresh_first = refresh
        self.policy_packs = [str(policy_pack.resolve())] if policy_pack else None
        try:
            self._command = automation.PulumiCommand()
        except Exception as exc:  # noqa: BLE001 - the SDK raises a bare Exception when the CLI is missing
            raise RunnerError("*", f"the pulumi CLI is needed to deploy ({exc}); `fabric rollout --dry-run` "
                                   "needs none") from None
        self._stacks: dict[str, Any] = {}

    def _config_file(self, stack: str) -> str:
        return str(self.stacks_dir / f"Pulumi.{stack}.yaml")

    def _opts(self) -> Any:
        return self._auto.LocalWorkspaceOptions(
            work_dir=str(self.project_dir),
            env_vars=program_env(self.stacks_dir),  # over the inherited environment
            pulumi_command=self._command,
        )

    def _printer(self, stack: str) -> Callable[[str], None] | None:
        if self.on_output is None:
            return None
        emit = self.on_output
        return lambda line: emit(stack, line.rstrip("\n"))

    def _fail(self, stack: str, exc: Exception) -> RunnerError:
        text = str(exc)
        lines = [l for l in text.splitlines() if l.strip()]
        tail = "\n".join(lines[-12:])
        if any(marker in text for marker in _DECRYPT_ERRORS):
            return SecretsUnreadable(stack, tail)
        return RunnerError(stack, tail)

    def prepare(self, stack: str) -> None:
        try:
            self._stacks[stack] = self._auto.create_or_select_stack(
                stack, work_dir=str(self.project_dir), opts=self._opts())
            if self.stacks_dir == self._project_stacks_dir():
                # Decrypts every secret of the stack file (nothing is printed): placeholders fail here,
                # before any stack is updated. Another --stacks-dir is checked by its first preview.
                self._stacks[stack].get_all_config()
        except self._auto.CommandError as exc:
            raise self._fail(stack, exc) from None

    def _project_stacks_dir(self) -> Path:
        import yaml

        settings = yaml.safe_load((self.project_dir / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
        return (self.project_dir / str(settings.get("stackConfigDir", "."))).resolve()

    def _stack(self, stack: str) -> Any:
        if stack not in self._stacks:
            self.prepare(stack)
        return self._stacks[stack]

    def preview(self, stack: str) -> Changes:
        try:
            result = self._stack(stack).preview(
                config_file=self._config_file(stack), refresh=self.refresh_first, color="never",
                suppress_progress=True, on_output=self._printer(stack), policy_packs=self.policy_packs)
        except self._auto.CommandError as exc:
            raise self._fail(stack, exc) from None
        return Changes.from_op_map(result.change_summary)

    def up(self, stack: str) -> Changes:
        try:
            result = self._stack(stack).up(
                config_file=self._config_file(stack), refresh=self.refresh_first, color="never",
                suppress_progress=True, on_output=self._printer(stack), policy_packs=self.policy_packs)
        except self._auto.CommandError as exc:
            raise self._fail(stack, exc) from None
        return Changes.from_op_map(result.summary.resource_changes)

    def outputs(self, stack: str) -> Mapping[str, Any]:
        try:
            return {k: v.value for k, v in self._stack(stack).outputs().items()}
        except self._auto.CommandError as exc:
            raise self._fail(stack, exc) from None

    def refresh(self, stack: str) -> None:
        try:
            self._stack(stack).refresh(config_file=self._config_file(stack), color="never", suppress_progress=True,
                                       on_output=self._printer(stack))
        except self._auto.CommandError as exc:
            raise self._fail(stack, exc) from None
