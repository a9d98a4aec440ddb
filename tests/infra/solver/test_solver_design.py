"""The design solver on small fabrics: the cheapest changes, checked against brute force and the analysis.

Spec-level (no Pulumi, no files): sites and carriers built as specs, infra.solver.solve run directly with the
illustrative prices, the result judged by infra.capacity.assess.
"""

from __future__ import annotations

import itertools
import re

import pytest

from infra import solver
from infra.capacity import assess
from infra.solver import options, scenarios
from infra.solver.engine import DEMAND_INVARIANTS, SOLVER_INVARIANTS
from infra.solver.model import Model
from infra.solver.prices import ILLUSTRATIVE, span_offers

PRICES = ILLUSTRATIVE


def demand_violations(specs, carrier) -> list:
    return [v for v in assess(specs, carrier).violations if v.invariant in SOLVER_INVARIANTS]


def solve(specs, carrier, **kw):
    return solver.solve(specs, carrier, prices=PRICES, gap=0.0, **kw)


def with_bandwidth(spec, **mbps):
    data = spec.model_dump(exclude_defaults=True, mode="json")
    for name, value in mbps.items():
        data["interconnect"]["circuits"][name]["bandwidth_mbps"] = value
    return type(spec).model_validate(data)


def test_a_fabric_that_fits_needs_no_change(east_west, kit):
    specs = east_west({"sync": kit.sync("westus3", 4)})
    result = solve(specs, kit.carrier(kit.ROUTES))
    assert result.feasible_before and result.feasible_after and result.status == "fits"
    assert result.changes == () and result.monthly_usd_delta == 0


def test_short_circuits_get_the_cheapest_upgrade_brute_force(east_west, kit):
    # Two 1 Gb/s circuits for 1.4 Gb/s: either one lost leaves 1 Gb/s. Only larger bandwidths are offered,
    # so every design is one of 4 x 4 bandwidth pairs; the analysis judges each.
    specs = east_west({"sync": kit.sync("westus3", 1.4)}, east_mbps=1000)
    carrier = kit.carrier(kit.ROUTES)
    assert any(v.invariant == "demands-survive-failure" for v in demand_violations(specs, carrier))
    result = solve(specs, carrier, limits=solver.Limits(new_circuits=False))
    assert result.status == "solved" and result.feasible_after

    def price(mbps: int) -> float:
        return PRICES.circuit("eastus", "", "Standard", "UnlimitedData", mbps)

    best = None
    for wdc, nyc in itertools.product((1000, 2000, 5000, 10000), repeat=2):
        east = with_bandwidth(specs[0], wdc=wdc, nyc=nyc)
        if demand_violations([east, specs[1]], carrier):
            continue
        cost = price(wdc) + price(nyc) - 2 * price(1000)
        best = cost if best is None else min(best, cost)
    assert best == pytest.approx(result.monthly_usd_delta)
    assert {c.key for c in result.changes} == {"interconnect.circuits.wdc.bandwidth_mbps",
                                                "interconnect.circuits.nyc.bandwidth_mbps"}
    assert all(c.after == 2000 for c in result.changes)


def test_a_new_circuit_elsewhere_beats_upgrades_when_cheaper(east_west, kit):
    # With new circuits on offer, 0.4 Gb/s more at a third location keeps 1.4 Gb/s after any one loss: two
    # 200 Mb/s circuits there (2 x 1,200) beat one of 500 Mb/s (2,500) and raising both circuits (7,000).
    specs = east_west({"sync": kit.sync("westus3", 1.4)}, east_mbps=1000)
    carrier = kit.carrier(kit.ROUTES)
    said: list[str] = []
    result = solve(specs, carrier, progress=said.append)
    assert result.feasible_after and result.monthly_usd_delta == pytest.approx(2400)
    assert [c.after["bandwidth_mbps"] for c in result.changes] == [200, 200]
    (location,) = {c.after["peering_location"] for c in result.changes}
    assert location not in ("Washington DC", "New York")
    assert demand_violations(result.design.specs, carrier) == []
    # Found by each site alone (its own program, the sites' optima bounding any design), which the analysis
    # confirms: no routing, no whole program. The rounds and figures say so.
    space = options.build(specs, carrier, PRICES)
    local = scenarios.local(space)
    sizes = [Model(space, (), local, only=site).p for site in sorted(space.sites)]
    assert (result.status, result.gap, result.bound_usd, result.scenarios) == ("solved", 0.0, 2400.0, len(local) + 1)
    first, confirmed = (r.to_json() for r in result.rounds)
    assert {k: first[k] for k in ("round", "known_scenarios", "added", "status", "objective_usd", "bound_usd", "gap",
                                  "variables", "integers", "rows")} == {
        "round": 0, "known_scenarios": 0, "added": [], "status": "each site alone", "objective_usd": 2400.02,
        "bound_usd": 2400.02, "gap": 0.0, "variables": sum(p.n_vars for p in sizes),
        "integers": sum(sum(p.integer) for p in sizes), "rows": sum(p.n_rows for p in sizes)}
    assert {k: confirmed[k] for k in ("round", "known_scenarios", "added", "status", "objective_usd", "variables")} == {
        "round": 1, "known_scenarios": 1, "added": [], "status": "each site's own optimum", "objective_usd": None,
        "variables": 0}
    assert first["milp_seconds"] > 0 and confirmed["analysis_seconds"] > 0 and result.seconds >= result.rounds[0].milp_seconds
    assert [re.sub(r"\d+\.\d s", "<t> s", line) for line in said] == [
        f"2 sites, 4 circuits, new circuits offered at 8 site-locations, 0 span offers, 1 demands; {len(local)} "
        f"site-local scenarios; prices: {PRICES.source}",
        f"each site alone: 2 programs, {first['variables']} variables ({first['integers']} integer), HiGHS <t> s; "
        "together +2,400.02 USD/month, bound +2,400.02",
        "round 1 (each site's own optimum): the analysis confirms every scenario"]


def test_bandwidth_only_goes_up(east_west, kit):
    specs = east_west({"sync": kit.sync("westus3", 1.4)}, east_mbps=1000)
    result = solve(specs, kit.carrier(kit.ROUTES), limits=solver.Limits(new_circuits=False))
    for c in result.changes:
        if c.key.endswith("bandwidth_mbps"):
            assert c.after > c.before


def test_a_span_upgrade_is_chosen_when_spans_bind(east_west, kit):
    # Circuits are ample, but the two east-west routes carry 3 Gb/s each: 5 Gb/s fits, and after a route is
    # lost it does not. Each route's spans offer an upgrade (the user's price).
    routes = dict(kit.ROUTES)
    up = {"monthly_usd": 1000, "upgrades": [{"gbps": 10, "monthly_usd": 1500}]}
    routes["wdc-den"] = ("WDC", "DEN", 3, dict(up))
    routes["den-svl"] = ("DEN", "SVL", 3, dict(up))
    routes["nyc-lv"] = ("NYC", "LV", 3, dict(up))
    carrier = kit.carrier(routes)
    specs = east_west({"sync": kit.sync("westus3", 5)})
    assert any(v.invariant == "demands-survive-failure" for v in demand_violations(specs, carrier))
    said: list[str] = []
    result = solve(specs, carrier, progress=said.append)
    assert result.feasible_after
    # The sites' own optima need nothing; the spans with the sites at their most need nothing either: the
    # analysis finds the failures short, their routing cuts go to the whole program, first with no site free
    # (then 100% above the bound of 0), then with every site free.
    rounds = [r.to_json() for r in result.rounds]
    assert [(r["round"], r["known_scenarios"], r["status"]) for r in rounds] == [
        (0, 0, "each site alone"), (1, 1, "each site's own optimum, the cheapest span upgrades"), (2, 9, "optimal"),
        (3, 9, "optimal")]
    assert rounds[1]["added"] == ["PoP DEN", "PoP LV", "PoP NYC", "PoP SVL", "PoP WDC", "span den-svl", "span nyc-lv",
                                  "span wdc-den"]
    assert [r["objective_usd"] for r in rounds] == [0.0, None, 1500.03, 1500.03] and rounds[3]["gap"] == 0.0
    assert rounds[2]["variables"] == rounds[3]["variables"] > rounds[0]["variables"] > 0
    assert (result.gap, result.bound_usd, result.scenarios) == (0.0, 1500.0, 7 + 9)
    assert [re.sub(r"\d+\.\d+ s", "<t> s", line) for line in said[1:]] == [
        "each site alone: 2 programs, 146 variables (146 integer), HiGHS <t> s; together +0.00 USD/month, bound +0.00",
        "round 1 (each site's own optimum, the cheapest span upgrades): the analysis finds 8 scenario(s) short, adds "
        "PoP DEN, PoP LV, PoP NYC ...",
        "  8 routing cut(s): PoP DEN, PoP LV, PoP NYC ... (8 in all); HiGHS <t> s",
        "round 2 (the whole program, 0 site(s) free): 9 scenario(s) known, 149 variables (149 integer), 63 rows; "
        "HiGHS optimal in <t> s, incumbent +1,500.03 USD/month, gap 0.00%; the analysis confirms every scenario",
        "100.00% above the bound; solving with every site free",
        "round 3 (the whole program): 9 scenario(s) known, 149 variables (149 integer), 63 rows; HiGHS optimal in "
        "<t> s, incumbent +1,500.03 USD/month, gap 0.00%; the analysis confirms every scenario"]
    spans = {c.key for c in result.changes if c.stack is None}
    assert spans and all(k.startswith("spans.") and k.endswith(".gbps") for k in spans)
    assert all(c.after == 10 and c.monthly_usd == 500 for c in result.changes if c.stack is None)
    assert demand_violations(result.design.specs, result.design.carrier) == []
    # Brute force over the three span offers (the circuits already suffice): the cheapest set that fits.
    best = None
    for chosen in itertools.product((False, True), repeat=3):
        names = [n for n, on in zip(("wdc-den", "den-svl", "nyc-lv"), chosen) if on]
        data = carrier.model_dump(exclude_defaults=True, mode="json")
        for n in names:
            data["spans"][n].update(gbps=10, monthly_usd=1500, upgrades=[])
        if not demand_violations(specs, type(carrier).model_validate(data)):
            best = 500 * len(names) if best is None else min(best, 500 * len(names))
    assert result.monthly_usd_delta == pytest.approx(best)


def test_a_span_without_a_price_offers_no_upgrade(kit):
    spec = kit.carrier({"a": ("WDC", "NYC", 10, {"upgrades": [{"gbps": 20, "monthly_usd": 5}]})}).spans["a"]
    offers, why = span_offers(spec)
    assert offers == () and "no monthly_usd" in why


def test_a_critical_demand_gets_two_failure_redundancy(east_west, kit):
    # 6 Gb/s over two 10 Gb/s circuits survives any one failure; as critical it must survive any two, which
    # two circuits never do: a third location is needed on the sending side (and the receiving one).
    plain = east_west({"sync": kit.sync("westus3", 6)})
    carrier = kit.carrier(kit.ROUTES)
    assert demand_violations(plain, carrier) == []
    critical = east_west({"sync": kit.sync("westus3", 6, critical=True)})
    before = demand_violations(critical, carrier)
    assert {v.invariant for v in before} == {"demands-survive-two-failures"}
    result = solve(critical, carrier)
    assert result.feasible_after and result.changes
    assert demand_violations(result.design.specs, carrier) == []
    for spec in result.design.specs:
        locations = {spec.interconnect.peering_location_of(c) for c in spec.interconnect.circuits}
        assert len(locations) >= 3


def test_fails_when_nothing_makes_a_demand_fit(east_west, kit):
    # The only routes east-west are 3 Gb/s spans with no upgrade on offer, and only the circuits there are
    # (already 10 Gb/s, the top of the ladder): 20 Gb/s never fits. (With new circuits on offer the solver
    # would put eastus circuits at the western locations and cross on Microsoft's network instead.)
    routes = dict(kit.ROUTES)
    routes["wdc-den"] = ("WDC", "DEN", 3, {})
    routes["nyc-lv"] = ("NYC", "LV", 3, {})
    specs = east_west({"sync": kit.sync("westus3", 20)})
    result = solve(specs, kit.carrier(routes), limits=solver.Limits(new_circuits=False))
    assert result.status == "infeasible" and not result.feasible_after and result.changes == ()
    b = result.binding
    assert b.demands == ("eastus/sync",)
    assert b.needed_gbps == pytest.approx(20)
    assert b.most_gbps == pytest.approx(6, abs=0.01)
    assert b.site and "span" in " ".join(b.limit)


def test_a_circuit_at_a_far_location_routes_around_thin_spans(east_west, kit):
    routes = dict(kit.ROUTES)
    routes["wdc-den"] = ("WDC", "DEN", 3, {})
    routes["nyc-lv"] = ("NYC", "LV", 3, {})
    specs = east_west({"sync": kit.sync("westus3", 20)})
    said: list[str] = []
    result = solve(specs, kit.carrier(routes), progress=said.append)
    assert result.feasible_after
    # The shortfalls fill both sites' circuits: both are free in the whole program from its first round.
    assert [(r.number, r.known, r.status) for r in result.rounds] == [
        (0, 0, "each site alone"), (1, 1, "each site's own optimum"), (2, 5, "optimal"), (3, 9, "optimal")]
    assert [line.split(":")[0] for line in said if line.startswith("round")] == [
        "round 1 (each site's own optimum)", "round 2 (the whole program)", "round 3 (the whole program)"]
    east = next(s for s in result.design.specs if s.stack == "eastus")
    locations = {east.interconnect.peering_location_of(c) for c in east.interconnect.circuits}
    assert locations & {"Silicon Valley", "Las Vegas"}


def test_fails_naming_the_site_whose_options_run_out(kit):
    # No carrier network: one node, only circuits and gateways bound. 200 Gb/s out of a site whose region
    # allows 10 circuits of 10 Gb/s (no Direct ports on offer) never fits.
    east = kit.site("eastus", "eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                    {"sync": kit.sync("westus3", 200)})
    west = kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000)})
    result = solve([east, west], None, limits=solver.Limits(direct_ports=False))
    assert result.status == "infeasible"
    assert result.binding.site in ("eastus", "westus3")
    assert result.binding.message
    (first,) = result.rounds  # eastus's own program has no solution: no further round
    assert (first.number, first.known, first.status, first.objective_usd) == (0, 0, "infeasible at eastus", None)
    assert first.variables > 0 and first.rows > 0


def test_the_gateway_grows_when_it_binds(kit):
    # westus3 receives 6 Gb/s through an ErGwScale of 10 units without FastPath, behind 20 Gb/s of circuits
    # (the gateway-throughput rule). ErGw3AZ with FastPath is cheaper than 20 units here, but replaces the
    # gateway (an outage); in place, the units grow.
    east = kit.site("eastus", "eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                    {"sync": kit.sync("westus3", 6)})
    west = kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000)},
                    gateway={"sku": "ErGwScale", "scale_units": 10, "subnet": "10.30.255.0/26"})
    carrier = kit.carrier(kit.ROUTES)
    assert "gateway-throughput" in {v.invariant for v in demand_violations([east, west], carrier)}
    cheapest = solve([east, west], carrier)
    assert cheapest.feasible_after
    # Round 0 reports the sites' own programs, ErGwScale's cost above today's a continuous variable among them.
    space = options.build([east, west], carrier, PRICES)
    programs = [Model(space, (), scenarios.local(space), only=site).p for site in sorted(space.sites)]
    first = cheapest.rounds[0]
    assert (first.variables, first.integers, first.rows) == (
        sum(p.n_vars for p in programs), sum(sum(p.integer) for p in programs), sum(p.n_rows for p in programs))
    assert first.variables > first.integers
    gw = {c.key: c for c in cheapest.changes}
    assert gw["interconnect.gateway.sku"].after == "ErGw3AZ" and not gw["interconnect.gateway.sku"].in_place
    assert gw["interconnect.gateway.fastpath"].after is True
    in_place = solve([east, west], carrier, limits=solver.Limits(in_place_only=True))
    assert in_place.feasible_after and all(c.in_place for c in in_place.changes)
    units = {c.key: c for c in in_place.changes}["interconnect.gateway.scale_units"]
    assert units.before == 10 and units.after >= 20
    assert in_place.monthly_usd_delta > cheapest.monthly_usd_delta


def test_in_place_only_never_replaces_the_gateway(kit):
    east = kit.site("eastus", "eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                    {"sync": kit.sync("westus3", 30)})
    west = kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000)},
                    gateway={"sku": "ErGw1AZ", "subnet": "10.30.255.0/26"})
    carrier = kit.carrier(kit.ROUTES)
    free = solve([east, west], carrier)
    kept = solve([east, west], carrier, limits=solver.Limits(in_place_only=True))
    assert free.feasible_after and kept.feasible_after
    assert all(c.in_place for c in kept.changes)
    assert kept.monthly_usd_delta >= free.monthly_usd_delta


def test_new_circuits_get_free_prefixes_vlans_and_bgp_keys(east_west, kit):
    specs = east_west({"sync": kit.sync("westus3", 25)})
    result = solve(specs, kit.carrier(kit.ROUTES))
    assert result.feasible_after
    new = [c for c in result.changes if c.before is None and ".circuits." in c.key]
    assert new
    east = next(s for s in result.design.specs if s.stack == "eastus")
    vlans = [c.private_peering.vlan_id for c in east.interconnect.circuits.values()]
    assert len(vlans) == len(set(vlans))
    # New circuits bring BGP keys; new Direct ports bring MACsec keys (the direct-port-macsec invariant).
    ports = [c for c in result.changes if c.before is None and ".ports." in c.key and c.stack == "eastus"]
    assert {s.key for s in result.design.secrets} == {
        c.after["private_peering"]["bgp_key_secret"] for c in new if c.stack == "eastus"} | {
        c.after["macsec"][k] for c in ports for k in ("cak_secret", "ckn_secret")} | {
        s.key for s in result.design.secrets if s.stack != "eastus"}
    # Every prefix of the fabric stays disjoint (the analysis would refuse the design otherwise).
    assert assess(result.design.specs, result.design.carrier).input_problems == []


def test_only_the_selected_stacks_change(east_west, kit):
    specs = east_west({"sync": kit.sync("westus3", 1.4)}, east_mbps=1000)
    carrier = kit.carrier(kit.ROUTES)
    result = solve(specs, carrier, limits=solver.Limits(sites=frozenset({"westus3"}), spans=False))
    # eastus is short on its own circuits: westus3 alone cannot mend that.
    assert result.status == "infeasible"
    result = solve(specs, carrier, limits=solver.Limits(sites=frozenset({"eastus"}), spans=False))
    assert result.feasible_after and {c.stack for c in result.changes} == {"eastus"}


def test_every_demand_invariant_is_one_the_solver_answers_for():
    assert DEMAND_INVARIANTS <= SOLVER_INVARIANTS
