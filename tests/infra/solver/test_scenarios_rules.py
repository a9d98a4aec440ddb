"""Rules of infra/solver/scenarios.py: what each failure takes in the option space, which scenarios the model
always carries, and how a shortfall the analysis reports becomes a scenario. Option spaces are built here
from infra/solver/options.py's dataclasses (no specs, no solve)."""

from __future__ import annotations

from infra.capacity import flows
from infra.solver.options import CircuitOption, NewAt, OptionSpace, SiteOptions, SpanOption, Step
from infra.solver.scenarios import BASELINE, FailureKey, Scenario, from_analysis, local


def circuit(site: str, location: str, pop: str, metro: bool = False) -> CircuitOption:
    return CircuitOption(site, f"{pop.lower()}", "provider", location, pop, metro, "Standard", "UnlimitedData",
                         Step(1.0, 1000, 0.0), ())


def new_at(site: str, location: str, pop: str, metro: bool = False) -> NewAt:
    return NewAt(site, location, pop, metro, "Standard", 3, (Step(1.0, 1000, 100.0),), ())


def site(stack: str, circuits=(), new=()) -> SiteOptions:
    return SiteOptions(stack, "eastus", "United States", tuple(circuits), tuple(new), (), (), 0.0, 16, {}, False)


def demand(stack: str, to: str, critical: bool = False) -> flows.DemandEdge:
    return flows.DemandEdge(stack=stack, name="d", to_stack=to, gbps=1.0, dataset_tb=None, critical=critical, path="any")


def space(sites, demands=(), spans=()) -> OptionSpace:
    return OptionSpace(sites={s.stack: s for s in sites}, spans={s.name: s for s in spans}, pops={}, carrier=True,
                       demands=tuple(demands), regions={}, region_existing={}, prices_source="test")


SPANS = (SpanOption("wdc-den", "WDC", "DEN", 10.0, ("conduit",), ()),
         SpanOption("den-svl", "DEN", "SVL", 10.0, (), ()),
         SpanOption("nyc-lv", "NYC", "LV", 10.0, ("conduit", "bridge"), ()))


# ------------------------------------------------------------------------------------ effect


def test_a_location_or_pop_loss_takes_every_circuit_there_and_nothing_elsewhere():
    loc = Scenario((FailureKey("peering location", "Washington DC"),))
    pop = Scenario((FailureKey("PoP", "WDC"),))
    for sc in (loc, pop):
        assert sc.effect("east", "Washington DC", "WDC", False) == "all"
        assert sc.effect("east", "New York", "NYC", False) is None
    assert BASELINE.effect("east", "Washington DC", "WDC", False) is None
    assert Scenario((FailureKey("span", "WDC"),)).effect("east", "Washington DC", "WDC", False) is None
    assert Scenario((FailureKey("PoP", "Washington DC"),)).effect("east", "Washington DC", "WDC", False) is None


def test_a_metro_location_survives_its_location_and_pop_and_loses_its_largest_circuit_only_to_that_failure():
    both = Scenario((FailureKey("PoP", "AMS"), FailureKey("peering location", "Amsterdam Metro")))
    assert both.effect("east", "Amsterdam Metro", "AMS", True) is None
    largest = Scenario((FailureKey("circuit", "east/Amsterdam Metro"),))
    assert largest.effect("east", "Amsterdam Metro", "AMS", True) == "largest"
    assert largest.effect("west", "Amsterdam Metro", "AMS", True) is None
    assert largest.effect("east", "Amsterdam", "AMS", True) is None


def test_the_loss_of_all_wins_over_the_loss_of_the_largest_in_either_order():
    a, b = FailureKey("circuit", "east/Washington DC"), FailureKey("peering location", "Washington DC")
    assert Scenario((a, b)).effect("east", "Washington DC", "WDC", False) == "all"
    assert Scenario((b, a)).effect("east", "Washington DC", "WDC", False) == "all"
    assert Scenario((a,)).effect("east", "Washington DC", "WDC", False) == "largest"


# ------------------------------------------------------------------------------------ spans, gateway, labels


def test_a_span_group_or_pop_loss_takes_exactly_its_spans():
    sp = space([], spans=SPANS)
    assert Scenario((FailureKey("span", "den-svl"),)).dead_spans(sp) == {"den-svl"}
    assert Scenario((FailureKey("shared-risk group", "conduit"),)).dead_spans(sp) == {"wdc-den", "nyc-lv"}
    assert Scenario((FailureKey("shared-risk group", "bridge"),)).dead_spans(sp) == {"nyc-lv"}
    assert Scenario((FailureKey("PoP", "DEN"),)).dead_spans(sp) == {"wdc-den", "den-svl"}
    assert Scenario((FailureKey("PoP", "LV"),)).dead_spans(sp) == {"nyc-lv"}
    assert Scenario((FailureKey("span", "den-svl"), FailureKey("PoP", "WDC"))).dead_spans(sp) == {"den-svl", "wdc-den"}
    assert Scenario((FailureKey("peering location", "Washington DC"), FailureKey("gateway", "east"))).dead_spans(sp) == set()
    assert BASELINE.dead_spans(sp) == set()


def test_only_the_named_sites_gateway_is_halved():
    sc = Scenario((FailureKey("span", "east"), FailureKey("gateway", "west")))
    assert sc.halves_gateway("west") and not sc.halves_gateway("east")
    assert not BASELINE.halves_gateway("west")


def test_a_scenario_is_labelled_by_its_failures():
    assert BASELINE.label == "nothing failed"
    sc = Scenario((FailureKey("circuit", "east/Amsterdam Metro"), FailureKey("gateway", "west"), FailureKey("span", "x")))
    assert sc.label == ("the largest circuit of east at Amsterdam Metro and one of the two instances of gateway west"
                        " and span x")


# ------------------------------------------------------------------------------------ from the analysis


WHERE = {("east", "wdc"): ("Washington DC", False), ("east", "ams"): ("Amsterdam Metro", True)}


def test_a_reported_circuit_stands_for_its_location_or_at_a_metro_location_for_the_largest_there():
    sc = from_analysis(flows.Failure("circuit", "east/wdc"), None, WHERE)
    assert sc == Scenario((FailureKey("peering location", "Washington DC"),), False)
    sc = from_analysis(flows.Failure("circuit", "east/ams"), None, WHERE)
    assert sc == Scenario((FailureKey("circuit", "east/Amsterdam Metro"),), False)
    sc = from_analysis(flows.Failure("span", "den-svl"), None, WHERE)
    assert sc == Scenario((FailureKey("span", "den-svl"),), False)


def test_two_failures_carry_only_the_critical_demands_unless_they_are_one():
    sc = from_analysis(flows.Failure("span", "b"), flows.Failure("gateway", "east"), WHERE)
    assert sc == Scenario((FailureKey("gateway", "east"), FailureKey("span", "b")), True)
    # a circuit and its own location are one failure here: every demand is carried
    sc = from_analysis(flows.Failure("circuit", "east/wdc"), flows.Failure("peering location", "Washington DC"), WHERE)
    assert sc == Scenario((FailureKey("peering location", "Washington DC"),), False)


# ------------------------------------------------------------------------------------ local scenarios


def test_every_site_carries_each_of_its_locations_and_its_gateway_and_pairs_only_with_critical_traffic():
    east = site("east", [circuit("east", "Washington DC", "WDC")], [new_at("east", "Amsterdam Metro", "AMS", True)])
    west = site("west", [circuit("west", "Silicon Valley", "SVL")])
    north = site("north", [circuit("north", "Chicago", "CHI")])
    got = local(space([east, west, north], [demand("east", "west", critical=True), demand("north", "east")]))
    loc_w, ams = FailureKey("peering location", "Washington DC"), FailureKey("circuit", "east/Amsterdam Metro")
    gw_e, gw_w = FailureKey("gateway", "east"), FailureKey("gateway", "west")
    loc_s, loc_c = FailureKey("peering location", "Silicon Valley"), FailureKey("peering location", "Chicago")
    singles = [Scenario((f,)) for f in (ams, loc_w, gw_e, loc_s, gw_w, loc_c, FailureKey("gateway", "north"))]
    pairs = [Scenario(tuple(sorted(p)), True) for p in ((ams, loc_w), (ams, gw_e), (loc_w, gw_e), (loc_s, gw_w))]
    assert got[0] == BASELINE
    assert set(got) == {BASELINE, *singles, *pairs} and len(got) == 1 + len(singles) + len(pairs)


def test_a_critical_demand_pairs_the_failures_of_the_site_it_is_sent_to():
    east, west = site("east", [circuit("east", "Washington DC", "WDC")]), site("west", [circuit("west", "Silicon Valley", "SVL")])
    got = local(space([east, west], [demand("east", "west", critical=True)]))
    assert Scenario((FailureKey("gateway", "west"), FailureKey("peering location", "Silicon Valley")), True) in got
    got = local(space([east, west], [demand("east", "west")]))
    assert not any(sc.critical_only for sc in got)
