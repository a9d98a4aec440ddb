"""Resource-level invariants of the network area, over the neutral inventory (infra.inventory).

Each check is a pure function of an Inventory: resource types, Pulumi names, inputs under their
camelCase wire names, and the protect flag. The same functions run in the unit tests, in
`fabric plan` and in the CrossGuard policy pack, so nothing here may import Pulumi or read a spec.

References between resources are ARM IDs (a connection's ``peer.id``, a gateway's subnet). They
resolve to the resource whose Azure name is the ID's last segment, else, where the ID is unknown (a
preview), to the one resource of that type the referring resource depends on. A resource's own ID
is never used: the policy engine does not have it, and the plan and the policy must judge alike.
What cannot be resolved is not guessed at, and an unknown value is never a violation.

The inventory does not carry a stack's catalog overrides; ``checks(cat)`` builds the checks for a
given catalog and ``CHECKS`` uses the catalog's defaults.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from infra import catalog
from infra.capacity.report import Violation
from infra.inventory import SECRET, UNKNOWN, Inventory, Resource, known
from infra.tokens import (
    CIRCUIT, CONNECTION, GATEWAY, GLOBAL_REACH, LOCK, PEERING, PORT, PRIVATE_INTERCONNECT, PUBLIC_IP, SUBNET,
    VIRTUAL_NETWORK,
)

Check = Callable[[Inventory], list[Violation]]


GATEWAY_SUBNET = "GatewaySubnet"
_PROTECTED = {CIRCUIT: "circuit", PORT: "ExpressRoute Direct port", PEERING: "circuit peering"}


# ------------------------------------------------------------------------------------------------
# Reading the inventory
# ------------------------------------------------------------------------------------------------


def _tail(arm_id: object) -> str | None:
    return arm_id.rstrip("/").rsplit("/", 1)[-1] if isinstance(arm_id, str) and arm_id else None


_NAME_INPUTS = {
    CIRCUIT: ("circuitName",), PORT: ("expressRoutePortName",), PEERING: ("peeringName", "name"),
    GLOBAL_REACH: ("connectionName", "name"), GATEWAY: ("virtualNetworkGatewayName",),
    CONNECTION: ("virtualNetworkGatewayConnectionName",), SUBNET: ("subnetName",),
    PUBLIC_IP: ("publicIpAddressName",),
}
"""The input that carries each type's Azure name (the last segment of its ARM ID)."""


def _azure_name(r: Resource) -> str:
    for key in _NAME_INPUTS.get(r.type, ()):
        if isinstance(r.inputs.get(key), str):
            return r.inputs[key]
    return r.name


def _what(r: Resource) -> str:
    """How a message names a resource: its Azure name, a peering by its circuit."""
    if r.type == PEERING:
        return f"the private peering of {r.inputs.get('circuitName')}"
    return _azure_name(r)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _net(value: object) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(str(value), strict=True)
    except ValueError:
        return None


@dataclass(frozen=True)
class _View:
    """The interconnect resources of an inventory, with their references resolved."""

    inv: Inventory

    def of(self, typ: str) -> list[Resource]:
        return self.inv.of_type(typ)

    def resolve(self, ref: object, typ: str, owner: Resource | None = None) -> Resource | None:
        """The resource of type `typ` that an ARM ID (or {'id': ...}) refers to, if it is here: by
        Azure name, else by the owner's dependencies (see the module docstring)."""
        arm_id = ref.get("id") if isinstance(ref, dict) else ref
        candidates = self.of(typ)
        if known(arm_id) and isinstance(arm_id, str):
            name = _tail(arm_id)
            by_name = [r for r in candidates if _azure_name(r) == name]
            if len(by_name) == 1:
                return by_name[0]
        if owner is not None:
            deps = set(owner.dependencies)
            by_dep = [r for r in candidates if r.urn in deps]
            if len(by_dep) == 1:
                return by_dep[0]
        return None

    def port_of(self, circuit: Resource) -> Resource | None:
        return self.resolve(circuit.inputs.get("expressRoutePort"), PORT, circuit)

    def circuit_gbps(self, circuit: Resource) -> float | None:
        mbps = circuit.get("serviceProviderProperties.bandwidthInMbps")
        if _number(mbps):
            return mbps / 1000
        gbps = circuit.inputs.get("bandwidthInGbps")
        return float(gbps) if _number(gbps) else None

    def circuit_location(self, circuit: Resource) -> str | None:
        loc = circuit.get("serviceProviderProperties.peeringLocation")
        if isinstance(loc, str):
            return loc
        port = self.port_of(circuit)
        loc = port.inputs.get("peeringLocation") if port is not None else None
        return loc if isinstance(loc, str) else None

    def er_gateways(self) -> list[Resource]:
        return [g for g in self.of(GATEWAY) if g.inputs.get("gatewayType") == "ExpressRoute"]

    def connections_of(self, gateway: Resource) -> list[Resource]:
        return [
            c for c in self.of(CONNECTION)
            if c.inputs.get("connectionType") == "ExpressRoute"
            and self.resolve(c.inputs.get("virtualNetworkGateway1"), GATEWAY, c) is gateway
        ]

    def circuit_of(self, connection: Resource) -> Resource | None:
        return self.resolve(connection.inputs.get("peer"), CIRCUIT, connection)

    def circuit_of_peering(self, name: object) -> Resource | None:
        by_name = [c for c in self.of(CIRCUIT) if _azure_name(c) == name]
        return by_name[0] if len(by_name) == 1 else None


@dataclass(frozen=True)
class _GatewaySku:
    name: str
    gbps: float
    max_circuits: int
    fastpath: bool


def _gateway_sku(gateway: Resource, cat: catalog.Catalog) -> _GatewaySku | None:
    name = gateway.get("sku.name")
    sku = cat.gateway_skus.get(name) if isinstance(name, str) else None
    if sku is None:
        return None
    gbps = sku.throughput_gbps
    if name == "ErGwScale":
        # What the gateway always has: its minimum scale units (min = max for a fixed size). Scale units are
        # whole numbers; anything else is malformed and counts as the one unit every gateway has.
        units = gateway.get("autoScaleConfiguration.bounds.min")
        gbps = catalog.ergwscale_throughput_gbps(units if isinstance(units, int) and units > 0 else 1)
    return _GatewaySku(name, gbps, min(sku.max_circuits, catalog.CIRCUITS_PER_VNET.value), sku.fastpath)


def _v(invariant: str, inv: Inventory, r: Resource, message: str) -> Violation:
    return Violation(invariant, message, stack=inv.stack, resource=r.urn)


def _g(x: float) -> str:
    return f"{x:g}"


# ------------------------------------------------------------------------------------------------
# The checks
# ------------------------------------------------------------------------------------------------


def circuit_protected(inv: Inventory) -> list[Violation]:
    """Circuits, Direct ports and peerings are protected: deleting one drops the carrier's provisioning."""
    return [
        _v("circuit-protected", inv, r,
           f"{_PROTECTED[r.type]} {_azure_name(r)} is not protected; deleting it drops the carrier's provisioning "
           "(a new circuit has a new service key to provision). Declare it with protect=True")
        for r in inv if r.type in _PROTECTED and not r.protect
    ]


def _bandwidth_ladder(cat: catalog.Catalog) -> Check:
    def bandwidth_ladder(inv: Inventory) -> list[Violation]:
        """Provider circuits on the provider ladder; Direct circuits on their port's ladder."""
        view, out = _View(inv), []
        provider = catalog.PROVIDER_BANDWIDTHS_MBPS.value
        for c in view.of(CIRCUIT):
            mbps = c.get("serviceProviderProperties.bandwidthInMbps")
            if known(mbps) and mbps not in provider:
                out.append(_v("bandwidth-ladder", inv, c,
                              f"circuit {_azure_name(c)} asks for {mbps} Mbps; the provider ladder is "
                              f"{', '.join(map(str, provider))} Mbps"))
            port = view.port_of(c)
            gbps = c.inputs.get("bandwidthInGbps")
            if port is None or not known(gbps):
                continue
            port_gbps = port.inputs.get("bandwidthInGbps")
            if not known(port_gbps):
                continue  # not known before deployment: never a violation
            ladder = cat.direct_circuit_gbps_by_port.get(port_gbps) if _number(port_gbps) else None
            if ladder is None:
                out.append(_v("bandwidth-ladder", inv, port,
                              f"Direct port {_azure_name(port)} is {port_gbps} Gbps; port sizes are "
                              f"{', '.join(map(str, cat.direct_port_gbps))} Gbps"))
            elif gbps not in ladder:
                out.append(_v("bandwidth-ladder", inv, c,
                              f"circuit {_azure_name(c)} asks for {gbps} Gbps on the {port_gbps} Gbps port "
                              f"{_azure_name(port)}; allowed there: {', '.join(map(str, ladder))} Gbps"))
        for port in view.of(PORT):
            on_port = [c for c in view.of(CIRCUIT) if view.port_of(c) is port]
            carved = sum(view.circuit_gbps(c) or 0 for c in on_port)
            size = port.inputs.get("bandwidthInGbps")
            if _number(size) and carved > size * catalog.DIRECT_OVERSUBSCRIPTION.value:
                out.append(_v("bandwidth-ladder", inv, port,
                              f"circuits on Direct port {_azure_name(port)} add up to {_g(carved)} Gbps, over twice "
                              f"its {size} Gbps"))
        return out

    return bandwidth_ladder


def _gateway_throughput(cat: catalog.Catalog) -> Check:
    def gateway_throughput(inv: Inventory) -> list[Violation]:
        """Circuits whose traffic passes the gateway (no effective FastPath) fit its throughput."""
        view, out = _View(inv), []
        for gw in view.er_gateways():
            sku = _gateway_sku(gw, cat)
            if sku is None:
                name = gw.get("sku.name")
                if not isinstance(name, str) or known(name):  # an unknown SKU is reported, never skipped
                    out.append(_v("gateway-throughput", inv, gw,
                                  f"gateway {_azure_name(gw)} has sku.name {name!r}, not an ExpressRoute gateway SKU "
                                  f"of the catalog ({', '.join(cat.gateway_skus)}); its throughput cannot be checked"))
                continue
            through, names = 0.0, []
            for conn in view.connections_of(gw):
                circuit = view.circuit_of(conn)
                gbps = view.circuit_gbps(circuit) if circuit is not None else None
                if gbps is None:
                    continue
                if conn.inputs.get("expressRouteGatewayBypass") is True and sku.fastpath:
                    continue  # FastPath: data goes around the gateway
                through += gbps
                names.append(_azure_name(circuit))
            if through > sku.gbps:
                out.append(_v("gateway-throughput", inv, gw,
                              f"gateway {_azure_name(gw)} ({sku.name}) carries {_g(sku.gbps)} Gbps but circuits "
                              f"{', '.join(names)} send {_g(through)} Gbps through it; use a larger SKU, more "
                              "ErGwScale units, or FastPath (expressRouteGatewayBypass) on UltraPerformance/ErGw3AZ"))
        return out

    return gateway_throughput


def _fastpath_support(cat: catalog.Catalog) -> Check:
    def fastpath_support(inv: Inventory) -> list[Violation]:
        """FastPath only on connections of gateways whose SKU supports it."""
        view, out = _View(inv), []
        for gw in view.er_gateways():
            sku = _gateway_sku(gw, cat)
            if sku is None or sku.fastpath:
                continue
            for conn in view.connections_of(gw):
                if conn.inputs.get("expressRouteGatewayBypass") is True:
                    out.append(_v("fastpath-support", inv, conn,
                                  f"connection {_azure_name(conn)} asks for FastPath on gateway {_azure_name(gw)} "
                                  f"({sku.name}), which does not support it; FastPath needs UltraPerformance or ErGw3AZ"))
        return out

    return fastpath_support


def _gateway_circuits(cat: catalog.Catalog) -> Check:
    def gateway_circuits(inv: Inventory) -> list[Violation]:
        """Circuits connected to a gateway within its SKU's limit (and 16 per VNet)."""
        view, out = _View(inv), []
        for gw in view.er_gateways():
            sku = _gateway_sku(gw, cat)
            conns = view.connections_of(gw)
            if sku is not None and len(conns) > sku.max_circuits:
                out.append(_v("gateway-circuits", inv, gw,
                              f"{len(conns)} circuits connect to gateway {_azure_name(gw)} ({sku.name}); it takes at "
                              f"most {sku.max_circuits}"))
        return out

    return gateway_circuits


def circuits_per_location(inv: Inventory) -> list[Violation]:
    """At most 4 circuits from one peering location connect to one VNet (its gateway)."""
    view, out = _View(inv), []
    limit = catalog.CIRCUITS_PER_PEERING_LOCATION_PER_VNET.value
    for gw in view.er_gateways():
        by_location: dict[str, list[str]] = defaultdict(list)
        for conn in view.connections_of(gw):
            circuit = view.circuit_of(conn)
            loc = view.circuit_location(circuit) if circuit is not None else None
            if loc is not None:
                by_location[loc].append(_azure_name(circuit))
        for loc, names in sorted(by_location.items()):
            if len(names) > limit:
                out.append(_v("circuits-per-location", inv, gw,
                              f"{len(names)} circuits from peering location {loc} ({', '.join(names)}) connect to "
                              f"gateway {_azure_name(gw)}; Azure allows {limit} per VNet"))
    return out


def gateway_subnet(inv: Inventory) -> list[Violation]:
    """The gateway sits in a subnet named exactly GatewaySubnet, /27 or larger (/26 for 16 circuits)."""
    view, out = _View(inv), []
    checked: set[str] = set()
    for gw in view.er_gateways():
        n = len(view.connections_of(gw))
        configs = gw.inputs.get("ipConfigurations")
        for cfg in configs if isinstance(configs, list) else []:
            ref = cfg.get("subnet") if isinstance(cfg, dict) else None
            subnet = view.resolve(ref, SUBNET, gw)
            ref_id = ref.get("id") if isinstance(ref, dict) else None
            name = _azure_name(subnet) if subnet is not None else _tail(ref_id) if known(ref_id) else None
            if name is not None and name != GATEWAY_SUBNET:
                out.append(_v("gateway-subnet", inv, gw,
                              f"gateway {_azure_name(gw)} is in subnet {name!r}; Azure deploys gateways only into a "
                              f"subnet named exactly {GATEWAY_SUBNET!r}"))
            if subnet is None:
                continue
            checked.add(subnet.urn)
            out += _subnet_size(inv, subnet, n)
    for subnet in view.of(SUBNET):
        if subnet.urn not in checked and _azure_name(subnet) == GATEWAY_SUBNET:
            out += _subnet_size(inv, subnet, 0)
    return out


def subnet_order(inv: Inventory) -> list[Violation]:
    """Subnets of one VNet are created one at a time: of every two, one depends on the other.

    Azure runs one subnet operation per VNet and fails a concurrent one with
    AnotherOperationInProgress; Pulumi creates resources in parallel unless a dependency orders
    them. A subnet's VNet is the VirtualNetwork it depends on (its name input is unknown at a
    preview), else the resource group and VNet names it gives."""
    by_urn = inv.by_urn()
    groups: dict[object, list[Resource]] = defaultdict(list)
    for subnet in inv.of_type(SUBNET):
        vnets = [d for d in subnet.dependencies if d in by_urn and by_urn[d].type == VIRTUAL_NETWORK]
        names = (subnet.inputs.get("resourceGroupName"), subnet.inputs.get("virtualNetworkName"))
        if len(vnets) == 1:
            groups[vnets[0]].append(subnet)
        elif all(known(n) and isinstance(n, str) for n in names):
            groups[names].append(subnet)
    out: list[Violation] = []
    for subnets in groups.values():
        for i, a in enumerate(subnets):
            for b in subnets[i + 1:]:
                if not (_depends_on(by_urn, a.urn, b.urn) or _depends_on(by_urn, b.urn, a.urn)):
                    out.append(_v("subnet-order", inv, b,
                                  f"subnets {_azure_name(a)} and {_azure_name(b)} of one VNet may be created at the "
                                  "same time; Azure runs one subnet operation per VNet and fails the other with "
                                  "AnotherOperationInProgress: make one depend on the other"))
    return out


def _depends_on(by_urn: Mapping[str, Resource], urn: str, target: str) -> bool:
    """Whether `urn` depends on `target`, directly or through other resources of the inventory."""
    seen, todo = set(), [urn]
    while todo:
        current = by_urn.get(todo.pop())
        if current is None:
            continue
        for dep in current.dependencies:
            if dep == target:
                return True
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return False


def _subnet_size(inv: Inventory, subnet: Resource, circuits: int) -> list[Violation]:
    net = _net(subnet.inputs.get("addressPrefix"))
    if net is None:
        return []
    need = (catalog.GATEWAY_SUBNET_PREFIX_FOR_16_CIRCUITS.value if circuits >= catalog.CIRCUITS_PER_VNET.value
            else catalog.GATEWAY_SUBNET_MIN_PREFIX.value)
    if net.prefixlen <= need:
        return []
    why = f" to connect {circuits} circuits" if need == catalog.GATEWAY_SUBNET_PREFIX_FOR_16_CIRCUITS.value else ""
    return [_v("gateway-subnet", inv, subnet, f"{GATEWAY_SUBNET} {net} is smaller than the /{need} Azure needs{why}")]


def _prefix_overlaps(items: Iterable[tuple[ipaddress.IPv4Network, Resource, str]]) -> Iterator[tuple]:
    """Pairs of overlapping prefixes (sweep over sorted ranges)."""
    active: list[tuple[ipaddress.IPv4Network, Resource, str]] = []
    for item in sorted(items, key=lambda i: (int(i[0].network_address), -i[0].prefixlen)):
        start = int(item[0].network_address)
        active = [a for a in active if int(a[0].broadcast_address) >= start]
        for a in active:
            yield a, item
        active.append(item)


def _peering_prefixes(inv: Inventory) -> list[tuple[ipaddress.IPv4Network, Resource, str]]:
    out = []
    for p in inv.of_type(PEERING):
        for key in ("primaryPeerAddressPrefix", "secondaryPeerAddressPrefix"):
            net = _net(p.inputs.get(key))
            if net is not None:
                out.append((net, p, key))
    return out


def peering_prefixes(inv: Inventory) -> list[Violation]:
    """Private peering: /30 peer prefixes, all disjoint; VLAN 1-4094; an ASN Azure does not reserve."""
    out = []
    lo, hi = catalog.VLAN_RANGE.value
    for p in inv.of_type(PEERING):
        where = _what(p)
        for key in ("primaryPeerAddressPrefix", "secondaryPeerAddressPrefix"):
            value = p.inputs.get(key)
            net = _net(value)
            if net is None or net.prefixlen != catalog.PEERING_PREFIX_LEN.value:
                out.append(_v("peering-prefixes", inv, p, f"{where}: {key} {value!r} is not a /30 network"))
        vlan = p.inputs.get("vlanId")
        if not isinstance(vlan, int) or not lo <= vlan <= hi:
            out.append(_v("peering-prefixes", inv, p, f"{where}: VLAN {vlan!r} is outside {lo}-{hi}"))
        asn = p.inputs.get("peerASN")
        if not isinstance(asn, int) or not 1 <= asn <= 4_294_967_294:
            out.append(_v("peering-prefixes", inv, p, f"{where}: peer ASN {asn!r} is not a valid ASN"))
        elif asn in catalog.RESERVED_ASNS.value:
            out.append(_v("peering-prefixes", inv, p,
                          f"{where}: peer ASN {asn} is reserved by Azure (12076, 65515-65520)"))
    for (a, ra, ka), (b, rb, kb) in _prefix_overlaps(_peering_prefixes(inv)):
        out.append(_v("peering-prefixes", inv, rb,
                      f"{kb} {b} of {_what(rb)} overlaps {ka} {a} of {_what(ra)}; every peering /30 must be disjoint"))
    return out


_SECRET_INPUTS = {PEERING: ("sharedKey",), CIRCUIT: ("authorizationKey",), CONNECTION: ("authorizationKey", "sharedKey"),
                  GLOBAL_REACH: ("authorizationKey",)}


def bgp_key_secret(inv: Inventory) -> list[Violation]:
    """BGP keys and authorization keys, when present, come from secret config (never a literal)."""
    out = []
    for r in inv:
        for key in _SECRET_INPUTS.get(r.type, ()):
            value = r.inputs.get(key)
            if not known(value):
                continue
            if value != SECRET and key not in r.secret_inputs:
                out.append(_v("bgp-key-secret", inv, r,
                              f"{key} of {_what(r)} is a plain value; it must come from a secret config key "
                              "(`pulumi config set --secret ...`), which keeps it encrypted in state and outputs"))
    return out


def global_reach_prefix(inv: Inventory) -> list[Violation]:
    """Each Global Reach connection has a /29, disjoint from every other prefix of the interconnect."""
    out = []
    items = []
    for c in inv.of_type(GLOBAL_REACH):
        value = c.inputs.get("addressPrefix")
        net = _net(value)
        if net is None or net.prefixlen != catalog.GLOBAL_REACH_PREFIX_LEN.value:
            out.append(_v("global-reach-prefix", inv, c,
                          f"Global Reach connection {_azure_name(c)}: addressPrefix {value!r} is not a /29 network"))
        if net is not None:
            items.append((net, c, "addressPrefix"))
    for (a, ra, ka), (b, rb, kb) in _prefix_overlaps(items + _peering_prefixes(inv)):
        if GLOBAL_REACH not in (ra.type, rb.type):
            continue  # two peerings: peering-prefixes reports it
        gr, other, net, other_net = (ra, rb, a, b) if ra.type == GLOBAL_REACH else (rb, ra, b, a)
        out.append(_v("global-reach-prefix", inv, gr,
                      f"Global Reach prefix {net} of {_azure_name(gr)} overlaps {other_net} of {_what(other)}; "
                      "every /29 must be disjoint from the fabric's other prefixes"))
    return out


def global_reach_peer(inv: Inventory) -> list[Violation]:
    """A Global Reach connection joins this circuit's private peering to a resolved peer peering,
    never on a Local circuit (Local has no Global Reach)."""
    view, out = _View(inv), []
    for c in inv.of_type(GLOBAL_REACH):
        peer = c.get("peerExpressRouteCircuitPeering.id")
        own = c.get("expressRouteCircuitPeering.id")
        if peer == UNKNOWN:
            pass  # read from the peer stack at deployment; nothing to judge yet
        elif not isinstance(peer, str) or "/expressRouteCircuits/" not in peer or "/peerings/" not in peer:
            out.append(_v("global-reach-peer", inv, c,
                          f"Global Reach connection {_azure_name(c)} has no peer circuit peering ID ({peer!r}); the "
                          "peer stack's circuit_peering_ids output must be read before the link can be made"))
        elif peer == own:
            out.append(_v("global-reach-peer", inv, c,
                          f"Global Reach connection {_azure_name(c)} joins peering {peer} to itself"))
        circuit = view.circuit_of_peering(c.inputs.get("circuitName"))
        if circuit is not None and circuit.get("sku.tier") == "Local":
            out.append(_v("global-reach-peer", inv, c,
                          f"Global Reach connection {_azure_name(c)} is on circuit {_azure_name(circuit)}, which is "
                          "tier Local; Local circuits have no Global Reach: use Standard or Premium"))
    return out


def _gateway_zone_redundant(cat: catalog.Catalog) -> Check:
    def gateway_zone_redundant(inv: Inventory) -> list[Violation]:
        """An AZ gateway SKU in a region with availability zones has a zone-redundant public IP (zones 1, 2
        and 3): the gateway takes its zones from its IP, and an IP without zones is non-zonal
        (catalog.ZONE_REDUNDANT_ZONES). Zones on an IP in a region without them fail at deployment."""
        view, out = _View(inv), []
        wanted = set(catalog.ZONE_REDUNDANT_ZONES.value)
        zonal = catalog.ZONAL_REGIONS.value
        for gw in view.er_gateways():
            name, region = gw.get("sku.name"), gw.inputs.get("location")
            sku = cat.gateway_skus.get(name) if isinstance(name, str) else None
            if sku is None or not sku.zone_redundant or not isinstance(region, str) or not known(region):
                continue
            configs = gw.inputs.get("ipConfigurations")
            for cfg in configs if isinstance(configs, list) else []:
                ip = view.resolve(cfg.get("publicIPAddress") if isinstance(cfg, dict) else None, PUBLIC_IP, gw)
                if ip is None:
                    continue
                zones = ip.inputs.get("zones")
                have = {str(z) for z in zones} if isinstance(zones, list) else set()
                if region in zonal and not wanted <= have:
                    out.append(_v("gateway-zone-redundant", inv, ip,
                                  f"public IP {_azure_name(ip)} of {name} gateway {_azure_name(gw)} in {region} has "
                                  f"zones {sorted(have) or 'none'}; an AZ gateway takes its zones from its IP, so it "
                                  "is zone-redundant only with zones ['1', '2', '3'] on a Standard IP"))
                elif region not in zonal and have:
                    out.append(_v("gateway-zone-redundant", inv, ip,
                                  f"public IP {_azure_name(ip)} lists zones {sorted(have)} but {region} has no "
                                  "availability zones (catalog.ZONAL_REGIONS); Azure refuses zones there"))
        return out

    return gateway_zone_redundant


_LOCKED = {CIRCUIT: "circuit", PORT: "ExpressRoute Direct port", GATEWAY: "ExpressRoute gateway",
           CONNECTION: "gateway connection"}
"""What carries a CanNotDelete management lock (catalog.LOCKED_RESOURCES_SOURCE)."""


def management_locks(inv: Inventory) -> list[Violation]:
    """Every circuit, Direct port, ExpressRoute gateway and gateway connection carries a CanNotDelete
    management lock, unless its component lists it as unlocked for an intended change. `protect` stops
    Pulumi only; a lock stops the portal, the CLI and every other tool (catalog.LOCK_LEVEL)."""
    locks = inv.of_type(LOCK)
    unlocked = {name for c in inv.of_type(PRIVATE_INTERCONNECT)
                for name in _items(c.inputs.get("unlockedResources")) if isinstance(name, str)}
    out = []
    for r in inv:
        what = _LOCKED.get(r.type)
        if what is None or (r.type == GATEWAY and r.inputs.get("gatewayType") != "ExpressRoute"):
            continue
        name = _azure_name(r)
        if name in unlocked:
            continue
        mine = [lk for lk in locks if _locks(lk, r)]
        if not mine:
            out.append(_v("management-locks", inv, r,
                          f"{what} {name} has no CanNotDelete management lock: `protect` stops only Pulumi, and a "
                          "portal or CLI delete would still take it. Declare an authorization.ManagementLockByScope "
                          "on it (or list it in interconnect.unlocked for an intended change)"))
        elif not any(lk.inputs.get("level") in ("CanNotDelete", "ReadOnly") for lk in mine):
            levels = sorted({str(lk.inputs.get("level")) for lk in mine})
            out.append(_v("management-locks", inv, r,
                          f"the lock on {what} {name} has level {', '.join(levels)}; use CanNotDelete"))
    return out


def _items(value: object) -> list[object]:
    """A list input as a list; anything else (a malformed inventory) as no items."""
    return value if isinstance(value, list) else []


def _locks(lock: Resource, target: Resource) -> bool:
    """Whether a lock's scope is `target`: by the Azure name and collection of a known scope ID, else
    (a preview, where the ID is unknown) by the lock's dependency on the target."""
    scope = lock.inputs.get("scope")
    if isinstance(scope, str) and known(scope):
        collection = _COLLECTIONS.get(target.type)
        parts = scope.rstrip("/").split("/")
        return len(parts) >= 2 and parts[-1] == _azure_name(target) and parts[-2] == collection
    return target.urn in lock.dependencies


_COLLECTIONS = {CIRCUIT: "expressRouteCircuits", PORT: "expressRoutePorts", GATEWAY: "virtualNetworkGateways",
                CONNECTION: "connections"}
"""ARM collection names (Microsoft.Network REST API paths) of the locked types."""


def checks(cat: catalog.Catalog = catalog.DEFAULT) -> dict[str, Check]:
    """The network checks for one catalog (a stack's overrides applied); names are a contract."""
    return {
        "circuit-protected": circuit_protected,
        "bandwidth-ladder": _bandwidth_ladder(cat),
        "gateway-throughput": _gateway_throughput(cat),
        "fastpath-support": _fastpath_support(cat),
        "gateway-circuits": _gateway_circuits(cat),
        "circuits-per-location": circuits_per_location,
        "gateway-subnet": gateway_subnet,
        "subnet-order": subnet_order,
        "peering-prefixes": peering_prefixes,
        "bgp-key-secret": bgp_key_secret,
        "global-reach-prefix": global_reach_prefix,
        "global-reach-peer": global_reach_peer,
        "gateway-zone-redundant": _gateway_zone_redundant(cat),
        "management-locks": management_locks,
    }


CHECKS: dict[str, Check] = checks()
"""Invariant name -> check, with the catalog's defaults (unverified facts not overridden)."""

