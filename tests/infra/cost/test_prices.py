"""The price catalog: every price names its source, currency and unit; lookups apply a stack's overrides."""

from __future__ import annotations

import pytest

from infra import catalog
from infra.cost import prices
from infra.cost.prices import CATALOG, PriceBook


@pytest.mark.parametrize("price", CATALOG.values(), ids=lambda p: p.key)
def test_every_price_names_its_source_currency_and_unit(price):
    assert price.source.strip()
    assert price.currency in ("USD", "GBP")
    assert price.unit in ("hour", "unit-hour", "month", "GB", "1-year term", "3-year term")
    assert price.category in prices.CATEGORIES
    assert prices.key_problem(price.key) is None, "a catalog key must be one a stack can override"
    if price.amount is not None:
        assert price.amount > 0
        assert price.meter, "a published price names its Retail Prices API meter"
    else:
        assert price.status is not catalog.Status.VERIFIED, "a missing price is never 'verified'"


def test_unpublished_prices_are_unpriced_not_guessed():
    book = PriceBook()
    for key in ("vm:Standard_ND128isr_NDR_GB200_v6:uksouth", "vm:Standard_ND96isr_MI300X_v5:westeurope",
                "port:100:UnlimitedData", "global-reach:zone1", "circuit:zone1:Local:UnlimitedData:10000"):
        q = book.quote(key)
        assert q.usd is None and q.status == "unpriced"
        assert f"ai-fabric:pricing.prices[{key!r}]" in q.source, "the quote says how to give the price"


def test_gbp_rate_is_the_median_of_the_meters_read_in_both_currencies():
    ratios = sorted(usd / gbp for _, usd, gbp in prices.FX_PAIRS)
    assert prices.GBP_TO_USD == ratios[len(ratios) // 2]
    assert len(prices.FX_PAIRS) >= 3


def test_a_price_read_in_gbp_is_converted_and_marked_unverified():
    q = PriceBook().quote("gateway:ErGw3AZ")
    assert q.usd == pytest.approx(CATALOG["gateway:ErGw3AZ"].amount * prices.GBP_TO_USD)
    assert q.status == "unverified"
    assert "GBP" in q.source
    at_two = PriceBook(gbp_to_usd=2.0).quote("gateway:ErGw3AZ")
    assert at_two.usd == pytest.approx(CATALOG["gateway:ErGw3AZ"].amount * 2.0)


def test_a_usd_price_keeps_its_own_status():
    q = PriceBook().quote(f"vm:{prices.A100}:eastus")
    assert (q.usd, q.status) == (32.77, "verified")


def test_premium_unlimited_10g_is_derived_from_the_premium_add_on_of_the_metered_plan():
    derived = CATALOG["circuit:zone1:Premium:UnlimitedData:10000"]
    add_on = (CATALOG["circuit:zone1:Premium:MeteredData:10000"].amount
              - CATALOG["circuit:zone1:Standard:MeteredData:10000"].amount)
    assert derived.amount == pytest.approx(CATALOG["circuit:zone1:Standard:UnlimitedData:10000"].amount + add_on)
    assert derived.status is catalog.Status.UNVERIFIED
    assert "derived" in derived.note


def test_an_override_replaces_the_catalog_price_and_says_so():
    book = PriceBook({"gateway:ErGw3AZ": 2.0, "vm:Standard_ND96isr_MI300X_v5:westeurope": 48.0})
    q = book.quote("gateway:ErGw3AZ")
    assert (q.usd, q.status) == (2.0, "override")
    assert "ai-fabric:pricing.prices" in q.source
    assert book.vm_hour("Standard_ND96isr_MI300X_v5", "westeurope").usd == 48.0


def test_a_us_region_without_its_own_gpu_price_takes_the_reference_region_marked_unverified():
    q = PriceBook().vm_hour(prices.H100, "southcentralus")
    assert q.usd == 98.32
    assert q.status == "unverified"
    assert "southcentralus price not found; the eastus price stands in" in q.source


def test_a_region_outside_the_reference_areas_gets_no_stand_in():
    assert PriceBook().vm_hour(prices.A100, "westeurope").usd is None


def test_a_regions_own_price_wins_over_the_stand_in():
    book = PriceBook({f"vm:{prices.H100}:southcentralus": 90.0})
    q = book.vm_hour(prices.H100, "southcentralus")
    assert (q.usd, q.status) == (90.0, "override")


@pytest.mark.parametrize("key", ["vm:Standard_Nope:eastus", "vm:Standard_ND96isr_H100_v5:mars", "circuit:zone1:Gold:MeteredData:10000",
                                 "circuit:zone1:Standard:MeteredData:3000", "gateway:VpnGw1", "port:40:MeteredData",
                                 "data-out:zone9", "vm", "price-of-coffee"])
def test_fails_when_a_price_key_has_no_known_shape(key):
    assert prices.key_problem(key)


def test_reservation_prices_are_whole_term_prices_below_pay_as_you_go():
    payg = CATALOG[f"vm:{prices.A100}:eastus"].amount * prices.HOURS_PER_MONTH
    one = CATALOG[f"vm-1y:{prices.A100}:eastus"].amount / 12
    three = CATALOG[f"vm-3y:{prices.A100}:eastus"].amount / 36
    assert three < one < payg
