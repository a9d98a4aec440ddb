"""Pricing one stack: items that sum to the total, overrides, and what carrying a demand costs."""

from __future__ import annotations

import pytest

from infra.cost import prices
from infra.cost.model import circuit_break_even_gb, data_plan_monthly_usd, stack_cost
from infra.cost.prices import HOURS_PER_MONTH, PriceBook


def test_every_shipped_stack_has_a_cost_whose_items_sum_to_the_total(shipped_specs):
    for name, spec in shipped_specs.items():
        cost = stack_cost(spec)
        assert cost.items, name
        assert cost.monthly_usd == pytest.approx(sum(i.monthly_usd for i in cost.items), abs=0.005)
        assert cost.monthly_usd > 0
        for item in cost.items:
            assert item.source, item.item
            assert item.monthly_usd == 0 or item.priced, "an unpriced item adds nothing"


def test_unpriced_items_are_listed_and_make_the_cost_incomplete(shipped_specs):
    cost = stack_cost(shipped_specs["westeurope"])  # MI300X: no published price
    mi300x = [i for i in cost.items if "MI300X" in i.item]
    assert mi300x and all(i.status == "unpriced" and i.monthly_usd == 0 for i in mi300x)
    assert set(mi300x) <= set(cost.unpriced)
    assert not cost.complete


def test_gpu_vms_are_priced_per_scale_set_for_730_hours(make_spec, spec_data):
    cost = stack_cost(make_spec(spec_data))
    gpu = [i for i in cost.items if i.category == "gpu"]
    assert len(gpu) == 1  # 16 VMs: one InfiniBand scale set
    assert gpu[0].quantity == 16 * HOURS_PER_MONTH
    assert gpu[0].monthly_usd == pytest.approx(16 * HOURS_PER_MONTH * 98.32, abs=0.01)


def test_a_negotiated_discount_takes_its_percent_off_its_category_only(make_spec, spec_data):
    base = stack_cost(make_spec(spec_data)).by_category()
    spec_data["pricing"] = {"discount_pct": {"gpu": 20}}
    discounted = stack_cost(make_spec(spec_data)).by_category()
    assert discounted["gpu"] == pytest.approx(base["gpu"] * 0.8, abs=0.02)
    assert discounted["circuit"] == base["circuit"]


def test_a_reserved_cluster_is_priced_at_its_term_price_over_the_terms_months(make_spec, spec_data):
    spec_data["pricing"] = {"reservations": {"h100": "3-year"}}
    gpu = [i for i in stack_cost(make_spec(spec_data)).items if i.category == "gpu"]
    whole_term = prices.CATALOG[f"vm-3y:{prices.H100}:eastus"].amount
    assert gpu[0].monthly_usd == pytest.approx(16 * whole_term / 36, abs=0.01)
    assert "3-year reservation" in gpu[0].item


def test_a_price_override_fills_a_gap_in_the_catalog(make_spec, spec_data):
    spec_data["site"]["vcpu_quota"] = {"Standard_ND96isr_MI300X_v5": 10_000}
    spec_data["site"]["region"] = "westeurope"
    spec_data["clusters"]["h100"]["sku"] = "Standard_ND96isr_MI300X_v5"
    without = [i for i in stack_cost(make_spec(spec_data)).items if i.category == "gpu"]
    assert without[0].status == "unpriced"
    spec_data["pricing"] = {"prices": {"vm:Standard_ND96isr_MI300X_v5:westeurope": 50.0}}
    given = [i for i in stack_cost(make_spec(spec_data)).items if i.category == "gpu"]
    assert given[0].status == "override"
    assert given[0].monthly_usd == pytest.approx(16 * HOURS_PER_MONTH * 50.0)


def test_a_circuit_on_a_direct_port_of_standard_tier_costs_nothing_beyond_the_port(make_spec, spec_data, direct):
    spec_data["interconnect"]["ports"] = {"p1": {"peering_location": "Washington DC", "bandwidth_gbps": 10}}
    spec_data["interconnect"]["circuits"]["wdc"] = direct("p1", 1, 10)
    items = {i.item.split(":")[0]: i for i in stack_cost(make_spec(spec_data)).items}
    assert items["circuit wdc"].monthly_usd == 0 and items["circuit wdc"].status == "verified"
    assert items["Direct port p1"].status == "unpriced", "no published Direct port price"


# --- a replication demand on metered against unlimited data -----------------------------------------


BOOK = PriceBook()


def test_break_even_is_where_metered_and_unlimited_cost_the_same():
    gb = circuit_break_even_gb(BOOK, "zone1", "Standard", 10000)
    assert gb is not None and gb > 0
    metered = data_plan_monthly_usd(BOOK, "zone1", "Standard", 10000, "MeteredData", gb)
    unlimited = data_plan_monthly_usd(BOOK, "zone1", "Standard", 10000, "UnlimitedData", gb)
    assert metered == pytest.approx(unlimited)


@pytest.mark.parametrize("tier,mbps", [("Standard", 10000), ("Standard", 100), ("Premium", 10000)])
def test_a_metered_circuit_costs_more_than_unlimited_past_the_break_even_and_less_below(tier, mbps):
    gb = circuit_break_even_gb(BOOK, "zone1", tier, mbps)
    assert gb is not None

    def cost(plan, volume):
        return data_plan_monthly_usd(BOOK, "zone1", tier, mbps, plan, volume)

    assert cost("MeteredData", gb * 1.01) > cost("UnlimitedData", gb * 1.01)
    assert cost("MeteredData", gb * 0.99) < cost("UnlimitedData", gb * 0.99)


def test_break_even_follows_the_prices_it_is_computed_from():
    cheap_data = PriceBook({"data-out:zone1": 0.01})
    assert circuit_break_even_gb(cheap_data, "zone1", "Standard", 10000) > circuit_break_even_gb(
        BOOK, "zone1", "Standard", 10000)


def _with_replication(spec_data, plan: str):
    for c in spec_data["interconnect"]["circuits"].values():
        c["data_plan"] = plan
    spec_data["demands"] = {"copy": {"kind": "replication", "to_stack": "westus3", "dataset_tb": 100,
                                     "within_hours": 73}}
    return spec_data


def test_a_replication_demand_on_metered_circuits_bills_its_data_out(make_spec, spec_data):
    cost = stack_cost(make_spec(_with_replication(spec_data, "MeteredData")))
    (demand,) = cost.demands
    assert demand.runs_per_month == pytest.approx(HOURS_PER_MONTH / 73)  # back to back by default
    assert demand.gb_per_month == pytest.approx(100_000 * 10)
    rate = BOOK.quote("data-out:zone1").usd
    data = [i for i in cost.items if i.category == "data"]
    assert len(data) == 1 and data[0].monthly_usd == pytest.approx(1_000_000 * rate, abs=0.01)
    assert demand.data_out_usd == data[0].monthly_usd == pytest.approx(demand.if_metered_usd, abs=0.01)


def test_a_replication_demand_on_unlimited_circuits_adds_no_data_charge_but_shows_the_metered_price(
        make_spec, spec_data):
    cost = stack_cost(make_spec(_with_replication(spec_data, "UnlimitedData")))
    (demand,) = cost.demands
    assert demand.data_out_usd == 0
    assert demand.if_metered_usd and demand.if_metered_usd > 0
    assert not [i for i in cost.items if i.category == "data"]
    gap = sum(BOOK.quote(f"circuit:zone1:Standard:{p}:10000").usd * s for p, s in
              (("UnlimitedData", 1), ("MeteredData", -1))) * 2
    assert demand.break_even_gb_per_month == pytest.approx(gap / BOOK.quote("data-out:zone1").usd)


def test_runs_per_month_from_the_stack_replace_the_back_to_back_assumption(make_spec, spec_data):
    data = _with_replication(spec_data, "MeteredData")
    data["pricing"] = {"demand_runs_per_month": {"copy": 2}}
    (demand,) = stack_cost(make_spec(data)).demands
    assert demand.gb_per_month == 200_000
    assert "2 runs a month" in demand.volume_basis


def test_global_reach_data_is_reported_unpriced_until_the_stack_gives_a_rate(make_spec, spec_data):
    data = _with_replication(spec_data, "UnlimitedData")
    (gr,) = [i for i in stack_cost(make_spec(data)).items if i.category == "global_reach"]
    assert gr.status == "unpriced" and gr.monthly_usd == 0
    data["pricing"] = {"prices": {"global-reach:zone1": 0.02}}
    cost = stack_cost(make_spec(data))
    (gr,) = [i for i in cost.items if i.category == "global_reach"]
    assert gr.monthly_usd == pytest.approx(2 * 1_000_000 * 0.02)
    assert cost.demands[0].global_reach_usd == gr.monthly_usd
