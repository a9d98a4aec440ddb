"""Cost in the plan: the DESIGN.md JSON contract, the fabric block, and the monthly delta of a change."""

from __future__ import annotations

import dataclasses

import pytest

from infra import plan, render, review
from infra.cost.carrier import SpanPrice, span_items, span_prices, upgrade_delta_usd
from infra.cost.model import stack_cost
from infra.cost.report import earlier_costs, fabric_cost


@pytest.fixture(scope="module")
def eastus_plan(shipped_fabric, plan_shipped) -> plan.StackPlan:
    inv = plan_shipped("eastus")
    cap = shipped_fabric.assessment.capacity["eastus"]
    return plan.StackPlan("eastus", inv, cap, (), cost=stack_cost(shipped_fabric.stacks["eastus"].spec, inv,
                                                                    cap.clusters))


def test_each_stack_json_carries_the_design_cost_contract(eastus_plan):
    doc = plan.to_json([eastus_plan])
    cost = doc["stacks"][0]["cost"]
    assert isinstance(cost["monthly_usd"], float | int)
    assert cost["items"]
    for item in cost["items"]:
        assert {"item", "resource", "monthly_usd", "source"} <= set(item)
        assert isinstance(item["item"], str) and isinstance(item["source"], str) and item["source"]
        assert isinstance(item["monthly_usd"], float | int)
    assert cost["monthly_usd"] == pytest.approx(sum(i["monthly_usd"] for i in cost["items"]), abs=0.005)
    assert doc["fabric"]["monthly_usd"] == cost["monthly_usd"]
    assert doc["summary"]["monthly_usd"] == cost["monthly_usd"]


def test_each_priced_resource_points_at_its_urn_in_the_inventory(eastus_plan):
    urns = {r.urn: r for r in eastus_plan.inventory}
    by_item = {i.item.split(":")[0]: i.resource for i in eastus_plan.cost.items}
    for name in ("a100-ib-0", "a100-ib-1", "a100-ib-2", "circuit wdc", "circuit nyc", "gateway", "gateway public IP"):
        assert by_item[name] in urns, name
    assert urns[by_item["circuit wdc"]].type == "azure-native:network:ExpressRouteCircuit"
    assert urns[by_item["a100-ib-2"]].name == "a100-ib-2"
    # Data has no resource of its own.
    assert all(i.resource is None for i in eastus_plan.cost.items if i.category in ("data", "global_reach"))


def test_the_plan_reports_show_the_monthly_cost(eastus_plan):
    table = render.plan_table([eastus_plan], {})
    assert "monthly USD" in table and "Cost" in table
    assert f"{eastus_plan.cost.monthly_usd:,.2f}" in table
    md = render.plan_markdown([eastus_plan])
    assert "### Cost" in md and "| cost item | monthly USD | status | source |" in md


def _reviewed(stack_plan, earlier_cost_doc):
    earlier = {stack_plan.stack: tuple(stack_plan.inventory)}
    rev = review.review("before.json", earlier, {stack_plan.stack: tuple(stack_plan.inventory)}, True)
    return plan.with_review([stack_plan], rev, earlier_costs(earlier_cost_doc))


def test_a_change_shows_its_monthly_delta_per_stack_and_for_the_fabric(eastus_plan):
    now = eastus_plan.cost.monthly_usd
    fp = _reviewed(eastus_plan, {"stacks": [{"stack": "eastus", "cost": {"monthly_usd": now - 1500.0}}]})
    doc = plan.to_json(fp)
    assert doc["fabric"]["monthly_usd_delta"] == pytest.approx(1500.0)
    assert doc["fabric"]["previous_monthly_usd"] == pytest.approx(now - 1500.0)
    assert doc["stacks"][0]["cost"]["monthly_usd_delta"] == pytest.approx(1500.0)
    table = render.plan_table(fp, {})
    assert "Δ monthly USD" in table and "+1,500" in table


def test_the_delta_is_unknown_when_the_earlier_plan_carries_no_cost(eastus_plan):
    fp = _reviewed(eastus_plan, {"stacks": [{"stack": "eastus", "resources": []}]})
    doc = plan.to_json(fp)
    assert doc["fabric"]["monthly_usd_delta"] is None
    assert doc["stacks"][0]["cost"]["monthly_usd_delta"] is None
    assert "unknown" in render.plan_table(fp, {})
    assert "monthly delta against before.json unknown" in render.plan_markdown(fp)


def test_an_added_stack_costs_its_total_and_a_removed_one_saves_its_earlier_total(eastus_plan):
    cost = eastus_plan.cost
    added = fabric_cost([cost], earlier={})
    assert added.delta_of("eastus") == cost.monthly_usd
    removed = fabric_cost([cost], earlier={"eastus": cost.monthly_usd, "gone": 1000.0})
    assert removed.removed == ("gone",)
    assert removed.monthly_usd_delta == -1000.0


def test_earlier_costs_reads_only_numbers():
    doc = {"stacks": [{"stack": "a", "cost": {"monthly_usd": 5}}, {"stack": "b", "cost": {"monthly_usd": "5"}},
                      {"stack": "c"}, {"stack": "d", "cost": {"monthly_usd": True}}, "junk"]}
    assert earlier_costs(doc) == {"a": 5.0, "b": None, "c": None, "d": None}
    assert earlier_costs([1, 2]) == {}


# --- carrier spans: prices as plain data, as stacks/fabric.yaml will give them ---------------------------


SPANS = {
    "wdc-nyc": {"a": "WDC", "z": "NYC", "gbps": 400, "monthly_usd": 30000,
                "upgrades": [{"gbps": 1600, "monthly_usd": 70000}, {"gbps": 800, "monthly_usd": 45000}]},
    "nyc-chi": {"a": "NYC", "z": "CHI", "gbps": 100},
}


def test_carrier_spans_are_priced_from_the_users_figures_and_unpriced_without_one():
    items = {i.item.split(":")[0]: i for i in span_items(span_prices(SPANS))}
    assert items["carrier span wdc-nyc"].monthly_usd == 30000 and items["carrier span wdc-nyc"].priced
    assert not items["carrier span nyc-chi"].priced and items["carrier span nyc-chi"].monthly_usd == 0
    fc = fabric_cost([], carrier=list(items.values()))
    assert fc.monthly_usd == 30000 and fc.unpriced == 1


def test_a_span_upgrade_costs_the_cheapest_offer_that_carries_the_capacity():
    wdc = next(p for p in span_prices(SPANS) if p.span == "wdc-nyc")
    assert wdc.upgrades == ((800.0, 45000.0), (1600.0, 70000.0))
    assert upgrade_delta_usd(wdc, 400) == 0
    assert upgrade_delta_usd(wdc, 500) == 15000
    assert upgrade_delta_usd(wdc, 1200) == 40000
    assert upgrade_delta_usd(wdc, 2000) is None
    assert upgrade_delta_usd(dataclasses.replace(wdc, monthly_usd=None), 500) is None
    assert SpanPrice("x", 10, None).monthly_usd_at(5) is None
