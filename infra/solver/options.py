"""Everything `fabric solve` may change, read from the specs, the catalog, the carrier file and the prices.

Per site:

- **existing circuits**: a larger bandwidth on their ladder (the provider ladder, or the ladder of their
  Direct port). Bandwidth only goes up: Azure lowers it only by deprovisioning the circuit
  (catalog.FIXED_PROPERTIES, terraform-provider-azurerm#3983). A circuit linked from another subscription
  is its owner's to change, so it stays as it is.
- **new provider circuits** at every peering location a carrier PoP serves (without fabric.yaml: every
  location of the site's geopolitical region, since one unbounded carrier node makes a far location no
  better than a near one), up to Azure's 4 circuits per location per VNet
  (catalog.CIRCUITS_PER_PEERING_LOCATION_PER_VNET). A circuit at an ExpressRoute Metro location survives
  the loss of either of its sites, as the analysis models it. Tier Standard where the location is in the
  site's geopolitical region, else Premium (the circuit-reach rule); data plan UnlimitedData.
- **new ExpressRoute Direct ports** (each size the catalog offers, up to two of a size per location) at
  those locations, with two circuits carved from each at most, and up to two more circuits on an existing
  port with room: circuits on a port add up to at most twice its size (catalog.DIRECT_OVERSUBSCRIPTION),
  which two circuits of the port's size reach.
- **the gateway**: another SKU, more ErGwScale units, FastPath where the SKU supports it. Only options that
  carry at least what the gateway carries today; ErGwScale only where the region offers it. A resize
  Azure does not do in place (catalog.GATEWAY_IN_PLACE_RESIZES) replaces the gateway: it is offered, and
  marked so.

Per carrier span in service: the upgrades the carrier offers (fabric.yaml `upgrades`, priced by the user).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from infra import catalog
from infra.capacity import flows
from infra.solver.prices import OptionPrices, SpanOffer, span_offers
from infra.spec import DirectCircuit, FabricSpec, ProviderCircuit

NEW_DATA_PLAN = "UnlimitedData"
"""Data plan of a new circuit: metered data is billed per GB, which the solver does not price."""
NEW_PORT_BILLING = "UnlimitedData"
NEW_PORT_ENCAPSULATION = "Dot1Q"


@dataclass(frozen=True)
class Step:
    """One bandwidth a circuit may have."""

    gbps: float
    value: int
    """As the spec writes it: bandwidth_mbps (provider) or bandwidth_gbps (Direct)."""
    monthly_usd: float
    """Existing circuit: what this bandwidth adds to its price today. New circuit: its whole price."""


@dataclass(frozen=True)
class CircuitOption:
    """An existing circuit: its bandwidth today and the larger ones on offer."""

    site: str
    key: str
    """The circuit's name."""
    kind: str
    """'provider' or 'direct'."""
    location: str
    pop: str
    metro: bool
    tier: str
    data_plan: str
    current: Step
    steps: tuple[Step, ...]
    """The larger bandwidths on offer (none for a circuit linked from another subscription)."""
    port: str | None = None

    @property
    def current_gbps(self) -> float:
        return self.current.gbps

    @property
    def max_gbps(self) -> float:
        return max([self.current_gbps, *(s.gbps for s in self.steps)])


@dataclass(frozen=True)
class PortSize:
    """A new ExpressRoute Direct port of one size, and the circuits that may be carved from it."""

    gbps: int
    monthly_usd: float
    carved: tuple[Step, ...]


@dataclass(frozen=True)
class NewAt:
    """The new circuits a site may add at one peering location.

    Only how much a site has at a location matters to every failure but one: the loss of the location
    (or its PoP) takes all of its circuits there and so dominates the loss of any one of them. At an
    ExpressRoute Metro location, which survives that, the loss of its largest circuit is the failure that
    counts. So the program chooses how many circuits of each bandwidth, not which is which."""

    site: str
    location: str
    pop: str
    metro: bool
    tier: str
    room: int
    """New circuits allowed here: 4 per location per VNet, less those there today."""
    provider: tuple[Step, ...]
    """A new provider circuit's bandwidths and their prices."""
    ports: tuple[PortSize, ...]
    provider_name: str = catalog.LUMEN_PROVIDER_NAME.value


@dataclass(frozen=True)
class PortRoom:
    """An existing Direct port with room for more circuits."""

    site: str
    port: str
    location: str
    gbps: int
    tier: str
    carved: tuple[Step, ...]


@dataclass(frozen=True)
class GatewayOption:
    site: str
    sku: str
    fastpath: bool
    """FastPath on and supported: the gateway limits nothing on the data path."""
    gbps: float
    """Throughput; ErGwScale: per scale unit."""
    max_circuits: int
    monthly_usd: float
    """Its price a month; ErGwScale: per scale unit."""
    current: bool
    in_place: bool
    min_units: int = 0
    max_units: int = 0
    """ErGwScale only: the scale units it may have."""

    @property
    def scalable(self) -> bool:
        return self.sku == "ErGwScale"


@dataclass(frozen=True)
class SiteOptions:
    stack: str
    region: str
    geo: str
    circuits: tuple[CircuitOption, ...]
    """The circuits of today."""
    new: tuple[NewAt, ...]
    port_rooms: tuple[PortRoom, ...]
    gateways: tuple[GatewayOption, ...]
    current_gateway_usd: float
    max_circuits: int
    """Circuits one VNet may connect, before the gateway SKU's own limit (16; 15 with a GatewaySubnet
    smaller than /26, which 16 circuits need)."""
    existing_per_location: Mapping[str, int]
    single_location: bool
    """Today the site reaches the carrier at one (non-Metro) location only: the design must add another."""

    def locations(self) -> list[str]:
        return sorted({c.location for c in self.circuits} | {n.location for n in self.new})

    def is_metro(self, location: str) -> bool:
        return any(c.metro for c in self.circuits if c.location == location) or any(
            n.metro for n in self.new if n.location == location)

    def pop(self, location: str) -> str:
        for c in self.circuits:
            if c.location == location:
                return c.pop
        return next(n.pop for n in self.new if n.location == location)


@dataclass(frozen=True)
class SpanOption:
    name: str
    a: str
    z: str
    gbps: float
    srlgs: tuple[str, ...]
    offers: tuple[SpanOffer, ...]


@dataclass(frozen=True)
class OptionSpace:
    sites: dict[str, SiteOptions]
    spans: dict[str, SpanOption]
    """Spans in service on the day planned for (new fibre not yet lit is neither used nor upgraded)."""
    pops: dict[str, str | None]
    """PoP -> the peering location it serves (one virtual PoP without a carrier network)."""
    carrier: bool
    demands: tuple[flows.DemandEdge, ...]
    regions: dict[str, tuple[str, ...]]
    """Azure region -> the stacks in it (they share 10 circuits per region per subscription)."""
    region_existing: dict[str, int]
    prices_source: str
    notes: tuple[str, ...] = ()
    """Options left out and why (no price, a region without ErGwScale, ...)."""
    on: dt.date = field(default_factory=dt.date.today)

    def circuit(self, site: str, key: str) -> CircuitOption:
        for c in self.sites[site].circuits:
            if c.key == key:
                return c
        raise KeyError((site, key))

    @property
    def size(self) -> dict[str, int]:
        return {
            "sites": len(self.sites), "circuits": sum(len(s.circuits) for s in self.sites.values()),
            "locations_offered": sum(len(s.new) for s in self.sites.values()),
            "span_offers": sum(len(s.offers) for s in self.spans.values()), "demands": len(self.demands),
        }


@dataclass(frozen=True)
class Limits:
    """How much of the option space to offer (defaults: all Azure allows)."""

    in_place_only: bool = False
    """Leave out gateway resizes Azure does not do in place (a replacement is an outage)."""
    new_circuits: bool = True
    """Offer new circuits (False: only larger bandwidths, gateways and spans)."""
    direct_ports: bool = True
    """Offer new ExpressRoute Direct ports."""
    sites: frozenset[str] | None = None
    """The stacks the solver may change (None: every one); the others stay as they are."""
    spans: bool = True
    """Offer the carrier's span upgrades (fabric.yaml)."""


def build(specs: Sequence[FabricSpec], carrier, prices: OptionPrices, on: dt.date | None = None,
          limits: Limits = Limits()) -> OptionSpace:
    """The option space of a fabric whose cross-stack references resolve."""
    on = on or dt.date.today()
    graph = flows.build(specs, carrier, on)
    notes: list[str] = []
    if carrier is None:
        pops: dict[str, str | None] = {flows.VIRTUAL_POP: None}
    else:
        pops = {name: p.peering_location for name, p in carrier.pops.items()}
    sites = {s.stack: _site(s, carrier is not None, pops, prices, limits, notes) for s in specs}
    if limits.sites is not None:
        sites = {k: v if k in limits.sites else _frozen(v) for k, v in sites.items()}
    spans: dict[str, SpanOption] = {}
    if carrier is not None:
        for name, edge in graph.spans.items():
            offers, why = span_offers(carrier.spans[name]) if limits.spans else ((), None)
            if why:
                notes.append(f"span {name} {why}")
            spans[name] = SpanOption(name, edge.a, edge.z, edge.gbps, edge.srlgs, offers)
        for name in graph.pending:
            if carrier.spans[name].upgrades:
                notes.append(f"span {name} is not in service on {on.isoformat()}: neither used nor upgraded")
    regions: dict[str, list[str]] = defaultdict(list)
    region_existing: Counter[str] = Counter()
    for s in specs:
        regions[s.site.region].append(s.stack)
        region_existing[s.site.region] += len(s.interconnect.circuits)
    return OptionSpace(
        sites=sites, spans=spans, pops=pops, carrier=carrier is not None, demands=graph.demands,
        regions={r: tuple(v) for r, v in regions.items()}, region_existing=dict(region_existing),
        prices_source=prices.source, notes=_grouped(notes), on=on,
    )


def _grouped(notes: list[str]) -> tuple[str, ...]:
    """One note per kind of unpriced option, its locations listed ('... at @<location>' marks them)."""
    places: dict[str, list[str]] = {}
    for note in notes:
        head, at, rest = note.partition(" at @")
        if at:
            location, _, tail = rest.partition(";")
            key = f"{head} at {{}};{tail}"
        else:
            key, location = note, None
        places.setdefault(key, [])
        if location is not None and location not in places[key]:
            places[key].append(location)
    return tuple(key.format(", ".join(locs)) if locs else key for key, locs in places.items())


def _frozen(opts: SiteOptions) -> SiteOptions:
    """A site the solver may not change: its circuits and gateway as they are."""
    import dataclasses

    return dataclasses.replace(
        opts, circuits=tuple(dataclasses.replace(c, steps=()) for c in opts.circuits), new=(), port_rooms=(),
        gateways=tuple(o for o in opts.gateways if o.current),
    )


def _pop_of(pops: Mapping[str, str | None], location: str, carrier: bool) -> str:
    if not carrier:
        return flows.VIRTUAL_POP
    return next(p for p, loc in pops.items() if loc == location)


def _site(spec: FabricSpec, carrier: bool, pops: Mapping[str, str | None], prices: OptionPrices, limits: Limits,
          notes: list[str]) -> SiteOptions:
    cat = spec.catalog
    ic = spec.interconnect
    stack = spec.stack
    geo = catalog.AZURE_REGIONS[spec.site.region]
    per_location: Counter[str] = Counter(ic.peering_location_of(n) for n in ic.circuits)
    providers = Counter(c.provider for c in ic.circuits.values() if isinstance(c, ProviderCircuit))
    provider_name = providers.most_common(1)[0][0] if providers else catalog.LUMEN_PROVIDER_NAME.value

    def tier_for(location: str) -> str:
        return "Standard" if cat.peering_locations[location][1] == geo else "Premium"

    circuits = [_existing(spec, name, carrier, pops, prices, notes) for name in ic.circuits]

    # New circuits and ports at every location the carrier serves (and the stack's catalog knows).
    if carrier:
        candidates = [loc for loc in pops.values() if loc is not None and loc in cat.peering_locations]
    else:
        candidates = sorted({loc for loc, (_, g) in cat.peering_locations.items() if g == geo} | set(per_location))
    limit = catalog.CIRCUITS_PER_PEERING_LOCATION_PER_VNET.value
    new: list[NewAt] = []
    for location in candidates if limits.new_circuits else ():
        room = max(0, limit - per_location[location])
        if room == 0:
            continue
        tier = tier_for(location)
        steps = []
        for mbps in catalog.PROVIDER_BANDWIDTHS_MBPS.value:
            usd = prices.circuit(stack, location, tier, NEW_DATA_PLAN, mbps)
            if usd is None:
                notes.append(f"{stack}: no price for a {tier} circuit of {mbps} Mbps at @{location}; not offered")
                continue
            steps.append(Step(mbps / 1000, mbps, usd))
        sizes = []
        for size in cat.direct_port_gbps if limits.direct_ports else ():
            usd = prices.direct_port(stack, location, size, NEW_PORT_BILLING)
            if usd is None:
                notes.append(f"{stack}: no price for a {size}G Direct port at @{location}; not offered")
                continue
            carved = _carved_steps(stack, cat, size, tier, prices, notes)
            if carved:
                sizes.append(PortSize(size, usd, carved))
        if steps or sizes:
            new.append(NewAt(stack, location, _pop_of(pops, location, carrier), cat.is_metro(location), tier, room,
                             tuple(steps), tuple(sizes), provider_name))
    # More circuits on an existing port with room.
    rooms = []
    for name, port in ic.ports.items():
        if limits.new_circuits and limits.direct_ports and per_location[port.peering_location] < limit:
            tier = tier_for(port.peering_location)
            carved = _carved_steps(stack, cat, port.bandwidth_gbps, tier, prices, notes)
            if carved:
                rooms.append(PortRoom(stack, name, port.peering_location, port.bandwidth_gbps, tier, carved))

    gateways, current_usd = _gateways(spec, prices, limits, notes)
    single = len(per_location) < 2 and not any(cat.is_metro(loc) for loc in per_location)
    max_circuits = catalog.CIRCUITS_PER_VNET.value
    if ic.gateway.subnet.prefixlen > catalog.GATEWAY_SUBNET_PREFIX_FOR_16_CIRCUITS.value:
        max_circuits -= 1
    return SiteOptions(
        stack=stack, region=spec.site.region, geo=geo, circuits=tuple(circuits), new=tuple(new),
        port_rooms=tuple(rooms), gateways=tuple(gateways), current_gateway_usd=current_usd,
        max_circuits=max_circuits, existing_per_location=dict(per_location), single_location=single,
    )


def _existing(spec: FabricSpec, name: str, carrier: bool, pops: Mapping[str, str | None], prices: OptionPrices,
              notes: list[str]) -> CircuitOption:
    """An existing circuit and the larger bandwidths on its ladder."""
    cat, ic, stack = spec.catalog, spec.interconnect, spec.stack
    c = ic.circuits[name]
    location = ic.peering_location_of(name)
    pop = _pop_of(pops, location, carrier)
    steps = []
    if isinstance(c, ProviderCircuit):
        current = Step(c.bandwidth_mbps / 1000, c.bandwidth_mbps, 0.0)
        ladder = [m for m in catalog.PROVIDER_BANDWIDTHS_MBPS.value if m > c.bandwidth_mbps and not c.linked]
        now = prices.circuit(stack, location, c.tier, c.data_plan, c.bandwidth_mbps)
        for mbps in ladder:
            then = prices.circuit(stack, location, c.tier, c.data_plan, mbps)
            if now is None or then is None:
                notes.append(f"{stack}: no price for circuit {name} at {mbps} Mbps ({c.tier}, {c.data_plan}); "
                             "that upgrade is not offered")
                continue
            steps.append(Step(mbps / 1000, mbps, then - now))
        return CircuitOption(stack, name, "provider", location, pop, cat.is_metro(location), c.tier, c.data_plan,
                             current, tuple(steps))
    assert isinstance(c, DirectCircuit)
    port = ic.ports[c.port]
    current = Step(float(c.bandwidth_gbps), c.bandwidth_gbps, 0.0)
    now = prices.direct_circuit(stack, c.tier, c.bandwidth_gbps)
    for gbps in cat.direct_circuit_gbps_by_port.get(port.bandwidth_gbps, ()):
        if gbps <= c.bandwidth_gbps or c.linked:
            continue
        then = prices.direct_circuit(stack, c.tier, gbps)
        if now is None or then is None:
            notes.append(f"{stack}: no price for Direct circuit {name} at {gbps} Gbps; not offered")
            continue
        steps.append(Step(float(gbps), gbps, then - now))
    return CircuitOption(stack, name, "direct", location, pop, cat.is_metro(location), c.tier, c.data_plan, current,
                         tuple(steps), port=c.port)


def _carved_steps(stack: str, cat: catalog.Catalog, port_gbps: int, tier: str, prices: OptionPrices,
                  notes: list[str]) -> tuple[Step, ...]:
    out = []
    for gbps in cat.direct_circuit_gbps_by_port.get(port_gbps, ()):
        usd = prices.direct_circuit(stack, tier, gbps)
        if usd is None:
            notes.append(f"{stack}: no price for a {tier} Direct circuit of {gbps} Gbps; not offered")
            continue
        out.append(Step(float(gbps), gbps, usd))
    return tuple(out)


def _gateways(spec: FabricSpec, prices: OptionPrices, limits: Limits,
              notes: list[str]) -> tuple[list[GatewayOption], float]:
    """The gateway as it is, and every option that carries more: FastPath where today's gateway limits the
    data path, or a higher throughput, zone-redundant where today's is. A lateral move (the same capacity,
    another SKU) is never offered: the solver adds what the demands need, it does not trade what exists for
    something cheaper."""
    cat = spec.catalog
    gw = spec.interconnect.gateway
    stack = spec.stack
    cur_fast = spec.interconnect.fastpath_effective(cat)
    cur_gbps = (catalog.ergwscale_throughput_gbps(gw.scale_units or 0) if gw.sku == "ErGwScale"
                else cat.gateway_skus[gw.sku].throughput_gbps)
    current_usd = prices.gateway(stack, gw.sku, gw.scale_units)
    if current_usd is None:
        notes.append(f"{stack}: no price for its gateway {gw.label} today, so no gateway change can be priced; "
                     "the gateway stays as it is")
        facts = cat.gateway_skus[gw.sku]
        gbps = float(catalog.ERGWSCALE_GBPS_PER_UNIT.value if gw.sku == "ErGwScale" else facts.throughput_gbps)
        units = gw.scale_units or 0
        only = GatewayOption(stack, gw.sku, gw.fastpath and facts.fastpath, gbps,
                             min(facts.max_circuits, catalog.CIRCUITS_PER_VNET.value), 0.0, True, True, units, units)
        return [only], 0.0
    unit_usd = prices.gateway(stack, "ErGwScale", 1)
    lo_units, hi_units = catalog.ERGWSCALE_UNITS.value
    out: list[GatewayOption] = []
    for sku, facts in cat.gateway_skus.items():
        if sku == "ErGwScale" and spec.site.region in cat.ergwscale_unavailable_regions:
            continue
        for fast in ((False, True) if facts.fastpath else (False,)):
            current = sku == gw.sku and fast == gw.fastpath
            in_place = sku == gw.sku or (gw.sku, sku) in catalog.GATEWAY_IN_PLACE_RESIZES.value
            if (limits.in_place_only and not in_place) or (not current and cur_fast):
                continue  # with FastPath in effect today, nothing carries more
            if not current and cat.gateway_skus[gw.sku].zone_redundant and not facts.zone_redundant:
                continue  # never from a zone-redundant gateway to one that is not
            max_circuits = min(facts.max_circuits, catalog.CIRCUITS_PER_VNET.value)
            if sku == "ErGwScale":
                if unit_usd is None:
                    notes.append(f"{stack}: no price for ErGwScale; not offered")
                    continue
                lo = gw.scale_units if sku == gw.sku and gw.scale_units else lo_units
                if not current and not fast:
                    lo = max(lo, math.floor(cur_gbps / catalog.ERGWSCALE_GBPS_PER_UNIT.value) + 1)
                if lo > hi_units:
                    continue
                out.append(GatewayOption(stack, sku, fast, float(catalog.ERGWSCALE_GBPS_PER_UNIT.value), max_circuits,
                                         unit_usd, current, in_place, lo, hi_units))
                continue
            if not current and not fast and facts.throughput_gbps <= cur_gbps:
                continue
            usd = current_usd if current else prices.gateway(stack, sku, None)
            if usd is None:
                notes.append(f"{stack}: no price for gateway {sku}; not offered")
                continue
            out.append(GatewayOption(stack, sku, fast, float(facts.throughput_gbps), max_circuits, usd, current,
                                     in_place))
    if not any(o.current for o in out):
        why = (f"FastPath is on but {gw.sku} does not support it" if gw.fastpath and not cat.gateway_skus[gw.sku].fastpath
               else f"{gw.sku} is not offered in {spec.site.region}")
        notes.append(f"{stack}: the gateway must change: {why}")
    return out, float(current_usd)


__all__ = ["CircuitOption", "GatewayOption", "Limits", "NewAt", "OptionSpace", "PortRoom", "PortSize", "SiteOptions",
           "SpanOption", "Step", "build"]
