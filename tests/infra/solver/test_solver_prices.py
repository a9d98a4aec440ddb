"""Option prices: the `OptionPrices` interface, the illustrative table, the infra/cost catalog behind it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from infra import solver
from infra.solver.prices import ILLUSTRATIVE, ILLUSTRATIVE_SOURCE, IllustrativePrices, OptionPrices, catalog_prices


def test_the_illustrative_table_says_it_is_not_azures():
    assert isinstance(ILLUSTRATIVE, OptionPrices)
    assert "not Azure's prices" in ILLUSTRATIVE_SOURCE and ILLUSTRATIVE.source == ILLUSTRATIVE_SOURCE


def test_illustrative_prices_grow_with_bandwidth_and_tier():
    ladder = [ILLUSTRATIVE.circuit("s", "Chicago", "Standard", "UnlimitedData", m)
              for m in (50, 100, 200, 500, 1000, 2000, 5000, 10000)]
    assert ladder == sorted(ladder)
    assert ILLUSTRATIVE.circuit("s", "Chicago", "Premium", "UnlimitedData", 1000) > ladder[4]
    assert ILLUSTRATIVE.circuit("s", "Chicago", "Standard", "UnlimitedData", 300) is None  # not on the ladder
    assert ILLUSTRATIVE.direct_circuit("s", "Standard", 100) == 0  # included in the port
    assert ILLUSTRATIVE.gateway("s", "ErGwScale", 20) == 20 * ILLUSTRATIVE.gateway("s", "ErGwScale", 1)


@dataclass(frozen=True)
class WithoutGatewayPrices(IllustrativePrices):
    source: str = "test prices without gateways"

    def gateway(self, stack, sku, scale_units):
        return None


def test_an_unpriced_option_is_left_out_and_said(kit):
    # The gateway would have to grow (ErGwScale of 2 units behind 20 Gb/s of circuits), but no gateway has a
    # price: the solver does not guess one, keeps the gateway, and so finds nothing that fits.
    east = kit.site("eastus", "eastus", 10, {"wdc": ("Washington DC", 10000), "nyc": ("New York", 10000)},
                    {"sync": kit.sync("westus3", 1)})
    west = kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "lv": ("Las Vegas", 10000)},
                    gateway={"sku": "ErGwScale", "scale_units": 2, "subnet": "10.30.255.0/26"})
    result = solver.solve([east, west], kit.carrier(kit.ROUTES), prices=WithoutGatewayPrices())
    assert result.status == "infeasible"
    assert any("no price for its gateway" in n for n in result.notes)
    assert result.prices_source == "test prices without gateways"


def test_the_cost_catalog_prices_options_once_it_is_installed(kit):
    cost = pytest.importorskip("infra.cost.prices", reason="infra/cost (the price catalog) is not on this branch")
    east = kit.site("eastus", "eastus", 10, {"wdc": ("Washington DC", 1000), "nyc": ("New York", 1000)})
    if not hasattr(east, "pricing"):
        pytest.skip("the specs of this branch carry no ai-fabric:pricing yet")
    prices = catalog_prices([east])
    book = cost.PriceBook()
    zone = cost.zone_of("Chicago", east.catalog)
    listed = book.quote(f"circuit:{zone}:Standard:UnlimitedData:10000").usd
    assert prices.circuit("eastus", "Chicago", "Standard", "UnlimitedData", 10000) == pytest.approx(listed)
    hourly = book.quote("gateway:ErGw3AZ").usd
    assert prices.gateway("eastus", "ErGw3AZ", None) == pytest.approx(hourly * cost.HOURS_PER_MONTH)
    assert prices.direct_circuit("eastus", "Standard", 10) == 0
    assert "infra/cost" in prices.source


def test_without_the_cost_catalog_the_illustrative_table_is_used(kit, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "infra.cost.prices", None)  # as if infra/cost were not installed
    east = kit.site("eastus", "eastus", 10, {"wdc": ("Washington DC", 1000), "nyc": ("New York", 1000)})
    assert catalog_prices([east]) is ILLUSTRATIVE
