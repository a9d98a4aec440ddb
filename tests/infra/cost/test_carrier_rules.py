"""Pricing of the carrier's spans (infra/cost/carrier.py), rule by rule, on span mappings built in the test:
the cheapest offer that carries a capacity (the span as it is or an upgrade, boundary included), one cost
item per span (priced as an override, or unpriced with where to set the price), the discount, and what
an upgrade adds a month."""

from __future__ import annotations

import dataclasses

import pytest

from infra.cost.carrier import SOURCE, SpanPrice, span_items, span_prices, upgrade_delta_usd

SPANS = {
    "ash-chi": {"gbps": 400, "monthly_usd": 10_000, "upgrades": [{"gbps": 1600, "monthly_usd": 25_000},
                                                                 {"gbps": 800, "monthly_usd": 16_000}]},
    "chi-den": {"gbps": 100},
    "den-dal": {"gbps": 200, "upgrades": [{"gbps": 400, "monthly_usd": 9_000}]},
}


def price(name: str) -> SpanPrice:
    return {p.span: p for p in span_prices(SPANS)}[name]


def test_span_prices_read_capacity_price_and_upgrades_ascending():
    assert span_prices(SPANS) == [
        SpanPrice("ash-chi", 400.0, 10_000.0, ((800.0, 16_000.0), (1600.0, 25_000.0))),
        SpanPrice("chi-den", 100.0, None, ()),
        SpanPrice("den-dal", 200.0, None, ((400.0, 9_000.0),)),
    ]


def test_a_span_without_capacity_or_upgrades_reads_as_zero_and_none():
    assert span_prices({"s": {}}) == [SpanPrice("s", 0.0, None, ())]
    assert span_prices({"s": {"gbps": 10, "upgrades": None, "monthly_usd": 0}}) == [SpanPrice("s", 10.0, 0.0, ())]


def test_a_span_price_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        price("ash-chi").gbps = 1.0  # type: ignore[misc]


def test_the_span_as_it_is_carries_up_to_its_capacity_inclusive():
    p = price("ash-chi")
    assert p.monthly_usd_at(0) == 10_000
    assert p.monthly_usd_at(400) == 10_000


def test_beyond_its_capacity_the_cheapest_fitting_upgrade_prices_the_span():
    p = price("ash-chi")
    assert p.monthly_usd_at(400.5) == 16_000
    assert p.monthly_usd_at(800) == 16_000
    assert p.monthly_usd_at(801) == 25_000
    assert p.monthly_usd_at(1600) == 25_000


def test_no_offer_beyond_the_largest_upgrade():
    assert price("ash-chi").monthly_usd_at(1600.5) is None


def test_an_unpriced_span_has_a_price_only_through_an_upgrade():
    assert price("chi-den").monthly_usd_at(50) is None
    p = price("den-dal")
    assert p.monthly_usd_at(100) == 9_000
    assert p.monthly_usd_at(400) == 9_000
    assert p.monthly_usd_at(401) is None


def test_a_priced_span_is_one_override_item_a_month_at_its_price():
    [item] = span_items([price("ash-chi")])
    assert item.item == "carrier span ash-chi: 400 Gb/s" and item.resource is None
    assert item.monthly_usd == 10_000 and item.unit_usd == 10_000
    assert item.source == SOURCE and item.status == "override" and item.priced
    assert item.category == "carrier" and item.quantity == 1 and item.unit == "month"


def test_an_unpriced_span_is_an_unpriced_item_saying_where_to_set_its_price():
    [item] = span_items([price("chi-den")])
    assert item.monthly_usd == 0.0 and item.unit_usd is None and item.status == "unpriced" and not item.priced
    assert item.source == "no price for span chi-den; set spans.chi-den.monthly_usd in stacks/fabric.yaml"


def test_a_span_priced_at_zero_is_priced_not_unpriced():
    [item] = span_items(span_prices({"s": {"gbps": 10, "monthly_usd": 0}}))
    assert item.status == "override" and item.monthly_usd == 0.0 and item.unit_usd == 0.0


def test_the_discount_lowers_the_monthly_price_rounded_to_cents():
    [item] = span_items([SpanPrice("s", 10, 1000.0)], discount_pct=12.5)
    assert item.monthly_usd == 875.0 and item.unit_usd == 1000.0
    [item] = span_items([SpanPrice("s", 10, 100.0)], discount_pct=1)
    assert item.monthly_usd == 99.0
    [item] = span_items([SpanPrice("s", 10, 10.0 / 3)])
    assert item.monthly_usd == 3.33
    [item] = span_items([SpanPrice("s", 10, 1.0 / 3)], discount_pct=0)
    assert item.monthly_usd == 0.33


def test_one_item_per_span_in_order():
    items = span_items(span_prices(SPANS))
    assert [i.item.split(":")[0] for i in items] == ["carrier span ash-chi", "carrier span chi-den",
                                                     "carrier span den-dal"]


def test_an_upgrade_adds_its_price_less_the_spans():
    assert upgrade_delta_usd(price("ash-chi"), 401) == 6_000
    assert upgrade_delta_usd(price("ash-chi"), 1600) == 15_000


def test_a_span_that_carries_the_capacity_adds_nothing():
    assert upgrade_delta_usd(price("ash-chi"), 400) == 0.0
    assert upgrade_delta_usd(SpanPrice("s", 400, 100.0, ((800.0, 50.0),)), 400) == 0.0


def test_no_delta_without_an_offer_or_without_a_price_for_the_span_as_it_is():
    assert upgrade_delta_usd(price("ash-chi"), 2000) is None
    assert upgrade_delta_usd(price("den-dal"), 300) is None
    assert upgrade_delta_usd(price("chi-den"), 50) is None
