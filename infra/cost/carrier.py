"""Carrier span and wave prices: given by the user, since no carrier publishes a list.

The carrier network (``stacks/fabric.yaml``, DESIGN.md "The carrier network") may give each span what the
fabric pays for it a month (``monthly_usd``) and the upgrades the carrier offers (``upgrades: [{gbps,
monthly_usd}]``: the span's whole monthly price at that capacity). This module takes those spans as
plain data (a mapping of span name to its mapping), so it does not depend on how fabric.yaml is loaded,
and gives the fabric's carrier cost items and, for the design solver, the price of a span at a capacity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.cost.model import CostItem

SOURCE = "user-given in stacks/fabric.yaml (spans.<name>.monthly_usd): carriers publish no price list"


@dataclass(frozen=True)
class SpanPrice:
    span: str
    gbps: float
    monthly_usd: float | None
    """What the span costs a month at `gbps`; None: the file gives no price (unpriced)."""
    upgrades: tuple[tuple[float, float], ...] = ()
    """(Gb/s, whole monthly price at that capacity), ascending by Gb/s."""

    def monthly_usd_at(self, gbps: float) -> float | None:
        """The cheapest offer carrying at least `gbps`: the span as it is, or an upgrade; None when none
        does (or the span as it is has no price and no upgrade is big enough)."""
        offers = ([(self.gbps, self.monthly_usd)] if self.monthly_usd is not None else []) + list(self.upgrades)
        fitting = [usd for cap, usd in offers if cap >= gbps]
        return min(fitting) if fitting else None


def span_prices(spans: Mapping[str, Mapping[str, Any]]) -> list[SpanPrice]:
    """SpanPrice of each span of fabric.yaml's `spans` (already validated by its loader)."""
    out = []
    for name, span in spans.items():
        ups = sorted((float(u["gbps"]), float(u["monthly_usd"])) for u in span.get("upgrades") or ())
        price = span.get("monthly_usd")
        out.append(SpanPrice(name, float(span.get("gbps", 0)), None if price is None else float(price), tuple(ups)))
    return out


def span_items(prices: list[SpanPrice], discount_pct: float = 0.0) -> list[CostItem]:
    """The fabric's carrier cost items, one per span (unpriced where the file gives no price)."""
    out = []
    for p in prices:
        monthly = 0.0 if p.monthly_usd is None else p.monthly_usd * (1 - discount_pct / 100)
        out.append(CostItem(
            item=f"carrier span {p.span}: {p.gbps:g} Gb/s", resource=None, monthly_usd=round(monthly, 2),
            source=SOURCE if p.monthly_usd is not None else f"no price for span {p.span}; set "
            f"spans.{p.span}.monthly_usd in stacks/fabric.yaml", category="carrier", quantity=1, unit="month",
            unit_usd=p.monthly_usd, status="override" if p.monthly_usd is not None else "unpriced",
        ))
    return out


def upgrade_delta_usd(price: SpanPrice, gbps: float) -> float | None:
    """What raising a span to carry `gbps` adds a month (0 if it already does; None: no offer or no price)."""
    at = price.monthly_usd_at(gbps)
    if at is None or price.monthly_usd is None:
        return None
    return 0.0 if price.gbps >= gbps else at - price.monthly_usd


__all__ = ["SOURCE", "SpanPrice", "span_items", "span_prices", "upgrade_delta_usd"]
