"""Rules of infra/solver/routing.py: the carrier graph's arcs in a scenario, the routing of a candidate design,
and the Benders cut it gives when some demand does not route. Option spaces of two or three sites are built
here from infra/solver/options.py's dataclasses; the routing programs have a few dozen variables."""

from __future__ import annotations

import numpy as np
import pytest

from infra.capacity import flows
from infra.solver import routing
from infra.solver.model import SPANS, Model
from infra.solver.options import CircuitOption, GatewayOption, OptionSpace, SiteOptions, SpanOption, Step
from infra.solver.prices import SpanOffer
from infra.solver.scenarios import BASELINE, FailureKey, Scenario

POPS = {"WDC": "Washington DC", "NYC": "New York", "SVL": "Silicon Valley", "AMS": "Amsterdam Metro"}


def site(stack: str, circuits: dict[str, tuple[str, float]], gateway_gbps: float | None = None,
         steps: tuple[Step, ...] = ()) -> SiteOptions:
    """Circuits {name: (PoP, Gb/s)}; FastPath unless a gateway throughput is given."""
    cs = tuple(CircuitOption(stack, name, "provider", POPS[pop], pop, pop == "AMS", "Standard", "UnlimitedData",
                             Step(gbps, int(gbps * 1000), 0.0), steps) for name, (pop, gbps) in circuits.items())
    g = GatewayOption(stack, "ErGw3AZ", gateway_gbps is None, gateway_gbps or 10.0, 16, 1000.0, True, True)
    per = {}
    for c in cs:
        per[c.location] = per.get(c.location, 0) + 1
    return SiteOptions(stack, "eastus", "United States", cs, (), (), (g,), 1000.0, 16, per, False)


def span(name: str, a: str, z: str, gbps: float, *offers: float, srlgs=()) -> SpanOption:
    return SpanOption(name, a, z, gbps, tuple(srlgs), tuple(SpanOffer(g, 100.0 * g) for g in offers))


def space(sites, spans, demands) -> OptionSpace:
    return OptionSpace({s.stack: s for s in sites}, {s.name: s for s in spans}, dict(POPS), True, tuple(demands),
                       {"eastus": tuple(s.stack for s in sites)}, {"eastus": 0}, "test")


def demand(gbps: float, src: str = "east", dst: str = "west", critical: bool = False) -> flows.DemandEdge:
    return flows.DemandEdge(src, f"d{gbps}", dst, gbps, critical=critical)


def at_start(sp: OptionSpace, cuts=()) -> tuple[Model, np.ndarray]:
    """The program (no local scenarios) and its optimum: every site as it is unless a cut asks for more."""
    model = Model(sp, tuple(cuts), ())
    solved = model.solve(10.0, 0.0)
    assert solved.x is not None
    return model, solved.x


EAST, WEST = site("east", {"w": ("WDC", 10.0)}), site("west", {"s": ("SVL", 10.0)})


# ------------------------------------------------------------------------------------ arcs


def test_each_alive_arc_and_its_capacity_in_a_scenario():
    sp = space([EAST, site("west", {"s": ("SVL", 5.0)}, gateway_gbps=6.0)], [span("ws", "WDC", "SVL", 5.0, 20.0)], [])
    model, x = at_start(sp)
    caps = {k: routing.value(v, x) for k, v in routing.arcs(model, BASELINE).items()}
    assert caps[("out", "east", "WDC")] == caps[("in", "east", "WDC")] == 10.0
    assert caps[("span", "ws", "az")] == caps[("span", "ws", "za")] == 5.0
    assert caps[("gw", "west")] == 6.0 and caps[("gw", "east")] == 4.0  # FastPath: 4 x (1 + what it receives)
    assert len(caps) == 8
    halved = {k: routing.value(v, x) for k, v in routing.arcs(model, Scenario((FailureKey("gateway", "west"),))).items()}
    assert halved[("gw", "west")] == 3.0 and halved[("gw", "east")] == caps[("gw", "east")]
    gone = routing.arcs(model, Scenario((FailureKey("PoP", "WDC"),)))
    assert ("out", "east", "WDC") not in gone and ("span", "ws", "az") not in gone and ("out", "west", "SVL") in gone


def test_a_span_or_circuits_of_no_capacity_are_no_arc():
    sp = space([EAST, site("west", {"s": ("SVL", 0.0)})], [span("ws", "WDC", "SVL", 0.0)], [])
    model, _ = at_start(sp)
    keys = set(routing.arcs(model, BASELINE))
    assert keys == {("out", "east", "WDC"), ("in", "east", "WDC"), ("gw", "east"), ("gw", "west")}
    sp = space([EAST, WEST], [span("ws", "WDC", "SVL", 0.0, 20.0)], [])
    model, _ = at_start(sp)
    assert ("span", "ws", "az") in routing.arcs(model, BASELINE)  # an upgrade could give it capacity


# ------------------------------------------------------------------------------------ routing and cuts


def test_a_demand_exactly_at_a_spans_capacity_routes_without_a_cut():
    sp = space([EAST, WEST], [span("ws", "WDC", "SVL", 5.0, 20.0)], [demand(5.0)])
    model, x = at_start(sp)
    short, cut, loads = routing.check(model, x, BASELINE)
    assert short == pytest.approx(0.0) and cut is None
    assert loads == pytest.approx({("out", "east", "WDC"): 5.0, ("span", "ws", "az"): 5.0, ("in", "west", "SVL"): 5.0,
                                   ("gw", "west"): 5.0})
    assert routing.fits(model, x, BASELINE, loads)


def test_a_thin_span_gives_a_cut_that_asks_the_span_for_what_is_short_and_the_program_buys_it():
    sp = space([EAST, WEST], [span("ws", "WDC", "SVL", 5.0, 7.0, 20.0)], [demand(8.0)])
    model, x = at_start(sp)
    short, cut, _ = routing.check(model, x, BASELINE)
    assert short == pytest.approx(3.0)
    assert cut.coefficients == ((("span", "ws", "az"), pytest.approx(1.0)),) and cut.rhs == pytest.approx(8.0)
    lhs = cut.lhs(model)
    assert routing.value(lhs, x) == pytest.approx(5.0)
    model, x = at_start(sp, [cut])
    assert routing.value(model.span("ws"), x) == 20.0  # 7 is not enough
    assert routing.check(model, x, BASELINE)[1] is None


def test_the_cut_is_on_the_direction_the_demand_takes():
    sp = space([EAST, WEST], [span("ws", "WDC", "SVL", 5.0, 20.0)], [demand(8.0, "west", "east")])
    model, x = at_start(sp)
    _, cut, _ = routing.check(model, x, BASELINE)
    assert [k for k, _ in cut.coefficients] == [("span", "ws", "za")]


def test_two_routes_share_a_demand_and_the_cut_holds_both():
    spans = [span("ws", "WDC", "SVL", 5.0, 20.0), span("wn", "WDC", "NYC", 100.0), span("ns", "NYC", "SVL", 2.0, 20.0)]
    sp = space([EAST, WEST], spans, [demand(8.0)])
    model, x = at_start(sp)
    short, cut, _ = routing.check(model, x, BASELINE)
    assert short == pytest.approx(1.0)
    assert dict(cut.coefficients) == pytest.approx({("span", "ws", "az"): 1.0, ("span", "ns", "az"): 1.0})
    assert cut.rhs == pytest.approx(8.0)
    # losing the direct span leaves the long way only: 6 short, and the cut asks it for all 8
    lose = Scenario((FailureKey("span", "ws"),))
    short, cut, _ = routing.check(model, x, lose)
    assert short == pytest.approx(6.0) and dict(cut.coefficients) == pytest.approx({("span", "ns", "az"): 1.0})
    assert cut.rhs == pytest.approx(8.0)
    assert cut.lhs(model).terms and routing.value(cut.lhs(model), x) == pytest.approx(2.0)


def test_a_cut_on_the_circuits_holds_their_upgrades():
    east = site("east", {"w": ("WDC", 4.0)}, steps=(Step(10.0, 10000, 500.0),))
    sp = space([east, WEST], [span("ws", "WDC", "SVL", 100.0)], [demand(6.0)])
    model, x = at_start(sp)
    short, cut, _ = routing.check(model, x, BASELINE)
    assert short == pytest.approx(2.0) and [k for k, _ in cut.coefficients] == [("out", "east", "WDC")]
    model, x = at_start(sp, [cut])
    assert routing.value(model.cap_at("east", "Washington DC"), x) == 10.0


def test_a_cut_on_an_arc_the_scenario_takes_drops_it():
    spans = [span("ws", "WDC", "SVL", 5.0, 20.0), span("wn", "WDC", "NYC", 100.0), span("ns", "NYC", "SVL", 2.0, 20.0)]
    sp = space([EAST, WEST], spans, [demand(8.0)])
    model, x = at_start(sp)
    _, cut, _ = routing.check(model, x, BASELINE)
    lose = routing.Cut(Scenario((FailureKey("span", "ws"),)), cut.coefficients, cut.rhs)
    assert routing.value(lose.lhs(model), x) == pytest.approx(2.0)


def test_a_demand_reaches_its_destination_only_through_the_destinations_own_circuits_and_gateway():
    # north sits at SVL with a wide gateway; west's own gateway, halved, is what limits west's demands
    west = site("west", {"s": ("SVL", 4.0)}, gateway_gbps=4.0)
    north = site("north", {"n": ("SVL", 10.0), "m": ("WDC", 10.0)})
    sp = space([EAST, west, north], [span("ws", "WDC", "SVL", 100.0)], [demand(6.0), demand(1.0, "north", "west")])
    model, x = at_start(sp)
    short, cut, loads = routing.check(model, x, Scenario((FailureKey("gateway", "west"),)))
    assert short == pytest.approx(5.0) and [k for k, _ in cut.coefficients] == [("gw", "west")]
    assert ("in", "north", "SVL") not in loads and ("gw", "north") not in loads


def test_a_demand_leaves_only_through_its_sources_own_circuits():
    east = site("east", {"w": ("WDC", 2.0)})
    north = site("north", {"m": ("WDC", 50.0)})
    sp = space([east, WEST, north], [span("ws", "WDC", "SVL", 100.0)], [demand(6.0), demand(1.0, "north", "west")])
    model, x = at_start(sp)
    short, cut, loads = routing.check(model, x, BASELINE)
    assert short == pytest.approx(4.0) and [k for k, _ in cut.coefficients] == [("out", "east", "WDC")]
    assert loads[("out", "north", "WDC")] == pytest.approx(1.0)


def test_two_failures_carry_the_critical_demands_alone_and_no_demand_routes_trivially():
    sp = space([EAST, WEST], [span("ws", "WDC", "SVL", 5.0, 20.0)], [demand(4.0, critical=True), demand(4.0)])
    model, x = at_start(sp)
    two = Scenario((FailureKey("gateway", "east"), FailureKey("gateway", "west")), True)
    assert routing.check(model, x, two)[:2] == (pytest.approx(0.0), None)
    assert routing.check(model, x, BASELINE)[0] == pytest.approx(3.0)
    sp = space([EAST, WEST], [span("ws", "WDC", "SVL", 5.0)], [demand(4.0)])
    model, x = at_start(sp)
    assert routing.check(model, x, two) == (0.0, None, {})


def test_a_routing_found_before_fits_only_where_every_loaded_arc_has_room():
    sp = space([EAST, WEST], [span("ws", "WDC", "SVL", 5.0, 20.0)], [demand(5.0)])
    model, x = at_start(sp)
    assert routing.fits(model, x, BASELINE, {("span", "ws", "az"): 5.0})
    assert not routing.fits(model, x, BASELINE, {("span", "ws", "az"): 5.01})
    assert not routing.fits(model, x, Scenario((FailureKey("span", "ws"),)), {("span", "ws", "az"): 1.0})
    assert routing.fits(model, x, BASELINE, {})


def test_with_the_sites_at_their_most_a_metro_location_keeps_all_but_its_largest_circuit():
    east = site("east", {"a": ("AMS", 2.0), "b": ("AMS", 5.0), "w": ("WDC", 10.0)},
                steps=(Step(10.0, 10000, 1.0),))
    sp = space([east, WEST], [span("ws", "WDC", "SVL", 5.0, 20.0)], [])
    model = Model(sp, (), (), only=SPANS)
    x = model.solve(10.0, 0.0).x
    largest = Scenario((FailureKey("circuit", "east/Amsterdam Metro"),))
    caps = {k: routing.value(v, x) for k, v in routing.arcs(model, largest).items()}
    assert caps[("out", "east", "AMS")] == 10.0 and caps[("out", "east", "WDC")] == 10.0  # 10 + 10, one lost
    caps = {k: routing.value(v, x) for k, v in routing.arcs(model, BASELINE).items()}
    assert caps[("out", "east", "AMS")] == 20.0
    assert ("out", "east", "AMS") in routing.arcs(model, Scenario((FailureKey("PoP", "AMS"),)))


def test_a_site_or_pop_named_like_an_arc_kind_routes_like_any_other():
    west = site("span", {"s": ("SVL", 10.0)})
    sp = space([EAST, west], [span("ws", "WDC", "SVL", 100.0)], [demand(6.0, "east", "span")])
    model, x = at_start(sp)
    short, cut, loads = routing.check(model, x, BASELINE)
    assert short == pytest.approx(0.0) and cut is None and loads[("gw", "span")] == pytest.approx(6.0)


def test_a_cut_is_a_frozen_value():
    """Cuts are collected by the engine across rounds and compared as values: none may change in place."""
    assert routing.Cut.__dataclass_params__.frozen
