"""The root of a stack's spec: the site, its clusters, interconnect, access and demands.

Rules that one value decides live on its field; rules between fields of one stack live here;
rules across stacks and capacity claims live in infra.capacity.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from pydantic import Field, StrictBool, field_validator, model_validator

from infra import catalog
from infra.spec.access import AccessSpec
from infra.spec.carrier_state import PENDING, CarrierState, CarrierStateSpec, reference_problems, state_override
from infra.spec.compute import GpuClusterSpec
from infra.spec.fields import AzureRegion, Cidr, Loc, Name, PositiveCount, SpecModel, raise_problems
from infra.spec.network import Demand, DirectCircuit, InterconnectSpec, ProviderCircuit
from infra.spec.messages import did_you_mean
from infra.spec.pricing import PricingSpec, pricing_problems
from infra.spec.observability import ObservabilitySpec

# The stack file's config keys, in the ai-fabric namespace, and the spec field each fills.
CONFIG_KEYS: dict[str, str] = {
    "site": "site",
    "clusters": "clusters",
    "interconnect": "interconnect",
    "access": "access",
    "demands": "demands",
    "catalog_overrides": "catalog_overrides",
    "pricing": "pricing",
    "carrier_state": "carrier_state",
    "observability": "observability",
}
PROJECT = "ai-fabric"


class SiteSpec(SpecModel):
    """The AI datacenter site this stack deploys: one Azure region, one VNet."""

    region: AzureRegion
    """Azure region name, e.g. 'eastus'."""
    address_space: tuple[Cidr, ...] = Field(min_length=1)
    """The site VNet's prefixes; every subnet of the stack lies inside, and no other stack's overlaps."""
    vcpu_quota: dict[str, PositiveCount] = {}
    """Regional vCPU quota granted per GPU SKU family, keyed by SKU name."""
    resource_group: str | None = None
    """Resource group of the site. None: 'rg-ai-fabric-<stack>'."""
    tags: dict[str, str] = {}
    """Merged over the baseline tags (fabric, stack, site, component) on everything taggable."""

    @field_validator("vcpu_quota")
    @classmethod
    def _quota_skus(cls, quota: dict[str, int]) -> dict[str, int]:
        unknown = [k for k in quota if k not in catalog.GPU_SKUS]
        if unknown:
            raise ValueError(f"unknown GPU SKU {', '.join(map(repr, unknown))}; allowed: {', '.join(catalog.GPU_SKUS)}."
                             + did_you_mean(unknown[0], catalog.GPU_SKUS))
        return quota


class PeeringLocationOverride(SpecModel):
    metro: str
    """The city of the peering location (e.g. 'Denver')."""
    geopolitical_region: str
    metro_sites: tuple[str, str] | None = None
    """For an ExpressRoute Metro location: its two peering sites (e.g. ['Denver', 'Denver2']). None: an
    ordinary peering location."""


class CatalogOverrides(SpecModel):
    """Overrides of catalog facts marked unverified or contradictory; see infra/catalog.py."""

    provider_name: str | None = None
    """An extra provider name to accept, e.g. 'Lumen Technologies' if Azure's list says so."""
    direct_port_gbps: tuple[PositiveCount, ...] | None = None
    """ExpressRoute Direct port sizes offered, e.g. [10, 100, 400]. None: 10 and 100."""
    ergwscale_fastpath: StrictBool | None = None
    """Whether ErGwScale supports FastPath. None: assumed not."""
    ergwscale_max_circuits: PositiveCount | None = None
    """Circuits one ErGwScale gateway may connect. None: 16."""
    ergwscale_unavailable_regions: tuple[AzureRegion, ...] | None = None
    """Regions without ErGwScale. None: the catalog's late-2025 list."""
    peering_locations: dict[str, PeeringLocationOverride] = {}
    """Extra peering locations the provider serves."""
    gpu_cpu_sockets: dict[str, PositiveCount] = {}
    """CPU sockets per VM for SKUs whose count is unverified."""

    @field_validator("gpu_cpu_sockets")
    @classmethod
    def _unverified_only(cls, sockets: dict[str, int]) -> dict[str, int]:
        for sku in sockets:
            known = catalog.GPU_SKUS.get(sku)
            if known is None:
                raise ValueError(f"unknown GPU SKU {sku!r}; allowed: {', '.join(catalog.GPU_SKUS)}."
                                 + did_you_mean(sku, catalog.GPU_SKUS))
            if known.status is catalog.Status.VERIFIED:
                raise ValueError(f"{sku} socket count is verified ({known.source}); it cannot be overridden")
        return sockets


class FabricSpec(SpecModel):
    """Everything one stack (one site) declares."""

    stack: Name
    """The stack name, taken from the file name (Pulumi.<stack>.yaml)."""
    site: SiteSpec
    clusters: dict[Name, GpuClusterSpec] = {}
    interconnect: InterconnectSpec
    access: AccessSpec = AccessSpec()
    demands: dict[Name, Demand] = {}
    """Traffic this site must be able to send to other sites, by name."""
    catalog_overrides: CatalogOverrides = CatalogOverrides()
    carrier_state: CarrierStateSpec = CarrierStateSpec()
    """What the carrier has provisioned (see infra/spec/carrier_state.py); written by `fabric rollout`."""
    pricing: PricingSpec = PricingSpec()
    """Discounts, reservations and prices of this stack (see infra/spec/pricing.py). Default: list prices."""
    observability: ObservabilitySpec = ObservabilitySpec()
    """Where the site's platform logs and metrics go and who its alerts notify (infra/spec/observability.py)."""

    def secret_keys(self) -> dict[str, str]:
        """Every secret config key the spec names -> what it holds (BGP keys, authorization keys redeemed,
        MACsec CAK and CKN, webhook URLs): what the program reads with require_secret."""
        out: dict[str, str] = {}
        ic = self.interconnect
        for name, c in ic.circuits.items():
            if c.private_peering.bgp_key_secret:
                out.setdefault(c.private_peering.bgp_key_secret, f"BGP MD5 key of circuit {name}'s private peering")
            if c.authorization_key_secret:
                out.setdefault(c.authorization_key_secret,
                               f"authorization key the owner of {c.owner_circuit_id} issued for circuit {name}")
        for name, port in ic.ports.items():
            if port.macsec is not None:
                out.setdefault(port.macsec.cak_secret, f"MACsec CAK of Direct port {name} ({port.macsec.cipher}), "
                               "the same key as on your edge routers")
                out.setdefault(port.macsec.ckn_secret, f"MACsec CKN of Direct port {name}")
        for key, receiver in self.observability.webhook_secrets.items():
            out.setdefault(key, f"https URL of webhook receiver {receiver} of the site's action group")
        return out

    @property
    def resource_group(self) -> str:
        return self.site.resource_group or f"rg-ai-fabric-{self.stack}"

    @property
    def catalog(self) -> catalog.Catalog:
        return catalog.with_overrides(self.catalog_overrides.model_dump(exclude_none=True))

    def port_state(self, port: Name) -> CarrierState:
        """A Direct port's state: AI_FABRIC_CARRIER_STATE if set, else recorded, else pending."""
        return state_override() or self.carrier_state.ports.get(port, PENDING)

    def circuit_state(self, circuit: Name) -> CarrierState:
        """A circuit's state: AI_FABRIC_CARRIER_STATE if set, else its port's (Direct), else recorded,
        else pending."""
        c = self.interconnect.circuits[circuit]
        if isinstance(c, DirectCircuit) and not c.linked:
            return self.port_state(c.port)
        return state_override() or self.carrier_state.circuits.get(circuit, PENDING)

    def subnets(self) -> Iterator[tuple[Loc, ipaddress.IPv4Network]]:
        """Every subnet the stack carves from its address space, with the key path that declares it."""
        for name, c in self.clusters.items():
            yield ("clusters", name, "subnet"), c.subnet
        yield ("interconnect", "gateway", "subnet"), self.interconnect.gateway.subnet

    @model_validator(mode="after")
    def _consistent(self) -> FabricSpec:
        raise_problems(self._address_problems() + self._interconnect_problems() + self._reference_problems())
        return self

    def _address_problems(self) -> list[tuple[Loc, str]]:
        out: list[tuple[Loc, str]] = []
        spaces = self.site.address_space
        for i, a in enumerate(spaces):
            for b in spaces[i + 1 :]:
                if a.overlaps(b):
                    out.append((("site", "address_space", i), f"prefixes {a} and {b} overlap"))
        subnets = list(self.subnets())
        for loc, net in subnets:
            if not any(net.subnet_of(space) for space in spaces):
                out.append((loc, f"{net} is outside site.address_space ({', '.join(map(str, spaces))})"))
        for i, (la, a) in enumerate(subnets):
            for lb, b in subnets[i + 1 :]:
                if a.overlaps(b):
                    out.append((lb, f"{b} overlaps {'.'.join(map(str, la))} {a}; give each subnet its own prefix"))
        return out

    def _interconnect_problems(self) -> list[tuple[Loc, str]]:
        out: list[tuple[Loc, str]] = []
        cat = self.catalog
        ic = self.interconnect
        for name, port in ic.ports.items():
            loc: Loc = ("interconnect", "ports", name)
            if port.bandwidth_gbps not in cat.direct_port_gbps:
                out.append((
                    (*loc, "bandwidth_gbps"),
                    f"{port.bandwidth_gbps} is not a Direct port size; allowed: "
                    f"{', '.join(map(str, cat.direct_port_gbps))} (400 only by catalog_overrides.direct_port_gbps)",
                ))
            if port.peering_location not in cat.peering_locations:
                out.append(self._unknown_location(loc, port.peering_location, cat))
            elif port.peering_location in catalog.ER_DIRECT_NO_DIRECT.value:
                direct = ", ".join(sorted(catalog.ER_DIRECT_LOCATIONS.value))
                out.append((
                    (*loc, "peering_location"),
                    f"{port.peering_location!r} offers no ExpressRoute Direct ports ({catalog.LOCATIONS_DOC}, 'ER "
                    f"Direct' column); Direct ports are offered at {direct}",
                ))
        for name, c in ic.circuits.items():
            loc = ("interconnect", "circuits", name)
            if isinstance(c, ProviderCircuit):
                if c.provider not in cat.provider_names:
                    out.append((
                        (*loc, "provider"),
                        f"{c.provider!r} is not a known ExpressRoute provider; allowed: "
                        f"{', '.join(map(repr, cat.provider_names))} (add one with catalog_overrides.provider_name)",
                    ))
                if c.peering_location not in cat.peering_locations:
                    out.append(self._unknown_location(loc, c.peering_location, cat))
            elif isinstance(c, DirectCircuit) and c.port in ic.ports:
                port_gbps = ic.ports[c.port].bandwidth_gbps
                ladder = cat.direct_circuit_gbps_by_port.get(port_gbps, ())
                if c.bandwidth_gbps not in ladder:
                    out.append((
                        (*loc, "bandwidth_gbps"),
                        f"{c.bandwidth_gbps} Gbps is not offered on a {port_gbps}G port; allowed: "
                        f"{', '.join(map(str, ladder))}",
                    ))
        for name, link in ic.global_reach.items():
            loc = ("interconnect", "global_reach", name)
            if link.peer_stack == self.stack:
                out.append(((*loc, "peer_stack"), "names this stack; Global Reach joins two different sites"))
            if link.circuit in ic.circuits and ic.circuits[link.circuit].tier == "Local":
                out.append((
                    (*loc, "circuit"),
                    f"circuit {link.circuit!r} is tier Local, which has no Global Reach; use Standard or Premium",
                ))
        for name, d in self.demands.items():
            if d.to_stack == self.stack:
                out.append((("demands", name, "to_stack"), "names this stack; a demand goes to another site"))
        return out

    @staticmethod
    def _unknown_location(loc: Loc, location: str, cat: catalog.Catalog) -> tuple[Loc, str]:
        return (
            (*loc, "peering_location"),
            f"{location!r} is not a peering location of the provider; allowed: "
            f"{', '.join(sorted(cat.peering_locations))} (add one with catalog_overrides.peering_locations)."
            + did_you_mean(location, cat.peering_locations),
        )

    def _reference_problems(self) -> list[tuple[Loc, str]]:
        out: list[tuple[Loc, str]] = []
        for name, c in self.clusters.items():
            if c.sku not in self.site.vcpu_quota:
                out.append((
                    ("clusters", name, "sku"),
                    f"{c.sku} has no quota in site.vcpu_quota; declare the vCPUs Azure granted for it",
                ))
            for i, ds in enumerate(c.datasets):
                if ds not in self.access.datasets:
                    out.append((
                        ("clusters", name, "datasets", i),
                        f"{ds!r} is not in access.datasets ({', '.join(self.access.datasets) or 'none'})."
                        + did_you_mean(ds, self.access.datasets),
                    ))
        out += reference_problems(self.carrier_state, set(self.interconnect.circuits), set(self.interconnect.ports))
        out += pricing_problems(self.pricing, {n: (c.sku, self.site.region) for n, c in self.clusters.items()},
                                {n: d.kind for n, d in self.demands.items()})
        for name, g in self.access.grants.items():
            if g.scope.startswith("cluster/") and g.scope.split("/", 1)[1] not in self.clusters:
                out.append((
                    ("access", "grants", name, "scope"),
                    f"{g.scope!r} names no cluster of this stack ({', '.join(self.clusters) or 'none'})",
                ))
        return out


def from_config(stack: str, values: dict[str, Any]) -> FabricSpec:
    """Build the spec from a stack's config values (keys without the 'ai-fabric:' prefix)."""
    data: dict[str, Any] = {"stack": stack}
    for key, field in CONFIG_KEYS.items():
        if key in values:
            data[field] = values[key]
    return FabricSpec.model_validate(data)
