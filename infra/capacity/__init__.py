"""The capacity model: derived figures and spec-level invariants, plain Python over the specs.

No Pulumi here: `fabric validate` and the tests run it in milliseconds. Resource-level checks over
what the program actually declares are in infra.invariants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from infra.capacity import access, compute, fabric, flows, network
from infra.capacity.fabric import InputProblem
from infra.capacity.flows import FlowReport
from infra.capacity.report import DemandCapacity, StackCapacity, Violation
from infra.spec import FabricSpec

__all__ = ["Assessment", "FlowReport", "InputProblem", "StackCapacity", "Violation", "assess", "stack_capacity"]


@dataclass(frozen=True)
class Assessment:
    capacity: dict[str, StackCapacity]
    violations: list[Violation]
    input_problems: list[InputProblem]
    """Cross-stack bad input (overlapping prefixes, unknown peers): exit 2 like a spec error."""
    flows: FlowReport | None = None
    """The fabric-wide demand and failure analysis; None when input problems prevent it."""

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


def assess(specs: Sequence[FabricSpec], carrier=None, on: dt.date | None = None) -> Assessment:
    """The whole fabric: every stack's figures and invariants, then the rules across stacks.

    `carrier` is the carrier network (an infra.carrier.CarrierSpec, from stacks/fabric.yaml) or None
    (not modelled: only circuits and gateways bound the demands); `on` the day planned for (new
    fibre counts from its in-service date), default today."""
    capacity: dict[str, StackCapacity] = {}
    violations: list[Violation] = []
    for spec in specs:
        cap, found = stack_capacity(spec)
        capacity[spec.stack] = cap
        violations += found
    problems = fabric.prefix_overlaps(specs) + fabric.references(specs)
    report = None
    if not problems:
        violations += fabric.global_reach(specs) + fabric.circuit_limits(specs)
        report = flows.analyse(specs, carrier, on)
        violations += flows.violations(report)
        for spec in specs:
            capacity[spec.stack] = _with_fabric_figures(capacity[spec.stack], spec, report)
    return Assessment(capacity=capacity, violations=violations, input_problems=problems, flows=report)


def _with_fabric_figures(cap: StackCapacity, spec: FabricSpec, report: FlowReport) -> StackCapacity:
    """The stack's interconnect figures as the whole fabric sees them: failures anywhere, demands."""
    site = report.sites[spec.stack]
    demands: list[DemandCapacity] = []
    for name, d in spec.demands.items():
        fig = report.demands[(spec.stack, name)]
        demands.append(DemandCapacity(
            name=name, to_stack=d.to_stack, needed_gbps=d.gbps, available_gbps=fig.available_gbps,
            worst_failure_gbps=fig.worst_failure_gbps, dataset_tb=fig.demand.dataset_tb,
            worst_failure=None if fig.worst_failure is None else str(fig.worst_failure),
            critical=d.critical, path_requirement=d.path,
            paths=tuple(p.to_json() for p in fig.paths),
            short_gbps=fig.short_gbps, worst_shortfall_gbps=fig.worst_shortfall_gbps,
            worst_shortfall_failure=None if fig.worst_shortfall_failure is None else str(fig.worst_shortfall_failure),
            saturated=tuple(s.to_json() for s in fig.saturated), exact=fig.exact,
        ))
    ic = replace(
        cap.interconnect,
        n_minus_1_gbps=site.n_minus_1_gbps,
        worst_failure=None if site.worst_failure is None else str(site.worst_failure),
        global_reach_gbps=site.global_reach_gbps,
        global_reach_n_minus_1_gbps=site.global_reach_n_minus_1_gbps,
        worst_demand_failure=None if site.worst_demand_failure is None else str(site.worst_demand_failure),
        demands=tuple(demands),
    )
    return replace(cap, interconnect=ic)
