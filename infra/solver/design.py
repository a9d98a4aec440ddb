"""A solution of the program as a design: the changes, the fabric they make, and the file edits.

`choose` reads the chosen options out of the program's solution; `apply` turns them into new specs (what
the analysis checks and what `--write` writes), the changes to report, each with its monthly cost, and
the edits of the stack files and fabric.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from infra.carrier import CarrierSpec
from infra.solver.allocate import Allocator
from infra.solver.model import CARVED_PER_PORT, Model
from infra.solver.options import NEW_DATA_PLAN, NEW_PORT_BILLING, NEW_PORT_ENCAPSULATION, GatewayOption, OptionSpace, Step
from infra.solver.prices import SpanOffer
from infra.spec import PROJECT, FabricSpec

INTERCONNECT = f"{PROJECT}:interconnect"


@dataclass(frozen=True)
class Chosen:
    """The options a solution takes (unchanged ones are absent)."""

    steps: dict[tuple[str, str], Step] = field(default_factory=dict)
    """(site, existing circuit) -> its new bandwidth."""
    provider: dict[tuple[str, str], tuple[tuple[Step, int], ...]] = field(default_factory=dict)
    """(site, location) -> new provider circuits: (bandwidth, how many)."""
    ports: dict[tuple[str, str, int], tuple[int, tuple[tuple[Step, int], ...]]] = field(default_factory=dict)
    """(site, location, port size) -> (new ports, the circuits carved from them: (bandwidth, how many))."""
    room: dict[tuple[str, str], tuple[tuple[Step, int], ...]] = field(default_factory=dict)
    """(site, existing port) -> more circuits carved from it."""
    gateways: dict[str, tuple[GatewayOption, int | None]] = field(default_factory=dict)
    """site -> (option, ErGwScale units), every site."""
    spans: dict[str, SpanOffer] = field(default_factory=dict)


def _counts(x: np.ndarray, vs: list[tuple[int, int]], steps: tuple[Step, ...]) -> tuple[tuple[Step, int], ...]:
    out = [(steps[k], int(round(x[var]))) for k, var in vs]
    return tuple(sorted(((s, n) for s, n in out if n > 0), key=lambda t: -t[0].gbps))


def choose(model: Model, x: np.ndarray) -> Chosen:
    v, space = model.v, model.space
    steps = {}
    for (site, key), vs in v.steps.items():
        c = space.circuit(site, key)
        for k, var in vs:
            if x[var] > 0.5:
                steps[(site, key)] = c.steps[k]
    provider, ports, room = {}, {}, {}
    for site, opts in model.sites.items():
        for n in opts.new:
            got = _counts(x, v.provider[(site, n.location)], n.provider)
            if got:
                provider[(site, n.location)] = got
            for size in n.ports:
                key = (site, n.location, size.gbps)
                count = int(round(x[v.ports[key]]))
                carved = _counts(x, v.carved[key], size.carved)
                if count and carved:
                    ports[key] = (count, carved)
        for r in opts.port_rooms:
            got = _counts(x, v.room[(site, r.port)], r.carved)
            if got:
                room[(site, r.port)] = got
    gateways = {}
    for site, opts in v.gateways.items():
        o, g, u = max(opts, key=lambda t: x[t[1]])
        gateways[site] = (o, int(round(x[u])) if u is not None else None)
    spans = {}
    for name, vs in v.spans.items():
        for k, var in vs:
            if x[var] > 0.5:
                spans[name] = space.spans[name].offers[k]
    return Chosen(steps, provider, ports, room, gateways, spans)


@dataclass(frozen=True)
class Change:
    """One value the design changes, as the JSON contract reports it."""

    stack: str | None
    """None: fabric.yaml (a carrier span)."""
    key: str
    """Key path in the stack's config (or in fabric.yaml), e.g. 'interconnect.circuits.wdc.bandwidth_mbps'."""
    before: Any
    after: Any
    monthly_usd: float
    in_place: bool = True
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "key": self.key, "from": _plain(self.before), "to": _plain(self.after),
                "monthly_usd": round(self.monthly_usd, 2), "in_place": self.in_place, "note": self.note or None}


@dataclass(frozen=True)
class Edit:
    """One edit of a file: set `value` at `path` (None with `delete`: remove the key)."""

    path: tuple[str, ...]
    value: Any = None
    delete: bool = False
    comment: str | None = None
    """A comment put above a new key."""


@dataclass(frozen=True)
class Secret:
    stack: str
    key: str
    circuit: str
    """The circuit (or Direct port) it is for."""
    purpose: str = "BGP MD5 key of the circuit's private peering, agreed with the carrier"

    @property
    def command(self) -> str:
        from infra.rollout.secrets import set_command

        return set_command(self.stack, self.key)


@dataclass(frozen=True)
class Design:
    specs: tuple[FabricSpec, ...]
    carrier: CarrierSpec | None
    changes: tuple[Change, ...]
    edits: dict[str | None, tuple[Edit, ...]]
    """stack -> its file's edits; None -> fabric.yaml's."""
    secrets: tuple[Secret, ...]
    where: dict[tuple[str, str], tuple[str, bool]]
    """(site, circuit name in the design) -> its peering location, and whether that is a Metro location."""

    @property
    def monthly_usd(self) -> float:
        return round(sum(c.monthly_usd for c in self.changes), 2)


SECRET_PLACEHOLDER = "set me: pulumi config set --secret {key}"
"""The `secure:` value --write puts in a stack file for a new BGP key, so the file validates and the
first `pulumi preview` stops on it (a placeholder never decrypts) until the user sets the real key."""


def apply(space: OptionSpace, specs: Sequence[FabricSpec], carrier: CarrierSpec | None, chosen: Chosen,
          taken_config_keys: Mapping[str, set[str]] | None = None) -> Design:
    """The fabric with the chosen options; raises pydantic's ValidationError if it does not validate."""
    by_name = {s.stack: s for s in specs}
    alloc = Allocator(dict(by_name), {k: set(v) for k, v in (taken_config_keys or {}).items()})
    new_specs: list[FabricSpec] = []
    changes: list[Change] = []
    edits: dict[str | None, list[Edit]] = {}
    secrets: list[Secret] = []
    where: dict[tuple[str, str], tuple[str, bool]] = {}
    for spec in specs:
        site = spec.stack
        opts = space.sites[site]
        for c in opts.circuits:
            where[(site, c.key)] = (c.location, c.metro)
        data = spec.model_dump(exclude_defaults=True, mode="json")
        ic = data["interconnect"]
        mine: list[Edit] = []

        # Existing circuits: larger bandwidth.
        for c in opts.circuits:
            step = chosen.steps.get((site, c.key))
            if step is None:
                continue
            field_name = "bandwidth_mbps" if c.kind == "provider" else "bandwidth_gbps"
            ic["circuits"][c.key][field_name] = step.value
            path = ("interconnect", "circuits", c.key, field_name)
            changes.append(Change(site, ".".join(path), c.current.value, step.value, step.monthly_usd,
                                  note=f"{c.location}: {_gbps(c.current_gbps)} -> {_gbps(step.gbps)} Gb/s, in place"))
            mine.append(Edit((INTERCONNECT, *path[1:]), step.value))

        def add_circuit(location: str, metro: bool, pop: str, tier: str, step: Step, port: str | None,
                        provider: str | None) -> None:
            base = _base(space, pop, location)
            name = alloc.name(site, base if port is None else f"{base}-direct")
            primary, secondary = alloc.slash30s(site)
            peering: dict[str, Any] = {"peer_asn": alloc.peer_asn(site), "vlan_id": alloc.vlan(site),
                                       "primary_prefix": str(primary), "secondary_prefix": str(secondary)}
            key = alloc.bgp_key(site, name)
            if key:
                peering["bgp_key_secret"] = key
                secrets.append(Secret(site, key, name))
            if port is None:
                value = {"kind": "provider", "provider": provider, "peering_location": location,
                         "bandwidth_mbps": step.value, "tier": tier}
                what = f"new {tier} circuit, {_gbps(step.gbps)} Gb/s at {location}"
            else:
                value = {"kind": "direct", "port": port, "bandwidth_gbps": step.value, "tier": tier}
                what = f"new {tier} circuit, {_gbps(step.gbps)} Gb/s carved from Direct port {port} at {location}"
            if NEW_DATA_PLAN != "UnlimitedData":
                value["data_plan"] = NEW_DATA_PLAN
            value["private_peering"] = peering
            if metro:
                what += " (ExpressRoute Metro)"
            ic["circuits"][name] = value
            where[(site, name)] = (location, metro)
            path = ("interconnect", "circuits", name)
            changes.append(Change(site, ".".join(path), None, value, step.monthly_usd, note=what))
            mine.append(Edit((INTERCONNECT, "circuits", name), value, comment=f"added by `fabric solve`: {what}"))
            if key:
                mine.append(Edit((f"{PROJECT}:{key}",), {"secure": SECRET_PLACEHOLDER.format(key=key)},
                                 comment=f"BGP key of circuit {name}: set it with `pulumi config set --secret {key}`"))

        # New circuits, location by location: new Direct ports and their circuits, then provider circuits.
        for n in opts.new:
            for size in n.ports:
                got = chosen.ports.get((site, n.location, size.gbps))
                if got is None:
                    continue
                count, carved = got
                circuits = [step for step, k in carved for _ in range(k)]
                for i in range(count):
                    mine_now = circuits[i * CARVED_PER_PORT:(i + 1) * CARVED_PER_PORT]
                    if not mine_now:
                        break
                    name = alloc.name(site, f"{_base(space, n.pop, n.location)}-port")
                    value = {"peering_location": n.location, "bandwidth_gbps": size.gbps,
                             "encapsulation": NEW_PORT_ENCAPSULATION, "billing_type": NEW_PORT_BILLING}
                    macsec = _macsec(spec, ic, name, alloc, site)
                    if macsec is not None:
                        value["macsec"] = macsec
                        for field_name, purpose in (("cak_secret", "MACsec CAK (connectivity association key)"),
                                                    ("ckn_secret", "MACsec CKN (its name)")):
                            key = macsec[field_name]
                            secrets.append(Secret(site, key, name, f"{purpose} of Direct port {name}: the same on your "
                                                                   "edge routers, hex digits"))
                            mine.append(Edit((f"{PROJECT}:{key}",), {"secure": SECRET_PLACEHOLDER.format(key=key)},
                                             comment=f"{purpose} of Direct port {name}: set it with `pulumi config "
                                                     f"set --secret {key}`"))
                    ic.setdefault("ports", {})[name] = dict(value)
                    path = ("interconnect", "ports", name)
                    changes.append(Change(site, ".".join(path), None, value, size.monthly_usd,
                                          note=f"new ExpressRoute Direct port pair, {size.gbps}G at {n.location}"))
                    mine.append(Edit((INTERCONNECT, "ports", name), value,
                                     comment=f"added by `fabric solve`: {size.gbps}G Direct port at {n.location}"))
                    for step in mine_now:
                        add_circuit(n.location, n.metro, n.pop, n.tier, step, name, None)
            for step, k in chosen.provider.get((site, n.location), ()):
                for _ in range(k):
                    add_circuit(n.location, n.metro, n.pop, n.tier, step, None, n.provider_name)
        for r in opts.port_rooms:
            for step, k in chosen.room.get((site, r.port), ()):
                for _ in range(k):
                    add_circuit(r.location, opts.is_metro(r.location), opts.pop(r.location), r.tier, step, r.port, None)

        # The gateway.
        option, units = chosen.gateways[site]
        gw = spec.interconnect.gateway
        if not option.current or (option.scalable and units != gw.scale_units):
            before_usd = opts.current_gateway_usd
            after_usd = option.monthly_usd * (units or 0) if option.scalable else option.monthly_usd
            note = ("in place" if option.in_place else
                    "Azure does not resize this in place: the gateway is deleted and created again, an outage of "
                    "every connection (catalog GATEWAY_IN_PLACE_RESIZES); list it in interconnect.unlocked first")
            gwd = ic["gateway"]
            first = True
            for field_name, before, after in (("sku", gw.sku, option.sku),
                                              ("scale_units", gw.scale_units, units if option.scalable else None),
                                              ("fastpath", gw.fastpath, option.fastpath)):
                if before == after:
                    continue
                path = ("interconnect", "gateway", field_name)
                changes.append(Change(site, ".".join(path), before, after, (after_usd - before_usd) if first else 0.0,
                                      option.in_place, note if first else ""))
                first = False
                if after is None:
                    gwd.pop(field_name, None)
                    mine.append(Edit((INTERCONNECT, "gateway", field_name), delete=True))
                else:
                    gwd[field_name] = after
                    mine.append(Edit((INTERCONNECT, "gateway", field_name), after))
        new_specs.append(FabricSpec.model_validate(data))
        if mine:
            edits[site] = mine
    new_carrier = carrier
    if carrier is not None and chosen.spans:
        cdata = carrier.model_dump(exclude_defaults=True, mode="json")
        fabric_edits: list[Edit] = []
        for name, offer in sorted(chosen.spans.items()):
            span = carrier.spans[name]
            new_price = (span.monthly_usd or 0.0) + offer.delta_usd
            left = [u.model_dump(mode="json") for u in span.upgrades if u.gbps > offer.gbps]
            sd = cdata["spans"][name]
            sd["gbps"] = offer.gbps
            sd["monthly_usd"] = new_price
            sd["upgrades"] = left
            changes.append(Change(None, f"spans.{name}.gbps", span.gbps, offer.gbps, offer.delta_usd,
                                  note=f"carrier upgrade of {span.a}-{span.z}: monthly_usd {_usd(span.monthly_usd)} -> "
                                       f"{_usd(new_price)} (the carrier's offer in fabric.yaml)"))
            fabric_edits += [Edit(("spans", name, "gbps"), _num(offer.gbps)),
                             Edit(("spans", name, "monthly_usd"), _num(new_price))]
            fabric_edits.append(Edit(("spans", name, "upgrades"), left) if left else
                                Edit(("spans", name, "upgrades"), delete=True))
        new_carrier = CarrierSpec.model_validate(cdata)
        edits[None] = fabric_edits
    return Design(tuple(new_specs), new_carrier, tuple(changes), {k: tuple(v) for k, v in edits.items()},
                  tuple(secrets), where)


def _macsec(spec: FabricSpec, ic: dict, port: str, alloc: Allocator, site: str) -> dict | None:
    """MACsec for a new Direct port, where the spec knows it (DirectPort.macsec): the cipher of the stack's
    other ports (else the XPN cipher Azure recommends for fast links), and two new secret keys."""
    from infra.spec import DirectPort

    if "macsec" not in DirectPort.model_fields:
        return None
    ciphers = [p.get("macsec", {}).get("cipher") for p in ic.get("ports", {}).values() if p.get("macsec")]
    return {"cipher": ciphers[0] if ciphers else MACSEC_CIPHER,
            "cak_secret": alloc.secret(site, "macsecCak", port), "ckn_secret": alloc.secret(site, "macsecCkn", port)}


MACSEC_CIPHER = "GcmAesXpn256"
"""Azure recommends the XPN ciphers on high-speed links (articles/expressroute/expressroute-howto-macsec.md)."""


def _base(space: OptionSpace, pop: str, location: str) -> str:
    return pop.lower() if space.carrier else location


def _gbps(x: float) -> str:
    return f"{x:g}"


def _usd(x: float | None) -> str:
    return "none" if x is None else f"{x:,.0f}"


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


__all__ = ["Change", "Chosen", "Design", "Edit", "SECRET_PLACEHOLDER", "Secret", "apply", "choose"]
