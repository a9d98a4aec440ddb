"""The fabric flow model: every declared demand fits at once, and still after any single failure.

No Pulumi here: specs are built in the test (or loaded from the shipped stacks) and assessed.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict

import numpy as np
import pytest
from scipy.optimize import linprog

from infra.capacity import assess, flows
from infra.carrier import CarrierSpec, load as load_carrier

H100 = "Standard_ND96isr_H100_v5"
DEMAND_INVARIANTS = {"demands-fit", "demands-survive-failure", "demands-survive-two-failures", "demand-path"}


def circuit(location: str, n: int, *, mbps: int = 10000, tier: str = "Premium", **extra) -> dict:
    return {
        "kind": "provider", "peering_location": location, "bandwidth_mbps": mbps, "tier": tier,
        "private_peering": {"peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
                            "secondary_prefix": f"172.16.{n}.4/30"},
        **extra,
    }


def site(region: str, net: int, circuits: dict[str, tuple[str, int]], *, gateway: dict | None = None,
         links: dict | None = None, demands: dict | None = None) -> dict:
    """A site's config values: circuits as name -> (peering location, Mbps)."""
    return {
        "site": {"region": region, "address_space": [f"10.{net}.0.0/16"]},
        "interconnect": {
            "circuits": {name: circuit(loc, net * 4 + i, mbps=mbps) for i, (name, (loc, mbps)) in enumerate(circuits.items())},
            "gateway": gateway or {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26"},
            "global_reach": links or {},
        },
        "demands": demands or {},
    }


def link(circuit: str, peer_stack: str, peer_circuit: str, n: int) -> dict:
    return {"circuit": circuit, "peer_stack": peer_stack, "peer_circuit": peer_circuit, "prefix": f"172.31.0.{8 * n}/29"}


def linked_pair(make_spec, *, east_demands=None, west_gateway=None, west_demands=None, west_circuits=None,
                east_circuits=None, pairs=(("wdc", "svl"), ("nyc", "lv"))):
    """eastus and westus3, each with two 10G circuits, joined by two Global Reach links."""
    east_links = {f"l{i}": link(a, "westus3", b, i) for i, (a, b) in enumerate(pairs)}
    west_links = {f"l{i}": link(b, "eastus", a, i) for i, (a, b) in enumerate(pairs)}
    east = site("eastus", 10, east_circuits or {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                links=east_links, demands=east_demands)
    west = site("westus3", 30, west_circuits or {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000)},
                links=west_links, demands=west_demands,
                gateway=west_gateway and {**west_gateway, "subnet": "10.30.255.0/26"})
    return [make_spec(east, "eastus"), make_spec(west, "westus3")]


def sync(to: str, gbps: float) -> dict:
    return {"kind": "sustained", "to_stack": to, "gbps": gbps}


def demand_violations(result, stack=None):
    return [v for v in result.violations if v.invariant in DEMAND_INVARIANTS and (stack is None or v.stack == stack)]


def carrier(spans: dict, pops: dict | None = None) -> CarrierSpec:
    """A carrier network: PoPs at the given peering locations (default: one per location the tests use)."""
    pops = pops or {"WDC": "Washington DC", "NYC": "New York", "CHI": "Chicago", "SVL": "Silicon Valley",
                    "LV": "Las Vegas", "SAT": "San Antonio", "TOR": "Toronto", "DC2": "Washington DC2"}
    return CarrierSpec.model_validate({
        "carrier": "Lumen", "pops": {p: {"peering_location": loc} for p, loc in pops.items()},
        "spans": {name: {"a": a, "z": z, "gbps": gbps, **extra} for name, (a, z, gbps, *rest) in spans.items()
                  for extra in [rest[0] if rest else {}]},
    })


# ------------------------------------------------------------------------------------------------
# An independent check: one LP per failure, one commodity per demand pair, every arc a variable
# ------------------------------------------------------------------------------------------------


def brute_shortfall(g: flows.FabricGraph, failures: tuple = ()) -> float:
    """Node-arc multi-commodity flow with dense matrices, written apart from the model under test."""
    lost_c = {k for f in failures for k in f.circuits}
    lost_s = {n for f in failures for n in f.spans}
    halved = {f.gateway for f in failures if f.gateway}
    rate: dict[tuple[str, str], float] = defaultdict(float)
    for d in g.demands:
        rate[(d.stack, d.to_stack)] += d.gbps
    pairs = sorted(rate)
    nodes = [("pop", p) for p in g.pops] + [(k, s) for s in g.sites for k in ("src", "gate", "sink")]
    idx = {n: i for i, n in enumerate(nodes)}
    arcs = []  # (tail, head, cap, owner) owner: which pairs may use it
    for key, c in g.circuits.items():
        cap = 0.0 if key in lost_c else c.gbps
        pop = ("pop", g.pop_of(c.location))
        arcs.append((idx[("src", key[0])], idx[pop], cap))
        arcs.append((idx[pop], idx[("gate", key[0])], cap))
    for name, sp in g.spans.items():
        cap = 0.0 if name in lost_s else sp.gbps
        arcs.append((idx[("pop", sp.a)], idx[("pop", sp.z)], cap))
        arcs.append((idx[("pop", sp.z)], idx[("pop", sp.a)], cap))
    for s, site in g.sites.items():
        cap = 1e9 if site.fastpath else site.gateway_gbps / (2 if s in halved else 1)
        arcs.append((idx[("gate", s)], idx[("sink", s)], cap))
    n_a, n_p = len(arcs), len(pairs)
    n = n_a * n_p + n_p
    a_eq, b_eq = [], []
    for k, (s, t) in enumerate(pairs):
        for v in range(len(nodes)):
            row = np.zeros(n)
            for j, (tail, head, _) in enumerate(arcs):
                row[k * n_a + j] = (tail == v) - (head == v)
            supply = 0.0
            if v == idx[("src", s)]:
                row[n_a * n_p + k] = 1.0
                supply = rate[(s, t)]
            elif v == idx[("sink", t)]:
                row[n_a * n_p + k] = -1.0
                supply = -rate[(s, t)]
            a_eq.append(row)
            b_eq.append(supply)
    a_ub = np.zeros((n_a, n))
    for j, (_, _, cap) in enumerate(arcs):
        for k in range(n_p):
            a_ub[j, k * n_a + j] = 1.0
    c = np.concatenate([np.zeros(n_a * n_p), np.ones(n_p)])
    res = linprog(c, A_ub=a_ub, b_ub=np.array([a[2] for a in arcs]), A_eq=np.array(a_eq), b_eq=np.array(b_eq),
                  bounds=[(0, None)] * n, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def shortfalls_by_failure(report: flows.FlowReport) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for s in report.shortfalls:
        if s.second is None:
            out[str(s.failure)] += s.short_gbps
    return dict(out)


@pytest.fixture(scope="session")
def shipped_carrier(repo_root) -> CarrierSpec:
    return load_carrier(repo_root / "stacks" / "fabric.yaml").spec


# ------------------------------------------------------------------------------------------------
# The shipped fabric
# ------------------------------------------------------------------------------------------------


def test_shipped_demands_fit_with_and_without_any_single_failure(shipped_specs, shipped_carrier):
    result = assess(list(shipped_specs.values()), shipped_carrier)
    assert demand_violations(result) == []
    report = result.flows
    g = report.graph
    locations = {c.location for c in g.circuits.values()}
    assert report.failures == len(g.spans) + len(g.srlgs()) + len(g.pops) + len(g.circuits) + len(locations) + 5
    assert report.shortfalls == [] and report.unroutable == []
    for failure in [None, *g.failures()]:
        assert brute_shortfall(g, (failure,) if failure else ()) < 1e-6, failure
    for stack, cap in result.capacity.items():
        for d in cap.interconnect.demands:
            assert d.available_gbps >= d.needed_gbps and d.worst_failure_gbps >= d.needed_gbps, (stack, d)
            assert d.paths and all(p["via"] == "carrier" for p in d.paths)


def test_reference_site_figures_are_fabric_wide(shipped_specs, shipped_carrier):
    result = assess(list(shipped_specs.values()), shipped_carrier)
    ic = result.capacity["eastus"].interconnect
    # 2 x 100 Gb/s Direct circuits; Global Reach into the site is capped by the peers' 10 Gb/s circuits.
    assert (ic.n_minus_1_gbps, ic.global_reach_gbps, ic.global_reach_n_minus_1_gbps) == (100, 60, 30)
    assert ic.worst_failure in {"circuit eastus/wdc", "circuit eastus/nyc", "peering location Washington DC",
                                "peering location New York", "PoP WDC", "PoP NYC"}
    corpus = {d.name: d for d in ic.demands}["corpus-to-westeurope"]
    assert corpus.needed_gbps == pytest.approx(60 * 8000 / (24 * 3600))
    # westeurope takes it in on three 10 Gb/s circuits (Amsterdam2, Frankfurt, Paris); any one may fail.
    assert (corpus.available_gbps, corpus.worst_failure_gbps, corpus.dataset_tb) == (30, 20, 60)
    assert corpus.hours_at_available == pytest.approx(60 * 8000 / 30 / 3600)
    assert corpus.path_requirement == "carrier" and corpus.path.endswith("(carrier)")
    doc = ic.to_json()
    assert doc["n_minus_1_gbps"] == 100 and type(doc["n_minus_1_gbps"]) is int
    assert doc["demands"][0]["name"] == "corpus-to-westeurope" and doc["demands"][0]["worst_failure"]


# ------------------------------------------------------------------------------------------------
# Demands that do not fit (no carrier file: only circuits and gateways bound them)
# ------------------------------------------------------------------------------------------------


def test_fails_when_a_demand_no_longer_fits_after_one_failure(make_spec):
    result = assess(linked_pair(make_spec, east_demands={"sync": sync("westus3", 15)}))
    found = demand_violations(result, "eastus")
    assert {v.invariant for v in found} == {"demands-survive-failure"}
    assert {v.message.split(",")[0] for v in found} == {
        "after losing circuit eastus/wdc", "after losing circuit eastus/nyc", "after losing circuit westus3/svl",
        "after losing circuit westus3/lv", "after losing peering location Washington DC",
        "after losing peering location New York", "after losing peering location Silicon Valley",
        "after losing peering location Las Vegas",
    }
    v = next(v for v in found if "circuit eastus/wdc" in v.message)
    assert v.path == "demands.sync"
    assert v.message.startswith(
        "after losing circuit eastus/wdc, eastus/sync -> westus3 (15 Gb/s) no longer fits: short by 5 Gb/s of "
        "the 15 Gb/s it needs; saturated: circuit eastus/nyc (out) (10 of 10 Gb/s)"
    )
    (d,) = result.capacity["eastus"].interconnect.demands
    assert (d.needed_gbps, d.available_gbps, d.worst_failure_gbps) == (15, 20, 10)
    assert d.worst_shortfall_gbps == pytest.approx(5)
    assert result.capacity["eastus"].interconnect.worst_demand_failure is not None


def test_fails_when_demands_from_one_site_do_not_fit_together(make_spec):
    east = site("eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                demands={"to-west": sync("westus3", 12), "to-south": sync("southcentralus", 12)})
    west = site("westus3", 30, {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000)})
    south = site("southcentralus", 20, {"chi": ("Chicago", 10000), "sat": ("San Antonio", 10000)})
    result = assess([make_spec(east, "eastus"), make_spec(west, "westus3"), make_spec(south, "southcentralus")])
    fit = [v for v in demand_violations(result) if v.invariant == "demands-fit"]
    assert fit and all(v.stack == "eastus" for v in fit)
    assert "do not fit even with nothing failed: short by 4 Gb/s" in fit[0].message or \
        "does not fit even with nothing failed" in fit[0].message
    assert "saturated: circuit eastus/nyc (out) (10 of 10 Gb/s), circuit eastus/wdc (out) (10 of 10 Gb/s)" in fit[0].message
    # Apart, each fits with room to spare: the two share eastus's 20 Gb/s out.
    assert {d.name: d.available_gbps for d in result.capacity["eastus"].interconnect.demands} == {
        "to-west": 20, "to-south": 20,
    }
    assert sum(d.short_gbps for d in result.capacity["eastus"].interconnect.demands) == pytest.approx(4)


def test_global_reach_carries_no_demand_the_carrier_does(make_spec):
    """Global Reach links on-premises networks (GLOBAL_REACH_DOC); VNet demands ride the carrier."""
    east = site("eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                demands={"corpus": sync("westeurope", 1)})
    eu = site("westeurope", 40, {"ams": ("Amsterdam2", 10000), "fra": ("Frankfurt", 10000)})
    result = assess([make_spec(east, "eastus"), make_spec(eu, "westeurope")])
    assert demand_violations(result) == []
    (d,) = result.capacity["eastus"].interconnect.demands
    assert d.available_gbps == 20 and {p["via"] for p in d.paths} == {"carrier"}
    assert result.capacity["eastus"].interconnect.global_reach_gbps == 0


def test_gateway_limits_traffic_into_its_site_unless_fastpath(make_spec):
    # westus3 behind an 8-unit ErGwScale without FastPath: 10 Gb/s into it cannot pass.
    small = {"sku": "ErGwScale", "scale_units": 8}
    result = assess(linked_pair(make_spec, east_demands={"sync": sync("westus3", 10)}, west_gateway=small))
    fit = [v for v in demand_violations(result) if v.invariant == "demands-fit"]
    assert len(fit) == 1 and "short by 2 Gb/s" in fit[0].message and "saturated: gateway westus3" in fit[0].message
    # Out of westus3 the gateway is not in the path: the same rate the other way fits.
    result = assess(linked_pair(make_spec, west_demands={"sync": sync("eastus", 10)}, west_gateway=small))
    assert demand_violations(result) == []
    # FastPath takes the data around the gateway: 15 Gb/s into a 10 Gb/s ErGw3AZ fits, with nothing failed.
    result = assess(linked_pair(make_spec, east_demands={"sync": sync("westus3", 15)}))
    assert [v for v in demand_violations(result) if v.invariant == "demands-fit"] == []


def test_losing_one_gateway_instance_halves_it_unless_fastpath(make_spec):
    three_east = {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000), "chi": ("Chicago", 10000)}
    three_west = {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000), "sat": ("San Antonio", 10000)}
    pairs = (("wdc", "svl"), ("nyc", "lv"), ("chi", "sat"))
    kwargs = dict(east_circuits=three_east, west_circuits=three_west, pairs=pairs,
                  east_demands={"sync": sync("westus3", 13)})
    result = assess(linked_pair(make_spec, west_gateway={"sku": "ErGwScale", "scale_units": 24}, **kwargs))
    (v,) = demand_violations(result)
    assert v.invariant == "demands-survive-failure"
    assert v.message.startswith("after losing one of the two instances of gateway westus3, eastus/sync -> westus3 "
                                "(13 Gb/s) no longer fits: short by 1 Gb/s")
    result = assess(linked_pair(make_spec, west_gateway={"sku": "ErGw3AZ", "fastpath": True}, **kwargs))
    assert demand_violations(result) == []
    assert result.flows.stats["skipped"] >= 2  # both gateways: FastPath, nothing to halve


def test_a_peering_location_failure_takes_the_circuits_of_every_site_there(make_spec):
    east_c = {"chi": ("Chicago", 10000), "nyc": ("New York", 10000)}
    west_c = {"chi": ("Chicago", 10000), "dc": ("Washington DC", 10000)}
    result = assess(linked_pair(make_spec, east_circuits=east_c, west_circuits=west_c, pairs=(),
                                east_demands={"sync": sync("westus3", 12)}))
    chicago = next(f for f in result.flows.graph.failures() if str(f) == "peering location Chicago")
    assert chicago.circuits == {("eastus", "chi"), ("westus3", "chi")}
    (v,) = [v for v in demand_violations(result) if "peering location Chicago" in v.message]
    assert v.message.startswith("after losing peering location Chicago, eastus/sync -> westus3 (12 Gb/s) no longer "
                                "fits: short by 2 Gb/s")


def test_a_metro_circuit_survives_a_peering_location_failure(make_spec):
    east_c = {"chi": ("Chicago", 10000), "nyc": ("New York", 10000)}
    west_c = {"chi": ("Chicago", 10000), "dc": ("Washington DC", 10000)}
    specs = linked_pair(make_spec, east_circuits=east_c, west_circuits=west_c, pairs=(),
                        east_demands={"sync": sync("westus3", 8)})
    metro = []
    for spec in specs:
        circuits = dict(spec.interconnect.circuits)
        circuits["chi"] = circuits["chi"].model_copy(update={"peering_location": "Chicago Metro"})
        metro.append(spec.model_copy(update={"interconnect": spec.interconnect.model_copy(update={"circuits": circuits})}))
    result = assess(metro)
    assert demand_violations(result) == []
    failures = {str(f) for f in result.flows.graph.failures()}
    assert "peering location Chicago Metro" not in failures and "circuit eastus/chi" in failures


# ------------------------------------------------------------------------------------------------
# Static interconnect rules the fabric model relies on
# ------------------------------------------------------------------------------------------------


def test_fails_when_global_reach_joins_circuits_at_one_peering_location(make_spec):
    east_c = {"chi": ("Chicago", 10000), "nyc": ("New York", 10000)}
    west_c = {"chi": ("Chicago", 10000), "lv": ("Las Vegas", 10000)}
    result = assess(linked_pair(make_spec, east_circuits=east_c, west_circuits=west_c, pairs=(("chi", "chi"),)))
    (v,) = [v for v in result.violations if v.invariant == "global-reach-locations"]
    assert v.stack == "eastus" and "are both at Chicago" in v.message


def test_fails_when_a_local_circuit_has_global_reach(spec_errors):
    data = site("eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                links={"w": link("wdc", "westus3", "svl", 0)})
    data["interconnect"]["circuits"]["wdc"]["tier"] = "Local"
    (err,) = spec_errors(data)
    assert err.path == "interconnect.global_reach.w.circuit"
    assert "tier Local, which has no Global Reach" in err.msg


def test_fails_when_a_bandwidth_is_off_the_ladder(spec_errors):
    data = site("eastus", 10, {"wdc": ("Washington DC", 3000), "nyc": ("New York", 10000)})
    (err,) = spec_errors(data)
    assert err.path == "interconnect.circuits.wdc"
    assert "bandwidth_mbps 3000 is not on the provider ladder" in err.msg


def test_fails_when_two_global_reach_links_join_the_same_circuits(spec_errors):
    data = site("eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                links={"a": link("wdc", "westus3", "svl", 0), "b": link("wdc", "westus3", "svl", 1)})
    (err,) = spec_errors(data)
    assert err.path == "interconnect.global_reach.b"
    assert err.msg == "joins wdc to westus3/svl like 'a'; two circuits have at most one Global Reach link: remove one"


def test_fails_when_global_reach_prefixes_overlap(make_spec):
    specs = linked_pair(make_spec)
    east = specs[0]
    links = dict(east.interconnect.global_reach)
    links["l1"] = links["l1"].model_copy(update={"prefix": links["l0"].prefix})
    bad = east.model_copy(update={"interconnect": east.interconnect.model_copy(update={"global_reach": links})})
    problems = assess([bad, specs[1]]).input_problems
    assert any("overlaps 172.31.0.0/29" in p.message for p in problems)


# ------------------------------------------------------------------------------------------------
# The fast analysis agrees with one full LP per failure (and per pair of failures)
# ------------------------------------------------------------------------------------------------


def random_fabric(make_spec, seed: int, scale: float) -> tuple[list, CarrierSpec]:
    """Five sites with 2-3 circuits at six PoPs joined by a random carrier network, eight demands."""
    rng = random.Random(seed)
    locations = ["Chicago", "New York", "Washington DC", "Toronto", "San Antonio", "Las Vegas"]
    pops = {f"P{i}": loc for i, loc in enumerate(locations)}
    regions = ["eastus", "centralus", "westus3", "southcentralus", "canadacentral"]
    spans: dict = {}
    names = sorted(pops)
    for i in range(len(names)):  # a ring, so the carrier is connected
        spans[f"r{i}"] = (names[i], names[(i + 1) % len(names)], rng.choice([4, 8, 12]),
                          {"srlgs": [f"g{rng.randint(0, 2)}"]})
    for j in range(rng.randint(1, 3)):  # and a few chords
        a, z = rng.sample(names, 2)
        spans[f"c{j}"] = (a, z, rng.choice([4, 8]), {})
    net = carrier(spans, pops)
    specs = []
    n_sites = 5
    all_demands: dict[int, dict] = defaultdict(dict)
    for i in range(8):
        a, b = rng.sample(range(n_sites), 2)
        all_demands[a][f"d{i}"] = sync(f"s{b}", round(rng.uniform(1, 6) * scale, 2))
        if i == 0:
            all_demands[a][f"d{i}"]["critical"] = True
    for s in range(n_sites):
        locs = rng.sample(locations, 3)
        circuits = {f"c{i}": (locs[i], rng.choice([5000, 10000])) for i in range(rng.randint(2, 3))}
        gateway = rng.choice([None, {"sku": "ErGwScale", "scale_units": rng.randint(4, 20)}])
        data = site(regions[s], 10 + s, circuits, demands=all_demands[s],
                    gateway=gateway and {**gateway, "subnet": f"10.{10 + s}.255.0/26"})
        specs.append(make_spec(data, f"s{s}"))
    return specs, net


@pytest.mark.parametrize("seed", range(2))  # more seeds: the same check on other fabrics (a second each)
def test_fast_analysis_matches_a_full_lp_after_every_failure(make_spec, seed):
    # The largest rates (in steps of 10%) that fit with nothing failed: tight, so failures bite.
    for scale in (1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1):
        specs, net = random_fabric(make_spec, seed, scale)
        report = flows.analyse(specs, net)
        if brute_shortfall(report.graph) <= 1e-6:
            break
        assert [s for s in report.shortfalls if s.failure is None], "baseline shortfall not reported"
    else:
        pytest.fail("no scale fits with nothing failed")
    assert not [s for s in report.shortfalls if s.failure is None]
    fast = shortfalls_by_failure(report)
    for failure in report.graph.failures():
        assert fast.get(str(failure), 0.0) == pytest.approx(brute_shortfall(report.graph, (failure,)), abs=1e-5), failure
    # Two failures, critical demands only: every pair the analysis did not flag fits in a full LP.
    crit = [d for d in report.graph.demands if d.critical]
    g_crit = dataclasses.replace(report.graph, demands=tuple(crit))
    flagged = {(str(s.failure), str(s.second)) for s in report.shortfalls if s.second is not None}
    fails = report.graph.failures()
    rng = random.Random(seed)
    for f1, f2 in rng.sample([(a, b) for i, a in enumerate(fails) for b in fails[i + 1:]], 40):
        single_short = fast.get(str(f1), 0) > 0 or fast.get(str(f2), 0) > 0
        if single_short:
            continue
        short = brute_shortfall(g_crit, (f1, f2))
        assert (short > 1e-5) == ((str(f1), str(f2)) in flagged or (str(f2), str(f1)) in flagged), (f1, f2, short)


# ------------------------------------------------------------------------------------------------
# The fast paths, each against an independent program
# ------------------------------------------------------------------------------------------------


def brute_max_flow(g: flows.FabricGraph, stack: str, to: str, failures: tuple = ()) -> float:
    """The most the fabric carries from one site to another alone: a demand far beyond it, less its shortfall."""
    probe = 10_000.0
    alone = dataclasses.replace(g, demands=(flows.DemandEdge(stack, "probe", to, probe),))
    return probe - brute_shortfall(alone, failures)


@pytest.mark.parametrize("seed", range(1))  # one fabric a run: each figure is checked by an LP per failure
def test_pair_figures_are_exact_max_flows_after_every_failure(make_spec, seed):
    # Narrow spans (4-12 Gb/s) under 5-10 Gb/s circuits: the cut and component bounds often part, so
    # both the bounds and scipy's max-flow decide figures here.
    specs, net = random_fabric(make_spec, seed, 1.0)
    report = flows.analyse(specs, net)
    g = report.graph
    for (stack, to) in {(d.stack, d.to_stack) for d in g.demands}:
        fig = next(f for f in report.demands.values() if (f.demand.stack, f.demand.to_stack) == (stack, to))
        assert fig.exact
        assert fig.available_gbps == pytest.approx(brute_max_flow(g, stack, to), abs=2e-3)
        worst = min(brute_max_flow(g, stack, to, (f,)) for f in g.failures())
        assert fig.worst_failure_gbps == pytest.approx(worst, abs=2e-3), (stack, to)
        if fig.worst_failure is not None:
            assert brute_max_flow(g, stack, to, (fig.worst_failure,)) == pytest.approx(worst, abs=2e-3)


def test_pair_figures_need_no_max_flow_when_spans_are_wide(make_spec):
    """Spans wider than any pair's circuits: the bounds meet, including across a carrier cut in two."""
    spans = {"wdc-nyc": ("WDC", "NYC", 400, {}), "nyc-svl": ("NYC", "SVL", 400, {"srlgs": ["g"]}),
             "wdc-lv": ("WDC", "LV", 400, {"srlgs": ["g"]}), "svl-lv": ("SVL", "LV", 400, {})}
    specs = linked_pair(make_spec, pairs=(), east_demands={"sync": sync("westus3", 4)})
    report = flows.analyse(specs, carrier(spans))
    (fig,) = report.demands.values()
    assert (fig.available_gbps, fig.exact) == (20, True)
    assert fig.worst_failure_gbps == 0 and str(fig.worst_failure) == "shared-risk group g"
    assert brute_max_flow(report.graph, "eastus", "westus3", (fig.worst_failure,)) == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_path_program_equals_the_program_over_arcs(make_spec, seed):
    """Column generation (paths priced by Dijkstra) reaches the optimum of the program over every arc."""
    from infra.capacity.flow_network import FlowNetwork
    from infra.capacity.rerouting import Router, by_columns

    specs, net = random_fabric(make_spec, seed, 1.6)
    g = flows.build(specs, net)
    fn = FlowNetwork(g)
    router = Router(fn)
    ids = list(range(len(fn.pairs)))
    rng = random.Random(seed)
    for f in [None, *rng.sample(g.failures(), 12)]:
        cap = fn.cap_under(fn.changes(f)) if f else fn.cap.copy()
        cols = by_columns(fn, router, ids, cap, {}, cap > 1e-9)
        arcs = fn.solve(ids, cap)
        assert cols is not None
        assert cols.short == pytest.approx(arcs.short, abs=1e-6), f
        assert cols.short == pytest.approx(brute_shortfall(g, (f,) if f else ()), abs=1e-5), f
        # Its routing is one: within every capacity, each pair carried as far as the optimum says.
        assert (cols.load <= cap + 1e-6).all()
        carried = defaultdict(float)
        for i, _, x in fn.decompose(cols):
            carried[i] += x
        for i in ids:
            assert carried[i] + cols.unrouted[i] == pytest.approx(fn.rate[i], abs=1e-6)


def test_parallel_spans_between_two_pops_both_carry_traffic(make_spec):
    """Two spans between one pair of PoPs (and two circuits at one location): each is an arc of its own."""
    spans = {"a": ("WDC", "SVL", 10, {}), "b": ("WDC", "SVL", 10, {})}
    east_c = {"wdc": ("Washington DC", 10000), "wdc2": ("Washington DC", 10000)}
    west_c = {"svl": ("Silicon Valley", 10000), "svl2": ("Silicon Valley", 10000)}
    specs = linked_pair(make_spec, pairs=(), east_circuits=east_c, west_circuits=west_c,
                        east_demands={"sync": sync("westus3", 15)})
    report = flows.analyse(specs, carrier(spans))
    assert [s for s in report.shortfalls if s.failure is None] == []
    (fig,) = report.demands.values()
    assert {s for p in fig.paths for s in p.spans} == {"a", "b"}
    assert {p.out for p in fig.paths} == {("eastus", "wdc"), ("eastus", "wdc2")}
    by = shortfalls_by_failure(report)
    assert by["span a"] == pytest.approx(5) and by["span b"] == pytest.approx(5)
    assert by["circuit eastus/wdc"] == pytest.approx(5)
    for f in report.graph.failures():
        assert by.get(str(f), 0.0) == pytest.approx(brute_shortfall(report.graph, (f,)), abs=1e-6), f


def two_site_routes(make_spec, narrow: tuple[str, ...] = (), gbps: float = 3):
    """eastus (3 circuits) to westus3 (3 circuits) over three PoP-disjoint routes: critical, immune; south
    (2 circuits) to eastus: critical, exposed (its two PoPs can both fail). Spans of 40 Gb/s, those
    named in `narrow` of `gbps` (too narrow for the critical traffic: not ample)."""
    pops = {"WDC": "Washington DC", "NYC": "New York", "CHI": "Chicago", "SVL": "Silicon Valley",
            "LV": "Las Vegas", "SAT": "San Antonio"}
    spans = {"wdc-nyc": ("WDC", "NYC", 40, {"srlgs": ["g"]}), "nyc-chi": ("NYC", "CHI", 40, {}),
             "chi-svl": ("CHI", "SVL", 40, {"srlgs": ["g"]}), "svl-lv": ("SVL", "LV", 40, {}),
             "lv-sat": ("LV", "SAT", 40, {}), "sat-wdc": ("SAT", "WDC", 40, {}), "nyc-lv": ("NYC", "LV", 40, {})}
    spans = {name: (a, z, gbps if name in narrow else cap, extra) for name, (a, z, cap, extra) in spans.items()}
    east = site("eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000),
                               "chi": ("Chicago", 10000)},
                demands={"sync": {**sync("westus3", 4), "critical": True}, "bulk": sync("westus3", 9)})
    west = site("westus3", 30, {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000),
                                "sat": ("San Antonio", 10000)})
    south = site("southcentralus", 20, {"sat": ("San Antonio", 10000), "chi": ("Chicago", 10000)},
                 demands={"logs": {**sync("eastus", 2), "critical": True}})
    return [make_spec(east, "eastus"), make_spec(west, "westus3"), make_spec(south, "southcentralus")], \
        carrier(spans, pops)


ALL_SPANS = ("wdc-nyc", "nyc-chi", "chi-svl", "svl-lv", "lv-sat", "sat-wdc", "nyc-lv")


@pytest.mark.parametrize("narrow, gbps, immune, sample", [
    # A sample of the pairs (every flagged pair included): each unflagged pair costs a full program.
    ((), 0, 1, 75),  # every span ample: immune and exposed pairs, connectivity checks
    (("sat-wdc", "lv-sat"), 3, 0, 75),  # San Antonio's routes narrow: settled in full after losing Chicago
    (ALL_SPANS, 5, 0, 60),  # east-west has no ample path at all: pairs touching its routing settled in full
])
def test_two_failure_pruning_misses_no_pair(make_spec, narrow, gbps, immune, sample):
    """Every pair of failures (or a sample, and every pair flagged), against one full program each: the
    pruned analysis flags exactly those that leave critical demands short (pairs where one failure alone
    does are the single analysis's)."""
    specs, net = two_site_routes(make_spec, narrow, gbps)
    report = flows.analyse(specs, net)
    assert (report.critical_pairs, report.critical_immune) == (2, immune)
    g = report.graph
    g_crit = dataclasses.replace(g, demands=tuple(d for d in g.demands if d.critical))
    flagged = {frozenset((str(s.failure), str(s.second))) for s in report.shortfalls if s.second is not None}
    fails = g.failures()
    alone = {str(f): brute_shortfall(g_crit, (f,)) > 1e-6 for f in fails}
    pairs = [(f1, f2) for i, f1 in enumerate(fails) for f2 in fails[i + 1:]]
    if sample:
        pairs = random.Random(0).sample(pairs, sample) + [
            (f1, f2) for f1, f2 in pairs if frozenset((str(f1), str(f2))) in flagged]
    short_pairs = set()
    for f1, f2 in pairs:
        if not alone[str(f1)] and not alone[str(f2)] and brute_shortfall(g_crit, (f1, f2)) > 1e-6:
            short_pairs.add(frozenset((str(f1), str(f2))))
    checked = {frozenset((str(f1), str(f2))) for f1, f2 in pairs}
    assert short_pairs and flagged & checked == short_pairs
    assert report.pairs < len(fails) * (len(fails) - 1) // 2


def test_an_immune_critical_pair_needs_no_pair_of_failures_checked(make_spec):
    specs, net = two_site_routes(make_spec)
    report = flows.analyse(specs[:2], net)  # without the exposed southcentralus demand
    assert (report.critical_pairs, report.critical_immune, report.pairs) == (1, 1, 0)
    assert not [s for s in report.shortfalls if s.second is not None]
    doc = report.carrier_json()
    assert (doc["critical_site_pairs"], doc["critical_site_pairs_immune"], doc["failure_pairs_checked"]) == (1, 1, 0)


def test_demand_figures_say_they_are_exact(shipped_specs, shipped_carrier):
    result = assess(list(shipped_specs.values()), shipped_carrier)
    for cap in result.capacity.values():
        for d in cap.interconnect.demands:
            assert d.to_json()["exact"] is True
