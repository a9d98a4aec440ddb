"""The fabric flow model: every declared demand fits at once, and still after any single failure.

No Pulumi here: specs are built in the test (or loaded from the shipped stacks) and assessed.
"""

from __future__ import annotations

import importlib
import random
from collections import defaultdict

import numpy as np
import pytest
from scipy.optimize import linprog

from infra.capacity import assess, flows

H100 = "Standard_ND96isr_H100_v5"
DEMAND_INVARIANTS = {"demands-fit", "demands-survive-failure", "demand-path"}


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


# ------------------------------------------------------------------------------------------------
# An independent check: one LP over the whole fabric per failure (no decomposition, no shortcuts)
# ------------------------------------------------------------------------------------------------


def brute_shortfall(g: flows.FabricGraph, failure: flows.Failure | None) -> float:
    lost = failure.circuits if failure else frozenset()
    rate: dict[tuple[str, str], float] = defaultdict(float)
    for d in g.demands:
        rate[(d.stack, d.to_stack)] += d.gbps
    paths = sorted({
        (pair, a, b) for pair in rate for l in g.links for a, b in ((l.a, l.b), (l.b, l.a))
        if (a[0], b[0]) == pair and a not in lost and b not in lost
    })
    pairs = sorted(p for p in rate if any(l for l in g.links if {l.a[0], l.b[0]} == set(p)))
    n = len(paths) + len(pairs)
    rows, caps = [], []
    for key, c in g.circuits.items():
        for side in (1, 2):  # out of a (side 1), into b (side 2)
            row = np.zeros(n)
            for i, path in enumerate(paths):
                row[i] = 1.0 if path[side] == key else 0.0
            rows.append(row)
            caps.append(0.0 if key in lost else c.gbps)
    for s, st in g.sites.items():
        if not st.fastpath:
            rows.append(np.array([1.0 if path[2][0] == s else 0.0 for path in paths] + [0.0] * len(pairs)))
            caps.append(st.gateway_gbps / (2 if failure and failure.gateway == s else 1))
    a_eq = np.zeros((len(pairs), n))
    for j, pair in enumerate(pairs):
        for i, path in enumerate(paths):
            a_eq[j, i] = 1.0 if path[0] == pair else 0.0
        a_eq[j, len(paths) + j] = 1.0
    c = np.concatenate([np.zeros(len(paths)), np.ones(len(pairs))])
    res = linprog(c, A_ub=np.array(rows), b_ub=np.array(caps), A_eq=a_eq, b_eq=np.array([rate[p] for p in pairs]),
                  bounds=[(0, None)] * n, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def shortfalls_by_failure(report: flows.FlowReport) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for s in report.shortfalls:
        out[str(s.failure)] += s.short_gbps
    return dict(out)


# ------------------------------------------------------------------------------------------------
# The shipped fabric
# ------------------------------------------------------------------------------------------------


def test_shipped_demands_fit_with_and_without_any_single_failure(shipped_specs):
    result = assess(list(shipped_specs.values()))
    assert demand_violations(result) == []
    report = result.flows
    # 10 circuits, 10 peering locations, 5 gateways.
    assert report.failures == 25
    assert report.shortfalls == [] and report.unroutable == []
    for failure in [None, *report.graph.failures()]:
        assert brute_shortfall(report.graph, failure) < 1e-6, failure
    for stack, cap in result.capacity.items():
        for d in cap.interconnect.demands:
            assert d.available_gbps >= d.needed_gbps and d.worst_failure_gbps >= d.needed_gbps, (stack, d)


def test_reference_site_figures_are_fabric_wide(shipped_specs):
    result = assess(list(shipped_specs.values()))
    ic = result.capacity["eastus"].interconnect
    # 2 x 100 Gb/s Direct circuits; Global Reach into the site is capped by the peers' 10 Gb/s circuits.
    assert (ic.n_minus_1_gbps, ic.global_reach_gbps, ic.global_reach_n_minus_1_gbps) == (100, 60, 30)
    assert ic.worst_failure in {"circuit eastus/wdc", "circuit eastus/nyc", "peering location Washington DC",
                                "peering location New York"}
    corpus = {d.name: d for d in ic.demands}["corpus-to-westeurope"]
    assert corpus.needed_gbps == pytest.approx(60 * 8000 / (24 * 3600))
    assert (corpus.available_gbps, corpus.worst_failure_gbps, corpus.dataset_tb) == (20, 10, 60)
    assert corpus.hours_at_available == pytest.approx(6.67, abs=0.01)
    doc = ic.to_json()
    assert doc["n_minus_1_gbps"] == 100 and type(doc["n_minus_1_gbps"]) is int
    assert doc["demands"][0]["name"] == "corpus-to-westeurope" and doc["demands"][0]["worst_failure"]


# ------------------------------------------------------------------------------------------------
# Demands that do not fit
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
        "the 15 Gb/s it needs"
    )
    (d,) = result.capacity["eastus"].interconnect.demands
    assert (d.needed_gbps, d.available_gbps, d.worst_failure_gbps) == (15, 20, 10)


def test_fails_when_demands_from_one_site_do_not_fit_together(make_spec):
    east = site("eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                links={"w0": link("wdc", "westus3", "svl", 0), "w1": link("nyc", "westus3", "lv", 1),
                       "s0": link("wdc", "southcentralus", "chi", 2), "s1": link("nyc", "southcentralus", "sat", 3)},
                demands={"to-west": sync("westus3", 12), "to-south": sync("southcentralus", 12)})
    west = site("westus3", 30, {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000)},
                links={"e0": link("svl", "eastus", "wdc", 0), "e1": link("lv", "eastus", "nyc", 1)})
    south = site("southcentralus", 20, {"chi": ("Chicago", 10000), "sat": ("San Antonio", 10000)},
                 links={"e0": link("chi", "eastus", "wdc", 2), "e1": link("sat", "eastus", "nyc", 3)})
    result = assess([make_spec(east, "eastus"), make_spec(west, "westus3"), make_spec(south, "southcentralus")])
    fit = [v for v in demand_violations(result) if v.invariant == "demands-fit"]
    assert len(fit) == 1
    assert fit[0].path == "demands"
    assert "do not fit even with nothing failed: short by 4 Gb/s of the 24 Gb/s they need together" in fit[0].message
    assert "eastus/to-west -> westus3 (12 Gb/s)" in fit[0].message or "eastus/to-south" in fit[0].message
    # Apart, each fits with room to spare: the two share eastus's 20 Gb/s out.
    assert {d.name: d.available_gbps for d in result.capacity["eastus"].interconnect.demands} == {
        "to-west": 20, "to-south": 20,
    }


def test_fails_when_a_demand_has_no_direct_global_reach_link(make_spec):
    """Global Reach is not transitive: eastus-westus3 and westus3-westeurope do not join eastus to westeurope."""
    east = site("eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                links={"w": link("wdc", "westus3", "svl", 0)}, demands={"corpus": sync("westeurope", 1)})
    west = site("westus3", 30, {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000)},
                links={"e": link("svl", "eastus", "wdc", 0), "eu": link("lv", "westeurope", "ams", 1)})
    eu = site("westeurope", 40, {"ams": ("Amsterdam2", 10000), "fra": ("Frankfurt", 10000)},
              links={"w": link("ams", "westus3", "lv", 1)})
    result = assess([make_spec(east, "eastus"), make_spec(west, "westus3"), make_spec(eu, "westeurope")])
    (v,) = demand_violations(result)
    assert (v.invariant, v.stack, v.path) == ("demand-path", "eastus", "demands.corpus")
    assert v.message.startswith("no Global Reach link joins a circuit of eastus and a circuit of westeurope")
    assert "Global Reach is not transitive" in v.message
    assert result.capacity["eastus"].interconnect.demands[0].available_gbps == 0


def test_gateway_limits_traffic_into_its_site_unless_fastpath(make_spec):
    # westus3 behind an 8-unit ErGwScale without FastPath: 10 Gb/s into it cannot pass.
    small = {"sku": "ErGwScale", "scale_units": 8}
    result = assess(linked_pair(make_spec, east_demands={"sync": sync("westus3", 10)}, west_gateway=small))
    fit = [v for v in demand_violations(result) if v.invariant == "demands-fit"]
    assert len(fit) == 1 and "short by 2 Gb/s" in fit[0].message
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
    assert result.flows.stats["skipped"] >= 2  # both gateways: FastPath, no demand path through them


def test_a_peering_location_failure_takes_the_circuits_of_every_site_there(make_spec):
    east_c = {"chi": ("Chicago", 10000), "nyc": ("New York", 10000)}
    west_c = {"chi": ("Chicago", 10000), "dc": ("Washington DC", 10000)}
    pairs = (("chi", "dc"), ("nyc", "chi"))  # each link at two locations, Chicago in both
    result = assess(linked_pair(make_spec, east_circuits=east_c, west_circuits=west_c, pairs=pairs,
                                east_demands={"sync": sync("westus3", 8)}))
    (v,) = demand_violations(result)
    assert v.message.startswith("after losing peering location Chicago, eastus/sync -> westus3 (8 Gb/s) no longer "
                                "fits: short by 8 Gb/s")


def test_a_metro_circuit_survives_a_peering_location_failure(make_spec):
    east_c = {"chi": ("Chicago", 10000), "nyc": ("New York", 10000)}
    west_c = {"chi": ("Chicago", 10000), "dc": ("Washington DC", 10000)}
    specs = linked_pair(make_spec, east_circuits=east_c, west_circuits=west_c, pairs=(("chi", "dc"), ("nyc", "chi")),
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
# The fast analysis agrees with one LP per failure
# ------------------------------------------------------------------------------------------------


def random_fabric(make_spec, seed: int, scale: float) -> list:
    """Seven sites with 3-5 circuits at three locations, random links and ten demands (rates x scale)."""
    rng = random.Random(seed)
    locations = ["Chicago", "New York", "Washington DC", "Toronto", "San Antonio", "Las Vegas", "Silicon Valley",
                 "Washington DC2"]
    regions = ["eastus", "centralus", "westus3", "southcentralus", "canadacentral", "northcentralus", "westus"]
    n_sites = 7
    circuits = {}
    for s in range(n_sites):
        locs = rng.sample(locations, 3)
        circuits[s] = {f"c{i}": (locs[i % 3], rng.choice([2000, 5000, 10000])) for i in range(rng.randint(3, 5))}
    links: dict[int, dict] = defaultdict(dict)
    made: set[tuple[int, str, int, str]] = set()
    n = 0
    for a in range(n_sites):
        for b in range(a + 1, n_sites):
            if rng.random() < 0.5:
                continue
            for _ in range(rng.randint(1, 3)):
                ca, cb = rng.choice(sorted(circuits[a])), rng.choice(sorted(circuits[b]))
                if circuits[a][ca][0] == circuits[b][cb][0] or (a, ca, b, cb) in made:
                    continue  # Global Reach joins two locations, once per pair of circuits
                made.add((a, ca, b, cb))
                prefix = f"172.31.{n // 32}.{8 * (n % 32)}/29"
                links[a][f"l{n}"] = link(ca, f"s{b}", cb, 0) | {"prefix": prefix}
                links[b][f"l{n}"] = link(cb, f"s{a}", ca, 0) | {"prefix": prefix}
                n += 1
    linked = sorted({(a, int(l["peer_stack"][1:])) for a in links for l in links[a].values()})
    demands: dict[int, dict] = defaultdict(dict)
    for i, (a, b) in enumerate(rng.sample(linked, min(len(linked), 10))):
        demands[a][f"d{i}"] = sync(f"s{b}", round(rng.uniform(1, 9) * scale, 2))
    specs = []
    for s in range(n_sites):
        gateway = rng.choice([None, {"sku": "ErGwScale", "scale_units": rng.randint(4, 30)}])
        data = site(regions[s], 10 + s, circuits[s], links=links[s], demands=demands[s],
                    gateway=gateway and {**gateway, "subnet": f"10.{10 + s}.255.0/26"})
        specs.append(make_spec(data, f"s{s}"))
    return specs


@pytest.mark.parametrize("seed", range(6))
def test_fast_analysis_matches_a_full_lp_after_every_failure(make_spec, seed):
    # The largest rates (in steps of 10%) that fit with nothing failed: tight, so failures bite.
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1):
        report = flows.analyse(random_fabric(make_spec, seed, scale))
        if brute_shortfall(report.graph, None) <= 1e-6:
            break
        assert [s for s in report.shortfalls if s.failure is None], "baseline shortfall not reported"
    else:
        pytest.fail("no scale fits with nothing failed")
    assert not [s for s in report.shortfalls if s.failure is None]
    fast = shortfalls_by_failure(report)
    assert fast, "nothing to compare: no failure leaves a shortfall"
    for failure in report.graph.failures():
        assert fast.get(str(failure), 0.0) == pytest.approx(brute_shortfall(report.graph, failure), abs=1e-6), failure


def test_two_hundred_sites_and_two_thousand_circuits_take_seconds(repo_root, monkeypatch):
    monkeypatch.syspath_prepend(str(repo_root))
    bench = importlib.import_module("bench.failures")
    figures = bench.run()
    assert (figures["sites"], figures["circuits"], figures["failures"]) == (200, 2000, 2215)
    assert figures["violations"] == {"circuits-per-region": 31}  # documented: one subscription is not modelled
    assert figures["seconds"] < 30
