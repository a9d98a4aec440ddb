"""`fabric graph`: the fabric's topology as Mermaid or Graphviz DOT.

Drawn from the specs (the declared intent), with capacities: sites and their GPU clusters,
circuits with bandwidth at their peering locations, gateways with throughput, and Global Reach
links with the bandwidth they can carry (the smaller of the two circuits). With a carrier network
(stacks/fabric.yaml) circuits meet the carrier's PoPs, and the spans between PoPs are drawn with
their capacity, shared-risk groups and status (new fibre dashed, with its in-service date).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from infra import catalog
from infra.capacity import StackCapacity
from infra.capacity.flows import FabricGraph
from infra.spec import FabricSpec


def _id(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", p) for p in parts)


def _gbps(x: float) -> str:
    return f"{x:g} Gbps"


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str  # site | cluster | gateway | circuit | location


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    label: str = ""
    kind: str = "link"  # link | global-reach


@dataclass(frozen=True)
class Topology:
    sites: dict[str, list[Node]]
    """Nodes inside each site (clusters, gateway, circuits)."""
    site_labels: dict[str, str]
    locations: list[Node]
    edges: list[Edge]
    peers: list[Node] = field(default_factory=list)
    """Circuits of stacks not drawn that a drawn site's Global Reach links reach."""
    carrier_title: str = "Carrier fabric: peering locations"


def topology(specs: Sequence[FabricSpec], capacity: dict[str, StackCapacity],
             selected: set[str] | None = None, carrier: FabricGraph | None = None) -> Topology:
    """The drawing of the `selected` stacks (default: all). A Global Reach link to a stack left out
    ends at a small node standing for the peer's circuit, so no link of a drawn site goes missing."""
    by_name = {s.stack: s for s in specs}
    chosen = set(by_name) if selected is None else selected
    sites: dict[str, list[Node]] = {}
    labels: dict[str, str] = {}
    locations: dict[str, Node] = {}
    edges: list[Edge] = []
    peers: dict[str, Node] = {}
    for spec in (s for s in specs if s.stack in chosen):
        cap = capacity[spec.stack]
        s = spec.stack
        labels[s] = f"{s} ({spec.site.region}) {cap.gpus:,} GPUs"
        gw = _id(s, "gateway")
        ic = cap.interconnect
        nodes = [Node(gw, f"gateway {ic.gateway_sku} {_gbps(ic.gateway_gbps)}{' FastPath' if ic.fastpath else ''}", "gateway")]
        for c in cap.clusters:
            cid = _id(s, "cluster", c.name)
            nodes.append(Node(cid, f"{c.name}: {c.gpus:,} x {catalog.GPU_SKUS[c.sku].gpu_model} on {c.vms:,} VMs, "
                                   f"{c.ib_domains} InfiniBand domain{'s' if c.ib_domains != 1 else ''}", "cluster"))
            edges.append(Edge(cid, gw))
        for name in spec.interconnect.circuits:
            cid = _id(s, "circuit", name)
            bw = spec.interconnect.bandwidth_gbps_of(name)
            nodes.append(Node(cid, f"circuit {name} {_gbps(bw)}", "circuit"))
            edges.append(Edge(gw, cid))
            loc = spec.interconnect.peering_location_of(name)
            if carrier is not None and carrier.carrier is not None:
                pop = carrier.pop_of(loc)
                lid = _id("pop", pop)
                locations.setdefault(pop, Node(lid, f"PoP {pop} ({loc})", "pop"))
            else:
                lid = _id("loc", loc)
                locations.setdefault(loc, Node(lid, loc, "location"))
            edges.append(Edge(cid, lid))
        sites[s] = nodes
        for link in spec.interconnect.global_reach.values():
            peer = by_name.get(link.peer_stack)
            if peer is None or (not link.owned_by(spec.stack) and peer.stack in chosen):
                continue  # drawn once, by the stack that owns the link
            bw = min(spec.interconnect.bandwidth_gbps_of(link.circuit), peer.interconnect.bandwidth_gbps_of(link.peer_circuit))
            far = _id(peer.stack, "circuit", link.peer_circuit)
            if peer.stack not in chosen:
                peers.setdefault(far, Node(far, f"{peer.stack}/{link.peer_circuit} (not drawn)", "peer"))
            edges.append(Edge(_id(s, "circuit", link.circuit), far, f"Global Reach {_gbps(bw)}", "global-reach"))
    if carrier is not None and carrier.carrier is not None:
        for pop, loc in carrier.pops.items():
            locations.setdefault(pop, Node(_id("pop", pop), f"PoP {pop} ({loc or 'transit'})", "pop"))
        for span in [*carrier.spans.values(), *carrier.pending.values()]:
            risk = f" SRLG {', '.join(span.srlgs)}" if span.srlgs else ""
            if span.name in carrier.pending:
                label, kind = f"{span.name} {_gbps(span.gbps)}{risk} NEW from {span.in_service}", "span-new"
            else:
                status = " new" if span.new else ""
                label, kind = f"{span.name} {_gbps(span.gbps)}{risk}{status}", "span"
            edges.append(Edge(_id("pop", span.a), _id("pop", span.z), label, kind))
    title = f"Carrier network: {carrier.carrier}" if carrier is not None and carrier.carrier else None
    return Topology(sites, labels, sorted(locations.values(), key=lambda n: n.label), edges, list(peers.values()),
                    title or "Carrier fabric: peering locations")


def mermaid(t: Topology) -> str:
    out = ["flowchart LR"]
    for site, nodes in t.sites.items():
        out.append(f'  subgraph {_id("site", site)}["{t.site_labels[site]}"]')
        for n in nodes:
            out.append(f'    {n.id}["{n.label}"]')
        out.append("  end")
    out.append(f'  subgraph carrier["{t.carrier_title}"]')
    for n in t.locations:
        out.append(f'    {n.id}(("{n.label}"))')
    out.append("  end")
    for n in t.peers:
        out.append(f'  {n.id}[/"{n.label}"/]')
    for e in t.edges:
        if e.kind == "global-reach":
            out.append(f'  {e.a} <-. "{e.label}" .-> {e.b}')
        elif e.kind == "span":
            out.append(f'  {e.a} === |"{e.label}"| {e.b}')
        elif e.kind == "span-new":
            out.append(f'  {e.a} -. "{e.label}" .- {e.b}')
        else:
            out.append(f"  {e.a} --- {e.b}")
    return "\n".join(out) + "\n"


def dot(t: Topology) -> str:
    out = ["graph fabric {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for site, nodes in t.sites.items():
        out.append(f'  subgraph cluster_{_id(site)} {{')
        out.append(f'    label="{t.site_labels[site]}";')
        for n in nodes:
            out.append(f'    {n.id} [label="{n.label}"];')
        out.append("  }")
    out.append(f'  subgraph cluster_carrier {{\n    label="{t.carrier_title}";')
    for n in t.locations:
        out.append(f'    {n.id} [label="{n.label}", shape=ellipse];')
    out.append("  }")
    for n in t.peers:
        out.append(f'  {n.id} [label="{n.label}", style=dotted];')
    for e in t.edges:
        attrs = {
            "global-reach": f' [label="{e.label}", style=dashed, color=blue]',
            "span": f' [label="{e.label}", penwidth=2]',
            "span-new": f' [label="{e.label}", style=dotted, color=darkgreen]',
        }.get(e.kind, "")
        out.append(f"  {e.a} -- {e.b}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"
