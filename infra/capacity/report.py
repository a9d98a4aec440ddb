"""The capacity report's shapes: figures per cluster and per interconnect, and violations.

``to_json`` gives the docs/DESIGN.md contract (keys may be added, never renamed; figures are numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Violation:
    """A broken capacity claim. `resource` is a URN for resource-level checks, else None."""

    invariant: str
    message: str
    stack: str | None = None
    resource: str | None = None
    path: str | None = None
    """The spec key path the claim comes from, for spec-level checks."""
    location: str | None = None
    """'file:line' of the stack file entry the claim comes from (set by infra.workspace), else None."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"invariant": self.invariant, "resource": self.resource, "message": self.message}
        if self.path:
            out["path"] = self.path
        if self.location:
            out["location"] = self.location
        return out

    def __str__(self) -> str:
        where = self.resource or (f"{self.stack}: {self.path}" if self.path else self.stack or "")
        at = f"{self.location}: " if self.location else ""
        return f"{at}[{self.invariant}] {where}: {self.message}"


@dataclass(frozen=True)
class ClusterCapacity:
    name: str
    sku: str
    vms: int
    gpus: int
    cpu_sockets: int
    vcpus: int
    ib_gbps_per_vm: int
    ib_domain_sizes: tuple[int, ...]
    subnet: str
    subnet_usable: int
    subnet_needed: int

    @property
    def ib_domains(self) -> int:
        return len(self.ib_domain_sizes)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "sku": self.sku, "vms": self.vms, "gpus": self.gpus,
            "cpu_sockets": self.cpu_sockets, "vcpus": self.vcpus, "ib_gbps_per_vm": self.ib_gbps_per_vm,
            "ib_domains": self.ib_domains, "ib_domain_vms": list(self.ib_domain_sizes),
            "subnet": self.subnet, "subnet_usable_addresses": self.subnet_usable,
            "subnet_needed_addresses": self.subnet_needed,
        }


@dataclass(frozen=True)
class DemandCapacity:
    name: str
    to_stack: str
    needed_gbps: float
    available_gbps: float
    """What the fabric can carry for this demand when it is the only one (no failure)."""
    worst_failure_gbps: float
    """What it can carry after the worst single failure."""
    dataset_tb: float | None = None
    worst_failure: str | None = None
    """The single failure that leaves the least for this demand (None: no failure reduces it)."""
    critical: bool = False
    """Must also survive any two failures."""
    path_requirement: str = "any"
    """'carrier' (stays on the carrier's fibre) or 'any'."""
    paths: tuple[dict[str, Any], ...] = ()
    """How the baseline routes it: pieces {via, gbps, out, spans, in} (shared by demands of one pair)."""
    short_gbps: float = 0.0
    """Shortfall with nothing failed, every demand carried together (0: it fits)."""
    worst_shortfall_gbps: float = 0.0
    """Its largest shortfall after one failure, every demand carried together (0: it always fits)."""
    worst_shortfall_failure: str | None = None
    saturated: tuple[dict[str, Any], ...] = ()
    """The resources that limit it where it is short: {resource, load_gbps, capacity_gbps}."""
    exact: bool = True
    """available_gbps and worst_failure_gbps are exact max-flows (False: worst_failure_gbps is a lower
    bound, the analysis having run out of its max-flow budget on a very large fabric)."""

    @property
    def path(self) -> str | None:
        """The main path in words: 'eastus/wdc -> span a -> span b -> westeurope/ams (carrier)'."""
        if not self.paths:
            return None
        p = max(self.paths, key=lambda p: p["gbps"])
        hops = " -> ".join(p["spans"]) if p["spans"] else "(same PoP)"
        return f"{p['out']} -> {hops} -> {p['in']} ({p['via']})"

    @property
    def hours_at_available(self) -> float | None:
        if self.dataset_tb is None or self.available_gbps <= 0:
            return None
        return self.dataset_tb * 8000 / self.available_gbps / 3600

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "to_stack": self.to_stack, "needed_gbps": round(self.needed_gbps, 3),
            "available_gbps": round(self.available_gbps, 3),
            "worst_failure_gbps": round(self.worst_failure_gbps, 3),
            "dataset_tb": self.dataset_tb,
            "hours_at_available": None if self.hours_at_available is None else round(self.hours_at_available, 2),
            "worst_failure": self.worst_failure,
            "critical": self.critical, "path_requirement": self.path_requirement, "path": self.path,
            "paths": list(self.paths), "short_gbps": round(self.short_gbps, 3),
            "worst_shortfall_gbps": round(self.worst_shortfall_gbps, 3),
            "worst_shortfall_failure": self.worst_shortfall_failure, "saturated": list(self.saturated),
            "exact": self.exact,
        }


@dataclass(frozen=True)
class InterconnectCapacity:
    circuits: int
    circuit_gbps: float
    gateway_sku: str
    gateway_gbps: float
    fastpath: bool
    """FastPath asked for and supported by the gateway SKU."""
    peering_locations: tuple[str, ...]
    n_minus_1_gbps: float
    """Circuit bandwidth left after the worst single loss of a circuit, peering location or gateway."""
    global_reach: tuple[str, ...] = ()
    demands: tuple[DemandCapacity, ...] = ()
    worst_failure: str | None = None
    """The single failure behind n_minus_1_gbps (set by the fabric-wide assessment)."""
    global_reach_gbps: float | None = None
    """Most the other sites can send into this one over Global Reach (fabric-wide assessment only)."""
    global_reach_n_minus_1_gbps: float | None = None
    """The same after the worst single failure anywhere in the fabric."""
    worst_demand_failure: str | None = None
    """The single failure that leaves this site's demands the largest shortfall (None: none does)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "circuits": self.circuits, "circuit_gbps": _num(self.circuit_gbps), "gateway_sku": self.gateway_sku,
            "gateway_gbps": _num(self.gateway_gbps), "fastpath": self.fastpath,
            "peering_locations": list(self.peering_locations), "n_minus_1_gbps": _num(self.n_minus_1_gbps),
            "global_reach": list(self.global_reach), "demands": [d.to_json() for d in self.demands],
            "worst_failure": self.worst_failure,
            "global_reach_gbps": None if self.global_reach_gbps is None else _num(self.global_reach_gbps),
            "global_reach_n_minus_1_gbps": (
                None if self.global_reach_n_minus_1_gbps is None else _num(self.global_reach_n_minus_1_gbps)
            ),
            "worst_demand_failure": self.worst_demand_failure,
        }


@dataclass(frozen=True)
class StackCapacity:
    stack: str
    region: str
    clusters: tuple[ClusterCapacity, ...]
    interconnect: InterconnectCapacity
    vcpus_by_sku: dict[str, int] = field(default_factory=dict)

    @property
    def gpus(self) -> int:
        return sum(c.gpus for c in self.clusters)

    @property
    def vms(self) -> int:
        return sum(c.vms for c in self.clusters)

    @property
    def cpu_sockets(self) -> int:
        return sum(c.cpu_sockets for c in self.clusters)

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region, "gpus": self.gpus, "vms": self.vms, "cpu_sockets": self.cpu_sockets,
            "clusters": [c.to_json() for c in self.clusters], "interconnect": self.interconnect.to_json(),
        }


def _num(x: float) -> float | int:
    """Whole figures print as integers (20, not 20.0); fractions keep 3 decimals."""
    return int(x) if float(x).is_integer() else round(x, 3)
