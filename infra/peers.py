"""The specs of the other stacks of the fabric, as the program of one stack may read them.

A Global Reach link is declared by its owner only once the carrier has provisioned both of its
circuits (infra/spec/carrier_state.py). The owner's own state is in its config; the peer's is in the
peer's stack file, which lives beside this one in the project's stack directory: the directory of
`stackConfigDir` in Pulumi.yaml, or AI_FABRIC_STACKS_DIR when set (`fabric rollout` and CI set it to
the directory they deploy from). The offline engine, which plans specs that may exist only in memory,
answers from the specs it plans instead (`resolving_with`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import yaml

from infra.spec import FabricSpec

STACKS_DIR_ENV = "AI_FABRIC_STACKS_DIR"
PROJECT_DIR = Path(__file__).resolve().parent.parent

Resolver = Callable[[str], FabricSpec | None]
_resolver: Resolver | None = None


def stacks_dir() -> Path:
    """AI_FABRIC_STACKS_DIR, else Pulumi.yaml's stackConfigDir (relative to the project), else the project."""
    explicit = os.environ.get(STACKS_DIR_ENV)
    if explicit:
        return Path(explicit)
    project = PROJECT_DIR / "Pulumi.yaml"
    try:
        configured = (yaml.safe_load(project.read_text(encoding="utf-8")) or {}).get("stackConfigDir")
    except (OSError, yaml.YAMLError):
        configured = None
    return PROJECT_DIR / configured if isinstance(configured, str) else PROJECT_DIR


def peer_spec(stack: str) -> FabricSpec | None:
    """The validated spec of another stack, or None when its stack file does not exist.

    A stack file that exists but is invalid raises infra.stackfile.SpecError: the owner must not guess
    what its peer has provisioned."""
    if _resolver is not None:
        return _resolver(stack)
    from infra.stackfile import load  # the YAML machinery, only when a Global Reach owner needs it

    path = stacks_dir() / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return None
    return load(path).spec


@contextlib.contextmanager
def resolving_with(specs: Mapping[str, FabricSpec]) -> Iterator[None]:
    """Answer peer_spec from these specs for the duration (the offline engine)."""
    global _resolver
    previous = _resolver
    _resolver = specs.get
    try:
        yield
    finally:
        _resolver = previous
