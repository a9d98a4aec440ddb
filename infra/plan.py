"""`fabric plan`: run every selected stack's program offline, check the inventory, report.

A plan is the recorded inventory of the real program (infra/__main__.py under the offline engine),
the fabric-wide capacity figures, and the violations of both the spec-level invariants
(infra.capacity) and the resource-level ones (infra.invariants).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra import invariants, offline, safe_change
from infra.capacity import StackCapacity, Violation
from infra.inventory import Inventory
from infra.tokens import PRIVATE_INTERCONNECT
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

    @property
    def rollout(self) -> dict[str, Any]:
        """Where each circuit stands with the carrier and what the program deferred until it has
        provisioned it, as the PrivateInterconnect component recorded them (DESIGN.md, "Carrier-gated
        rollout")."""
        state: dict[str, Any] = {"circuits": {}, "ports": {}}
        deferred: list[str] = []
        for r in self.inventory.of_type(PRIVATE_INTERCONNECT):
            recorded = r.inputs.get("carrierState")
            if isinstance(recorded, dict):
                state["circuits"].update(recorded.get("circuits") or {})
                state["ports"].update(recorded.get("ports") or {})
            deferred += [d for d in r.inputs.get("deferred") or [] if isinstance(d, str)]
        return {"circuits": state["circuits"], "ports": state["ports"], "deferred": deferred}

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [r.to_json() for r in self.inventory],
            "capacity": self.capacity.to_json(),
            "violations": [v.to_json() for v in self.violations],
            "unsafe_changes": [c.to_json() for c in self.unsafe_changes],
            "rollout": self.rollout,
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
        found = _merge_layers(fabric.assessment.violations_of(name),
                              invariants.check(inventory, fabric.stacks[name].spec.catalog))
        unsafe = ()
        if against is not None and name in against:
            unsafe = tuple(safe_change.compare(against[name], [r.to_json() for r in inventory]))
        plans.append(StackPlan(name, inventory, fabric.assessment.capacity[name], tuple(found), unsafe))
    return plans


def _merge_layers(spec_level: Sequence[Violation], resource_level: Sequence[Violation]) -> list[Violation]:
    """One claim broken is reported once. Where the spec-level model and a resource-level check catch
    the same invariant, keep the resource's violation (it names the URN) with the spec's key path."""
    by_invariant = {v.invariant: v for v in spec_level}
    caught = {v.invariant for v in resource_level}
    merged = [v for v in spec_level if v.invariant not in caught]
    for v in resource_level:
        twin = by_invariant.get(v.invariant)
        merged.append(dataclasses.replace(v, path=twin.path) if twin is not None and v.path is None else v)
    return merged


def removed_stacks(against: Mapping[str, Mapping[str, Mapping[str, Any]]],
                   fabric: Fabric) -> dict[str, tuple[safe_change.UnsafeChange, ...]]:
    """Stacks of the earlier plan that no longer exist: every protected resource of theirs goes."""
    return {
        name: tuple(safe_change.compare(resources, []))
        for name, resources in against.items() if name not in fabric.stacks
    }


def to_json(plans: Sequence[StackPlan],
            removed: Mapping[str, Sequence[safe_change.UnsafeChange]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"stacks": [p.to_json() for p in plans]}
    if removed:
        out["removed_stacks"] = [
            {"stack": name, "unsafe_changes": [c.to_json() for c in changes]} for name, changes in removed.items()
        ]
    return out
