"""`fabric plan`: run every selected stack's program offline, check the inventory, report.

A plan is the recorded inventory of the real program (infra/__main__.py under the offline engine),
the fabric-wide capacity figures, and the violations of both the spec-level invariants
(infra.capacity) and the resource-level ones (infra.invariants). Planned against an earlier plan
(`--against`, `--against-ref`), it also carries the review of the change (infra.review).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from infra import invariants, offline
from infra.capacity import StackCapacity, Violation
from infra.inventory import Inventory
from infra.review import Change, Review, StackReview
from infra.tokens import PRIVATE_INTERCONNECT
from infra.workspace import Fabric


@dataclass(frozen=True)
class StackPlan:
    stack: str
    inventory: Inventory
    capacity: StackCapacity
    violations: tuple[Violation, ...]
    review: StackReview | None = None
    """Set when planned against an earlier plan."""

    @property
    def unsafe_changes(self) -> tuple[Change, ...]:
        return self.review.unsafe if self.review is not None else ()

    @property
    def clean(self) -> bool:
        return not self.violations and not self.unsafe_changes

    @property
    def rollout(self) -> dict[str, Any]:
        """Where each circuit stands with the carrier and what the program deferred until it has
        provisioned it, as the PrivateInterconnect component recorded them (docs/DESIGN.md, "Carrier-gated
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
            "unsafe_changes": [c.legacy_json() for c in self.unsafe_changes],
            "rollout": self.rollout,
        }


@dataclass(frozen=True)
class FabricPlan:
    """The plans of the selected stacks and, when planned against an earlier plan, the review."""

    stacks: tuple[StackPlan, ...]
    review: Review | None = None

    @property
    def removed(self) -> tuple[StackReview, ...]:
        """Stacks of the earlier plan whose stack files are gone."""
        return tuple(s for s in self.review.stacks if s.status == "removed") if self.review else ()

    @property
    def violations(self) -> int:
        return sum(len(p.violations) for p in self.stacks)

    @property
    def unsafe(self) -> int:
        return len(self.review.unsafe) if self.review is not None else 0

    @property
    def clean(self) -> bool:
        return self.violations == 0 and self.unsafe == 0


def planner_for(fabric: Fabric, options: offline.RunOptions = offline.RunOptions()) -> offline.FabricPlanner:
    specs = {n: s.spec for n, s in fabric.stacks.items()}
    configs = {n: s.file.config for n, s in fabric.stacks.items()}
    return offline.FabricPlanner(specs, configs, options)


def plan(fabric: Fabric, names: Sequence[str], options: offline.RunOptions = offline.RunOptions()) -> list[StackPlan]:
    """Plan the named stacks."""
    planner = planner_for(fabric, options)
    plans = []
    for name in names:
        inventory = planner.inventory(name)
        found = _merge_layers(fabric.assessment.violations_of(name),
                              invariants.check(inventory, fabric.stacks[name].spec.catalog))
        plans.append(StackPlan(name, inventory, fabric.assessment.capacity[name], tuple(found)))
    return plans


def with_review(plans: Sequence[StackPlan], review: Review | None) -> FabricPlan:
    """Attach each stack's part of the review to its plan."""
    if review is None:
        return FabricPlan(tuple(plans))
    return FabricPlan(tuple(dataclasses.replace(p, review=review.of(p.stack)) for p in plans), review)


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


def summary_json(fabric_plan: FabricPlan) -> dict[str, Any]:
    """Totals across the planned stacks, and the worst single failure among them."""
    caps = [p.capacity for p in fabric_plan.stacks]
    worst = worst_failure(caps)
    return {
        "stacks": len(caps),
        "gpus": sum(c.gpus for c in caps),
        "vms": sum(c.vms for c in caps),
        "circuits": sum(c.interconnect.circuits for c in caps),
        "circuit_gbps": _num(sum(c.interconnect.circuit_gbps for c in caps)),
        "worst_failure": None if worst is None else {
            "stack": worst.stack, "failure": worst.interconnect.worst_failure,
            "leaves_gbps": _num(worst.interconnect.n_minus_1_gbps),
            "of_gbps": _num(worst.interconnect.circuit_gbps),
        },
        "violations": fabric_plan.violations,
        "unsafe_changes": fabric_plan.unsafe,
    }


def worst_failure(caps: Sequence[StackCapacity]) -> StackCapacity | None:
    """The stack whose worst single failure leaves the smallest share of its circuit bandwidth."""
    with_circuits = [c for c in caps if c.interconnect.circuit_gbps > 0]
    if not with_circuits:
        return None
    return min(with_circuits, key=lambda c: (c.interconnect.n_minus_1_gbps / c.interconnect.circuit_gbps,
                                             c.interconnect.n_minus_1_gbps))


def to_json(fabric_plan: FabricPlan | Sequence[StackPlan]) -> dict[str, Any]:
    """The docs/DESIGN.md plan document (a plain sequence of stack plans is a plan without a review)."""
    if not isinstance(fabric_plan, FabricPlan):
        fabric_plan = FabricPlan(tuple(fabric_plan))
    out: dict[str, Any] = {"stacks": [p.to_json() for p in fabric_plan.stacks],
                           "summary": summary_json(fabric_plan)}
    review = fabric_plan.review
    if review is not None:
        out["changes"] = [c.to_json() for c in review.changes]
        out["review"] = review.to_json()
        out["removed_stacks"] = [
            {"stack": s.stack, "unsafe_changes": [c.legacy_json() for c in s.unsafe]} for s in fabric_plan.removed
        ]
    return out


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 3)
