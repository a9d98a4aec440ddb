"""`ai-fabric:pricing`: what this stack pays that Azure's list prices do not say.

Negotiated discounts per category, GPU clusters bought as reserved instances, prices the catalog lacks
or gets wrong (``infra/cost/prices.py``: every key names its shape), the GBP rate, and how often each
replication demand runs. Shape and range are checked here (exit 2, with file and line); the pricing
itself is infra.cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, field_validator

from infra.cost import prices
from infra.spec.fields import Loc, Name, SpecModel

Category = Literal["gpu", "circuit", "port", "gateway", "public_ip", "data", "global_reach", "peering", "carrier"]
Term = Literal["1-year", "3-year"]
Percent = Annotated[float, Field(ge=0, lt=100, allow_inf_nan=False)]
Usd = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class PricingSpec(SpecModel):
    """What this stack pays that list prices do not say (see infra/cost/prices.py)."""

    discount_pct: dict[Category, Percent] = {}
    """Negotiated discount off the price, in percent (0 to under 100) per category: gpu, circuit, port,
    gateway, public_ip, data, global_reach, peering, carrier. Applied to every item of the category,
    reserved GPU VMs included. Unlisted: no discount."""
    reservations: dict[Name, Term] = {}
    """GPU clusters (keys of clusters) bought as reserved VM instances: '1-year' or '3-year', priced at the
    reservation's whole-term price per VM spread over the term's months. Unlisted: pay-as-you-go."""
    prices: dict[str, Usd] = {}
    """Prices in USD replacing the catalog's or filling its gaps, by price key, e.g.
    'vm:Standard_ND96isr_MI300X_v5:westeurope': 48.0 (USD per VM-hour). Keys: vm:<sku>:<region>,
    vm-1y|vm-3y:<sku>:<region> (per VM for the term), circuit:<zone>:<tier>:<plan>:<mbps>, data-out:<zone>,
    gateway:<sku>, public-ip:standard-static, port:<gbps>:<billing>, direct-premium:<gbps>,
    global-reach:<zone>, peering:intra-region, peering:global:<zone>."""
    gbp_to_usd: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    """USD per GBP for the catalog's prices read in pounds (ExpressRoute circuits, data, gateways). None: the
    ratio Azure's own USD and GBP list prices show for meters read in both."""
    demand_runs_per_month: dict[Name, Annotated[float, Field(gt=0, allow_inf_nan=False)]] = {}
    """Runs per month of a replication demand (key of demands), to price the data it moves. Unlisted: back
    to back, 730 / within_hours, the most its deadline allows."""

    @field_validator("prices")
    @classmethod
    def _known_keys(cls, given: dict[str, float]) -> dict[str, float]:
        bad = [problem for key in given if (problem := prices.key_problem(key))]
        if bad:
            raise ValueError("; ".join(bad))
        return given


def pricing_problems(pricing: PricingSpec, clusters: Mapping[str, tuple[str, str]],
                     demands: Mapping[str, str]) -> list[tuple[Loc, str]]:
    """Problems (key path, message) of pricing settings naming what the stack does not have.

    `clusters`: cluster key -> (GPU SKU, region); `demands`: demand key -> kind.
    """
    out: list[tuple[Loc, str]] = []
    book = prices.PriceBook(pricing.prices, pricing.gbp_to_usd)
    for name, term in pricing.reservations.items():
        loc: Loc = ("pricing", "reservations", name)
        if name not in clusters:
            out.append((loc, f"{name!r} is not a GPU cluster of this stack ({', '.join(clusters) or 'none'})"))
            continue
        sku, region = clusters[name]
        if not book.vm_hour(sku, region, term).priced:
            key = f"vm-{term.split('-')[0]}y:{sku}:{region}"
            out.append((loc, f"no {term} reservation price for {sku} in {region} in the catalog; give what it "
                             f"costs per VM for the whole term as pricing.prices[{key!r}] (USD)"))
    for name in pricing.demand_runs_per_month:
        kind = demands.get(name)
        if kind is None:
            out.append((("pricing", "demand_runs_per_month", name),
                        f"{name!r} is not a demand of this stack ({', '.join(demands) or 'none'})"))
        elif kind != "replication":
            out.append((("pricing", "demand_runs_per_month", name),
                        f"{name!r} is a {kind} demand; only replication demands run in batches"))
    return out


__all__ = ["PricingSpec", "pricing_problems"]
