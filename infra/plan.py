"""`fabric plan`: run every selected stack's program offline, check the inventory, report.

A plan is the recorded inventory of the real program (infra/__main__.py under the offline engine),
the fabric-wide capacity figures, and the violations of both the spec-level invariants
(infra.capacity) and the resource-level ones (infra.invariants).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra import invariants, offline, safe_change
from infra.capacity import StackCapacity, Violation
from infra.inventory import Inventory
from infra.workspace import Fabric


@dataclass(frozen=True)
class StackPlan:
    stack: str
    inventory: Inventory
    capacity: StackCapacity
    violations: tuple[Violation, ...]
    unsafe_changes: tuple[safe_change.UnsafeChange, ...] = ()
    """Set when planned --against an earlier plan."""

    @property
    def clean(self) -> bool:
        return not self.violations and not self.unsafe_changes

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [r.to_json() for r in self.inventory],
            "capacity": self.capacity.to_json(),
            "violations": [v.to_json() for v in self.violations],
            "unsafe_changes": [c.to_json() for c in self.unsafe_changes],
        }


def planner_for(fabric: Fabric, options: offline.RunOptions = offline.RunOptions()) -> offline.FabricPlanner:
    specs = {n: s.spec for n, s in fabric.stacks.items()}
    configs = {n: s.file.config for n, s in fabric.stacks.items()}
    return offline.FabricPlanner(specs, configs, options)


def plan(
    fabric: Fabric,
    names: Sequence[str],
    options: offline.RunOptions = offline.RunOptions(),
    against: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> list[StackPlan]:
    """Plan the named stacks; `against` (stack -> urn -> resource of an earlier plan) adds the
    changes that would cost an outage."""
    planner = planner_for(fabric, options)
    plans = []
    for name in names:
        inventory = planner.inventory(name)
        found = fabric.assessment.violations_of(name) + invariants.check(inventory, fabric.stacks[name].spec.catalog)
        unsafe = ()
        if against is not None and name in against:
            unsafe = tuple(safe_change.compare(against[name], [r.to_json() for r in inventory]))
        plans.append(StackPlan(name, inventory, fabric.assessment.capacity[name], tuple(found), unsafe))
    return plans


def to_json(plans: Sequence[StackPlan]) -> dict[str, Any]:
    return {"stacks": [p.to_json() for p in plans]}
