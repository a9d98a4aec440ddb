"""The mock harness: plan a shipped stack or a spec built in the test, get its inventory.

Component tests assert on the recorded inventory (type, name, inputs, protect), never inside an
`apply` that may not run.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest

from infra import offline
from infra.inventory import Inventory
from infra.spec import FabricSpec
from infra.workspace import Fabric, load_fabric

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"

# Each worker's heap is large and long-lived (the SDK's classes, the vendored REST specs, the session's
# inventories). At CPython's default thresholds (700, 10, 10) the cyclic collector walks it again and again
# while test modules import and tests allocate: collecting the suite took 17.0 s of CPU, 10 to 13 s with this.
# Cycles of garbage are still collected, only less often. Tests only: the CLI and the program keep the defaults.
gc.set_threshold(50_000, 20, 100)


@pytest.fixture(scope="session")
def shipped_fabric() -> Fabric:
    """The shipped stacks, loaded and assessed once per session."""
    return load_fabric(STACKS)


@pytest.fixture(scope="session")
def shipped_planner(shipped_fabric: Fabric) -> offline.FabricPlanner:
    specs = {n: s.spec for n, s in shipped_fabric.stacks.items()}
    configs = {n: s.file.config for n, s in shipped_fabric.stacks.items()}
    return offline.FabricPlanner(specs, configs)


@pytest.fixture(scope="session")
def plan_shipped(shipped_planner: offline.FabricPlanner) -> Callable[[str], Inventory]:
    """plan_shipped('eastus') -> the inventory of the shipped stack (memoized for the session)."""
    return shipped_planner.inventory


PROVISIONED = offline.RunOptions(carrier_state="provisioned")
"""Specs built in tests record no carrier state (so every circuit would be pending, as on a first
`pulumi up`); component tests look at the full topology, as after the carrier provisioned everything."""


@pytest.fixture
def plan_spec() -> Callable[..., Inventory]:
    """plan_spec(spec, peers={name: spec}) -> inventory of a spec built in the test, every circuit
    planned as provisioned unless `options` says otherwise."""

    def plan(spec: FabricSpec, peers: dict[str, FabricSpec] | None = None,
             options: offline.RunOptions = PROVISIONED) -> Inventory:
        specs = {spec.stack: spec, **(peers or {})}
        configs = {n: offline.config_from_spec(s) for n, s in specs.items()}
        return offline.FabricPlanner(specs, configs, options).inventory(spec.stack)

    return plan


# ------------------------------------------------------------------------------------------------
# Planning the shipped stacks through the CLI costs seconds a call, nearly all of it the Pulumi SDK's
# engine; many CLI tests plan the same unchanged files only to look at a different rendering. Modules
# that opt in (`pytestmark = pytest.mark.usefixtures("memoized_plans")`) share one plan per stack and
# content: the key is every stack's config, the carrier file, the day planned for, the run options and
# the environment the program reads, so a test that edits a copy of a file plans afresh. Each caller
# gets its own deep copy. Not for tests that monkeypatch the program, components or invariants: the
# memo cannot see a patch.
# ------------------------------------------------------------------------------------------------

_PLAN_MEMO: dict[tuple, object] = {}


def _fabric_key(fabric: Fabric, options: offline.RunOptions) -> tuple:
    import json
    import os

    configs = tuple((name, json.dumps(dict(s.file.config), sort_keys=True, default=str))
                    for name, s in sorted(fabric.stacks.items()))
    carrier = fabric.carrier.spec.model_dump_json() if fabric.carrier is not None else None
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AI_FABRIC_")))
    return configs, carrier, str(fabric.on), repr(options), env


def memoized_plan(fabric: Fabric, names, options: offline.RunOptions = offline.RunOptions()):
    """infra.plan.plan, remembering each stack's plan by content (see above)."""
    import copy

    key = _fabric_key(fabric, options)
    missing = [n for n in names if (key, n) not in _PLAN_MEMO]
    if missing:
        for planned in _REAL_PLAN(fabric, missing, options):
            _PLAN_MEMO[(key, planned.stack)] = planned
    return [copy.deepcopy(_PLAN_MEMO[(key, n)]) for n in names]


from infra import plan as _plan_module  # noqa: E402  (after the fixtures above; imports the SDK once)

_REAL_PLAN = _plan_module.plan


@pytest.fixture
def memoized_plans(monkeypatch):
    monkeypatch.setattr(_plan_module, "plan", memoized_plan)


def pytest_collection_finish(session: pytest.Session) -> None:
    # What collection loaded (modules, the SDK, the specs) lives as long as the worker: out of the
    # collector's sight, so that each full collection walks only what the tests themselves made.
    gc.freeze()
