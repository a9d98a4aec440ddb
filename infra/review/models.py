"""The review's shapes: one change per Azure resource, what it costs, and the review of a fabric.

``Change.to_json`` is the docs/DESIGN.md contract ("Review of a change"): ``stack, urn, type, op, keys,
unsafe, reason``; the other keys are additions. ``Change.legacy_json`` keeps the earlier
``unsafe_changes`` entries (``kind, resource, message``) that consumers may still read.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any


class Op(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


OP_ORDER = (Op.REPLACE, Op.DELETE, Op.UPDATE, Op.CREATE)
"""How reports list operations: what destroys first."""


def plural(n: float, word: str, many: str | None = None) -> str:
    """'1 scale set', '3 scale sets', '1,350 VMs'."""
    shown = f"{n:,.0f}" if float(n).is_integer() else f"{n:,.2f}"
    return f"{shown} {word if n == 1 else (many or word + 's')}"


@dataclass(frozen=True)
class Cost:
    """Capacity a change takes away while it happens (or for good, for a delete)."""

    scale_sets: int = 0
    vms: int = 0
    gpus: int = 0
    circuits: int = 0
    circuit_gbps: float = 0.0
    connections: int = 0
    """Gateway connections dropped (each takes its circuit's traffic into the VNet with it)."""

    def __add__(self, other: Cost) -> Cost:
        return Cost(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def figures(self) -> str:
        """'675 VMs, 5,400 GPUs'; '20 Gb/s'; '2 connections, 20 Gb/s'."""
        parts = []
        if self.vms or self.scale_sets:
            parts += [plural(self.vms, "VM"), plural(self.gpus, "GPU")]
        if self.connections:
            parts.append(plural(self.connections, "connection"))
        if self.circuit_gbps:
            parts.append(f"{self.circuit_gbps:,g} Gb/s")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"scale_sets": self.scale_sets, "vms": self.vms, "gpus": self.gpus, "circuits": self.circuits,
                "circuit_gbps": _num(self.circuit_gbps), "connections": self.connections}


@dataclass(frozen=True)
class Change:
    stack: str
    urn: str
    """The new URN; the old one for a delete."""
    type: str
    op: Op
    name: str
    """The Azure name (the old one for a delete)."""
    keys: tuple[str, ...] = ()
    """Changed input paths, dotted (`sku.name`, `ipConfigurations.0.subnet.id`)."""
    unsafe: bool = False
    reason: str | None = None
    rule: str | None = None
    """For an unsafe change, the rule it breaks (e.g. 'gpu-scale-set-replaced')."""
    previous_urn: str | None = None
    """Set when the resource was declared under another URN before."""
    previous_name: str | None = None
    """Set when the Azure name changes."""
    cost: Cost = field(default_factory=Cost)
    verb: str = ""
    """What an unsafe change does to its resource, for summaries: 'replaces', 'deletes', 'restarts'."""
    noun: str = ""
    """What the resource is, for summaries: 'scale set', 'circuit', 'gateway'."""

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack, "urn": self.urn, "type": self.type, "op": self.op.value, "keys": list(self.keys),
            "unsafe": self.unsafe, "reason": self.reason, "name": self.name, "rule": self.rule,
            "previous_urn": self.previous_urn, "previous_name": self.previous_name, "cost": self.cost.to_json(),
        }

    def legacy_json(self) -> dict[str, Any]:
        return {"kind": self.rule, "resource": self.urn, "message": self.reason}

    @property
    def label(self) -> str:
        """How a report names the resource: its Azure name, with the old one when it changes."""
        return f"{self.previous_name} -> {self.name}" if self.previous_name else self.name

    def __str__(self) -> str:
        return f"[{self.rule or self.op.value}] {self.urn}: {self.reason or self.op.value}"


@dataclass(frozen=True)
class StackReview:
    stack: str
    changes: tuple[Change, ...]
    status: str = "compared"
    """'compared' (in both plans), 'added' (only in the new plan) or 'removed' (only in the earlier one)."""

    @property
    def unsafe(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.unsafe)

    def impact(self) -> list[str]:
        """The unsafe changes summed up by what they do: 'replaces 3 scale sets: 675 VMs, 5,400 GPUs'."""
        groups: dict[tuple[str, str], list[Change]] = {}
        for c in self.unsafe:
            groups.setdefault((c.verb, c.noun), []).append(c)
        out = []
        for (verb, noun), changes in groups.items():
            total = sum((c.cost for c in changes), Cost())
            if noun == "gateway connection":  # "replaces 2 gateway connections: 2 connections" says it twice
                total = replace(total, connections=0)
            figures = total.figures()
            out.append(f"{verb} {plural(len(changes), noun)}" + (f": {figures}" if figures else ""))
        return out


@dataclass(frozen=True)
class Review:
    against: str
    """What the plan was compared with: a file, or a git ref and its commit."""
    stacks: tuple[StackReview, ...]

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for s in self.stacks for c in s.changes)

    @property
    def unsafe(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.unsafe)

    @property
    def added(self) -> list[str]:
        return [s.stack for s in self.stacks if s.status == "added"]

    @property
    def removed(self) -> list[str]:
        return [s.stack for s in self.stacks if s.status == "removed"]

    def of(self, stack: str) -> StackReview | None:
        return next((s for s in self.stacks if s.stack == stack), None)

    def counts(self) -> dict[str, int]:
        ops = Counter(c.op for c in self.changes)
        return {**{op.value: ops.get(op, 0) for op in Op}, "unsafe": len(self.unsafe)}

    def counts_text(self) -> str:
        """'3 replace, 2 update (3 unsafe)' or 'no changes'."""
        counts = self.counts()
        parts = [f"{counts[op.value]} {op.value}" for op in OP_ORDER if counts[op.value]]
        if not parts:
            return "no changes"
        return ", ".join(parts) + f" ({plural(counts['unsafe'], 'unsafe change')})"

    def to_json(self) -> dict[str, Any]:
        return {"against": self.against, "stacks_added": self.added, "stacks_removed": self.removed,
                "counts": self.counts()}


def sort_changes(changes: Sequence[Change]) -> list[Change]:
    """Unsafe first, then by operation (what destroys first), then by URN."""
    return sorted(changes, key=lambda c: (not c.unsafe, OP_ORDER.index(c.op), c.urn))


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 3)
