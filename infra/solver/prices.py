"""What each option the solver may choose costs a month: the `OptionPrices` interface and its sources.

The solver prices options, never whole bills: a circuit of a tier, data plan and bandwidth at a peering
location, an ExpressRoute Direct port of a size, what a circuit carved from a port adds beyond the port,
an ExpressRoute gateway SKU (ErGwScale per scale unit). Any object with these methods will do
(`OptionPrices`); a method answers None when it has no price, and the solver then leaves that option out
and says so, rather than guess.

- `ILLUSTRATIVE`: a table of made-up, round figures of a plausible shape (a bandwidth ladder that costs
  less per Gb/s as it grows, Premium dearer than Standard, ports dearer than circuits, gateway SKUs in
  the order of their throughput). They are NOT Azure's prices and are never presented as such: they let
  the tests and the bench exercise the solver before, or without, a price catalog. Every report the
  solver prints names the source of its prices.
- The price catalog of infra/cost (Azure's list prices with their sources, a stack's own overrides), once
  it lands, implements the same interface; the CLI then prices with it.

Carrier spans are priced by the user in stacks/fabric.yaml (`monthly_usd`, `upgrades: [{gbps,
monthly_usd}]`, an upgrade's price being the span's whole monthly price at that capacity, see
infra/carrier/model.py): `span_offers` reads them. A span without `monthly_usd` offers no priced upgrade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class OptionPrices(Protocol):
    """Monthly prices (USD) of the options the solver chooses among; None: no price known."""

    source: str
    """Where the figures come from, printed with every solution."""

    def circuit(self, stack: str, location: str, tier: str, data_plan: str, mbps: int) -> float | None:
        """A provider circuit of this tier, data plan and bandwidth at a peering location."""

    def direct_port(self, stack: str, location: str, gbps: int, billing_type: str) -> float | None:
        """An ExpressRoute Direct port pair of this size at a peering location."""

    def direct_circuit(self, stack: str, tier: str, gbps: int) -> float | None:
        """What a circuit carved from a Direct port costs beyond the port (Azure: nothing for Local and
        Standard, a Premium add-on for Premium)."""

    def gateway(self, stack: str, sku: str, scale_units: int | None) -> float | None:
        """An ExpressRoute gateway of this SKU (ErGwScale: of this many scale units)."""


ILLUSTRATIVE_SOURCE = (
    "illustrative prices (infra/solver/prices.py ILLUSTRATIVE): made-up round figures for tests and the bench, "
    "not Azure's prices"
)

# Standard tier, UnlimitedData, per month, by bandwidth in Mb/s. Illustrative only.
_CIRCUIT_STANDARD_UNLIMITED: Mapping[int, float] = {
    50: 400.0, 100: 700.0, 200: 1_200.0, 500: 2_500.0, 1000: 4_500.0, 2000: 8_000.0, 5000: 16_000.0,
    10000: 27_000.0,
}
_TIER_FACTOR: Mapping[str, float] = {"Local": 0.7, "Standard": 1.0, "Premium": 1.5}
_PLAN_FACTOR: Mapping[str, float] = {"UnlimitedData": 1.0, "MeteredData": 0.6}
_PORT: Mapping[int, float] = {10: 6_000.0, 100: 50_000.0, 400: 160_000.0}
_DIRECT_PREMIUM_PER_GBPS = 250.0
_GATEWAY: Mapping[str, float] = {
    "Standard": 150.0, "HighPerformance": 350.0, "UltraPerformance": 1_400.0,
    "ErGw1AZ": 300.0, "ErGw2AZ": 750.0, "ErGw3AZ": 1_900.0,
}
_ERGWSCALE_PER_UNIT = 200.0


@dataclass(frozen=True)
class IllustrativePrices:
    """The illustrative table above, the same for every stack and location."""

    source: str = ILLUSTRATIVE_SOURCE

    def circuit(self, stack: str, location: str, tier: str, data_plan: str, mbps: int) -> float | None:
        base = _CIRCUIT_STANDARD_UNLIMITED.get(mbps)
        if base is None or tier not in _TIER_FACTOR or data_plan not in _PLAN_FACTOR:
            return None
        return round(base * _TIER_FACTOR[tier] * _PLAN_FACTOR[data_plan], 2)

    def direct_port(self, stack: str, location: str, gbps: int, billing_type: str) -> float | None:
        base = _PORT.get(gbps)
        if base is None:
            return None
        return base * (0.8 if billing_type == "MeteredData" else 1.0)

    def direct_circuit(self, stack: str, tier: str, gbps: int) -> float | None:
        return _DIRECT_PREMIUM_PER_GBPS * gbps if tier == "Premium" else 0.0

    def gateway(self, stack: str, sku: str, scale_units: int | None) -> float | None:
        if sku == "ErGwScale":
            return None if scale_units is None else _ERGWSCALE_PER_UNIT * scale_units
        return _GATEWAY.get(sku)


ILLUSTRATIVE = IllustrativePrices()


@dataclass(frozen=True)
class SpanOffer:
    """A larger capacity the carrier offers on a span, and what it adds to the span's monthly price."""

    gbps: float
    delta_usd: float


def span_offers(span) -> tuple[tuple[SpanOffer, ...], str | None]:
    """The priced upgrades of a carrier span (infra.carrier.SpanSpec), and why some are left out (None:
    none is). An upgrade's `monthly_usd` is the span's whole price at that capacity, so it adds the
    difference; without the span's own `monthly_usd` that difference is unknown."""
    ups = sorted((u for u in span.upgrades if u.gbps > span.gbps), key=lambda u: u.gbps)
    if not ups:
        return (), None
    if span.monthly_usd is None:
        return (), "offers upgrades but gives no monthly_usd for its capacity today, so what an upgrade adds is unknown"
    return tuple(SpanOffer(float(u.gbps), float(u.monthly_usd) - float(span.monthly_usd)) for u in ups), None




class CatalogPrices:
    """The price catalog of infra/cost (Azure's list prices with their sources, each stack's own
    `ai-fabric:pricing`: price overrides, the GBP rate, negotiated discounts) as `OptionPrices`.

    What the catalog leaves unpriced (ExpressRoute Direct ports, Local circuits, zones other than 1 ...)
    stays unpriced here, and the solver then does not offer that option and says so; a stack prices it with
    `ai-fabric:pricing.prices` (e.g. 'port:100:UnlimitedData'). Needs infra.cost (`catalog_prices` tells)."""

    def __init__(self, specs):
        from infra.cost import prices as cost

        self._cost = cost
        self.books = {s.stack: cost.PriceBook(s.pricing.prices, s.pricing.gbp_to_usd) for s in specs}
        self.discounts = {s.stack: dict(s.pricing.discount_pct) for s in specs}
        self.catalogs = {s.stack: s.catalog for s in specs}
        self.source = ("the price catalog of infra/cost (Azure Retail Prices API copies, each with its source) with "
                       "each stack's ai-fabric:pricing")

    def _usd(self, stack: str, key: str, category: str, per_month: float = 1.0) -> float | None:
        quote = self.books[stack].quote(key, category=category)
        if quote.usd is None:
            return None
        pct = self.discounts[stack].get(quote.category or category, 0.0)
        return quote.usd * per_month * (1 - pct / 100)

    def circuit(self, stack: str, location: str, tier: str, data_plan: str, mbps: int) -> float | None:
        zone = self._cost.zone_of(location, self.catalogs[stack])
        return self._usd(stack, f"circuit:{zone}:{tier}:{data_plan}:{mbps}", "circuit")

    def direct_port(self, stack: str, location: str, gbps: int, billing_type: str) -> float | None:
        return self._usd(stack, f"port:{gbps}:{billing_type}", "port")

    def direct_circuit(self, stack: str, tier: str, gbps: int) -> float | None:
        if tier in self._cost.DIRECT_INCLUDED_TIERS:
            return 0.0
        return self._usd(stack, f"direct-premium:{gbps}", "port")

    def gateway(self, stack: str, sku: str, scale_units: int | None) -> float | None:
        hours = self._cost.HOURS_PER_MONTH
        if sku == "ErGwScale":
            return None if scale_units is None else self._usd(stack, "gateway:ErGwScale", "gateway", hours * scale_units)
        return self._usd(stack, f"gateway:{sku}", "gateway", hours)


def catalog_prices(specs) -> OptionPrices:
    """The infra/cost catalog's prices when that package is there (and the specs carry `pricing`), else the
    illustrative table."""
    try:
        import infra.cost.prices  # noqa: F401
    except ImportError:
        return ILLUSTRATIVE
    if not all(hasattr(s, "pricing") for s in specs):
        return ILLUSTRATIVE
    return CatalogPrices(specs)


__all__ = ["CatalogPrices", "ILLUSTRATIVE", "ILLUSTRATIVE_SOURCE", "IllustrativePrices", "OptionPrices", "SpanOffer",
           "catalog_prices", "span_offers"]
