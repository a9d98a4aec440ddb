"""Rules of infra/solver/engine.py that need no full solve: when the fabric is left as it is, which rules the
solver refuses to mend, the design with every option at its most and the binding limit named from it, the
circuits per region a merged design may add, which sites a shortfall involves, the gap, and the figures the
JSON reports. Specs and option spaces are built in the test; the one analysis runs on a two-site fabric."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from infra import solver
from infra.capacity import flows
from infra.solver import engine
from infra.solver.design import Chosen
from infra.solver.model import Solved
from infra.solver.options import Limits, Step, build
from infra.solver.prices import ILLUSTRATIVE
from infra.solver.scenarios import BASELINE, FailureKey, Scenario

ON = dt.date(2026, 6, 1)
POPS3 = {"WDC": "Washington DC", "NYC": "New York", "SVL": "Silicon Valley"}
SPANS3 = {"wdc-nyc": ("WDC", "NYC", 100, {}), "wdc-svl": ("WDC", "SVL", 100, {}), "nyc-svl": ("NYC", "SVL", 100, {"monthly_usd": 10, "upgrades": [
    {"gbps": 200, "monthly_usd": 20}, {"gbps": 400, "monthly_usd": 30}]})}


def two_sites(kit, demands=None, east_circuits=None, gateway=None, west_region: str = "westus3"):
    east = kit.site("eastus", "eastus", 10, east_circuits or {"wdc": ("Washington DC", 1000), "nyc": ("New York", 1000)},
                    demands or {}, gateway=gateway)
    west = kit.site("westus3", west_region, 30, {"svl": ("Silicon Valley", 10000), "nyc": ("New York", 10000)})
    return [east, west]


# ------------------------------------------------------------------------------------ fits, or cannot be mended


def test_a_fabric_that_fits_is_left_as_it_is_and_said(kit):
    said: list[str] = []
    result = solver.solve(two_sites(kit, {"s": kit.sync("westus3", 1.0)}), kit.carrier(SPANS3, POPS3), ON,
                          prices=ILLUSTRATIVE, progress=said.append)
    assert (result.status, result.feasible_before, result.feasible_after) == ("fits", True, True)
    assert result.changes == () and result.monthly_usd_delta == 0.0 and result.prices_source == ILLUSTRATIVE.source
    assert result.design is None and result.binding is None and result.seconds >= 0.0
    assert result.rounds == () and result.scenarios == 0 and result.gap is None and result.bound_usd is None
    assert said == ["the fabric fits: every demand under the failure policy, every interconnect rule; nothing to change"]


def test_fails_with_the_rule_when_it_needs_something_removed(kit):
    five = {f"c{i}": ("Washington DC", 1000) for i in range(5)} | {"nyc": ("New York", 1000)}
    result = solver.solve(two_sites(kit, east_circuits=five), kit.carrier(SPANS3, POPS3), ON, prices=ILLUSTRATIVE)
    assert (result.status, result.feasible_before, result.feasible_after) == ("infeasible", False, False)
    b = result.binding
    assert b.message.startswith("solve only adds capacity; these rules need something removed or renumbered first: "
                                "eastus: ")
    assert b.site == "eastus" and b.limit == ("circuits-per-location",)
    assert [v.invariant for v in result.before] == ["circuits-per-location"]


def test_fails_on_bad_input(kit):
    east, west = two_sites(kit, {"s": kit.sync("nowhere", 1.0)})
    with pytest.raises(ValueError, match="the fabric has bad input"):
        solver.solve([east, west], None, ON, prices=ILLUSTRATIVE)


# ------------------------------------------------------------------------------------ every option at its most


def test_every_option_at_its_most_spreads_the_largest_new_circuits_over_the_locations(kit):
    specs = two_sites(kit, gateway={"sku": "ErGw2AZ", "fastpath": False, "subnet": "10.10.255.0/26"})
    space = build(specs, kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON)
    most = engine.most_design(space)
    assert most.steps == {("eastus", "wdc"): Step(10.0, 10000, 22500.0), ("eastus", "nyc"): Step(10.0, 10000, 22500.0)}
    gw, units = most.gateways["eastus"]
    assert (gw.sku, gw.fastpath, units) == ("ErGw3AZ", True, None)
    # 8 more circuits (10 per region less the 2 of today), 100 Gb/s carved from 100G ports, one location at a time
    got = {loc: (n, [(s.gbps, k) for s, k in carved]) for (site, loc, size), (n, carved) in most.ports.items()
           if site == "eastus"}
    assert got == {"New York": (2, [(100.0, 3)]), "Silicon Valley": (2, [(100.0, 3)]),
                   "Washington DC": (1, [(100.0, 2)])}
    assert {k for k in most.ports if k[0] == "eastus"} == {("eastus", loc, 100) for loc in got}
    assert most.provider == {} and most.room == {}
    assert {name: o.gbps for name, o in most.spans.items()} == {"nyc-svl": 400}


def test_at_its_most_without_ports_a_site_takes_the_largest_provider_circuits_within_each_locations_room(kit):
    specs = two_sites(kit)
    space = build(specs, kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON, Limits(direct_ports=False))
    most = engine.most_design(space)
    got = {loc: [(s.gbps, k) for s, k in v] for (site, loc), v in most.provider.items() if site == "eastus"}
    assert got == {"New York": [(10.0, 3)], "Silicon Valley": [(10.0, 3)], "Washington DC": [(10.0, 2)]}
    west = {loc: [(s.gbps, k) for s, k in v] for (site, loc), v in most.provider.items() if site == "westus3"}
    assert sum(k for v in west.values() for _, k in v) == 8
    assert most.gateways["westus3"][0].current and most.ports == {}


def test_at_its_most_a_site_stays_within_its_gateway_and_vnet_limits(kit):
    specs = two_sites(kit, gateway={"sku": "ErGw3AZ", "fastpath": True, "subnet": "10.10.255.0/27"},
                      west_region="eastus")
    space = build(specs, kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON, Limits(direct_ports=False))
    most = engine.most_design(space)
    # the region has 4 circuits: each site gets its whole room of 6
    for site in ("eastus", "westus3"):
        assert sum(k for (s, _), v in most.provider.items() if s == site for _, k in v) == 6
    one = build(specs, kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON, Limits(new_circuits=False))
    assert engine.most_design(one).provider == {}


def test_the_binding_limit_names_the_demand_the_site_and_the_most_that_fits(kit):
    east = two_sites(kit, {"s": kit.sync("westus3", 30.0)})[0]
    west = kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "nyc": ("New York", 10000),
                                               "svl2": ("Silicon Valley", 10000)})
    specs, carrier = [east, west], kit.carrier(SPANS3, POPS3)
    space = build(specs, carrier, ILLUSTRATIVE, ON, Limits(new_circuits=False))
    b = engine.diagnose(space, specs, carrier, ON)
    assert b.demands == ("eastus/s",) and b.needed_gbps == 30.0 and b.failure == "with nothing failed"
    # eastus at its most: its two circuits at the top of the ladder, 10 Gb/s each
    assert b.most_gbps == pytest.approx(20.0) and b.site == "eastus"
    assert b.limit == ("circuit eastus/nyc (out)", "circuit eastus/wdc (out)")
    assert b.message == ("eastus/s -> westus3 needs 30.00 Gb/s; with nothing failed, at most 20.00 Gb/s of it fits "
                         "at eastus with every option at its most (within Azure's circuit limits) (saturated: "
                         "circuit eastus/nyc (out), circuit eastus/wdc (out))")
    assert b.to_json()["needed_gbps"] == 30.0 and b.to_json()["demands"] == ["eastus/s"]


def test_the_binding_limit_of_a_demand_without_any_carrier_path(kit):
    east = kit.site("eastus", "eastus", 10, {"wdc": ("Washington DC", 1000), "nyc": ("New York", 1000)},
                    {"s": kit.sync("westus3", 1.0)})
    west = kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "svl2": ("Silicon Valley", 10000)})
    carrier = kit.carrier({"wdc-nyc": ("WDC", "NYC", 100, {})}, POPS3)
    space = build([east, west], carrier, ILLUSTRATIVE, ON, Limits(new_circuits=False))
    b = engine.diagnose(space, [east, west], carrier, ON)
    assert b.message == ("eastus/s -> westus3 (1.00 Gb/s) has no carrier path at all: no circuit of eastus and "
                         "circuit of westus3 are joined by spans in service on 2026-06-01")
    assert (b.demands, b.site, b.needed_gbps, b.most_gbps, b.limit) == (("eastus/s",), "eastus", 1.0, 0.0,
                                                                        ("carrier spans",))


# ------------------------------------------------------------------------------------ circuits per region


def test_a_merged_design_keeps_ten_circuits_per_region(kit):
    specs = two_sites(kit, west_region="eastus")
    space = build(specs, kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON)
    step = Step(1.0, 1000, 1.0)
    east = Chosen(provider={("eastus", "New York"): ((step, 2),)})
    assert engine._within_regions(space, east)  # 4 + 2
    full = Chosen(provider={("eastus", "New York"): ((step, 2),), ("westus3", "Washington DC"): ((step, 2),)},
                  room={("eastus", "p"): ((step, 2),)}, ports={("westus3", "Silicon Valley", 10): (1, ((step, 1),))})
    assert engine._within_regions(space, full) is False  # 4 + 7
    exact = Chosen(provider={("eastus", "New York"): ((step, 2),), ("westus3", "Washington DC"): ((step, 2),)},
                   ports={("westus3", "Silicon Valley", 10): (1, ((step, 2),))})
    assert engine._within_regions(space, exact)  # exactly 10
    over = Chosen(room={("eastus", "p"): ((step, 7),)})
    assert not engine._within_regions(space, over)
    one_site = Chosen(room={("eastus", "p"): ((step, 6),)})
    assert engine._within_regions(space, one_site)  # exactly 10, westus3 adding none


def test_merging_designs_keeps_every_part():
    a = Chosen(steps={("a", "c"): 1}, gateways={"a": (1, None)}, spans={"s": 1})
    b = Chosen(provider={("b", "x"): 2}, ports={("b", "x", 10): 3}, room={("b", "p"): 4}, gateways={"b": (2, None)})
    m = engine._merge([a, b])
    assert (m.steps, m.provider, m.ports, m.room, m.spans) == (a.steps, b.provider, b.ports, b.room, a.spans)
    assert m.gateways == {"a": (1, None), "b": (2, None)}


# ------------------------------------------------------------------------------------ shortfalls


def sat(*resources: str):
    return tuple(flows.Saturated(r, 1.0, 1.0) for r in resources)


def demand(src: str, dst: str, gbps: float = 1.0):
    return flows.DemandEdge(src, "d", dst, gbps)


def test_a_shortfall_involves_the_sites_whose_circuits_or_gateway_it_fills():
    sf = flows.Shortfall(None, 1.0, (demand("a", "b"),), 1.0, saturated=sat("circuit c/x", "gateway d", "span s"))
    report = SimpleNamespace(unroutable=[demand("e", "f")], shortfalls=[sf])
    assert engine._involved(report) == {"c", "d", "e", "f"}
    assert engine._involved(report, widely=True) == {"a", "b", "c", "d", "e", "f"}


def test_the_site_of_a_limit_is_where_most_of_it_saturates_else_the_spans():
    d = demand("a", "b")
    sf = flows.Shortfall(None, 1.0, (d,), 1.0, saturated=sat("circuit c/x", "circuit c/y", "gateway d", "span s"))
    assert engine._site_of(sf, d) == "c"
    sf = flows.Shortfall(None, 1.0, (d,), 1.0, saturated=sat("gateway d", "span s"))
    assert engine._site_of(sf, d) == "d"
    sf = flows.Shortfall(None, 1.0, (d,), 1.0, saturated=sat("span s"))
    assert engine._site_of(sf, d) == "the carrier spans between a and b"
    assert engine._site_of(flows.Shortfall(None, 1.0, (d,), 1.0), d) == "a"


def test_scenarios_short_come_worst_first_with_the_destinations_left_short():
    design = SimpleNamespace(where={("a", "w"): ("Washington DC", False)})
    small = flows.Shortfall(flows.Failure("span", "s"), 1.0, (demand("a", "b"),), 2.0)
    big = flows.Shortfall(flows.Failure("circuit", "a/w"), 3.0, (demand("a", "c"),), 4.0)
    also = flows.Shortfall(flows.Failure("span", "s"), 0.5, (demand("a", "d"),), 1.0)
    none = flows.Shortfall(None, 0.1, (demand("a", "e"),), 1.0)
    got = engine._short_scenarios(SimpleNamespace(unroutable=[], shortfalls=[small, big, also, none]), design)
    span = Scenario((FailureKey("span", "s"),))
    assert list(got.items()) == [(Scenario((FailureKey("peering location", "Washington DC"),)), {"c"}),
                                 (span, {"b", "d"}), (BASELINE, {"e"})]
    got = engine._short_scenarios(SimpleNamespace(unroutable=[demand("a", "z")], shortfalls=[small]), design)
    assert list(got.items()) == [(BASELINE, {"z"}), (span, {"b"})]


# ------------------------------------------------------------------------------------ gap and reports


def test_the_gap_is_relative_to_the_objective_and_never_below_zero():
    assert engine._gap(110.0, 100.0) == pytest.approx(10 / 110)
    assert engine._gap(100.0, 110.0) == 0.0
    assert engine._gap(0.5, 0.0) == 0.5  # relative to at least 1 USD
    assert engine._gap(-4.0, -6.0) == 0.5


def test_a_round_reports_its_figures_rounded():
    solved = Solved("optimal", None, 1234.5678, 1200.004, 0.028, 1.23456, 10, 7, 5, 3)
    r = engine._round(2, [BASELINE, BASELINE], ("span s",), solved, 0.1234)
    assert r.to_json() == {"round": 2, "known_scenarios": 2, "added": ["span s"], "status": "optimal",
                           "objective_usd": 1234.57, "bound_usd": 1200.0, "gap": 0.028, "milp_seconds": 1.235,
                           "analysis_seconds": 0.123, "variables": 10, "integers": 7, "rows": 5}
    assert engine._progress(r) == ("2 scenario(s) known, 10 variables (7 integer), 5 rows; HiGHS optimal in 1.2 s, "
                                   "incumbent +1,234.57 USD/month, gap 2.80%; adds span s")
    bare = engine.Round(1, 1, (), "infeasible", None, None, None, 0.0, 0.0, 1000, 1000, 2000)
    assert engine._progress(bare) == "1 scenario(s) known, 1,000 variables (1,000 integer), 2,000 rows; HiGHS infeasible in 0.0 s"
    many = engine.Round(1, 1, ("a", "b", "c", "d", "e"), "optimal", None, None, None, 0.0, 0.0, 1, 1, 1)
    assert engine._progress(many).endswith("; adds a, b, c, d ...")
    assert bare.to_json()["objective_usd"] is None


def test_a_binding_reports_its_figures_rounded():
    b = engine.Binding("m", ("x",), "s", "f", 1.23456, 0.98765, ("span a",))
    assert b.to_json() == {"message": "m", "demands": ["x"], "site": "s", "failure": "f", "needed_gbps": 1.235,
                           "most_gbps": 0.988, "limit": ["span a"]}
    assert engine.Binding("m").to_json()["needed_gbps"] is None


def test_at_its_most_an_existing_port_takes_what_fits_within_twice_its_size(kit):
    import dataclasses

    from infra.solver.options import PortRoom

    specs = two_sites(kit)
    space = build(specs, kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON, Limits(new_circuits=False))
    carved = tuple(Step(float(g), g, 0.0) for g in (1, 2, 5, 10))

    def with_port(on_port_gbps: float, location: str = "Washington DC", region_existing: int = 4):
        east = space.sites["eastus"]
        circuits = (dataclasses.replace(east.circuits[0], port="p", steps=(), current=Step(on_port_gbps, 0, 0.0)),
                    *east.circuits[1:])
        room = PortRoom("eastus", "p", location, 10, "Standard", carved)
        east = dataclasses.replace(east, circuits=circuits, port_rooms=(room,))
        return engine.most_design(dataclasses.replace(space, sites={**space.sites, "eastus": east},
                                                      region_existing={"eastus": region_existing, "westus3": 2}))

    assert with_port(5.0).room == {("eastus", "p"): ((carved[3], 1),)}  # 15 Gb/s left: one of 10
    assert with_port(0.0).room == {("eastus", "p"): ((carved[3], 2),)}  # 20 left: two, the most carved
    assert with_port(11.0).room == {}  # 9 left: none of 10
    assert with_port(0.0, region_existing=9).room == {("eastus", "p"): ((carved[3], 1),)}  # the region's last
    assert with_port(0.0, region_existing=10).room == {}
    new_here = build(specs, kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON, Limits(direct_ports=False))
    east = dataclasses.replace(new_here.sites["eastus"],
                               port_rooms=(PortRoom("eastus", "p", "Washington DC", 10, "Standard", carved),))
    most = engine.most_design(dataclasses.replace(new_here, sites={**new_here.sites, "eastus": east}))
    assert most.room == {}  # new circuits are offered there: those are counted instead


# ------------------------------------------------------------------------------------ rounds, time, frozen results


def test_a_round_makes_known_at_most_forty_scenarios_not_known_yet_the_worst_first():
    many = [Scenario((FailureKey("span", f"s{i:02}"),)) for i in range(42)]
    assert engine.MAX_SCENARIOS_PER_ROUND == 40
    assert engine._to_add(many, []) == many[:40]
    assert engine._to_add(many, many[:3]) == many[3:43]
    assert engine._to_add(many[:40], []) == many[:40] and engine._to_add(many[:5], many[:5]) == []


def test_results_are_frozen():
    import dataclasses

    for value in (engine.Round(0, 0, (), "x", None, None, None, 0.0, 0.0, 0, 0, 0), engine.Binding("m"),
                  engine.Result(False, False, "unsolved")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.status = "y"
        hash(value)


def test_the_first_site_with_a_rule_it_cannot_mend_is_named(kit):
    five = {f"c{i}": ("Washington DC", 1000) for i in range(5)} | {"nyc": ("New York", 1000)}
    east = kit.site("eastus", "eastus", 10, five)
    west = kit.site("westus3", "westus3", 30, {f"s{i}": ("Silicon Valley", 1000) for i in range(5)}
                    | {"nyc": ("New York", 1000)})
    result = solver.solve([east, west], kit.carrier(SPANS3, POPS3), ON, prices=ILLUSTRATIVE)
    assert result.binding.site == "eastus" and result.binding.limit == ("circuits-per-location",) * 2
    assert "; westus3: " in result.binding.message


def test_the_fabric_is_judged_on_the_day_asked_not_today(kit):
    # The only span is new fibre lit on 2026-09-01: on 2026-06-01 no carrier path joins the sites (today it would).
    lit = {"wdc-svl": ("WDC", "SVL", 100, {"status": "new", "in_service": "2026-09-01"})}
    specs = two_sites(kit, {"s": kit.sync("westus3", 1.0)}, east_circuits={"wdc": ("Washington DC", 1000),
                                                                          "wdc2": ("Washington DC", 1000)})
    result = solver.solve(specs, kit.carrier(lit, POPS3), ON, prices=ILLUSTRATIVE, limits=Limits(new_circuits=False))
    assert (result.status, result.feasible_before) == ("infeasible", False)
    assert "demand-path" in {v.invariant for v in result.before}
    assert result.binding.message.endswith("are joined by spans in service on 2026-06-01")
    assert result.binding.limit == ("carrier spans",)


def test_no_time_left_leaves_the_fabric_unsolved_and_says_so(kit):
    specs = two_sites(kit, {"s": kit.sync("westus3", 1.5)})
    result = solver.solve(specs, kit.carrier(SPANS3, POPS3), ON, prices=ILLUSTRATIVE, time_limit=0.5)
    assert (result.status, result.feasible_before, result.feasible_after) == ("unsolved", False, False)
    assert result.binding.message == ("no design found within the time limit of 0.5 s; give more time (--time-limit)")
    assert result.before and result.rounds == ()


def test_a_site_program_without_a_solution_in_time_leaves_the_fabric_unsolved(kit, monkeypatch):
    def no_solution(self, time_limit, gap):
        return Solved("no solution in time", None, None, None, None, 0.0, 0, 0, 0, 0)

    monkeypatch.setattr(engine.Model, "solve", no_solution)
    specs = two_sites(kit, {"s": kit.sync("westus3", 1.5)})
    result = solver.solve(specs, kit.carrier(SPANS3, POPS3), ON, prices=ILLUSTRATIVE)
    assert result.status == "unsolved"
    assert result.binding.message.startswith("no design for site eastus found within the time limit of 60 s")


def test_a_site_that_cannot_meet_its_own_needs_makes_the_fabric_infeasible_with_that_rounds_figures(kit, monkeypatch):
    # eastus (first) is solved as it is; westus3 cannot meet its own needs. The round counts both programs.
    import dataclasses

    real = engine.Model.solve
    first: list[Solved] = []

    def solve(model, time_limit, gap):
        if "westus3" in model.sites:
            return Solved("infeasible", None, None, None, None, 0.25, 7, 3, 5, 0)
        first.append(dataclasses.replace(real(model, time_limit, gap), seconds=0.5, n_vars=61, n_integer=40, n_rows=21))
        return first[-1]

    monkeypatch.setattr(engine.Model, "solve", solve)
    said = []
    result = solver.solve(two_sites(kit, {"s": kit.sync("westus3", 1.5)}), kit.carrier(SPANS3, POPS3), ON,
                          prices=ILLUSTRATIVE, progress=said.append)
    assert (result.status, result.feasible_before, result.feasible_after) == ("infeasible", False, False)
    assert len(first) == 1
    assert result.rounds == (engine.Round(0, 0, (), "infeasible at westus3", None, None, None, 0.75, 0.0, 68, 43, 26),)
    assert "site westus3 alone: no combination of its options meets its own needs" in said
    assert result.binding is not None and result.design is None


def test_the_binding_limit_when_every_demand_fits_but_a_rule_does_not(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("Washington DC", 1000)})
    west = kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "nyc": ("New York", 10000)})
    carrier = kit.carrier(SPANS3, POPS3)
    space = build([east, west], carrier, ILLUSTRATIVE, ON, Limits(new_circuits=False))
    b = engine.diagnose(space, [east, west], carrier, ON)
    assert b.message.startswith("no combination of the options keeps every interconnect rule")
    assert b.limit == ("interconnect rules",) and b.site is None


def test_the_binding_limit_when_sites_of_one_region_cannot_share_its_circuits(kit):
    # Each eastus site alone may take the region's whole room; together they exceed Azure's 10 per region.
    a = kit.site("east-a", "eastus", 10, {"wdc": ("Washington DC", 1000), "nyc": ("New York", 1000)})
    b = kit.site("east-b", "eastus", 20, {"wdc": ("Washington DC", 1000), "nyc": ("New York", 1000)})
    west = kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "nyc": ("New York", 10000)})
    carrier = kit.carrier(SPANS3, POPS3)
    space = build([a, b, west], carrier, ILLUSTRATIVE, ON, Limits())
    bound = engine.diagnose(space, [a, b, west], carrier, ON)
    assert bound.message.startswith("every demand fits with every option at its most, each site using its region's "
                                    "whole room, but the sites of one region cannot share it: east-a: stacks east-a, "
                                    "east-b declare 16 circuits in eastus")
    assert (bound.site, bound.limit, bound.demands) == ("east-a", ("circuits-per-region",), ())


def test_at_its_most_the_gateway_is_the_one_that_carries_most(kit):
    import dataclasses

    from infra.solver.options import GatewayOption

    space = build(two_sites(kit), kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON, Limits(new_circuits=False))

    def best(*gateways):
        east = dataclasses.replace(space.sites["eastus"], gateways=gateways)
        return engine.most_design(dataclasses.replace(space, sites={**space.sites, "eastus": east})).gateways["eastus"]

    wide = GatewayOption("eastus", "A", False, 10.0, 4, 1.0, False, True)
    many = GatewayOption("eastus", "B", False, 2.0, 16, 1.0, True, True)
    assert best(many, wide) == (wide, None)  # throughput before the circuits it connects
    scale = GatewayOption("eastus", "ErGwScale", False, 1.0, 16, 1.0, False, True, 2, 8)
    five = GatewayOption("eastus", "C", False, 5.0, 16, 1.0, True, True)
    assert best(five, scale) == (scale, 8)  # 8 units of 1 Gb/s carry more than 5
    fast = GatewayOption("eastus", "D", True, 1.0, 4, 1.0, False, False)
    assert best(wide, fast, scale) == (fast, None)


def test_a_fabric_that_fits_keeps_what_the_solver_does_not_answer_for_as_untouched(kit):
    east, west = two_sites(kit, {"s": kit.sync("westus3", 1.0)})
    data = east.model_dump(mode="json", exclude_defaults=True)
    data["interconnect"]["global_reach"] = {"gr": {"circuit": "wdc", "peer_stack": "westus3", "peer_circuit": "svl",
                                                   "prefix": "172.16.200.0/29"}}
    east = type(east).model_validate(data)  # declared in eastus only: a global-reach-pair violation
    result = solver.solve([east, west], kit.carrier(SPANS3, POPS3), ON, prices=ILLUSTRATIVE)
    assert result.status == "fits" and result.before == ()
    assert [v.invariant for v in result.untouched] == ["global-reach-pair"]


# ------------------------------------------------------------------------------------ the loop's rare paths
# The fabric's assessment, the failure analysis and its findings are stood in for (they are judged elsewhere), so
# that each test reaches its path in a few milliseconds: the programs are solved by HiGHS as in a real solve.

NO_OFFERS = {name: (a, b, gbps, {}) for name, (a, b, gbps, _) in SPANS3.items()}
SPAN_WDC_SVL = Scenario((FailureKey("span", "wdc-svl"),))
SPAN_WDC_NYC = Scenario((FailureKey("span", "wdc-nyc"),))


def staged(kit, monkeypatch, findings, involved, spans=NO_OFFERS, solved=None, left_over=(),
           widely=frozenset({"eastus", "westus3"}), **kw):
    """solve() on two sites, each analysis finding the next of `findings` short and involving the next of
    `involved` (widely: every site); `solved(model, found)` may change what HiGHS found. (result, said, modes)."""
    from infra.capacity.report import Violation

    findings, involved, modes, said = list(findings), list(involved), [], []
    empty = SimpleNamespace(unroutable=[], shortfalls=[])
    monkeypatch.setattr(flows, "analyse", lambda *a, **k: empty)
    monkeypatch.setattr(flows, "violations", lambda report: list(left_over))
    monkeypatch.setattr(engine, "_short_scenarios", lambda report, design: findings.pop(0) if findings else {})
    monkeypatch.setattr(engine, "_involved",
                        lambda report, widely=False, ends=widely: set(ends) if widely else involved.pop(0))
    monkeypatch.setattr(engine, "diagnose", lambda *a: engine.Binding("diagnosed"))
    real = engine.Model.solve

    def solve(model, time_limit, gap):
        modes.append(model.mode)
        found = real(model, time_limit, gap)
        return solved(model, found) if solved is not None else found

    monkeypatch.setattr(engine.Model, "solve", solve)
    short = SimpleNamespace(input_problems=[], violations=[Violation("demands-survive-failure", "short", "eastus")])
    result = solver.solve(two_sites(kit, {"s": kit.sync("westus3", 1.5)}), kit.carrier(spans, POPS3), ON,
                          prices=ILLUSTRATIVE, limits=Limits(new_circuits=False), progress=said.append,
                          assessment=short, **kw)
    return result, said, modes


def test_a_sites_bound_is_its_programs_bound_else_its_objective(kit, monkeypatch):
    import dataclasses

    def below(model, found):
        return dataclasses.replace(found, bound=found.objective - 1.0) if model.mode == "site" else found

    result, _, _ = staged(kit, monkeypatch, [], [set()], solved=below)
    assert result.status == "solved" and result.rounds[0].status == "each site alone"
    assert result.rounds[0].bound_usd == pytest.approx(result.rounds[0].objective_usd - 2.0)

    def unknown(model, found):
        return dataclasses.replace(found, bound=None) if model.mode == "site" else found

    result, _, _ = staged(kit, monkeypatch, [], [set()], solved=unknown)
    assert result.rounds[0].bound_usd == pytest.approx(result.rounds[0].objective_usd)


def test_without_span_offers_a_shortfall_goes_to_the_whole_program_without_solving_the_spans_again(kit, monkeypatch):
    result, said, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}], [set(), set()])
    assert result.status == "solved" and result.feasible_after
    assert modes == ["site", "site", "spans", "full"]
    assert [r.status for r in result.rounds[1:]] == ["each site's own optimum", "optimal"]
    analysed = result.rounds[1]  # the analysis alone: no program of its own
    assert (analysed.milp_seconds, analysed.variables, analysed.integers, analysed.rows) == (0.0, 0, 0, 0)
    assert said[-1].startswith("round 2 (the whole program, 0 site(s) free): ")  # the spans program once only


def test_the_sites_a_restricted_design_finds_short_are_freed_in_the_next_program(kit, monkeypatch):
    result, said, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}, {SPAN_WDC_NYC: {"westus3"}}],
                                 [{"eastus"}, {"westus3"}, set()])
    assert modes == ["site", "site", "spans", "full", "full"]
    rounds = [s.split(":")[0] for s in said if s.startswith("round")]
    assert rounds == ["round 1 (each site's own optimum)", "round 2 (the whole program, 1 site(s) free)",
                      "round 3 (the whole program)"]
    assert result.status == "solved" and result.rounds[-1].known == 3


def test_a_restricted_program_holds_exactly_the_sites_not_free_at_their_own_optimum(kit, monkeypatch):
    held: list[tuple[str, str]] = []
    real_fix = engine.Model.fix

    def fix(model, site, chosen):
        held.append((model.mode, site))
        real_fix(model, site, chosen)

    monkeypatch.setattr(engine.Model, "fix", fix)
    result, _, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}, {SPAN_WDC_NYC: {"westus3"}}],
                              [{"eastus"}, {"westus3"}, set()])
    assert modes == ["site", "site", "spans", "full", "full"] and result.status == "solved"
    assert (result.feasible_before, result.feasible_after) == (False, True)
    # Round 2 frees eastus only: westus3 is held; round 3 frees both: nothing is held.
    assert held == [("full", "westus3")]


def test_the_whole_programs_bound_raises_the_lower_bound_when_every_site_is_free(kit, monkeypatch):
    import dataclasses

    full: list[float] = []

    def proven(model, found):
        if model.mode == "site":
            return dataclasses.replace(found, bound=found.objective - 100.0)
        if model.mode == "full":
            full.append(found.objective)
            return dataclasses.replace(found, bound=found.objective)
        return found

    result, _, _ = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}], [{"eastus", "westus3"}, set()],
                          solved=proven)
    assert result.status == "solved" and result.gap == 0.0
    assert result.bound_usd == pytest.approx(min(full[-1], result.design.monthly_usd))
    assert result.rounds[0].bound_usd == pytest.approx(result.rounds[0].objective_usd - 200.0)

    def unproven(model, found):
        return dataclasses.replace(found, bound=None) if model.mode == "full" else found

    result, _, _ = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}], [{"eastus", "westus3"}, set()],
                          solved=unproven)
    assert result.status == "solved" and result.bound_usd <= result.design.monthly_usd


def test_when_holding_the_other_sites_leaves_no_design_every_site_is_freed_then_none_fits(kit, monkeypatch):
    from infra.solver.model import Solved as S

    def none(model, found):
        return S("infeasible", None, None, None, None, 0.0, 1, 1, 1, 0) if model.mode == "full" else found

    result, said, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}], [{"eastus"}], solved=none)
    assert modes == ["site", "site", "spans", "full", "full"]
    assert "holding the other sites at their own optimum leaves no design; freeing 2 site(s)" in said
    assert (result.status, result.binding.message) == ("infeasible", "diagnosed")
    assert result.rounds[-1].status == "infeasible" and result.scenarios == 6


def test_a_whole_program_without_a_solution_in_time_is_not_widened_and_leaves_the_fabric_unsolved(kit, monkeypatch):
    from infra.solver.model import Solved as S

    def late(model, found):
        return S("no solution in time", None, None, None, None, 0.0, 1, 1, 1, 0) if model.mode == "full" else found

    result, said, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}], [{"eastus"}], solved=late)
    assert modes == ["site", "site", "spans", "full"]
    assert result.status == "unsolved" and result.rounds[-1].status == "no solution in time"
    assert said[-1].startswith("2 scenario(s) known, ") and "HiGHS no solution in time" in said[-1]
    assert result.binding.message == ("HiGHS found no design (no solution in time) within the time limit of 60 s; "
                                      "give more time (--time-limit)")


def test_no_time_left_while_routing_cuts_are_added_leaves_the_fabric_unsolved(kit, monkeypatch):
    import time as real_time

    late = [0.0]
    monkeypatch.setattr(engine, "time", SimpleNamespace(perf_counter=lambda: real_time.perf_counter() + late[0],
                                                         process_time=real_time.process_time))

    def one_cut(model, x, scenarios, loads):
        late[0] = 60.0  # the time limit passes while the cut is found
        return [SimpleNamespace(scenario=SPAN_WDC_SVL)]

    monkeypatch.setattr(engine, "_cuts", one_cut)
    result, said, modes = staged(kit, monkeypatch, [], [])
    assert modes == ["site", "site", "spans"]
    assert result.status == "unsolved"
    assert result.binding.message.startswith("no span design found within the time limit of 60 s")


def test_a_region_without_circuits_today_has_its_whole_room(kit):
    import dataclasses

    space = dataclasses.replace(build(two_sites(kit, west_region="eastus"), kit.carrier(SPANS3, POPS3), ILLUSTRATIVE,
                                      ON, Limits(new_circuits=False)), region_existing={})
    step = Step(1.0, 1000, 1.0)
    assert engine._within_regions(space, Chosen(provider={("eastus", "New York"): ((step, 10),)}))
    assert not engine._within_regions(space, Chosen(provider={("eastus", "New York"): ((step, 11),)}))


def test_the_binding_limit_names_the_one_or_two_failures_after_which_it_binds(kit, monkeypatch):
    east, west = two_sites(kit, {"s": kit.sync("westus3", 4.0)})
    carrier = kit.carrier(SPANS3, POPS3)
    space = build([east, west], carrier, ILLUSTRATIVE, ON, Limits(new_circuits=False))
    d = demand("eastus", "westus3", 4.0)
    span, gateway = flows.Failure("span", "wdc-nyc"), flows.Failure("gateway", "eastus")
    for second, when in ((None, "after losing span wdc-nyc"),
                         (gateway, "after losing span wdc-nyc and one of the two instances of gateway eastus")):
        sf = flows.Shortfall(span, 1.0, (d,), 4.0, saturated=sat("gateway eastus"), second=second)
        monkeypatch.setattr(flows, "analyse", lambda *a, sf=sf: SimpleNamespace(unroutable=[], shortfalls=[sf]))
        b = engine.diagnose(space, [east, west], carrier, ON)
        assert b.failure == when and f"; {when}, at most 3.00 Gb/s of it fits at eastus" in b.message


def test_at_its_most_a_site_in_a_region_without_circuits_today_gets_the_regions_whole_room(kit):
    import dataclasses

    space = build(two_sites(kit), kit.carrier(kit.ROUTES), ILLUSTRATIVE, ON, Limits(direct_ports=False))
    most = engine.most_design(dataclasses.replace(space, region_existing={}))
    # 10 per region, none there today: 10 more besides its own 2 (each site gets its region's whole room here)
    for site in ("eastus", "westus3"):
        assert sum(k for (s, _), v in most.provider.items() if s == site for _, k in v) == 10


def test_when_the_spans_program_chooses_the_same_spans_again_the_sites_must_change(kit, monkeypatch):
    result, said, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}, {SPAN_WDC_NYC: {"westus3"}}],
                                 [set(), set(), set()], spans=SPANS3)
    rounds = [s.split(":")[0] for s in said if s.startswith("round")]
    assert rounds == ["round 1 (each site's own optimum, the cheapest span upgrades)",
                      "round 2 (the whole program, 0 site(s) free)", "round 3 (the whole program, 0 site(s) free)"]
    assert modes == ["site", "site", "spans", "spans", "full", "full"] and result.status == "solved"


def test_a_design_the_final_analysis_finds_short_is_not_called_right(kit, monkeypatch):
    from infra.capacity.report import Violation

    short = Violation("demands-survive-failure", "still short", "eastus")
    result, _, _ = staged(kit, monkeypatch, [], [set()], left_over=[short, Violation("compute", "not mine", "eastus")])
    assert (result.status, result.feasible_after, result.after) == ("solved", False, (short,))


def test_at_its_most_a_location_with_room_for_one_more_circuit_gets_one(kit):
    import dataclasses

    from infra.solver.options import PortRoom

    three = {"a": ("Washington DC", 1000), "b": ("Washington DC", 1000), "c": ("Washington DC", 1000),
             "nyc": ("New York", 1000)}
    space = build(two_sites(kit, east_circuits=three), kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON,
                  Limits(direct_ports=False))
    space = dataclasses.replace(space, region_existing={})
    most = engine.most_design(space)
    got = {loc: sum(k for _, k in v) for (site, loc), v in most.provider.items() if site == "eastus"}
    assert got == {"Washington DC": 1, "New York": 3, "Silicon Valley": 4}  # 4 per location; 2 of 10 left unused
    carved = tuple(Step(float(g), g, 0.0) for g in (1, 2, 5, 10))
    east = dataclasses.replace(space.sites["eastus"],
                               port_rooms=(PortRoom("eastus", "p", "Washington DC", 10, "Standard", carved),))
    most = engine.most_design(dataclasses.replace(space, sites={**space.sites, "eastus": east}))
    assert most.room == {}  # new circuits are offered there: the room left is not spent on the port


def test_at_its_most_existing_ports_share_what_the_region_has_left(kit):
    import dataclasses

    from infra.solver.options import PortRoom

    space = build(two_sites(kit), kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON, Limits(new_circuits=False))
    carved = tuple(Step(float(g), g, 0.0) for g in (1, 2, 5, 10))
    rooms = tuple(PortRoom("eastus", p, loc, 10, "Standard", carved) for p, loc in (("p", "Washington DC"),
                                                                                    ("q", "New York")))
    east = dataclasses.replace(space.sites["eastus"], port_rooms=rooms)
    most = engine.most_design(dataclasses.replace(space, sites={**space.sites, "eastus": east},
                                                  region_existing={"eastus": 7, "westus3": 2}))
    assert most.room == {("eastus", "p"): ((carved[3], 2),), ("eastus", "q"): ((carved[3], 1),)}  # 3 left


def test_the_binding_limit_names_the_first_demand_without_a_carrier_path(kit, monkeypatch):
    east, west = two_sites(kit)
    carrier = kit.carrier(SPANS3, POPS3)
    space = build([east, west], carrier, ILLUSTRATIVE, ON, Limits(new_circuits=False))
    report = SimpleNamespace(unroutable=[demand("eastus", "westus3", 2.0), demand("westus3", "eastus", 3.0)],
                             shortfalls=[])
    monkeypatch.setattr(flows, "analyse", lambda *a: report)
    b = engine.diagnose(space, [east, west], carrier, ON)
    assert (b.site, b.needed_gbps) == ("eastus", 2.0) and b.message.startswith("eastus/d -> westus3 (2.00 Gb/s)")


def test_a_restricted_program_without_a_design_frees_the_ends_of_the_demands_left_short_first(kit, monkeypatch):
    from infra.solver.model import Solved as S

    def none(model, found):
        return S("infeasible", None, None, None, None, 0.0, 1, 1, 1, 0) if model.mode == "full" else found

    result, said, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}], [set()], solved=none,
                                 widely={"eastus"})
    freed = [s for s in said if s.startswith("holding the other sites")]
    assert freed == ["holding the other sites at their own optimum leaves no design; freeing 1 site(s)",
                     "holding the other sites at their own optimum leaves no design; freeing 2 site(s)"]
    assert modes == ["site", "site", "spans", "full", "full", "full"] and result.status == "infeasible"


def test_no_time_left_before_the_whole_program_leaves_the_fabric_unsolved(kit, monkeypatch):
    import time as real_time

    late = [0.0]
    monkeypatch.setattr(engine, "time", SimpleNamespace(perf_counter=lambda: real_time.perf_counter() + late[0],
                                                         process_time=real_time.process_time))
    result, said, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}], [set()],
                                 solved=lambda model, found: late.__setitem__(0, 60.0 * (model.mode == "spans"))
                                 or found)
    assert modes == ["site", "site", "spans"] and result.status == "unsolved"
    assert result.binding.message.startswith("no design proven within the time limit of 60 s")


def test_a_scenario_whose_routing_found_before_still_fits_is_not_routed_again(monkeypatch):
    from infra.solver import routing

    checked: list = []
    monkeypatch.setattr(routing, "fits", lambda model, x, scenario, loads: scenario == SPAN_WDC_SVL)
    monkeypatch.setattr(routing, "check", lambda model, x, scenario: checked.append(scenario) or (0.0, None, {"l": 1}))
    loads = {SPAN_WDC_SVL: {"old": 1.0}, SPAN_WDC_NYC: {"old": 1.0}}
    assert engine._cuts(None, None, [SPAN_WDC_SVL, SPAN_WDC_NYC, BASELINE], loads) == []
    assert checked == [SPAN_WDC_NYC, BASELINE]  # the one that fits is skipped
    assert loads == {SPAN_WDC_SVL: {"old": 1.0}, SPAN_WDC_NYC: {"l": 1}, BASELINE: {"l": 1}}


def test_a_site_adding_only_ports_counts_them_against_its_region(kit):
    space = build(two_sites(kit, west_region="eastus"), kit.carrier(SPANS3, POPS3), ILLUSTRATIVE, ON)
    step = Step(1.0, 1000, 1.0)
    assert engine._within_regions(space, Chosen(ports={("eastus", "New York", 10): (3, ((step, 6),))}))  # 4 + 6
    assert not engine._within_regions(space, Chosen(ports={("eastus", "New York", 10): (4, ((step, 7),))}))


def test_the_binding_limit_names_the_demand_left_shortest(kit, monkeypatch):
    east, west = two_sites(kit)
    carrier = kit.carrier(SPANS3, POPS3)
    space = build([east, west], carrier, ILLUSTRATIVE, ON, Limits(new_circuits=False))
    a, b = flows.DemandEdge("eastus", "a", "westus3", 2.0), flows.DemandEdge("eastus", "b", "westus3", 3.0)
    sf = flows.Shortfall(None, 2.0, (a, b), 5.0, short_by_demand=((a, 0.5), (b, 1.5)))
    monkeypatch.setattr(flows, "analyse", lambda *a: SimpleNamespace(unroutable=[], shortfalls=[sf]))
    got = engine.diagnose(space, [east, west], carrier, ON)
    assert (got.needed_gbps, got.most_gbps, got.demands) == (3.0, 1.5, ("eastus/a", "eastus/b"))


def test_while_the_spans_program_chooses_other_spans_each_choice_is_analysed(kit, monkeypatch):
    import dataclasses

    spans_solved: list[int] = []

    def upgrade_second(model, found):  # the second spans program takes nyc-svl's first upgrade
        if model.mode != "spans":
            return found
        spans_solved.append(1)
        if len(spans_solved) != 2:
            return found
        x = found.x.copy()
        x[model.v.spans["nyc-svl"][0][1]] = 1.0
        return dataclasses.replace(found, x=x)

    result, said, modes = staged(kit, monkeypatch, [{SPAN_WDC_SVL: {"westus3"}}, {SPAN_WDC_NYC: {"westus3"}}],
                                 [set(), set(), set()], spans=SPANS3, solved=upgrade_second)
    rounds = [s.split(":")[0] for s in said if s.startswith("round")]
    assert rounds == [f"round {n} (each site's own optimum, the cheapest span upgrades)" for n in (1, 2, 3)]
    assert modes == ["site", "site", "spans", "spans", "spans"] and result.status == "solved"
