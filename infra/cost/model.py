"""The monthly cost of one stack, from its spec (and, when planned, its inventory), item by item.

What is priced, each item pointing at the resource it prices when the inventory is known:

- GPU VMs: one item per InfiniBand scale set, VMs x 730 h x the SKU's hourly price in the site's region,
  or the reservation's whole-term price per VM over the term's months (``pricing.reservations``);
- circuits: the monthly fee of (billing zone of the peering location, tier, data plan, bandwidth); a
  circuit on a Direct port of tier Local or Standard costs nothing beyond the port, a Premium one the
  Premium add-on; a circuit linked from another subscription is paid by its owner and not priced here;
- Direct ports: the port pair's monthly fee (size, billing type);
- the ExpressRoute gateway: 730 h x its SKU's hourly price, ErGwScale per scale unit;
- the gateway's Standard static public IP: 730 h;
- the data the stack's demands move (below).

Data of a demand. A replication demand moves `dataset_tb` per run; unless the stack says how often it
runs (``pricing.demand_runs_per_month``) it is assumed to run back to back, 730 / within_hours times a
month: the most its deadline allows, so an upper bound. A sustained demand moves gbps x 730 h a month.
The traffic leaves the site over its circuits in proportion to their bandwidth (the paths the capacity
model routes: circuit out, Global Reach link, peer circuit in). On a MeteredData circuit its share is
billed per GB at the zone's outbound rate; UnlimitedData (and Local) include it. A MeteredData circuit in a
zone without a rate makes its share an unpriced item (the stack's cost is then incomplete), never one
billed at another zone's rate. Global Reach bills the
same traffic again per GB at the source's egress and the destination's ingress rate (the FAQ's model);
that rate is unpriced until a stack gives it, so it is reported but never added as a guess.

Discounts (``pricing.discount_pct``) apply per category, after reservations. Items round to cents, and
the stack's total is the sum of its items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from infra import tokens
from infra.capacity import compute
from infra.capacity.report import ClusterCapacity
from infra.cost import prices
from infra.cost.prices import GB_PER_TB, HOURS_PER_MONTH, MONTHS_PER_TERM, PriceBook, Quote
from infra.inventory import Inventory
from infra.spec import DirectCircuit, FabricSpec, ProviderCircuit, ReplicationDemand

SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600


@dataclass(frozen=True)
class CostItem:
    """One line of a stack's bill: what, which resource, how much a month, and where the price comes from."""

    item: str
    resource: str | None
    monthly_usd: float
    source: str
    category: str
    quantity: float
    unit: str
    unit_usd: float | None
    status: str
    """'verified', 'unverified', 'contradictory', 'override' or 'unpriced' (monthly_usd 0, not in totals)."""

    @property
    def priced(self) -> bool:
        return self.status != "unpriced"

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item, "resource": self.resource, "monthly_usd": self.monthly_usd, "source": self.source,
            "category": self.category, "quantity": _num(self.quantity), "unit": self.unit,
            "unit_usd": None if self.unit_usd is None else round(self.unit_usd, 6), "status": self.status,
        }


@dataclass(frozen=True)
class DemandCost:
    """What carrying one demand costs a month, on the circuits it has and on the other data plan."""

    name: str
    to_stack: str
    kind: str
    gb_per_month: float
    volume_basis: str
    """How the demand became a monthly volume (runs per month and why)."""
    data_plan: str
    """The data plan of the circuits carrying it: 'UnlimitedData', 'MeteredData' or 'mixed'."""
    data_out_usd: float | None
    """What its outbound data adds to this stack's bill now (0 on UnlimitedData); None: unpriced."""
    if_metered_usd: float | None
    """What it would add if every circuit were MeteredData; None: no outbound rate for the zone."""
    global_reach_usd: float | None
    """Global Reach data (source egress + destination ingress); None: unpriced."""
    break_even_gb_per_month: float | None
    """Monthly outbound volume of the site above which UnlimitedData costs less than MeteredData on all of
    its circuits: (sum of unlimited fees - sum of metered fees) / outbound rate. None: a price is missing."""
    gb_per_run: float | None = None
    runs_per_month: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "to_stack": self.to_stack, "kind": self.kind, "gb_per_month": _num(self.gb_per_month),
            "gb_per_run": None if self.gb_per_run is None else _num(self.gb_per_run),
            "runs_per_month": None if self.runs_per_month is None else round(self.runs_per_month, 3),
            "volume_basis": self.volume_basis, "data_plan": self.data_plan,
            "data_out_monthly_usd": _money(self.data_out_usd), "if_metered_monthly_usd": _money(self.if_metered_usd),
            "if_unlimited_monthly_usd": 0, "global_reach_monthly_usd": _money(self.global_reach_usd),
            "break_even_gb_per_month": None if self.break_even_gb_per_month is None
            else _num(round(self.break_even_gb_per_month)),
        }


@dataclass(frozen=True)
class StackCost:
    stack: str
    items: tuple[CostItem, ...]
    demands: tuple[DemandCost, ...] = ()
    gbp_to_usd: float = prices.GBP_TO_USD
    notes: tuple[str, ...] = field(default=())

    @property
    def monthly_usd(self) -> float:
        return round(sum(i.monthly_usd for i in self.items), 2)

    @property
    def unpriced(self) -> tuple[CostItem, ...]:
        return tuple(i for i in self.items if not i.priced)

    @property
    def complete(self) -> bool:
        return not self.unpriced

    def by_category(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for i in self.items:
            out[i.category] = round(out.get(i.category, 0.0) + i.monthly_usd, 2)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "monthly_usd": self.monthly_usd, "currency": "USD", "hours_per_month": HOURS_PER_MONTH,
            "complete": self.complete, "unpriced": [i.item for i in self.unpriced],
            "by_category": self.by_category(), "gbp_to_usd": round(self.gbp_to_usd, 6),
            "items": [i.to_json() for i in self.items], "demands": [d.to_json() for d in self.demands],
        }


# ------------------------------------------------------------------------------------------------
# Pricing one stack
# ------------------------------------------------------------------------------------------------


class _Pricer:
    def __init__(self, spec: FabricSpec, inventory: Inventory | None):
        self.spec = spec
        self.inventory = inventory
        self.pricing = spec.pricing
        self.book = PriceBook(spec.pricing.prices, spec.pricing.gbp_to_usd)
        self.cat = spec.catalog
        self.items: list[CostItem] = []

    # -- helpers ---------------------------------------------------------------------------------

    def _urn(self, type_token: str, suffix: str | None = None, name: str | None = None) -> str | None:
        """The URN of the one resource of the type (named `name`, or whose name ends with `suffix`)."""
        if self.inventory is None:
            return None
        found = [r for r in self.inventory.of_type(type_token)
                 if (name is None or r.name == name) and (suffix is None or r.name.endswith(suffix))]
        return found[0].urn if len(found) == 1 else None

    def add(self, item: str, resource: str | None, quote: Quote, quantity: float, unit: str,
            per_unit: float | None = None) -> CostItem:
        """An item of `quantity` units at the quote (or at `per_unit`, USD per unit derived from it)."""
        unit_usd = per_unit if per_unit is not None else quote.usd
        source, status = quote.source, quote.status
        if unit_usd is None:
            monthly = 0.0
        else:
            monthly = quantity * unit_usd
            pct = self.pricing.discount_pct.get(quote.category, 0.0)  # type: ignore[call-overload]
            if pct:
                monthly *= self._keep(quote.category)
                source += f"; less {pct:g}% negotiated (ai-fabric:pricing.discount_pct.{quote.category})"
        line = CostItem(item, resource, round(monthly, 2), source, quote.category, quantity, unit, unit_usd, status)
        self.items.append(line)
        return line

    # -- what a stack declares -------------------------------------------------------------------

    def gpu(self, clusters: Sequence[ClusterCapacity]) -> None:
        region = self.spec.site.region
        for c in clusters:
            term = self.pricing.reservations.get(c.name)
            for i, vms in enumerate(c.ib_domain_sizes):
                name = f"{c.name}-ib-{i}"
                urn = self._urn(tokens.SCALE_SET, name=name)
                if term is None:
                    q = self.book.vm_hour(c.sku, region)
                    self.add(f"{name}: {vms} x {c.sku}, pay-as-you-go", urn, q, vms * HOURS_PER_MONTH, "VM-hour")
                else:
                    q = self.book.vm_hour(c.sku, region, term)
                    months = MONTHS_PER_TERM[term]
                    self.add(f"{name}: {vms} x {c.sku}, {term} reservation", urn, q, vms, "VM-month",
                             None if q.usd is None else q.usd / months)

    def circuits(self) -> None:
        ic = self.spec.interconnect
        for key, c in ic.circuits.items():
            if c.linked:
                continue  # owned, and billed, by another subscription
            urn = self._urn(tokens.CIRCUIT, f"-circuit-{key}")
            if isinstance(c, ProviderCircuit):
                zone = prices.zone_of(c.peering_location, self.cat)
                q = self.book.quote(f"circuit:{zone}:{c.tier}:{c.data_plan}:{c.bandwidth_mbps}", "month", "circuit")
                self.add(f"circuit {key}: {c.tier} {c.data_plan} {_bw(c.bandwidth_mbps)} at {c.peering_location}",
                         urn, q, 1, "month")
            elif isinstance(c, DirectCircuit):
                if c.tier in prices.DIRECT_INCLUDED_TIERS:
                    q = Quote("direct-included", 0.0, "month", "circuit", prices.SRC_DIRECT_INCLUDED, "verified")
                else:
                    q = self.book.quote(f"direct-premium:{c.bandwidth_gbps}", "month", "circuit")
                self.add(f"circuit {key}: {c.tier} {c.bandwidth_gbps} Gbps on Direct port {c.port}", urn, q, 1,
                         "month")

    def ports(self) -> None:
        for key, p in self.spec.interconnect.ports.items():
            q = self.book.quote(f"port:{p.bandwidth_gbps}:{p.billing_type}", "month", "port")
            self.add(f"Direct port {key}: {p.bandwidth_gbps} Gbps pair, {p.billing_type}, at {p.peering_location}",
                     self._urn(tokens.PORT, f"-port-{key}"), q, 1, "month")

    def gateway(self) -> None:
        gw = self.spec.interconnect.gateway
        q = self.book.quote(f"gateway:{gw.sku}", "hour", "gateway")
        urn = self._urn(tokens.GATEWAY)
        if gw.sku == "ErGwScale":
            units = gw.scale_units or 1
            self.add(f"gateway: ErGwScale x {units} scale units", urn, q, units * HOURS_PER_MONTH, "unit-hour")
        else:
            self.add(f"gateway: {gw.sku}", urn, q, HOURS_PER_MONTH, "hour")
        ip = self.book.quote("public-ip:standard-static", "hour", "public_ip")
        self.add("gateway public IP: Standard, static", self._urn(tokens.PUBLIC_IP, "-gateway-ip"), ip,
                 HOURS_PER_MONTH, "hour")

    # -- demands ---------------------------------------------------------------------------------

    def _carriers(self) -> list[tuple[str, float, str, str, str, int]]:
        """(circuit, Gb/s, data plan, zone, tier, Mbps on the provider ladder or 0) of each circuit."""
        ic = self.spec.interconnect
        out = []
        for key, c in ic.circuits.items():
            if isinstance(c, ProviderCircuit):
                out.append((key, c.bandwidth_gbps, c.data_plan, prices.zone_of(c.peering_location, self.cat), c.tier,
                            c.bandwidth_mbps))
            else:
                port = ic.ports.get(c.port)
                plan = port.billing_type if port is not None else c.data_plan
                zone = prices.zone_of(port.peering_location, self.cat) if port is not None else "unknown"
                out.append((key, float(c.bandwidth_gbps), plan, zone, c.tier, 0))
        return out

    def break_even_gb(self) -> float | None:
        """Outbound GB a month above which UnlimitedData on every circuit costs less than MeteredData."""
        fees_gap, rates = 0.0, []
        for _, _, _, zone, tier, mbps in self._carriers():
            if not mbps or tier == "Local":
                return None  # Direct circuits follow their port; Local has no metered plan
            unlimited = self.book.quote(f"circuit:{zone}:{tier}:UnlimitedData:{mbps}")
            metered = self.book.quote(f"circuit:{zone}:{tier}:MeteredData:{mbps}")
            rate = self.book.quote(f"data-out:{zone}")
            if unlimited.usd is None or metered.usd is None or rate.usd is None:
                return None
            fees_gap += (unlimited.usd - metered.usd) * self._keep("circuit")
            rates.append(rate.usd * self._keep("data"))
        if not rates or max(rates) != min(rates) or not rates[0]:
            return None  # one rate per site keeps the break-even a single figure
        return fees_gap / rates[0]

    def _keep(self, category: str) -> float:
        """The share of a price this stack pays after its negotiated discount on the category."""
        return 1 - self.pricing.discount_pct.get(category, 0.0) / 100  # type: ignore[call-overload]

    def demands(self) -> list[DemandCost]:
        carriers = self._carriers()
        total_gbps = sum(c[1] for c in carriers)
        plans = {c[2] for c in carriers}
        plan = plans.pop() if len(plans) == 1 else "mixed"
        break_even = self.break_even_gb()
        out = []
        for name, d in self.spec.demands.items():
            if isinstance(d, ReplicationDemand):
                runs = self.pricing.demand_runs_per_month.get(name)
                basis = (f"{runs:g} runs a month (ai-fabric:pricing.demand_runs_per_month)" if runs is not None else
                         f"back to back: {HOURS_PER_MONTH} h / {d.within_hours:g} h = "
                         f"{HOURS_PER_MONTH / d.within_hours:.3g} runs a month, the most its deadline allows")
                runs = runs if runs is not None else HOURS_PER_MONTH / d.within_hours
                per_run = d.dataset_tb * GB_PER_TB
                gb = per_run * runs
            else:
                runs, per_run = None, None
                gb = d.gbps * SECONDS_PER_MONTH / 8
                basis = f"{d.gbps:g} Gb/s for {HOURS_PER_MONTH} h"
            if_metered: float | None = 0.0
            metered_gb, metered_usd, unpriced_gb = 0.0, 0.0, 0.0
            rates: list[Quote] = []  # of the metered circuits with a data-out rate
            no_rates: list[Quote] = []  # of those without one
            for key, gbps, circuit_plan, zone, _, _ in carriers:
                share = gb * gbps / total_gbps if total_gbps else 0.0
                rate = self.book.quote(f"data-out:{zone}", "GB", "data")
                if rate.usd is None:
                    if_metered = None
                    if circuit_plan == "MeteredData":
                        unpriced_gb += share
                        no_rates.append(rate)
                    continue
                if if_metered is not None:
                    if_metered += share * rate.usd * self._keep("data")
                if circuit_plan == "MeteredData":
                    metered_gb += share
                    metered_usd += share * rate.usd
                    rates.append(rate)
            data_out: float | None = 0.0
            if metered_gb:
                # At the average rate of the circuits it leaves by, weighted by their share.
                line = self.add(f"data out for demand {name} -> {d.to_stack}: {metered_gb / GB_PER_TB:,.1f} TB/month "
                                f"over MeteredData circuits ({basis})", None, rates[0], metered_gb, "GB",
                                metered_usd / metered_gb)
                data_out = line.monthly_usd
            if unpriced_gb:
                # Reported as unpriced, never billed at another zone's rate: the stack's cost is incomplete.
                self.add(f"data out for demand {name} -> {d.to_stack}: {unpriced_gb / GB_PER_TB:,.1f} TB/month "
                         f"over MeteredData circuits without a data-out rate ({basis})", None, no_rates[0], unpriced_gb,
                         "GB")
                data_out = None
            src_zone = carriers[0][3] if carriers else "zone1"
            gr = self.book.quote(f"global-reach:{src_zone}", "GB", "global_reach")
            gr_line = self.add(f"Global Reach data for demand {name} -> {d.to_stack}: {gb / GB_PER_TB:,.1f} TB/month "
                               "(source egress + destination ingress, at the source zone's rate)", None, gr, 2 * gb,
                               "GB")
            out.append(DemandCost(
                name=name, to_stack=d.to_stack, kind=d.kind, gb_per_month=gb, volume_basis=basis, data_plan=plan,
                data_out_usd=data_out, if_metered_usd=None if if_metered is None else round(if_metered, 2),
                global_reach_usd=gr_line.monthly_usd if gr_line.priced else None,
                break_even_gb_per_month=break_even, gb_per_run=per_run, runs_per_month=runs,
            ))
        return out


def stack_cost(spec: FabricSpec, inventory: Inventory | None = None,
               clusters: Sequence[ClusterCapacity] | None = None) -> StackCost:
    """The stack's monthly cost. Without an inventory (``fabric validate``) the items name no resource."""
    pricer = _Pricer(spec, inventory)
    pricer.gpu(clusters if clusters is not None else compute.clusters(spec))
    pricer.ports()
    pricer.circuits()
    pricer.gateway()
    demands = pricer.demands()
    return StackCost(spec.stack, tuple(pricer.items), tuple(demands), pricer.book.gbp_to_usd)


def data_plan_monthly_usd(book: PriceBook, zone: str, tier: str, mbps: int, plan: str, gb_out: float) -> float | None:
    """One provider circuit's monthly bill on a data plan with `gb_out` GB leaving over it (None: unpriced)."""
    fee = book.quote(f"circuit:{zone}:{tier}:{plan}:{mbps}")
    if fee.usd is None:
        return None
    if plan == "UnlimitedData":
        return fee.usd
    rate = book.quote(f"data-out:{zone}")
    return None if rate.usd is None else fee.usd + gb_out * rate.usd


def circuit_break_even_gb(book: PriceBook, zone: str, tier: str, mbps: int) -> float | None:
    """Outbound GB a month at which one circuit costs the same on MeteredData and UnlimitedData."""
    unlimited = book.quote(f"circuit:{zone}:{tier}:UnlimitedData:{mbps}").usd
    metered = book.quote(f"circuit:{zone}:{tier}:MeteredData:{mbps}").usd
    rate = book.quote(f"data-out:{zone}").usd
    if unlimited is None or metered is None or not rate:
        return None
    return (unlimited - metered) / rate


def _bw(mbps: int) -> str:
    return f"{mbps // 1000} Gbps" if mbps >= 1000 else f"{mbps} Mbps"


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 3)


def _money(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


__all__ = ["CostItem", "DemandCost", "StackCost", "circuit_break_even_gb", "data_plan_monthly_usd", "stack_cost"]
