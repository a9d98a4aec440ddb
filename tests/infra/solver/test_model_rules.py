"""Rules of infra/solver/model.py, one by one: the program a design must satisfy, solved on option spaces of
two or three sites built here from infra/solver/options.py's dataclasses (no specs, no analysis). Each
program has a handful of variables; HiGHS solves it in milliseconds."""

from __future__ import annotations

import numpy as np
import pytest

from infra.capacity import flows
from infra.solver.design import choose
from infra.solver.model import CHANGE_USD, SPANS, Lin, Model, Program, Solved, most_at
from infra.solver.options import (CircuitOption, GatewayOption, NewAt, OptionSpace, PortRoom, PortSize, SiteOptions,
                                  SpanOption, Step)
from infra.solver.prices import SpanOffer
from infra.solver.scenarios import BASELINE, FailureKey, Scenario

WDC, NYC, AMS = "Washington DC", "New York", "Amsterdam Metro"
POPS = {"WDC": WDC, "NYC": NYC, "AMS": AMS, "SVL": "Silicon Valley"}
POP_OF = {v: k for k, v in POPS.items()}


def ladder(*pairs: tuple[float, float]) -> tuple[Step, ...]:
    return tuple(Step(g, int(g * 1000), usd) for g, usd in pairs)


def circ(site: str, key: str, location: str = WDC, gbps: float = 1.0, steps=(), port: str | None = None,
         metro: bool = False) -> CircuitOption:
    return CircuitOption(site, key, "direct" if port else "provider", location, POP_OF[location], metro, "Standard",
                         "UnlimitedData", Step(gbps, int(gbps * 1000), 0.0), ladder(*steps), port)


def new(site: str, location: str, provider=(), room: int = 4, ports=(), metro: bool = False) -> NewAt:
    return NewAt(site, location, POP_OF[location], metro, "Standard", room, ladder(*provider), tuple(ports))


def gw(site: str, gbps: float = 10.0, usd: float = 1000.0, current: bool = True, fastpath: bool = False,
       max_circuits: int = 16, sku: str = "ErGw3AZ", units: tuple[int, int] = (0, 0)) -> GatewayOption:
    return GatewayOption(site, sku, fastpath, gbps, max_circuits, usd, current, True, *units)


def site(stack: str, circuits, new_at=(), gateways=None, rooms=(), region: str = "eastus", max_circuits: int = 16,
         single: bool = False, gateway_usd: float | None = None) -> SiteOptions:
    circuits = tuple(circuits)
    per_location: dict[str, int] = {}
    for c in circuits:
        per_location[c.location] = per_location.get(c.location, 0) + 1
    gateways = tuple(gateways or (gw(stack, fastpath=True),))
    if gateway_usd is None:  # what today's gateway costs
        gateway_usd = next(o.monthly_usd for o in gateways if o.current)
    return SiteOptions(stack, region, "United States", circuits, tuple(new_at), tuple(rooms), gateways, gateway_usd,
                       max_circuits, per_location, single)


def demand(gbps: float, src: str = "east", dst: str = "west", critical: bool = False) -> flows.DemandEdge:
    return flows.DemandEdge(src, f"d{gbps}", dst, gbps, critical=critical)


def space(*sites: SiteOptions, demands=(), spans=(), region_existing=None) -> OptionSpace:
    regions: dict[str, list[str]] = {}
    for s in sites:
        regions.setdefault(s.region, []).append(s.stack)
    existing = region_existing if region_existing is not None else {
        r: sum(len(s.circuits) for s in sites if s.region == r) for r in regions}
    return OptionSpace({s.stack: s for s in sites}, {s.name: s for s in spans}, dict(POPS), True, tuple(demands),
                       {r: tuple(v) for r, v in regions.items()}, existing, "test")


def west(gbps: float = 50.0) -> SiteOptions:
    """A receiving site with room to spare: two 50 Gb/s circuits at two locations, FastPath."""
    return site("west", [circ("west", "a", "Silicon Valley", gbps), circ("west", "b", NYC, gbps)], region="westus3")


def solve(sp: OptionSpace, local=(BASELINE,), **kw):
    model = Model(sp, (), local, **kw)
    solved = model.solve(10.0, 0.0)
    return model, solved, (choose(model, solved.x) if solved.x is not None else None)


def bandwidths(chosen) -> dict:
    return {key: step.gbps for key, step in chosen.steps.items()}


# ------------------------------------------------------------------------------------ what a site sends


def test_a_circuit_exactly_at_the_demand_fits_and_no_change_is_made():
    sp = space(site("east", [circ("east", "c", gbps=2.0, steps=[(5, 300)])]), west(), demands=[demand(2.0)])
    _, solved, chosen = solve(sp)
    assert solved.status == "optimal" and solved.objective == pytest.approx(0.0) and chosen.steps == {}


def test_the_cheapest_step_that_carries_the_demand_is_taken():
    east = site("east", [circ("east", "c", gbps=1.0, steps=[(2, 100), (5, 300)])])
    _, solved, chosen = solve(space(east, west(), demands=[demand(2.0)]))
    assert bandwidths(chosen) == {("east", "c"): 2.0}
    assert solved.objective == pytest.approx(100 + CHANGE_USD)
    _, solved, chosen = solve(space(east, west(), demands=[demand(2.001)]))
    assert bandwidths(chosen) == {("east", "c"): 5.0}
    assert solved.objective == pytest.approx(300 + CHANGE_USD)


def test_one_step_per_circuit_at_most():
    # two cheap steps whose extra Gb/s would add up: only one of them may be taken
    east = site("east", [circ("east", "c", gbps=1.0, steps=[(2, 10), (3, 20), (9, 500)])])
    _, _, chosen = solve(space(east, west(), demands=[demand(3.5)]))
    assert bandwidths(chosen) == {("east", "c"): 9.0}


def test_of_two_steps_only_one_is_taken():
    east = site("east", [circ("east", "c", gbps=1.0, steps=[(2, 10), (3, 20)])], [new("east", NYC, provider=[(1.0, 500)])])
    _, solved, chosen = solve(space(east, west(), demands=[demand(3.5)]))
    assert bandwidths(chosen) == {("east", "c"): 3.0} and chosen.provider[("east", NYC)][0][1] == 1


def test_what_a_site_receives_must_fit_its_circuits_and_its_gateway():
    recv = site("west", [circ("west", "a", "Silicon Valley", 1.0, steps=[(2, 100), (5, 400)])], region="westus3",
                gateways=[gw("west", gbps=1.0, usd=500), gw("west", gbps=2.0, usd=800, current=False),
                          gw("west", gbps=10.0, usd=2000, current=False)])
    east = site("east", [circ("east", "c", gbps=10.0)])
    _, solved, chosen = solve(space(east, recv, demands=[demand(2.0)]))
    assert bandwidths(chosen) == {("west", "a"): 2.0}
    assert chosen.gateways["west"][0].gbps == 2.0
    assert solved.objective == pytest.approx(100 + CHANGE_USD + 300 + CHANGE_USD)


def test_a_site_that_only_receives_within_its_circuits_changes_nothing():
    east = site("east", [circ("east", "c", gbps=1.0, steps=[(2, 100)])])
    _, solved, chosen = solve(space(east, west(), demands=[demand(1.0, "west", "east")]))
    assert solved.objective == pytest.approx(0.0) and chosen.steps == {}


# ------------------------------------------------------------------------------------ failures


def test_losing_a_location_leaves_the_other_locations_circuits_to_carry_the_demand():
    east = site("east", [circ("east", "w", WDC, 2.0, steps=[(5, 100)]), circ("east", "n", NYC, 2.0, steps=[(5, 150)])])
    lose_wdc = Scenario((FailureKey("peering location", WDC),))
    _, _, chosen = solve(space(east, west(), demands=[demand(4.0)]), local=(BASELINE, lose_wdc))
    assert bandwidths(chosen) == {("east", "n"): 5.0}
    lose_nyc = Scenario((FailureKey("PoP", "NYC"),))
    _, _, chosen = solve(space(east, west(), demands=[demand(4.0)]), local=(BASELINE, lose_nyc))
    assert bandwidths(chosen) == {("east", "w"): 5.0}
    _, solved, _ = solve(space(east, west(), demands=[demand(4.0)]), local=(BASELINE,))
    assert solved.objective == pytest.approx(0.0)


def test_a_failure_elsewhere_leaves_the_site_alone():
    east = site("east", [circ("east", "w", WDC, 2.0, steps=[(5, 100)]), circ("east", "n", NYC, 2.0, steps=[(5, 150)])])
    other = Scenario((FailureKey("span", "x"),))
    _, solved, _ = solve(space(east, west(), demands=[demand(4.0)]), local=(other,))
    assert solved.objective == pytest.approx(0.0)


@pytest.mark.parametrize("circuit, small, big, fits, short", [
    # (the west circuits' Gb/s, the current gateway (Gb/s, USD), the larger one, a demand its half carries
    # exactly, one it does not): at 10 Gb/s, and under 1 Gb/s
    (10.0, (20.0, 500), (40.0, 900), 10.0, 10.5),
    (0.5, (1.0, 100), (2.0, 150), 0.5, 0.8),
])
def test_a_halved_gateway_must_still_carry_what_the_site_receives(circuit, small, big, fits, short):
    recv = site("west", [circ("west", "a", "Silicon Valley", circuit), circ("west", "b", NYC, circuit)],
                region="westus3", gateways=[gw("west", gbps=small[0], usd=small[1]),
                                            gw("west", gbps=big[0], usd=big[1], current=False)])
    east = site("east", [circ("east", "c", gbps=2 * circuit)])
    halve = Scenario((FailureKey("gateway", "west"),))
    _, solved, chosen = solve(space(east, recv, demands=[demand(fits)]), local=(BASELINE, halve))
    assert chosen.gateways["west"][0].current and solved.objective == pytest.approx(0.0)  # exactly fits its half
    _, solved, chosen = solve(space(east, recv, demands=[demand(short)]), local=(BASELINE, halve))
    assert chosen.gateways["west"][0].gbps == big[0]
    assert solved.objective == pytest.approx(big[1] - small[1] + CHANGE_USD)


def test_two_failures_carry_only_the_critical_demands():
    east = site("east", [circ("east", "w", WDC, 1.0, steps=[(2, 100)]), circ("east", "n", NYC, 1.0, steps=[(2, 100)])])
    both = Scenario((FailureKey("gateway", "east"), FailureKey("peering location", WDC)), True)
    demands = [demand(1.5, critical=True), demand(0.5)]
    _, solved, chosen = solve(space(east, west(), demands=demands), local=(both,))
    assert bandwidths(chosen) == {("east", "n"): 2.0}
    _, solved, chosen = solve(space(east, west(), demands=[demand(1.0, critical=True), demand(0.5)]), local=(both,))
    assert chosen.steps == {}


def test_at_a_metro_location_the_loss_of_the_largest_circuit_leaves_the_others():
    east = site("east", [circ("east", "a", AMS, 5.0, metro=True), circ("east", "b", AMS, 2.0, steps=[(5, 100)], metro=True)])
    largest = Scenario((FailureKey("circuit", "east/" + AMS),))
    _, solved, chosen = solve(space(east, west(), demands=[demand(5.0)]), local=(BASELINE, largest))
    assert bandwidths(chosen) == {("east", "b"): 5.0}  # the other 5 Gb/s is the largest now: 5 left either way
    _, solved, chosen = solve(space(east, west(), demands=[demand(2.0)]), local=(BASELINE, largest))
    assert chosen.steps == {}


def test_the_largest_circuit_lost_need_not_be_a_whole_gbps():
    east = site("east", [circ("east", "a", AMS, 0.5, steps=[(1, 100)], metro=True),
                         circ("east", "b", AMS, 0.5, steps=[(1, 100)], metro=True)])
    largest = Scenario((FailureKey("circuit", "east/" + AMS),))
    _, solved, chosen = solve(space(east, west(), demands=[demand(0.5)]), local=(BASELINE, largest))
    assert chosen.steps == {} and solved.objective == pytest.approx(0.0)  # 0.5 lost, 0.5 left: exactly fits


def test_a_circuit_with_one_step_on_offer_needs_no_row_to_take_one_step_at_most():
    def rows(*steps) -> int:
        east = site("east", [circ("east", "c", WDC, 1.0, steps=steps)])
        return Model(space(east, west(), demands=[demand(0.5)]), (), (BASELINE,), only="east").p.n_rows

    assert rows((2, 100), (5, 200)) == rows((2, 100)) + 1  # the JSON reports the rows


def test_at_a_metro_location_a_new_circuit_can_be_the_largest_one_lost():
    east = site("east", [circ("east", "a", AMS, 2.0, metro=True)],
                [new("east", AMS, provider=[(1.0, 200), (10.0, 300)], metro=True)])
    largest = Scenario((FailureKey("circuit", "east/" + AMS),))
    _, solved, chosen = solve(space(east, west(), demands=[demand(3.0)]), local=(BASELINE, largest))
    # a 10 Gb/s circuit alone is the one lost (2 left): with one of 1 Gb/s more, 3 are left (cheaper than three
    # of 1 Gb/s, which leave 3 after the loss of the 2 Gb/s one, or two of 10 Gb/s)
    assert chosen.provider[("east", AMS)] == ((Step(10.0, 10000, 300), 1), (Step(1.0, 1000, 200), 1))
    assert solved.objective == pytest.approx(500 + 2 * CHANGE_USD)


def test_the_largest_circuit_lost_is_the_sites_own_at_that_metro_location():
    # a larger circuit of east's elsewhere, and a larger one of another site's at the same Metro location
    # (and a larger new circuit on offer there, not taken)
    east = site("east", [circ("east", "a", AMS, 1.0, metro=True), circ("east", "b", AMS, 1.0, metro=True),
                         circ("east", "w", WDC, 10.0)], [new("east", AMS, provider=[(10.0, 1000)], metro=True)])
    big = site("big", [circ("big", "a", AMS, 10.0, metro=True), circ("big", "w", WDC, 10.0)])
    only_ams = Scenario((FailureKey("peering location", WDC), FailureKey("circuit", "east/" + AMS)))
    _, solved, _ = solve(space(east, big, west(), demands=[demand(1.0)]), local=(only_ams,))
    assert solved.status == "optimal" and solved.objective == pytest.approx(0.0)
    _, solved, chosen = solve(space(east, big, west(), demands=[demand(1.01)]), local=(only_ams,))
    assert solved.objective == pytest.approx(1000 + CHANGE_USD)  # 12 less the new 10 Gb/s one lost


# ------------------------------------------------------------------------------------ the catalog's rules


def test_demands_under_one_gbps_count_too():
    east = site("east", [circ("east", "c", WDC, 0.5, steps=[(1, 100)])])
    recv = site("west", [circ("west", "a", "Silicon Valley", 0.5, steps=[(1, 10)])], region="westus3",
                gateways=[gw("west", gbps=0.5, usd=100), gw("west", gbps=1.0, usd=150, current=False)])
    _, solved, chosen = solve(space(east, recv, demands=[demand(0.8)]))
    assert bandwidths(chosen) == {("east", "c"): 1.0, ("west", "a"): 1.0} and chosen.gateways["west"][0].gbps == 1.0


def test_a_location_without_circuits_takes_four_new_ones_and_no_more():
    east = site("east", [circ("east", "c", WDC, 1.0)], [new("east", NYC, provider=[(1.0, 10), (2.0, 25)])])
    _, solved, chosen = solve(space(east, west(), demands=[demand(6.0)]))
    assert chosen.provider[("east", NYC)] == ((Step(2.0, 2000, 25), 1), (Step(1.0, 1000, 10), 3))
    _, solved, chosen = solve(space(east, west(), demands=[demand(9.0)]))
    assert chosen.provider[("east", NYC)] == ((Step(2.0, 2000, 25), 4),)
    assert solve(space(east, west(), demands=[demand(9.5)]))[1].status == "infeasible"


def test_new_circuits_at_a_location_stay_within_four_with_those_there_today():
    east = site("east", [circ("east", "c", WDC, 1.0), circ("east", "d", WDC, 1.0)],
                [new("east", WDC, provider=[(1.0, 10)], room=2), new("east", NYC, provider=[(1.0, 100)])])
    _, _, chosen = solve(space(east, west(), demands=[demand(4.0)]))
    assert chosen.provider == {("east", WDC): ((Step(1.0, 1000, 10), 2),)}
    _, _, chosen = solve(space(east, west(), demands=[demand(5.0)]))
    assert chosen.provider == {("east", WDC): ((Step(1.0, 1000, 10), 2),), ("east", NYC): ((Step(1.0, 1000, 100), 1),)}


def test_fails_when_the_circuits_per_vnet_limit_leaves_no_room():
    east = site("east", [circ("east", "c", WDC, 1.0)], [new("east", NYC, provider=[(1.0, 10)])], max_circuits=3)
    _, solved, chosen = solve(space(east, west(), demands=[demand(3.0)]))
    assert solved.status == "optimal" and chosen.provider[("east", NYC)][0][1] == 2
    _, solved, _ = solve(space(east, west(), demands=[demand(3.5)]))
    assert solved.status == "infeasible"


def test_the_gateway_skus_circuit_limit_counts_every_circuit():
    east = site("east", [circ("east", "c", WDC, 1.0)], [new("east", NYC, provider=[(1.0, 10)])],
                gateways=[gw("east", fastpath=True, max_circuits=2), gw("east", fastpath=True, max_circuits=4,
                                                                        usd=1500, current=False, sku="ErGw2AZ")])
    _, solved, chosen = solve(space(east, west(), demands=[demand(2.0)]))
    assert chosen.gateways["east"][0].current and solved.objective == pytest.approx(10 + CHANGE_USD)
    _, solved, chosen = solve(space(east, west(), demands=[demand(3.0)]))
    assert chosen.gateways["east"][0].sku == "ErGw2AZ"
    assert solved.objective == pytest.approx(2 * (10 + CHANGE_USD) + 500 + CHANGE_USD)


def test_new_circuits_of_a_region_share_its_ten():
    east = site("east", [circ("east", "c", WDC, 1.0)], [new("east", NYC, provider=[(1.0, 10)])])
    east2 = site("east2", [circ("east2", "c", WDC, 5.0)], [new("east2", NYC, provider=[(1.0, 10)])])
    sp = space(east, east2, west(), demands=[demand(3.0)], region_existing={"eastus": 8, "westus3": 2})
    _, solved, chosen = solve(sp)
    assert solved.status == "optimal" and chosen.provider[("east", NYC)][0][1] == 2
    sp = space(east, east2, west(), demands=[demand(3.0)], region_existing={"eastus": 9, "westus3": 2})
    assert solve(sp)[1].status == "infeasible"
    # another region's circuits do not count
    sp = space(east, east2, west(), demands=[demand(3.0)], region_existing={"eastus": 8, "westus3": 10})
    assert solve(sp)[1].status == "optimal"


def test_the_gateway_throughput_covers_the_circuits_unless_fastpath():
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(5, 100)])],
                gateways=[gw("east", gbps=2.0, usd=500), gw("east", gbps=5.0, usd=900, current=False),
                          gw("east", gbps=2.0, usd=600, current=False, fastpath=True)])
    _, solved, chosen = solve(space(east, west(), demands=[demand(5.0)]))
    assert chosen.gateways["east"][0].fastpath  # 100 more than 5 Gb/s, cheaper than 400 more
    assert solved.objective == pytest.approx(100 + CHANGE_USD + 100 + CHANGE_USD)
    _, solved, chosen = solve(space(east, west(), demands=[demand(1.0)]))
    assert chosen.gateways["east"][0].current and solved.objective == pytest.approx(0.0)


def test_a_gateway_exactly_at_its_circuits_fits():
    east = site("east", [circ("east", "c", WDC, 2.0, steps=[(5, 100)])], gateways=[gw("east", gbps=2.0)])
    _, solved, chosen = solve(space(east, west(), demands=[demand(2.0)]))
    assert solved.objective == pytest.approx(0.0)


def test_a_cheaper_gateway_counts_as_free_and_scale_units_cost_what_they_add():
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(5, 100)])],
                gateways=[gw("east", gbps=1.0, usd=1000), gw("east", gbps=5.0, usd=400, current=False)])
    _, solved, chosen = solve(space(east, west(), demands=[demand(5.0)]))
    assert chosen.gateways["east"][0].gbps == 5.0
    assert solved.objective == pytest.approx(100 + CHANGE_USD + CHANGE_USD)
    scale = gw("east", gbps=1.0, usd=100, current=False, sku="ErGwScale", units=(2, 40))
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(5, 100)])], gateways=[gw("east", gbps=1.0, usd=250), scale],
                gateway_usd=250)
    _, solved, chosen = solve(space(east, west(), demands=[demand(5.0)]))
    assert chosen.gateways["east"] == (scale, 5)
    assert solved.objective == pytest.approx(100 + CHANGE_USD + 5 * 100 - 250 + CHANGE_USD)
    _, solved, chosen = solve(space(east, west(), demands=[demand(1.0)]))
    assert chosen.gateways["east"][0].current and solved.objective == pytest.approx(0.0)


def test_scale_units_stay_within_the_skus_range():
    scale = gw("east", gbps=1.0, usd=100, current=False, sku="ErGwScale", units=(8, 40))
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(5, 100)])], gateways=[gw("east", gbps=1.0, usd=250), scale],
                gateway_usd=250)
    _, solved, chosen = solve(space(east, west(), demands=[demand(5.0)]))
    assert chosen.gateways["east"] == (scale, 8)
    scale = gw("east", gbps=1.0, usd=100, current=False, sku="ErGwScale", units=(1, 4))
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(5, 100)])], gateways=[gw("east", gbps=1.0, usd=250), scale])
    assert solve(space(east, west(), demands=[demand(5.0)]))[1].status == "infeasible"


def test_a_site_at_one_location_gains_a_second():
    east = site("east", [circ("east", "c", WDC, 10.0)], [new("east", WDC, provider=[(1.0, 10)]),
                                                         new("east", NYC, provider=[(1.0, 50)])], single=True)
    _, solved, chosen = solve(space(east, west(), demands=[demand(1.0)]))
    assert chosen.provider == {("east", NYC): ((Step(1.0, 1000, 50), 1),)}
    east = site("east", [circ("east", "c", WDC, 10.0)], [new("east", WDC, provider=[(1.0, 10)]),
                                                         new("east", NYC, provider=[(1.0, 50)])], single=False)
    assert solve(space(east, west(), demands=[demand(1.0)]))[1].objective == pytest.approx(0.0)


def test_a_second_circuit_at_a_metro_location_counts_as_the_second_location():
    east = site("east", [circ("east", "c", AMS, 10.0, metro=True)],
                [new("east", AMS, provider=[(1.0, 10)], metro=True), new("east", NYC, provider=[(1.0, 50)])], single=True)
    _, _, chosen = solve(space(east, west(), demands=[demand(1.0)]))
    assert chosen.provider == {("east", AMS): ((Step(1.0, 1000, 10), 1),)}


def test_circuits_carved_from_new_ports_two_per_port():
    size = PortSize(10, 1000.0, ladder((10.0, 100)))
    east = site("east", [circ("east", "c", WDC, 1.0)], [new("east", NYC, ports=[size])])
    _, solved, chosen = solve(space(east, west(), demands=[demand(21.0)]))
    assert chosen.ports == {("east", NYC, 10): (1, ((size.carved[0], 2),))}
    assert solved.objective == pytest.approx(1000 + 2 * 100 + 3 * CHANGE_USD)
    _, solved, chosen = solve(space(east, west(), demands=[demand(21.5)]))
    assert chosen.ports == {("east", NYC, 10): (2, ((size.carved[0], 3),))}


def test_circuits_on_an_existing_port_stay_within_twice_its_size():
    rooms = [PortRoom("east", "p", NYC, 10, "Standard", ladder((5.0, 100), (10.0, 150)))]
    east = site("east", [circ("east", "c", WDC, 1.0), circ("east", "d", NYC, 5.0, port="p", steps=[(10, 300)])],
                rooms=rooms)
    _, solved, chosen = solve(space(east, west(), demands=[demand(16.0)]))
    assert chosen.room == {("east", "p"): ((rooms[0].carved[1], 1),)} and chosen.steps == {}
    _, solved, chosen = solve(space(east, west(), demands=[demand(21.0)]))  # 1 + 5 + 10 + 5: the port's 20 in all
    assert chosen.room == {("east", "p"): ((rooms[0].carved[1], 1), (rooms[0].carved[0], 1))}
    assert solve(space(east, west(), demands=[demand(21.5)]))[1].status == "infeasible"


# ------------------------------------------------------------------------------------ programs


def test_a_sites_own_program_holds_its_options_only_and_spans_alone_hold_the_spans():
    span = SpanOption("s", "WDC", "SVL", 10.0, (), (SpanOffer(100.0, 700.0),))
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(5, 100)])])
    sp = space(east, west(), demands=[demand(5.0)], spans=[span])
    model, solved, chosen = solve(sp, only="east")
    assert set(model.sites) == {"east"} and not model.v.spans and bandwidths(chosen) == {("east", "c"): 5.0}
    model, solved, _ = solve(sp, only=SPANS)
    assert model.sites == {} and set(model.v.spans) == {"s"} and solved.objective == pytest.approx(0.0)
    model, solved, chosen = solve(sp)
    assert set(model.v.spans) == {"s"} and set(model.sites) == {"east", "west"}
    assert model.site_cost("east").terms and model.site_cost(SPANS).terms == {model.v.spans["s"][0][1]: 700 + CHANGE_USD}


def test_a_bound_on_a_sites_share_is_kept():
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(2, 100), (5, 300)])])
    sp = space(east, west(), demands=[demand(1.5)])
    _, solved, chosen = solve(sp)
    assert solved.objective == pytest.approx(100 + CHANGE_USD)
    model = Model(sp, (), (BASELINE,), site_bounds={"east": 200.0})
    solved = model.solve(10.0, 0.0)
    assert solved.objective == pytest.approx(300 + CHANGE_USD)


def test_a_fixed_site_keeps_the_chosen_design():
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(2, 100), (5, 300)])],
                [new("east", NYC, provider=[(1.0, 10), (0.5, 1)], ports=[PortSize(10, 1000.0, ladder((10.0, 100), (1.0, 1))),
                                                                        PortSize(100, 1.0, ladder((1.0, 1)))])],
                rooms=[PortRoom("east", "p", WDC, 10, "Standard", ladder((5.0, 100), (1.0, 1)))],
                gateways=[gw("east", fastpath=True), gw("east", 1.0, 100, False, True, 16, "ErGwScale", (2, 40))])
    sp = space(east, west(), demands=[demand(1.5)])
    _, _, chosen_big = solve(sp, local=(BASELINE,))
    # hold a design that takes the 5 Gb/s step, a port with a carved circuit, a circuit on the port, ErGwScale x 3
    from infra.solver.design import Chosen

    size = sp.sites["east"].new[0].ports[0]
    wanted = Chosen(steps={("east", "c"): sp.sites["east"].circuits[0].steps[1]},
                    provider={("east", NYC): ((sp.sites["east"].new[0].provider[0], 1),)},
                    ports={("east", NYC, 10): (1, ((size.carved[0], 1),))},
                    room={("east", "p"): ((sp.sites["east"].port_rooms[0].carved[0], 1),)},
                    gateways={"east": (sp.sites["east"].gateways[1], 3), "west": (sp.sites["west"].gateways[0], None)})
    model = Model(sp, (), (BASELINE,))
    model.fix("east", wanted)
    solved = model.solve(10.0, 0.0)
    got = choose(model, solved.x)
    assert got.steps == wanted.steps and got.provider == wanted.provider and got.ports == wanted.ports
    assert got.room == wanted.room and got.gateways["east"] == wanted.gateways["east"]
    assert solved.x.min() >= 0.0  # what the design does not take is held at none, never below
    assert chosen_big.steps == {}  # a cheap new circuit does


def test_a_row_without_variables_that_fails_makes_the_program_infeasible_and_one_that_holds_does_not():
    p = Program()
    p.row(Lin(1.0), lo=1.0, hi=1.0)
    assert not p.contradiction and p.n_rows == 0
    p.row(Lin(1.0), lo=1.0 + 1e-6)
    assert p.contradiction
    p = Program()
    p.row(Lin(1.0), hi=1.0 - 1e-6)
    assert p.contradiction
    p = Program()  # within 1e-9 of either bound, to the last bit: it holds
    p.row(Lin(1.0 - 1e-9), lo=1.0)
    p.row(Lin(1.0 + 1e-9), hi=1.0)
    assert not p.contradiction


def test_an_empty_program_keeps_everything_and_a_contradiction_solves_infeasible():
    sp = space(demands=[])
    model = Model(sp, (), ())
    solved = model.solve(1.0, 0.0)
    assert solved.status == "optimal" and solved.objective == 0.0 and solved.n_vars == 0
    model = Model(sp, (), ())
    model.p.contradiction = True
    assert model.solve(1.0, 0.0).status == "infeasible"


def test_a_program_with_variables_and_no_rows_keeps_everything():
    p_model = Model(space(demands=[]), (), ())
    p_model.p.var(cost=5.0)
    solved = p_model.solve(1.0, 0.0)
    assert solved.status == "optimal" and solved.objective == pytest.approx(0.0) and list(solved.x) == [0.0]


def test_an_expression_is_zero_only_without_variables_and_without_a_positive_constant():
    assert Lin().zero and Lin(-1.0).zero and not Lin(0.5).zero and not Lin(0.0, {0: 1.0}).zero
    e = Lin(1.0, {0: 2.0}).add(Lin(3.0, {0: 1.0, 1: 4.0}), 2.0)
    assert e.const == 7.0 and e.terms == {0: 4.0, 1: 8.0}
    s = e.scaled(0.5)
    assert s.const == 3.5 and s.terms == {0: 2.0, 1: 4.0} and e.terms == {0: 4.0, 1: 8.0}


def test_the_most_a_site_has_at_a_location_and_its_largest_circuit():
    rooms = [PortRoom("east", "p", WDC, 10, "Standard", ladder((5.0, 1), (10.0, 1)))]
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(2, 1)]), circ("east", "d", NYC, 3.0)],
                [new("east", WDC, provider=[(1.0, 1), (4.0, 1)], room=2, ports=[PortSize(10, 1.0, ladder((6.0, 1)))])],
                rooms=rooms)
    assert most_at(east, WDC) == (2.0 + 2 * 6.0 + 2 * 10.0, 10.0)
    assert most_at(east, NYC) == (3.0, 3.0)
    assert most_at(east, "Silicon Valley") == (0.0, 0.0)


def test_a_site_outside_the_program_counts_at_its_most():
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(2, 1)])],
                gateways=[gw("east", gbps=2.0), gw("east", gbps=1.0, usd=100, current=False, sku="ErGwScale", units=(2, 40))])
    sp = space(east, west(), demands=[demand(3.0, "west", "east")])
    model = Model(sp, (), (), only="west")
    assert model.cap_at("east", WDC).const == 2.0 and not model.cap_at("east", WDC).terms
    assert model.gateway("east").const == 40.0 and model.gateway("east", halved=True).const == 20.0
    east = site("east", [circ("east", "c", WDC, 1.0)], gateways=[gw("east", gbps=2.0), gw("east", fastpath=True, current=False)])
    model = Model(space(east, west(), demands=[demand(3.0, "west", "east")]), (), (), only="west")
    assert model.gateway("east").const == 4.0 * (1.0 + 3.0)
    fixed = site("east", [circ("east", "c", WDC, 1.0)], gateways=[gw("east", gbps=2.0)])
    model = Model(space(fixed, west(), demands=[demand(3.0, "west", "east")]), (), (), only="west")
    assert model.gateway("east").const == 2.0 and model.gateway("east", halved=True).const == 1.0
    metro = site("east", [circ("east", "a", AMS, 5.0, metro=True), circ("east", "b", AMS, 2.0, metro=True)])
    model = Model(space(metro, west(), demands=[demand(3.0, "west", "east")]), (), (), only="west")
    alive = model._alive_at(Scenario((FailureKey("circuit", "east/" + AMS),)), "east", AMS)
    assert alive.const == 2.0 and not alive.terms  # 7 at its most, less its largest circuit lost


# ------------------------------------------------------------------------------------ what HiGHS answers


def test_what_highs_answers_is_frozen():
    import dataclasses

    solved = Solved("optimal", None, 1.0, 1.0, 0.0, 0.1, 1, 1, 1, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        solved.status = "infeasible"


def test_an_empty_or_contradicted_program_reports_no_time_and_no_nodes():
    model = Model(space(demands=[]), (), ())
    assert model.solve(1.0, 0.0) == Solved("optimal", pytest.approx(np.zeros(0)), 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0)
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(2, 100)])])
    model = Model(space(east, west(), demands=[demand(1.0)]), (), (BASELINE,))
    model.p.contradiction = True
    n_vars, n_rows = model.p.n_vars, model.p.n_rows
    assert model.solve(1.0, 0.0) == Solved("infeasible", None, None, None, None, 0.0, n_vars, sum(model.p.integer),
                                           n_rows, 0)


class FakeMilp:
    """scipy.optimize.milp's answer as HiGHS gives it when it stops early, and the options it was asked with."""

    def __init__(self, status: int, x, fun=None, bound=None, gap=None, message: str = "stopped"):
        self.answer = dict(status=status, x=x, fun=fun, message=message, mip_node_count=7)
        if bound is not None:
            self.answer["mip_dual_bound"] = bound
        if gap is not None:
            self.answer["mip_gap"] = gap
        self.options = None

    def __call__(self, c, integrality, bounds, constraints, options):
        self.options = options
        return type("Res", (), self.answer)()


def solve_with(monkeypatch, fake: FakeMilp, time_limit: float = 5.0, gap: float = 0.01) -> Solved:
    import scipy.optimize

    monkeypatch.setattr(scipy.optimize, "milp", fake)
    east = site("east", [circ("east", "c", WDC, 1.0, steps=[(2, 100)])])
    return Model(space(east, west(), demands=[demand(1.5)]), (), (BASELINE,)).solve(time_limit, gap)


def test_what_highs_answers_when_it_stops_early_is_reported_as_such(monkeypatch):
    fake = FakeMilp(1, None, bound=90.0)
    s = solve_with(monkeypatch, fake, time_limit=0.2, gap=0.03)
    assert (s.status, s.x, s.objective, s.bound, s.gap, s.nodes) == ("no solution in time", None, None, 90.0, None, 7)
    assert fake.options == {"time_limit": 1.0, "mip_rel_gap": 0.03, "presolve": True, "disp": False}
    s = solve_with(monkeypatch, FakeMilp(4, None, message="numerical trouble"))
    assert s.status == "solver stopped: numerical trouble" and s.x is None
    x = [0.0] * 40
    s = solve_with(monkeypatch, FakeMilp(1, x, fun=100.0, bound=80.0))
    assert (s.status, s.objective, s.bound, s.gap) == ("time limit", 100.0, 80.0, pytest.approx(0.2))
    s = solve_with(monkeypatch, FakeMilp(1, x, fun=0.5, bound=0.0))
    assert s.gap == pytest.approx(0.5)  # relative to at least 1 USD
    s = solve_with(monkeypatch, FakeMilp(0, x, fun=100.0, bound=99.0, gap=0.01))
    assert (s.status, s.gap) == ("optimal", 0.01) and s.n_vars > 0 and s.n_rows > 0
    s = solve_with(monkeypatch, FakeMilp(0, x, fun=100.0))
    assert s.bound is None and s.gap is None
    s = solve_with(monkeypatch, FakeMilp(2, None))
    assert s.status == "infeasible" and s.nodes == 7
    fake = FakeMilp(2, None)
    solve_with(monkeypatch, fake, time_limit=5.0)
    assert fake.options["time_limit"] == 5.0


def test_highs_prints_to_stderr_while_it_runs_and_stdout_comes_back(capfd):
    import os

    from infra.solver.model import _stdout_to_stderr

    with _stdout_to_stderr():
        os.write(1, b"highs")
    os.write(1, b"json")
    out, err = capfd.readouterr()
    assert (out, err) == ("json", "highs")


def test_without_a_usable_stdout_nothing_is_redirected(monkeypatch, capfd):
    import io
    import os
    import sys

    from infra.solver.model import _stdout_to_stderr

    class Closed(io.StringIO):
        def flush(self):
            raise ValueError("I/O operation on closed file")

    monkeypatch.setattr(sys, "stdout", Closed())
    with _stdout_to_stderr():
        os.write(1, b"out")
    out, err = capfd.readouterr()
    assert (out, err) == ("out", "")


def test_a_span_takes_one_offer_at_most():
    from infra.solver.routing import Cut

    span = SpanOption("s", "WDC", "SVL", 5.0, (), (SpanOffer(7.0, 200.0), SpanOffer(20.0, 2000.0)))
    sp = space(site("east", [circ("east", "c", WDC, 1.0)]), west(), spans=[span])
    asks = [Cut(BASELINE, ((("span", "s", "az"), 1.0),), need) for need in (20.0, 21.0)]
    model = Model(sp, asks[:1], ())
    solved = model.solve(10.0, 0.0)
    assert choose(model, solved.x).spans == {"s": span.offers[1]}
    assert solved.objective == pytest.approx(2000 + CHANGE_USD)
    assert Model(sp, asks[1:], ()).solve(10.0, 0.0).status == "infeasible"  # 5 + 2 + 15 only with both
