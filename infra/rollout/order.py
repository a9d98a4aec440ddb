"""Which stack deploys before which: a stack that reads another stack's outputs deploys after it.

The program's only cross-stack read is the Global Reach owner's (the stack whose name sorts first of
the pair, GlobalReachSpec.owned_by): a StackReference to the peer for the peer circuit's private
peering ID (infra/program.py, ``_peer_peering_ids``). The program makes that read only for a link it can
make now (both circuits provisioned); the order counts every link the stack owns, so the waves stay the
same as the carrier provisions circuits. A test holds this spec-level view to the StackReferences the
program declares once every circuit is provisioned (and to none before), so the two cannot drift apart.

Waves are the topological levels of that graph (graphlib from the standard library): every stack of a
wave depends only on stacks of earlier waves, so a wave's stacks deploy in parallel.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from infra.spec import FabricSpec

READ_OUTPUT = "circuit_peering_ids"
"""The peer output a Global Reach owner reads."""


@dataclass(frozen=True)
class Dependency:
    """`stack` reads `reads`'s outputs, so `reads` deploys first."""

    stack: str
    reads: str
    why: str
    """What is read and for what, e.g. "circuit_peering_ids['svl'] for Global Reach link to-westus3-svl"."""
    link: str | None = None
    """The Global Reach link of `stack` that makes the read (its key in interconnect.global_reach)."""

    def to_json(self) -> dict[str, str | None]:
        return {"stack": self.stack, "reads": self.reads, "why": self.why, "link": self.link}


class DependencyCycle(Exception):
    """Stacks that depend on themselves through references: no order deploys them."""

    def __init__(self, cycle: Sequence[str], edges: Sequence[Dependency]):
        self.cycle = list(cycle)
        self.edges = list(edges)
        super().__init__(" -> ".join(self.cycle))


def dependencies(specs: Mapping[str, FabricSpec]) -> list[Dependency]:
    """Every cross-stack read the program makes, in stack and link order."""
    out: list[Dependency] = []
    for name in sorted(specs):
        spec = specs[name]
        for key, link in spec.interconnect.global_reach.items():
            if link.owned_by(spec.stack):
                out.append(Dependency(
                    spec.stack, link.peer_stack,
                    f"{READ_OUTPUT}[{link.peer_circuit!r}] for Global Reach link {key}", link=key,
                ))
    return out


def waves(stacks: Iterable[str], deps: Iterable[Dependency]) -> list[list[str]]:
    """The stacks in deployment waves (each sorted by name).

    A dependency on a stack outside `stacks` is taken as already deployed (a rollout of some stacks
    does not deploy others); a cycle among `stacks` raises DependencyCycle naming it.
    """
    selected = list(dict.fromkeys(stacks))
    chosen = set(selected)
    edges = [d for d in deps if d.stack in chosen and d.reads in chosen]
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in selected:
        sorter.add(name)
    for d in edges:
        sorter.add(d.stack, d.reads)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        # graphlib gives the cycle as [a, ..., a] walking predecessors; say it in read order.
        cycle.reverse()
        links = list(zip(cycle, cycle[1:]))
        raise DependencyCycle(cycle, [d for d in edges if (d.stack, d.reads) in links]) from None
    out: list[list[str]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        out.append(ready)
        sorter.done(*ready)
    return out
