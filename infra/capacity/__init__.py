"""The capacity model: derived figures and spec-level invariants, plain Python over the specs.

No Pulumi here: `fabric validate` and the tests run it in milliseconds. Resource-level checks over
what the program actually declares are in infra.invariants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.capacity import access, compute, fabric, network
from infra.capacity.fabric import InputProblem
from infra.capacity.report import StackCapacity, Violation
from infra.spec import FabricSpec

__all__ = ["Assessment", "InputProblem", "StackCapacity", "Violation", "assess", "stack_capacity"]


@dataclass(frozen=True)
class Assessment:
    capacity: dict[str, StackCapacity]
    violations: list[Violation]
    input_problems: list[InputProblem]
    """Cross-stack bad input (overlapping prefixes, unknown peers): exit 2 like a spec error."""

    def violations_of(self, stack: str) -> list[Violation]:
        return [v for v in self.violations if v.stack == stack]


def stack_capacity(spec: FabricSpec) -> tuple[StackCapacity, list[Violation]]:
    """Figures and violations one stack file decides on its own."""
    clusters = compute.clusters(spec)
    cap = StackCapacity(
        stack=spec.stack, region=spec.site.region, clusters=clusters,
        interconnect=network.interconnect_capacity(spec), vcpus_by_sku=compute.vcpus_by_sku(clusters),
    )
    return cap, compute.check(spec, clusters) + network.check(spec) + access.check(spec)


def assess(specs: Sequence[FabricSpec]) -> Assessment:
    """The whole fabric: every stack's figures and invariants, then the rules across stacks."""
    capacity: dict[str, StackCapacity] = {}
    violations: list[Violation] = []
    for spec in specs:
        cap, found = stack_capacity(spec)
        capacity[spec.stack] = cap
        violations += found
    problems = fabric.prefix_overlaps(specs) + fabric.references(specs)
    if not problems:
        violations += fabric.global_reach(specs) + fabric.circuit_limits(specs)
    return Assessment(capacity=capacity, violations=violations, input_problems=problems)
