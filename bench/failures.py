"""The fabric failure analysis at scale, over a synthetic carrier network, in two designs.

Full size: 200 sites, 400 PoPs, 1,000 spans, 300 shared-risk groups, 2,000 circuits, 5,000 demands
(50 of them critical). Built with the spec models directly (no stack files, no Pulumi):

- the carrier: PoPs ``P000``..``P399`` on a ring (400 spans) with 600 chords to PoPs a few steps
  away; PoP j < 200 serves the synthetic peering location ``Metro j`` (added to each stack's catalog
  through ``catalog_overrides.peering_locations``), the others are transit PoPs. 300 shared-risk
  groups: each holds two or three spans leaving one PoP (a conduit);
- site i sends 25 demands to sites i+1 .. i+25 (1 Gb/s sustained, every fifth a replication of
  10 TB within 24 h); one demand in a hundred is critical (50 in all).

**designed** (the default, what a real design looks like): spans of 400 Gb/s; site i has 10 Premium
10 Gbps circuits at ``Metro i .. Metro i+9`` (one per location) and an ErGw3AZ gateway with FastPath;
every tenth site has an ErGwScale gateway of 40 units without FastPath and receives half-rate demands,
so that one gateway instance (20 Gb/s) still carries what it receives. Every demand fits with nothing
failed and after every single failure; each critical demand has routes no two failures cut.

**tight** (to measure the shortfall path): spans of 100 Gb/s; every fourth site has 3 circuits instead
of 10, two of them at one location, and every tenth receives full-rate demands behind its 40-unit
gateway, so losing a circuit, a location, a PoP or a gateway instance leaves demands short (exact
programs run and name what limits them), and critical demands of the 3-circuit sites can be cut off
by two failures (their two locations).

Timed (wall-clock and CPU time by phase, since other work may share the machine):
``infra.capacity.flows.analyse`` (the baseline, every single failure, the per-demand and per-site
figures, the two-failure analysis of the critical demands). ``circuits-per-region`` (10 per region
per subscription) would be reported by the full assessment and is not timed here.
"""

from __future__ import annotations

import ipaddress
import random
import sys
import time

from infra.capacity import flows
from infra.carrier import CarrierSpec
from infra.spec import FabricSpec, GatewaySpec, InterconnectSpec, PrivatePeering, ProviderCircuit, SiteSpec
from infra.spec.demands import ReplicationDemand, SustainedDemand
from infra.spec.fabric import CatalogOverrides

FULL = {"sites": 200, "pops": 400, "spans": 1000, "srlgs": 300, "circuits_per_site": 10, "demands_per_site": 25,
        "critical": 50}
SCALES = (0.05, 0.1, 0.2, 0.5, 1.0)
"""Sizes for the growth table of the designed fabric, as fractions of FULL."""
TIGHT_SCALES = (0.2, 1.0)
"""Sizes of the tight fabric."""
VARIANTS = ("designed", "tight")

_P30 = ipaddress.IPv4Network("172.16.0.0/12")


def _location(j: int) -> str:
    return f"Metro {j:03d}"


def carrier(pops: int, spans: int, srlgs: int, seed: int = 7, span_gbps: float = 400) -> CarrierSpec:
    rng = random.Random(seed)
    served = pops // 2
    pop_map = {f"P{j:03d}": {"peering_location": _location(j) if j < served else None} for j in range(pops)}
    span_map: dict[str, dict] = {}
    seen: set[tuple[int, int]] = set()

    def add(a: int, z: int) -> None:
        key = (min(a, z), max(a, z))
        if a == z or key in seen:
            return
        seen.add(key)
        span_map[f"s{len(span_map):04d}"] = {"a": f"P{a:03d}", "z": f"P{z:03d}", "gbps": span_gbps,
                                             "latency_ms": round(rng.uniform(1, 8), 1)}

    # Served PoPs interleaved with transit ones on the ring.
    order = [j for pair in zip(range(served), range(served, pops)) for j in pair]
    for k in range(pops):
        add(order[k], order[(k + 1) % pops])
    while len(span_map) < spans:
        k = rng.randrange(pops)
        add(order[k], order[(k + rng.randint(2, 6)) % pops])
    by_pop: dict[str, list[str]] = {}
    for name, s in span_map.items():
        by_pop.setdefault(s["a"], []).append(name)
    groups = 0
    for pop in sorted(by_pop, key=lambda p: rng.random()):
        if groups >= srlgs:
            break
        members = by_pop[pop][:rng.choice((2, 3))]
        if len(members) < 2:
            continue
        for m in members:
            span_map[m].setdefault("srlgs", []).append(f"g{groups:03d}")
        groups += 1
    return CarrierSpec.model_validate({"carrier": "Synthetic", "pops": pop_map, "spans": span_map})


def _site(i: int, sites: int, locations: int, demands: int, critical_every: int, tight: bool) -> FabricSpec:
    scale = i % 10 == 9
    if tight and i % 4 == 0:  # three circuits, two of them at one location
        locs = [_location(i % locations), _location(i % locations), _location((i + 1) % locations)]
    else:
        locs = [_location((i + k) % locations) for k in range(FULL["circuits_per_site"])]
    circuit_map = {}
    for k, loc in enumerate(locs):
        base = int(_P30.network_address) + (i * FULL["circuits_per_site"] + k) * 8
        circuit_map[f"c{k}"] = ProviderCircuit(
            kind="provider", peering_location=loc, bandwidth_mbps=10000, tier="Premium",
            private_peering=PrivatePeering(peer_asn=64512 + i, vlan_id=100 + k,
                                           primary_prefix=f"{ipaddress.IPv4Address(base)}/30",
                                           secondary_prefix=f"{ipaddress.IPv4Address(base + 4)}/30"),
        )
    gateway = (GatewaySpec(sku="ErGwScale", scale_units=40, subnet=f"10.{i % 250}.255.0/26") if scale
               else GatewaySpec(sku="ErGw3AZ", fastpath=True, subnet=f"10.{i % 250}.255.0/26"))
    demand_map = {}
    for k in range(1, demands + 1):
        n = i * demands + k
        t = (i + k) % sites
        to = f"s{t:03d}"
        crit = critical_every > 0 and n % critical_every == 0
        # A site behind an ErGwScale gateway without FastPath receives half-rate demands in the designed
        # fabric, so that one instance (half the gateway) carries all it receives.
        rate = 0.5 if t % 10 == 9 and not tight else 1.0
        if k % 5 == 0:
            demand_map[f"d{k}"] = ReplicationDemand(kind="replication", to_stack=to, dataset_tb=10 * rate,
                                                    within_hours=24, critical=crit)
        else:
            demand_map[f"d{k}"] = SustainedDemand(kind="sustained", to_stack=to, gbps=rate, critical=crit)
    overrides = CatalogOverrides(peering_locations={
        loc: {"metro": loc, "geopolitical_region": "North America"} for loc in dict.fromkeys(locs)})
    return FabricSpec(
        stack=f"s{i:03d}", site=SiteSpec(region="eastus" if not scale else "centralus",
                                         address_space=[f"10.{i % 250}.0.0/16"] if i < 250 else ["11.0.0.0/16"]),
        interconnect=InterconnectSpec(circuits=circuit_map, gateway=gateway), demands=demand_map,
        catalog_overrides=overrides,
    )


def fabric(fraction: float = 1.0, variant: str = "designed") -> tuple[list[FabricSpec], CarrierSpec]:
    """The synthetic fabric at a fraction of FULL: the stacks' specs and the carrier."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
    tight = variant == "tight"
    sites = max(10, int(FULL["sites"] * fraction))
    pops = max(20, int(FULL["pops"] * fraction))
    net = carrier(pops, max(pops + 5, int(FULL["spans"] * fraction)), max(3, int(FULL["srlgs"] * fraction)),
                  span_gbps=100 if tight else 400)
    demands = max(3, min(FULL["demands_per_site"], sites - 1))
    total = sites * demands
    critical_every = max(1, total // max(1, int(FULL["critical"] * fraction)))
    specs = [_site(i, sites, pops // 2, demands, critical_every, tight) for i in range(sites)]
    return specs, net


def run(fractions=SCALES, out=sys.stdout) -> dict:
    """Time the analysis at each size; print progress and a growth table; return the figures."""
    import scipy.optimize  # noqa: F401  (imported before the clock starts: the first import takes seconds)
    import scipy.sparse.csgraph  # noqa: F401

    rows = []
    for fraction in fractions:
        print(f"  building the synthetic fabric at {fraction:g} of full size ...", file=out, flush=True)
        specs, net = fabric(fraction)
        print(f"  analysing {len(specs)} sites, {len(net.pops)} PoPs, {len(net.spans)} spans ...", file=out, flush=True)
        timings: dict[str, float] = {}
        start, cpu = time.perf_counter(), time.process_time()
        report = flows.analyse(specs, net, timings=timings)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        violations = flows.violations(report)
        row = {
            "fraction": fraction, "sites": len(specs), "pops": len(net.pops), "spans": len(net.spans),
            "srlgs": len(net.srlg_members()), "circuits": sum(len(s.interconnect.circuits) for s in specs),
            "demands": len(report.graph.demands), "critical": sum(d.critical for d in report.graph.demands),
            "failures": report.failures, "pairs_checked": report.pairs, "seconds": seconds, "cpu_seconds": cpu,
            "single_s": timings.get("baseline", 0) + timings.get("single", 0),
            "figures_s": timings.get("figures", 0), "two_s": timings.get("two", 0),
            "settled": dict(report.stats), "violations": len(violations),
        }
        rows.append(row)
        print(f"  {row['sites']} sites: single-failure analysis {row['single_s']:.2f} s, per-demand figures "
              f"{row['figures_s']:.2f} s, two failures of {row['critical']} critical demands {row['two_s']:.2f} s "
              f"({row['pairs_checked']:,} pairs checked), total {seconds:.2f} s wall, {cpu:.2f} s CPU; settled "
              f"{', '.join(f'{k} {v}' for k, v in sorted(report.stats.items()))}; {len(violations)} violations",
              file=out, flush=True)
    print("failure analysis growth:", file=out)
    print(f"  {'sites':>5} {'PoPs':>5} {'spans':>6} {'SRLGs':>6} {'circuits':>8} {'demands':>7} {'failures':>8} "
          f"{'single s':>9} {'figures s':>9} {'2-fail s':>8} {'total s':>8} {'CPU s':>7}", file=out)
    for r in rows:
        print(f"  {r['sites']:>5} {r['pops']:>5} {r['spans']:>6} {r['srlgs']:>6} {r['circuits']:>8} {r['demands']:>7} "
              f"{r['failures']:>8} {r['single_s']:>9.2f} {r['figures_s']:>9.2f} {r['two_s']:>8.2f} "
              f"{r['seconds']:>8.2f} {r['cpu_seconds']:>7.2f}", file=out)
    return {"rows": rows}


if __name__ == "__main__":
    run()
