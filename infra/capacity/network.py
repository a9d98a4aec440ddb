"""Interconnect figures of one site and its spec-level invariants (gateway, circuits, redundancy)."""

from __future__ import annotations

from collections import Counter, defaultdict

from infra import catalog
from infra.capacity.report import InterconnectCapacity, Violation
from infra.spec import DirectCircuit, FabricSpec


def gateway_gbps(spec: FabricSpec) -> float:
    gw = spec.interconnect.gateway
    if gw.sku == "ErGwScale":
        assert gw.scale_units is not None
        return catalog.ergwscale_throughput_gbps(gw.scale_units)
    return spec.catalog.gateway_skus[gw.sku].throughput_gbps


def fastpath_effective(spec: FabricSpec) -> bool:
    return spec.interconnect.fastpath_effective(spec.catalog)


def circuit_gbps(spec: FabricSpec) -> float:
    return sum(spec.interconnect.bandwidth_gbps_of(n) for n in spec.interconnect.circuits)


def failure_domains(spec: FabricSpec) -> dict[str, set[str]]:
    """Each single failure of the site and the circuits it takes down.

    A peering location takes every circuit there, except that a circuit at an ExpressRoute Metro
    location is dual-homed to two sites of one city and survives the loss of either.
    """
    ic = spec.interconnect
    cat = spec.catalog
    domains: dict[str, set[str]] = {f"circuit {n}": {n} for n in ic.circuits}
    by_location: dict[str, set[str]] = defaultdict(set)
    for n in ic.circuits:
        location = ic.peering_location_of(n)
        if not cat.is_metro(location):
            by_location[location].add(n)
    for loc, names in by_location.items():
        domains[f"peering location {loc}"] = names
    return domains


def n_minus_1_gbps(spec: FabricSpec) -> float:
    """Bandwidth into the site left after its worst single failure (this stack alone; the fabric-wide
    assessment, infra.capacity.flows, gives the same figure with the failure named, and the demands).

    Circuits: the worst circuit or peering-location loss. Gateway: an ExpressRoute gateway runs two
    instances; losing one halves its throughput, which matters only where FastPath does not take
    the data path around it.
    """
    ic = spec.interconnect
    total = circuit_gbps(spec)
    worst = total
    for lost in failure_domains(spec).values():
        left = total - sum(ic.bandwidth_gbps_of(n) for n in lost)
        if not fastpath_effective(spec):
            left = min(left, gateway_gbps(spec))
        worst = min(worst, left)
    if not fastpath_effective(spec):
        worst = min(worst, total, gateway_gbps(spec) / 2)
    return worst


def interconnect_capacity(spec: FabricSpec) -> InterconnectCapacity:
    ic = spec.interconnect
    locations = tuple(sorted({ic.peering_location_of(n) for n in ic.circuits}))
    return InterconnectCapacity(
        circuits=len(ic.circuits),
        circuit_gbps=circuit_gbps(spec),
        gateway_sku=ic.gateway.label,
        gateway_gbps=gateway_gbps(spec),
        fastpath=fastpath_effective(spec),
        peering_locations=locations,
        n_minus_1_gbps=n_minus_1_gbps(spec),
        global_reach=tuple(sorted(f"{l.circuit}->{l.peer_stack}/{l.peer_circuit}" for l in ic.global_reach.values())),
    )


def check(spec: FabricSpec) -> list[Violation]:
    out: list[Violation] = []
    cat = spec.catalog
    ic = spec.interconnect
    gw = ic.gateway
    gw_sku = cat.gateway_skus[gw.sku]

    def v(invariant: str, message: str, path: str) -> None:
        out.append(Violation(invariant, message, stack=spec.stack, path=path))

    if gw.fastpath and not gw_sku.fastpath:
        v("fastpath-support",
          f"FastPath needs UltraPerformance or ErGw3AZ; {gw.sku} does not support it"
          + (" (unverified for ErGwScale: set catalog_overrides.ergwscale_fastpath once confirmed)" if gw.sku == "ErGwScale" else ""),
          "interconnect.gateway.fastpath")
    total = circuit_gbps(spec)
    if total > gateway_gbps(spec) and not fastpath_effective(spec):
        v("gateway-throughput",
          f"{gw.sku} carries {gateway_gbps(spec):g} Gbps but its circuits add up to {total:g} Gbps; use a larger SKU, "
          "more ErGwScale units, or FastPath on UltraPerformance/ErGw3AZ",
          "interconnect.gateway.sku")
    n = len(ic.circuits)
    limit = min(gw_sku.max_circuits, catalog.CIRCUITS_PER_VNET.value)
    if n > limit:
        v("gateway-circuits", f"{n} circuits connect to one {gw.sku} gateway; at most {limit}", "interconnect.circuits")
    per_location = Counter(ic.peering_location_of(c) for c in ic.circuits)
    for loc, count in per_location.items():
        if count > catalog.CIRCUITS_PER_PEERING_LOCATION_PER_VNET.value:
            v("circuits-per-location",
              f"{count} circuits from peering location {loc} connect to one VNet; Azure allows at most "
              f"{catalog.CIRCUITS_PER_PEERING_LOCATION_PER_VNET.value}", "interconnect.circuits")
    if n >= catalog.CIRCUITS_PER_VNET.value and gw.subnet.prefixlen > catalog.GATEWAY_SUBNET_PREFIX_FOR_16_CIRCUITS.value:
        v("gateway-subnet", f"GatewaySubnet {gw.subnet} is too small for {n} circuits; use a /26",
          "interconnect.gateway.subnet")
    has_metro = any(cat.is_metro(loc) for loc in per_location)
    if len(per_location) < 2 and not has_metro:
        v("location-redundancy",
          f"the site reaches the carrier only at {', '.join(per_location)}; add a circuit at a second peering "
          "location or use an ExpressRoute Metro location (" + ", ".join(sorted(cat.metro_sites)[:3]) + ", ...)",
          "interconnect.circuits")
    if gw.sku == "ErGwScale" and spec.site.region in cat.ergwscale_unavailable_regions:
        v("gateway-availability",
          f"ErGwScale is not offered in {spec.site.region} (catalog, unverified); use ErGw3AZ or override "
          "catalog_overrides.ergwscale_unavailable_regions", "interconnect.gateway.sku")
    for port_name, port in ic.ports.items():
        on_port = {k: c for k, c in ic.circuits.items() if isinstance(c, DirectCircuit) and c.port == port_name}
        carved = sum(c.bandwidth_gbps for c in on_port.values())
        cap = port.bandwidth_gbps * catalog.DIRECT_OVERSUBSCRIPTION.value
        if carved > cap:
            v("direct-port-oversubscription",
              f"circuits on port {port_name} add up to {carved} Gbps, over twice the {port.bandwidth_gbps}G port ({cap} Gbps)",
              f"interconnect.ports.{port_name}")
        vlans = Counter(c.private_peering.vlan_id for c in on_port.values())
        for vlan, count in vlans.items():
            if count > 1:
                v("vlan-unique", f"VLAN {vlan} is used by {count} circuits on port {port_name}", f"interconnect.ports.{port_name}")
    site_geo = catalog.AZURE_REGIONS[spec.site.region]
    for name, c in ic.circuits.items():
        loc = ic.peering_location_of(name)
        geo = cat.peering_locations[loc][1]
        if c.tier != "Premium" and geo != site_geo:
            v("circuit-reach",
              f"a {c.tier} circuit at {loc} ({geo}) cannot reach {spec.site.region} ({site_geo}); use Premium",
              f"interconnect.circuits.{name}.tier")
    return out
