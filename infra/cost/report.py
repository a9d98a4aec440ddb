"""The fabric's cost across stacks (the plan document's ``fabric`` block), the monthly delta of a change,
and the text lines `fabric validate` and the reports print.

The delta of a change compares each stack's ``cost.monthly_usd`` with the earlier plan's JSON
(``--against``, ``--against-ref``). An earlier plan written before the cost model existed carries no
cost: its delta is unknown (null), never taken as zero. A stack the earlier plan did not have costs
its whole total; a stack it had and this plan lacks (removed) saves its earlier total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.cost.model import CostItem, StackCost
from infra.cost.prices import HOURS_PER_MONTH

EarlierCosts = Mapping[str, float | None]
"""stack -> its monthly USD in the earlier plan (None: that plan carries no cost for it)."""


def earlier_costs(document: Any) -> dict[str, float | None]:
    """Each stack's monthly cost as an earlier plan's JSON recorded it (None where it recorded none)."""
    out: dict[str, float | None] = {}
    stacks = document.get("stacks") if isinstance(document, Mapping) else None
    for s in stacks if isinstance(stacks, list) else ():
        if not isinstance(s, Mapping) or not isinstance(s.get("stack"), str):
            continue
        cost = s.get("cost")
        value = cost.get("monthly_usd") if isinstance(cost, Mapping) else None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        out[s["stack"]] = float(value) if ok else None
    return out


@dataclass(frozen=True)
class FabricCost:
    stacks: tuple[StackCost, ...]
    carrier: tuple[CostItem, ...] = ()
    """Carrier span items (infra.cost.carrier), once the carrier network gives span prices."""
    earlier: EarlierCosts | None = None
    """The earlier plan's costs when planned against one; None: not a review."""
    against: str | None = None

    @property
    def monthly_usd(self) -> float:
        return round(sum(s.monthly_usd for s in self.stacks) + sum(i.monthly_usd for i in self.carrier), 2)

    @property
    def unpriced(self) -> int:
        return sum(len(s.unpriced) for s in self.stacks) + sum(1 for i in self.carrier if not i.priced)

    @property
    def removed(self) -> tuple[str, ...]:
        planned = {s.stack for s in self.stacks}
        return tuple(n for n in (self.earlier or {}) if n not in planned)

    def delta_of(self, stack: str) -> float | None:
        """This plan's monthly cost of the stack minus the earlier plan's; None: unknown or not a review."""
        if self.earlier is None or (stack in self.earlier and self.earlier[stack] is None):
            return None
        now = next((s.monthly_usd for s in self.stacks if s.stack == stack), 0.0)
        return round(now - (self.earlier.get(stack) or 0.0), 2)

    @property
    def previous_monthly_usd(self) -> float | None:
        if self.earlier is None or any(v is None for v in self.earlier.values()):
            return None
        return round(sum(v or 0.0 for v in self.earlier.values()), 2)

    @property
    def monthly_usd_delta(self) -> float | None:
        deltas = [self.delta_of(s.stack) for s in self.stacks] + [self.delta_of(n) for n in self.removed]
        if self.earlier is None or any(d is None for d in deltas):
            return None
        return round(sum(d for d in deltas if d is not None), 2)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "monthly_usd": self.monthly_usd, "currency": "USD", "hours_per_month": HOURS_PER_MONTH,
            "complete": self.unpriced == 0, "unpriced_items": self.unpriced,
            "stacks": [self._stack_json(s.stack, s.monthly_usd) for s in self.stacks]
            + [self._stack_json(n, 0.0) for n in self.removed],
            "carrier": {"monthly_usd": round(sum(i.monthly_usd for i in self.carrier), 2),
                        "items": [i.to_json() for i in self.carrier]},
        }
        if self.earlier is not None:
            out.update(against=self.against, previous_monthly_usd=self.previous_monthly_usd,
                       monthly_usd_delta=self.monthly_usd_delta)
        return out

    def _stack_json(self, stack: str, monthly: float) -> dict[str, Any]:
        row: dict[str, Any] = {"stack": stack, "monthly_usd": monthly}
        if self.earlier is not None:
            prev = self.earlier.get(stack) if stack in self.earlier else 0.0
            row.update(previous_monthly_usd=prev, monthly_usd_delta=self.delta_of(stack))
        return row


# ------------------------------------------------------------------------------------------------
# Text
# ------------------------------------------------------------------------------------------------


def usd(x: float) -> str:
    return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"


def signed_usd(x: float | None) -> str:
    if x is None:
        return "unknown"
    return ("+" if x > 0 else "-" if x < 0 else "±") + usd(abs(x))


def cost_lines(cost: StackCost, indent: str = "  ") -> list[str]:
    """The cost block of `fabric validate` and the table's detail: total, categories, unpriced, demands."""
    cats = ", ".join(f"{k} {usd(v)}" for k, v in cost.by_category().items() if v)
    lines = [f"{indent}cost: {usd(cost.monthly_usd)} a month (USD, {HOURS_PER_MONTH} h){': ' + cats if cats else ''}"]
    if cost.unpriced:
        lines.append(f"{indent}  not in the total, no published price: "
                     + "; ".join(i.item.split(':')[0] for i in cost.unpriced)
                     + " (set ai-fabric:pricing.prices; see README, \"What it costs\")")
    lines += [f"{indent}  {line}" for line in demand_lines(cost)]
    return lines


def demand_lines(cost: StackCost) -> list[str]:
    out = []
    for d in cost.demands:
        now = ("no data charge (UnlimitedData)" if d.data_out_usd == 0 and d.data_plan == "UnlimitedData"
               else f"data out {usd(d.data_out_usd)}" if d.data_out_usd is not None else "data out unpriced")
        alt = f"on MeteredData {usd(d.if_metered_usd)}" if d.if_metered_usd is not None else "MeteredData unpriced"
        be = (f"; UnlimitedData pays off above {d.break_even_gb_per_month / 1000:,.0f} TB/month out of the site"
              if d.break_even_gb_per_month is not None else "")
        gr = usd(d.global_reach_usd) if d.global_reach_usd is not None else "unpriced"
        out.append(f"carrying {d.name} -> {d.to_stack}: {d.gb_per_month / 1000:,.1f} TB/month ({d.volume_basis}); "
                   f"{now}, {alt}{be}; Global Reach data {gr}")
    return out


def fabric_line(fc: FabricCost) -> str:
    """One line: the fabric's monthly total, what is unpriced, and the delta when compared."""
    text = f"fabric cost: {usd(fc.monthly_usd)} a month (USD)"
    if fc.unpriced:
        text += f", {fc.unpriced} item{'s' if fc.unpriced != 1 else ''} unpriced"
    if fc.earlier is not None:
        delta = fc.monthly_usd_delta
        text += (f"; {signed_usd(delta)} a month against {fc.against}" if delta is not None else
                 f"; monthly delta against {fc.against} unknown (the earlier plan carries no cost)")
    return text


def fabric_cost(stacks: Sequence[StackCost], carrier: Sequence[CostItem] = (), earlier: EarlierCosts | None = None,
                against: str | None = None) -> FabricCost:
    return FabricCost(tuple(stacks), tuple(carrier), None if earlier is None else dict(earlier), against)


__all__ = ["EarlierCosts", "FabricCost", "cost_lines", "demand_lines", "earlier_costs", "fabric_cost", "fabric_line",
           "signed_usd", "usd"]
