"""The mock harness: plan a shipped stack or a spec built in the test, get its inventory.

Component tests assert on the recorded inventory (type, name, inputs, protect), never inside an
`apply` that may not run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infra import offline
from infra.inventory import Inventory
from infra.spec import FabricSpec
from infra.workspace import Fabric, load_fabric

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"


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
