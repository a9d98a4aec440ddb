"""The fabric failure analysis at scale: 200 sites, 2,000 circuits, every single failure.

The synthetic fabric is built with the spec models directly (no stack files, no Pulumi):

- site i (stack ``s<i>``) has 10 Premium 10 Gbps circuits of Lumen at three peering locations
  (4 + 3 + 3, so at most 4 per location), an ErGw3AZ gateway with FastPath, except every tenth site,
  which has 10 smaller circuits (4 x 5 + 6 x 2 Gbps) behind a fixed ErGwScale of 40 units without
  FastPath, so gateway capacity and gateway failures are exercised too;
- the five groups of sites use disjoint triples of the 15 catalog peering locations, and site i is
  joined by Global Reach to sites i+1 and i+2 (modulo the fabric) with three links per pair, one per
  location slot, so no single location takes down two links of one pair;
- site i sends 8 Gb/s to site i+1 (sustained) and replicates 50 TB to site i+2 within 24 hours
  (2 Gb/s and 10 TB where either end is an ErGwScale site). Links to the two partners after a site
  share one circuit per slot, as do links to the two before it, so demands share circuits and the
  flow problem is one connected component; four circuits per site carry no Global Reach (they
  serve on-premises traffic) and their failures touch no demand.

One rule does not hold, by design, and is reported: ``circuits-per-region`` (Azure allows 10
circuits per region per subscription; 200 sites in the catalog's 31 regions would need several
subscriptions, which the spec does not model). Everything else holds, including every demand after
every single failure. The timed part is
``infra.capacity.assess`` over all 200 specs: every spec-level rule, the baseline multi-commodity
LP and the analysis of every single failure (2,000 circuits + 15 peering locations + 200 gateways).
"""

from __future__ import annotations

import ipaddress
import time
from collections import Counter

from infra import catalog
from infra.capacity import assess
from infra.spec import FabricSpec, GatewaySpec, GlobalReachSpec, InterconnectSpec, PrivatePeering, ProviderCircuit, SiteSpec
from infra.spec.network import ReplicationDemand, SustainedDemand

SITES = 200
CIRCUITS_PER_SITE = 10
LINKS_PER_PAIR = 3
PARTNER_OFFSETS = (1, 2)

_LOCATIONS = sorted(catalog.PEERING_LOCATIONS)  # 15: five disjoint triples
_SCALE_REGIONS = [r for r in sorted(catalog.AZURE_REGIONS) if r not in catalog.ERGWSCALE_UNAVAILABLE_REGIONS.value]
_REGIONS = sorted(catalog.AZURE_REGIONS)


def _stack(i: int) -> str:
    return f"s{i % SITES:03d}"


def _locations(i: int) -> tuple[str, str, str]:
    g = i % 5
    return _LOCATIONS[3 * g], _LOCATIONS[3 * g + 1], _LOCATIONS[3 * g + 2]


def _slots(i: int) -> list[list[str]]:
    """Circuit names of site i per location slot: 4, 3, 3."""
    names = [f"c{k}" for k in range(CIRCUITS_PER_SITE)]
    return [names[0:4], names[4:7], names[7:10]]


def _circuit_at(i: int, slot: int, role: int) -> str:
    """The circuit of site i at a location slot for a partner role: the two partners after i (roles
    0, 1) share one circuit per slot, so do the two before it (roles 2, 3). The demands out of a site
    then share circuits, and so do the demands into it: the flow problem is one component, and an LP."""
    at = _slots(i)[slot]
    return at[(role // 2) % len(at)]


_P30 = ipaddress.IPv4Network("172.16.0.0/14")
_P29 = ipaddress.IPv4Network("172.24.0.0/16")


def _peering(i: int, k: int) -> PrivatePeering:
    base = int(_P30.network_address) + (i * CIRCUITS_PER_SITE + k) * 8
    return PrivatePeering(
        peer_asn=64512 + i, vlan_id=100 + k,
        primary_prefix=f"{ipaddress.IPv4Address(base)}/30", secondary_prefix=f"{ipaddress.IPv4Address(base + 4)}/30",
    )


def _link_prefix(low: int, offset: int, t: int) -> str:
    n = (low * len(PARTNER_OFFSETS) + PARTNER_OFFSETS.index(offset)) * LINKS_PER_PAIR + t
    return f"{ipaddress.IPv4Address(int(_P29.network_address) + 8 * n)}/29"


def _is_scale(i: int) -> bool:
    return i % SITES % 10 == 9


def _site(i: int) -> FabricSpec:
    scale = _is_scale(i)
    locs = _locations(i)
    circuits = {}
    for slot, names in enumerate(_slots(i)):
        for name in names:
            k = int(name[1:])
            mbps = (5000 if k < 4 else 2000) if scale else 10000
            circuits[name] = ProviderCircuit(
                kind="provider", peering_location=locs[slot], bandwidth_mbps=mbps, tier="Premium",
                private_peering=_peering(i, k),
            )
    gateway = (GatewaySpec(sku="ErGwScale", scale_units=40, subnet=f"10.{i}.255.0/26") if scale
               else GatewaySpec(sku="ErGw3AZ", fastpath=True, subnet=f"10.{i}.255.0/26"))
    global_reach = {}
    # Roles spread the links of the four partners over the circuits of each slot.
    for role, (offset, sign) in enumerate(((1, 1), (2, 1), (1, -1), (2, -1))):
        j = (i + sign * offset) % SITES
        low = i if sign > 0 else j  # the pair (low, low + offset) names its prefixes
        peer_role = role + 2 if role < 2 else role - 2
        for t in range(LINKS_PER_PAIR):
            global_reach[f"to-{_stack(j)}-{t}"] = GlobalReachSpec(
                circuit=_circuit_at(i, t, role), peer_stack=_stack(j), peer_circuit=_circuit_at(j, t, peer_role),
                prefix=_link_prefix(low, offset, t),
            )
    region = (_SCALE_REGIONS if scale else _REGIONS)[i % len(_SCALE_REGIONS if scale else _REGIONS)]
    return FabricSpec(
        stack=_stack(i),
        site=SiteSpec(region=region, address_space=[f"10.{i}.0.0/16"]),
        interconnect=InterconnectSpec(circuits=circuits, gateway=gateway, global_reach=global_reach),
        # Pairs with an ErGwScale site (9 Gb/s over three links, 4 after losing its 5 Gbps circuit)
        # ask for less.
        demands={
            "sync-next": SustainedDemand(
                kind="sustained", to_stack=_stack(i + 1), gbps=2 if scale or _is_scale(i + 1) else 8,
            ),
            "replicate-next-but-one": ReplicationDemand(
                kind="replication", to_stack=_stack(i + 2), within_hours=24,
                dataset_tb=10 if scale or _is_scale(i + 2) else 50,
            ),
        },
    )


def fabric(sites: int = SITES) -> list[FabricSpec]:
    assert sites == SITES, "the layout (offsets, prefixes) is built for 200 sites"
    return [_site(i) for i in range(sites)]


def run() -> dict:
    """Build the synthetic fabric, time `assess` over it, print one line and return the figures."""
    specs = fabric()
    start = time.perf_counter()
    result = assess(specs)
    seconds = time.perf_counter() - start
    assert not result.input_problems, result.input_problems[:3]
    report = result.flows
    assert report is not None
    by_invariant = Counter(v.invariant for v in result.violations)
    figures = {
        "sites": len(specs),
        "circuits": sum(len(s.interconnect.circuits) for s in specs),
        "global_reach_links": len(report.graph.links),
        "demands": len(report.graph.demands),
        "failures": report.failures,
        "seconds": seconds,
        "settled": dict(report.stats),
        "violations": dict(by_invariant),
    }
    print(
        f"failure analysis: {figures['sites']} sites, {figures['circuits']:,} circuits, "
        f"{figures['global_reach_links']:,} Global Reach links, {figures['demands']} demands, "
        f"{figures['failures']:,} single failures in {seconds:.2f} s "
        f"(settled: {', '.join(f'{k} {v}' for k, v in sorted(report.stats.items()))}; "
        f"violations: {', '.join(f'{k} {v}' for k, v in sorted(by_invariant.items())) or 'none'})"
    )
    return figures


if __name__ == "__main__":
    run()
