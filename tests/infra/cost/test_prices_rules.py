"""The price catalog's rules (infra/cost/prices.py), one by one: which price keys a stack may set (every shape,
every part checked, each bad part named with what is allowed), how a price is quoted (a stack's override first,
unpriced never guessed, GBP converted at the stack's or the catalog's rate and so unverified, a contradictory
figure kept contradictory), which region's GPU price stands in for another's, and the billing zone of a
peering location."""

from __future__ import annotations

import dataclasses

import pytest

from infra import catalog
from infra.cost import prices
from infra.cost.prices import CATALOG, GBP_TO_USD, SRC_NOT_FOUND, PriceBook, Quote, key_problem, zone_of

A100, H100, H200 = prices.A100, prices.H100, prices.H200
SHAPES = "; allowed shapes: " + ", ".join(prices.KEY_SHAPES)


# Units of time and data.

def test_a_month_is_azures_730_hours_and_terms_are_12_and_36_months():
    assert prices.HOURS_PER_MONTH == 24 * 365 / 12 == 730
    assert prices.MONTHS_PER_TERM == {"1-year": 12, "3-year": 36}


def test_a_terabyte_is_a_thousand_of_azures_gigabytes():
    assert prices.GB_PER_TB == 10**12 // 10**9


# Price keys a stack may set.

@pytest.mark.parametrize("key", [
    f"vm:{A100}:eastus", f"vm-1y:{H100}:westus3", f"vm-3y:{H200}:uksouth",
    "circuit:zone1:Standard:MeteredData:50", "circuit:zone3:Local:UnlimitedData:10000",
    "circuit:zone2:Premium:MeteredData:1000",
    "data-out:zone1", "data-out:zone3", "global-reach:zone2",
    "gateway:ErGw3AZ", "gateway:ErGwScale", "gateway:Standard",
    "public-ip:standard-static",
    "port:10:MeteredData", "port:100:UnlimitedData", "port:400:MeteredData",
    "direct-premium:1", "direct-premium:100",
    "peering:intra-region", "peering:global:zone1", "peering:global:zone3",
])
def test_every_shape_of_price_key_is_accepted(key):
    assert key_problem(key) is None


@pytest.mark.parametrize(("key", "problem"), [
    ("vm:Standard_X:eastus", "GPU SKU 'Standard_X' is not one of " + ", ".join(catalog.GPU_SKUS)),
    (f"vm:{A100}:mars", "region 'mars' is not one of " + ", ".join(catalog.AZURE_REGIONS)),
    ("vm-1y:Standard_X:eastus", "GPU SKU 'Standard_X' is not one of " + ", ".join(catalog.GPU_SKUS)),
    ("circuit:zone4:Standard:MeteredData:50", "zone 'zone4' is not one of zone1, zone2, zone3"),
    ("circuit:zone1:Gold:MeteredData:50", "tier 'Gold' is not one of Local, Standard, Premium"),
    ("circuit:zone1:Standard:Metered:50", "data plan 'Metered' is not one of MeteredData, UnlimitedData"),
    ("circuit:zone1:Standard:MeteredData:51",
     "bandwidth (Mbps) '51' is not one of 50, 100, 200, 500, 1000, 2000, 5000, 10000"),
    ("data-out:zone0", "zone 'zone0' is not one of zone1, zone2, zone3"),
    ("global-reach:zone0", "zone 'zone0' is not one of zone1, zone2, zone3"),
    ("gateway:ErGw4AZ", "gateway SKU 'ErGw4AZ' is not one of " + ", ".join(catalog.GATEWAY_SKUS)),
    ("port:40:MeteredData", "port size (Gbps) '40' is not one of 10, 100, 400"),
    ("port:11:MeteredData", "port size (Gbps) '11' is not one of 10, 100, 400"),
    ("port:100:Metered", "billing type 'Metered' is not one of MeteredData, UnlimitedData"),
    ("direct-premium:7", "circuit bandwidth (Gbps) '7' is not one of 1, 2, 5, 10, 40, 100"),
    ("peering:global:zone9", "zone 'zone9' is not one of zone1, zone2, zone3"),
])
def test_fails_when_a_part_of_a_key_is_not_allowed_naming_it_and_what_is(key, problem):
    assert key_problem(key) == problem


@pytest.mark.parametrize("key", [
    "nope", "", f"vm:{A100}", f"vm:{A100}:eastus:x", f"vm-2y:{A100}:eastus", f"gpu:{A100}:eastus",
    "circuit:zone1:Standard:MeteredData", "circuit:zone1:Standard:MeteredData:50:x", "circuits:zone1:Standard:MeteredData:50",
    "data-out", "data-out:zone1:x", "data-in:zone1", "global-reach", "gateway", "gateway:ErGw3AZ:x", "gateways:ErGw3AZ",
    "public-ip", "public-ip:basic", "public-ip:standard-static:x", "private-ip:standard-static",
    "port:10", "port:10:MeteredData:x", "ports:10:MeteredData", "direct-premium", "direct-premium:1:x",
    "peering", "peering:intra", "peering:intra-region:x", "peering:global", "peering:regional:zone1",
    "peering:global:zone1:x", "vnet:intra-region", "zone1:zone1",
])
def test_fails_when_a_key_has_no_known_shape_listing_the_shapes(key):
    assert key_problem(key) == f"{key!r} is not a price key" + SHAPES


# Quotes.

def test_prices_and_quotes_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CATALOG["gateway:ErGw3AZ"].amount = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        PriceBook().quote("gateway:ErGw3AZ").usd = 0.0  # type: ignore[misc]


def test_a_quote_is_priced_exactly_when_it_has_an_amount():
    assert Quote("k", 0.0, "hour", "gpu", "s", "override").priced is True
    assert Quote("k", None, "hour", "gpu", "s", "unpriced").priced is False


def test_a_usd_price_is_quoted_as_read_with_its_meter_scope_and_status():
    q = PriceBook().quote(f"vm:{H100}:eastus")
    p = CATALOG[f"vm:{H100}:eastus"]
    assert q == Quote(p.key, 98.32, "hour", "gpu", f"{p.meter} @ eastus: {p.source}", "verified")


def test_a_gbp_price_is_converted_at_the_catalogs_rate_and_is_no_longer_verified():
    p = CATALOG["gateway:ErGw3AZ"]
    q = PriceBook().quote("gateway:ErGw3AZ")
    assert q.usd == pytest.approx(1.6296 * GBP_TO_USD) and q.status == "unverified"
    assert q.unit == "hour" and q.category == "gateway"
    assert q.source == f"{p.meter} @ uksouth: {p.source}; GBP 1.6296 x {GBP_TO_USD:.4f} USD/GBP ({prices.GBP_TO_USD_SOURCE})"


def test_a_stacks_gbp_rate_replaces_the_catalogs_and_says_so():
    book = PriceBook(gbp_to_usd=1.5)
    assert book.gbp_to_usd == 1.5 and book.fx_source == "the stack's ai-fabric:pricing.gbp_to_usd"
    q = book.quote("gateway:ErGwScale")
    assert q.usd == pytest.approx(0.1591 * 1.5) and q.unit == "unit-hour"
    assert q.source.endswith("; GBP 0.1591 x 1.5000 USD/GBP (the stack's ai-fabric:pricing.gbp_to_usd)")
    default = PriceBook()
    assert default.gbp_to_usd == GBP_TO_USD and default.fx_source == prices.GBP_TO_USD_SOURCE


def test_a_contradictory_gbp_price_stays_contradictory():
    q = PriceBook().quote("circuit:zone1:Standard:MeteredData:10000")
    assert q.status == "contradictory" and q.usd == pytest.approx(2558.6033 * GBP_TO_USD)


def test_a_stacks_override_wins_with_the_catalogs_unit_and_category():
    book = PriceBook({"gateway:ErGw3AZ": 2, "vm:Standard_ND96isr_MI300X_v5:eastus": 40})
    q = book.quote("gateway:ErGw3AZ", "month", "carrier")
    assert q == Quote("gateway:ErGw3AZ", 2.0, "hour", "gateway",
                      "ai-fabric:pricing.prices['gateway:ErGw3AZ'] (the stack's own price)", "override")
    assert isinstance(q.usd, float)
    q = book.quote("vm:Standard_ND96isr_MI300X_v5:eastus", "hour", "gpu")
    assert (q.usd, q.unit, q.category, q.status) == (40.0, "hour", "gpu", "override")


def test_a_price_never_published_is_unpriced_with_its_source_and_how_to_set_it():
    p = CATALOG["global-reach:zone1"]
    q = PriceBook().quote("global-reach:zone1", "month", "carrier")
    assert q == Quote("global-reach:zone1", None, "GB", "global_reach",
                      f"{p.source}; set ai-fabric:pricing.prices['global-reach:zone1'] (USD)", "unpriced")


def test_a_key_outside_the_catalog_is_unpriced_with_the_callers_unit_and_category():
    q = PriceBook().quote("circuit:zone2:Standard:MeteredData:50", "month", "circuit")
    assert q == Quote("circuit:zone2:Standard:MeteredData:50", None, "month", "circuit",
                      f"{SRC_NOT_FOUND}; set ai-fabric:pricing.prices['circuit:zone2:Standard:MeteredData:50'] (USD)",
                      "unpriced")


# GPU prices by region and term.

def test_a_regions_own_gpu_price_is_used_when_there_is_one():
    assert PriceBook().vm_hour(A100, "eastus2") == PriceBook().quote(f"vm:{A100}:eastus2")
    q = PriceBook().vm_hour(A100, "eastus", "1-year")
    assert (q.key, q.usd, q.unit, q.status) == (f"vm-1y:{A100}:eastus", 183_722.0, "1-year term", "verified")
    assert PriceBook().vm_hour(A100, "eastus", "3-year").usd == 378_926.0


def test_a_north_american_region_without_a_price_takes_the_first_reference_region_that_has_one():
    q = PriceBook().vm_hour(H200, "westus3")
    assert (q.key, q.usd, q.unit, q.category, q.status) == (f"vm:{H200}:westus3", 84.80, "hour", "gpu", "unverified")
    assert q.source.startswith("westus3 price not found; the eastus2 price stands in. ")
    q = PriceBook().vm_hour(H100, "westus3", "1-year")
    assert (q.key, q.usd, q.unit) == (f"vm-1y:{H100}:westus3", 551_221.0, "1-year term")
    assert "the eastus price stands in" in q.source


def test_a_reference_region_itself_without_a_price_takes_the_others():
    q = PriceBook().vm_hour(H200, "eastus")
    assert q.usd == 84.80 and "the eastus2 price stands in" in q.source


def test_an_overridden_reference_price_stands_in_as_an_override():
    q = PriceBook({f"vm:{H200}:eastus": 70}).vm_hour(H200, "westus3")
    assert (q.usd, q.status) == (70.0, "override") and "the eastus price stands in" in q.source


def test_no_stand_in_outside_north_america_or_when_no_reference_region_has_a_price():
    q = PriceBook().vm_hour(H100, "uksouth")
    assert (q.key, q.usd, q.status, q.unit) == (f"vm:{H100}:uksouth", None, "unpriced", "hour")
    assert PriceBook().vm_hour("Standard_ND96isr_MI300X_v5", "westus3").status == "unpriced"
    assert PriceBook().vm_hour(H100, "nowhere").status == "unpriced"


# Catalog entries built by helpers.

def test_gateway_meters_name_the_scale_unit_or_the_gateway():
    assert CATALOG["gateway:ErGwScale"].meter.endswith("/ ErGwScale / ErGwScale Unit")
    assert CATALOG["gateway:ErGw3AZ"].meter.endswith("/ ErGw3AZ / ErGw3AZ Gateway")


def test_premium_unlimited_10g_is_derived_from_the_metered_premium_add_on():
    p = CATALOG["circuit:zone1:Premium:UnlimitedData:10000"]
    assert p.amount == 40862.3999 and p.status is catalog.Status.UNVERIFIED


def test_reservations_are_keyed_by_their_years_and_price_the_whole_term():
    p = CATALOG[f"vm-3y:{H200}:eastus2"]
    assert (p.amount, p.unit, p.scope) == (1_109_592.0, "3-year term", "eastus2")
    assert p.meter == "Virtual Machines / ND96isr H200 v5 (Reservation, 3 year)"


# Billing zones.

def test_a_peering_locations_zone_follows_its_geopolitical_area():
    cat = catalog.Catalog()
    assert zone_of("Chicago", cat) == "zone1" and zone_of("Amsterdam2", cat) == "zone1"
    assert zone_of("Atlantis", cat) == "unknown"
    asia = next(n for n, (_, area) in cat.peering_locations.items() if area == "Asia Pacific")
    assert zone_of(asia, cat) == "zone2"
