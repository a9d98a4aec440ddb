"""Spec of a site's private interconnect: carrier circuits, Direct ports, peering, gateway, Global Reach."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from infra import catalog
from infra.spec.fields import (
    Asn, Cidr, Guid, Loc, Name, SecretConfigKey, Slash29, Slash30, SpecModel, Vlan, raise_problems,
)
from infra.spec.messages import did_you_mean

Tier = Literal["Local", "Standard", "Premium"]
DataPlan = Literal["MeteredData", "UnlimitedData"]


class PrivatePeering(SpecModel):
    """Azure private peering of one circuit (BGP between the carrier's edge and Microsoft's)."""

    peer_asn: Asn
    """The carrier's (or your) BGP ASN; not 12076 or 65515-65520, which Azure reserves."""
    vlan_id: Vlan
    """802.1Q VLAN of the peering, 1-4094, unique per circuit."""
    primary_prefix: Slash30
    """/30 of the primary link; Azure takes the second usable address."""
    secondary_prefix: Slash30
    """/30 of the secondary link, disjoint from the primary."""
    bgp_key_secret: SecretConfigKey | None = None
    """Name of the secret config key holding the BGP MD5 key (`pulumi config set --secret NAME`).
    None: no MD5 authentication on the session."""

    @model_validator(mode="after")
    def _disjoint(self) -> PrivatePeering:
        if self.primary_prefix.overlaps(self.secondary_prefix):
            raise ValueError(
                f"primary_prefix {self.primary_prefix} and secondary_prefix {self.secondary_prefix} "
                "overlap; give two different /30s"
            )
        return self


class CircuitAuthorization(SpecModel):
    """An authorization this stack issues on one of its circuits, so that a named other subscription (a
    partner's, another business unit's) can connect its own gateway to the circuit. Azure generates the key;
    the stack exports it as a secret (output circuit_authorization_keys) for the owner to hand over."""

    subscription_id: Guid
    """The subscription that redeems the key (its gateway connection names the key)."""
    owner: str = Field(min_length=1, max_length=200)
    """Who answers for this access: a person or team, e.g. 'research-bu network team <net@example.com>'."""
    expires_on: datetime.date | None = None
    """Last day the access is agreed; after it the authorization is a violation until it is removed."""
    rotate_by: datetime.date | None = None
    """Day by which the key must have been rotated (a new authorization issued and redeemed, this one
    removed); after it the authorization is a violation."""

    @model_validator(mode="after")
    def _has_an_end(self) -> CircuitAuthorization:
        if self.expires_on is None and self.rotate_by is None:
            raise ValueError(
                "an authorization needs expires_on or rotate_by (or both): a key that is never rotated and never "
                "expires is a standing access nobody reviews"
            )
        if not self.owner.strip():
            raise ValueError("owner is blank; name the person or team who answers for this access")
        if self.expires_on is not None and self.rotate_by is not None and self.rotate_by > self.expires_on:
            raise ValueError(f"rotate_by {self.rotate_by} is after expires_on {self.expires_on}; rotate before the "
                             "access ends, or drop rotate_by")
        return self

    @property
    def due(self) -> datetime.date:
        """The first date by which something must be done."""
        return min(d for d in (self.expires_on, self.rotate_by) if d is not None)


_CIRCUIT_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]+/providers/Microsoft\.Network/expressRouteCircuits/[-\w.]+$"
)


class _CircuitBase(SpecModel):
    tier: Tier = "Standard"
    """Local: regions near the peering location only, no Global Reach, UnlimitedData only.
    Standard: regions of one geopolitical area. Premium: all regions."""
    data_plan: DataPlan = "UnlimitedData"
    """Billing family; Local tier requires UnlimitedData."""
    private_peering: PrivatePeering
    """The circuit's Azure private peering (for a linked circuit: as its owner configured it, so the
    fabric's prefixes stay disjoint)."""
    owner_circuit_id: str | None = None
    """ARM ID of a circuit owned by another subscription that this site links to by authorization
    key. None: the circuit and its peering are created and owned by this stack."""
    authorization_key_secret: SecretConfigKey | None = None
    """Secret config key of the authorization key the owner issued; required with owner_circuit_id."""
    authorizations: dict[Name, CircuitAuthorization] = {}
    """Authorizations this stack issues on the circuit for other subscriptions, by name (part of the Azure
    name). Empty (the default): nobody outside the stack can connect. Only on a circuit the stack owns."""

    @model_validator(mode="after")
    def _local_is_unlimited(self):
        if self.tier == "Local" and self.data_plan != "UnlimitedData":
            raise ValueError("tier Local only offers data_plan UnlimitedData")
        if (self.owner_circuit_id is None) != (self.authorization_key_secret is None):
            raise ValueError(
                "owner_circuit_id and authorization_key_secret go together: a circuit of another subscription "
                "is linked by its ARM ID and the authorization key its owner issued"
            )
        if self.owner_circuit_id is not None and self.authorizations:
            raise ValueError(
                "authorizations are issued by a circuit's owner; this circuit is linked from another subscription "
                "(owner_circuit_id): ask its owner, or remove authorizations"
            )
        if self.owner_circuit_id is not None and not _CIRCUIT_ID.match(self.owner_circuit_id):
            raise ValueError(
                f"owner_circuit_id {self.owner_circuit_id!r} is not a circuit ARM ID; expected "
                "'/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Network/expressRouteCircuits/<name>'"
            )
        return self

    @model_validator(mode="after")
    def _links_left(self):
        # Every redeemed authorization is a VNet link of the circuit, and the stack's own gateway is one more.
        limit = catalog.VNET_LINKS_PER_CIRCUIT_STANDARD.value
        if self.tier != "Premium" and len(self.authorizations) + 1 > limit:
            raise ValueError(
                f"{len(self.authorizations)} authorizations and the stack's own connection need "
                f"{len(self.authorizations) + 1} VNet links; a {self.tier} circuit has {limit} "
                f"({catalog.ER_LIMITS_DOC}): issue at most {limit - 1}, or use Premium"
            )
        return self

    @property
    def linked(self) -> bool:
        """Owned by another subscription: this stack only connects to it."""
        return self.owner_circuit_id is not None


class ProviderCircuit(_CircuitBase):
    """A circuit bought from a connectivity provider at one peering location."""

    kind: Literal["provider"]
    provider: str = catalog.LUMEN_PROVIDER_NAME.value
    """Provider name exactly as Azure lists it (Lumen is listed as 'CenturyLink Cloud Connect')."""
    peering_location: str
    """A peering location the provider serves, e.g. 'Chicago'."""
    bandwidth_mbps: int = Field(strict=True)
    """50, 100, 200, 500, 1000, 2000, 5000 or 10000."""

    @model_validator(mode="before")
    @classmethod
    def _metro_is_a_location(cls, data: object) -> object:
        # Wave 1 had a free `metro: true` flag, accepted at any location; Azure lists ExpressRoute Metro
        # locations as peering locations of their own (catalog.METRO_LOCATIONS, articles/expressroute/metro.md).
        if isinstance(data, dict) and "metro" in data:
            metros = ", ".join(sorted(catalog.METRO_LOCATIONS))
            raise ValueError(
                f"metro: {data['metro']!r} is no longer a flag; ExpressRoute Metro is a peering location of its "
                f"own: remove `metro` and set peering_location to one of {metros}"
            )
        return data

    @model_validator(mode="after")
    def _on_ladder(self) -> ProviderCircuit:
        ladder = catalog.PROVIDER_BANDWIDTHS_MBPS.value
        if self.bandwidth_mbps not in ladder:
            raise ValueError(
                f"bandwidth_mbps {self.bandwidth_mbps} is not on the provider ladder; allowed: "
                f"{', '.join(map(str, ladder))}"
            )
        return self

    @property
    def bandwidth_gbps(self) -> float:
        return self.bandwidth_mbps / 1000


MacSecCipher = Literal["GcmAes128", "GcmAes256", "GcmAesXpn128", "GcmAesXpn256"]


class MacSecSpec(SpecModel):
    """MACsec on both links of a Direct port: the CAK and CKN come from secret config, are stored as Key Vault
    secrets, and the port reads them through its user-assigned identity (catalog.MACSEC_KEY_VAULT)."""

    cipher: MacSecCipher = "GcmAesXpn256"
    """GcmAes128, GcmAes256, GcmAesXpn128 or GcmAesXpn256. GcmAesXpn256 by default: Azure recommends the XPN
    ciphers on high-speed links, and 256-bit keys."""
    cak_secret: SecretConfigKey
    """Secret config key of the connectivity association key: 64 hex digits for a 256-bit cipher, 32 for a
    128-bit one. Your edge routers use the same CAK."""
    ckn_secret: SecretConfigKey
    """Secret config key of the connectivity association key name: an even number of hex digits, up to 64."""
    sci_state: Literal["Enabled", "Disabled"] = "Disabled"
    """Secure channel identifier in every frame; Disabled by default (Azure's default), Enabled if your edge
    routers expect it."""

    @model_validator(mode="after")
    def _two_keys(self) -> MacSecSpec:
        if self.cak_secret == self.ckn_secret:
            raise ValueError(f"cak_secret and ckn_secret both name {self.cak_secret!r}; the CAK and the CKN are two "
                             "different values, each in its own secret config key")
        return self


class DirectPort(SpecModel):
    """An ExpressRoute Direct port pair at a peering location, owned by this site."""

    peering_location: str
    bandwidth_gbps: int = Field(strict=True)
    """Port size: 10 or 100 (400 once the catalog's unverified entry is confirmed by override)."""
    encapsulation: Literal["Dot1Q", "QinQ"] = "Dot1Q"
    billing_type: Literal["MeteredData", "UnlimitedData"] = "UnlimitedData"
    """How Azure bills the port's outbound data: UnlimitedData (a flat port fee) or MeteredData (a lower
    port fee plus outbound data per GB). Explicit on the port, since Azure's own default may change."""
    macsec: MacSecSpec | None = None
    """MACsec on the port's links. None: the links are not encrypted, which the direct-port-macsec invariant
    reports; every Direct port should set it."""


class DirectCircuit(_CircuitBase):
    """A circuit carved from one of this site's ExpressRoute Direct ports."""

    kind: Literal["direct"]
    port: Name
    """Key of interconnect.ports."""
    bandwidth_gbps: int = Field(strict=True)
    """On a 10G port: 1, 2, 5, 10. On a 100G port: 5, 10, 40, 100."""


Circuit = Annotated[ProviderCircuit | DirectCircuit, Field(discriminator="kind")]


GatewaySkuName = Literal[
    "Standard", "HighPerformance", "UltraPerformance", "ErGw1AZ", "ErGw2AZ", "ErGw3AZ", "ErGwScale"
]


class GatewaySpec(SpecModel):
    """The site's ExpressRoute virtual network gateway."""

    sku: GatewaySkuName
    scale_units: int | None = Field(default=None, strict=True, ge=1, le=40)
    """ErGwScale only: fixed size in scale units of 1 Gbps (min = max, no autoscale)."""
    fastpath: StrictBool = False
    """Send data-path traffic around the gateway (needs UltraPerformance or ErGw3AZ)."""
    subnet: Cidr
    """The GatewaySubnet: /27 or larger; /26 or larger to connect 16 circuits."""

    @property
    def label(self) -> str:
        """'ErGw3AZ', or 'ErGwScale x20' with its scale units."""
        return self.sku if self.sku != "ErGwScale" else f"ErGwScale x{self.scale_units}"

    @model_validator(mode="after")
    def _units_match_sku(self) -> GatewaySpec:
        if self.sku == "ErGwScale" and self.scale_units is None:
            raise ValueError("sku ErGwScale needs scale_units (1-40)")
        if self.sku != "ErGwScale" and self.scale_units is not None:
            raise ValueError(f"scale_units applies to ErGwScale only, not to sku {self.sku}")
        if self.subnet.prefixlen > catalog.GATEWAY_SUBNET_MIN_PREFIX.value:
            raise ValueError(f"GatewaySubnet {self.subnet} is smaller than the minimum /27")
        return self


class GlobalReachSpec(SpecModel):
    """A Global Reach link between one of this site's circuits and a circuit of a peer stack.

    Declare it in both stacks with the same /29. The stack whose name sorts first creates the
    connection; the other records it, so the link exists once and both capacity models see it.
    """

    circuit: Name
    """Key of this stack's interconnect.circuits."""
    peer_stack: Name
    peer_circuit: Name
    prefix: Slash29
    """/29 for the link, disjoint from every other prefix of the fabric."""

    def owned_by(self, stack: str) -> bool:
        """Whether `stack` creates the connection: the one whose name sorts first of the pair."""
        return stack < self.peer_stack


class InterconnectSpec(SpecModel):
    """How the site reaches the carrier fabric and, through it, the other sites."""

    ports: dict[Name, DirectPort] = {}
    """ExpressRoute Direct ports owned by this site. Empty: provider circuits only."""
    circuits: dict[Name, Circuit] = Field(min_length=1)
    """Circuits by name; the name is part of every child resource's name."""
    gateway: GatewaySpec
    global_reach: dict[Name, GlobalReachSpec] = {}
    """Global Reach links by name."""
    unlocked: tuple[str, ...] = ()
    """Resources whose CanNotDelete management lock is lifted for an intended change: 'circuit/<key>',
    'port/<key>', 'gateway' or 'connection/<key>'. Empty (the default): every circuit, port, gateway and
    connection is locked against deletion by anyone, in any tool. To delete or replace one on purpose:
    list it here and `pulumi up` (the lock goes), make the change, then remove the entry and `pulumi up`."""

    def lock_refs(self) -> dict[str, str]:
        """Every lockable resource of the site: its ref ('circuit/wdc') -> its kind."""
        refs = {f"port/{k}": "port" for k in self.ports}
        refs.update({f"circuit/{k}": "circuit" for k, c in self.circuits.items() if not c.linked})
        refs["gateway"] = "gateway"
        refs.update({f"connection/{k}": "connection" for k in self.circuits})
        return refs

    @model_validator(mode="after")
    def _references(self) -> InterconnectSpec:
        problems: list[tuple[Loc, str]] = []
        lockable = self.lock_refs()
        for i, ref in enumerate(self.unlocked):
            if ref not in lockable:
                problems.append((("unlocked", i), f"{ref!r} names no lockable resource of this site; allowed: "
                                 f"{', '.join(lockable)}"))
            elif self.unlocked.index(ref) != i:
                problems.append((("unlocked", i), f"{ref!r} is listed twice; list it once"))
        for name, c in self.circuits.items():
            if isinstance(c, DirectCircuit) and c.port not in self.ports:
                problems.append(
                    (("circuits", name, "port"),
                     f"{c.port!r} is not in ports ({', '.join(self.ports) or 'none'})." + did_you_mean(c.port, self.ports))
                )
        seen: dict[tuple[str, str, str], str] = {}
        for name, link in self.global_reach.items():
            if link.circuit in self.circuits and self.circuits[link.circuit].linked:
                problems.append((
                    ("global_reach", name, "circuit"),
                    f"{link.circuit!r} is linked from another subscription; its owner sets up Global Reach",
                ))
            if link.circuit not in self.circuits:
                problems.append((
                    ("global_reach", name, "circuit"),
                    f"{link.circuit!r} is not in circuits ({', '.join(self.circuits)})."
                    + did_you_mean(link.circuit, self.circuits),
                ))
            ends = (link.circuit, link.peer_stack, link.peer_circuit)
            if ends in seen:
                # Azure keeps one Global Reach connection per pair of circuit peerings.
                problems.append((
                    ("global_reach", name),
                    f"joins {link.circuit} to {link.peer_stack}/{link.peer_circuit} like {seen[ends]!r}; "
                    "two circuits have at most one Global Reach link: remove one",
                ))
            seen.setdefault(ends, name)
        raise_problems(problems)
        return self

    def peering_location_of(self, circuit: Name) -> str:
        c = self.circuits[circuit]
        return c.peering_location if isinstance(c, ProviderCircuit) else self.ports[c.port].peering_location

    def bandwidth_gbps_of(self, circuit: Name) -> float:
        return float(self.circuits[circuit].bandwidth_gbps)

    def fastpath_effective(self, cat: catalog.Catalog) -> bool:
        """FastPath asked for and supported by the gateway SKU (ErGwScale only by catalog override)."""
        return self.gateway.fastpath and cat.gateway_skus[self.gateway.sku].fastpath


# Demands live in infra.spec.demands (their own concern); re-exported here for older imports.
from infra.spec.demands import (  # noqa: E402
    MAX_DATASET_TB, MAX_DEMAND_GBPS, MAX_HOURS, Demand, ReplicationDemand, SustainedDemand,
)
