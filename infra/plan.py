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
from infra.cost import model as cost_model
from infra.cost import report as cost_report
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
    cost: cost_model.StackCost | None = None
    """What the stack costs a month (infra.cost); DESIGN.md "Cost"."""

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
            **({"cost": self.cost.to_json()} if isinstance(self.cost, cost_model.StackCost) else {}),
        }


@dataclass(frozen=True)
class FabricPlan:
    """The plans of the selected stacks and, when planned against an earlier plan, the review."""

    stacks: tuple[StackPlan, ...]
    review: Review | None = None
    earlier_costs: cost_report.EarlierCosts | None = None
    """Each stack's monthly cost in the earlier plan (None where it recorded none), when reviewed."""
    carrier_costs: tuple[cost_model.CostItem, ...] = ()
    """The carrier spans' monthly prices (stacks/fabric.yaml: user-given, no public list exists)."""

    @property
    def cost(self) -> cost_report.FabricCost:
        """The fabric's cost, with the monthly delta against the earlier plan when reviewed."""
        earlier = None if self.review is None else (self.earlier_costs or {})
        if earlier is not None and self.earlier_costs is None:
            # Reviewed without the earlier plan's costs: every stack's delta is unknown.
            earlier = {p.stack: None for p in self.stacks}
        return cost_report.fabric_cost([p.cost for p in self.stacks if isinstance(p.cost, cost_model.StackCost)],
                                       carrier=self.carrier_costs, earlier=earlier,
                                       against=self.review.against if self.review is not None else None)

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
        capacity = fabric.assessment.capacity[name]
        cost = cost_model.stack_cost(fabric.stacks[name].spec, inventory, capacity.clusters)
        plans.append(StackPlan(name, inventory, capacity, tuple(found), cost=cost))
    return plans


def with_review(plans: Sequence[StackPlan], review: Review | None,
                earlier_costs: cost_report.EarlierCosts | None = None,
                carrier_costs: Sequence[cost_model.CostItem] = ()) -> FabricPlan:
    """Attach each stack's part of the review to its plan, the earlier plan's costs and the carrier's."""
    if review is None:
        return FabricPlan(tuple(plans), carrier_costs=tuple(carrier_costs))
    return FabricPlan(tuple(dataclasses.replace(p, review=review.of(p.stack)) for p in plans), review,
                      earlier_costs, tuple(carrier_costs))


def carrier_costs(fabric: Fabric) -> list[cost_model.CostItem]:
    """The monthly price of each carrier span the fabric uses, from stacks/fabric.yaml (none without one)."""
    from infra.cost import carrier as carrier_cost

    if fabric.carrier is None:
        return []
    spans = {name: span.model_dump(mode="json") for name, span in fabric.carrier.spec.spans.items()}
    return carrier_cost.span_items(carrier_cost.span_prices(spans))


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
        "monthly_usd": fabric_plan.cost.monthly_usd,
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
    fabric_cost = fabric_plan.cost
    stacks = [p.to_json() for p in fabric_plan.stacks]
    if fabric_plan.review is not None:
        for doc in stacks:
            if "cost" in doc:
                doc["cost"]["monthly_usd_delta"] = fabric_cost.delta_of(doc["stack"])
    out: dict[str, Any] = {"stacks": stacks, "summary": summary_json(fabric_plan), "fabric": fabric_cost.to_json()}
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
