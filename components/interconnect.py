"""PrivateInterconnect: ExpressRoute to the carrier fabric, gateway, connections, Global Reach.

What one site declares (children named ``f"{name}-<role>-<key>"``, keys from the spec's maps):

- ``-port-<port>``: ExpressRoute Direct port pairs, their two links disabled until the cross-connects
  are in (the port's carrier state is ``provisioned``);
- ``-circuit-<circuit>``: provider circuits (``serviceProviderProperties``) or circuits carved from a
  Direct port (``expressRoutePort`` + ``bandwidthInGbps``), SKU ``<Tier>_<Family>``;
- ``-peering-<circuit>``: the Azure private peering of each provisioned circuit (BGP key from secret
  config only);
- ``-gateway-subnet``, ``-gateway-ip``, ``-gateway``: the hub VNet's GatewaySubnet, the gateway's
  Standard static public IP (zones 1, 2, 3 for an AZ SKU in a zonal region) and the ExpressRoute
  gateway (fixed SKU, or ErGwScale with min = max);
- ``-connection-<circuit>``: the gateway's connection to each provisioned circuit, FastPath where the
  spec asks for it and the SKU supports it;
- ``-global-reach-<link>``: a Global Reach connection for every link this stack owns (its name sorts
  before the peer's) once both circuits are provisioned;
- ``-lock-<kind>-<key>``: a CanNotDelete management lock on every port, circuit, gateway and connection,
  unless ``interconnect.unlocked`` lifts it for an intended change;
- ``-macsec-identity``, ``-macsec-vault``, ``-macsec-cak-<port>``, ``-macsec-ckn-<port>``: for ports with MACsec,
  the user-assigned identity on the ports, the Key Vault it may `get` secrets from, and each port's CAK and CKN
  stored there from secret config (catalog.MACSEC_KEY_VAULT);
- ``-authorization-<circuit>-<name>``: authorizations issued to other subscriptions; their keys leave the
  component only as the secret output ``authorization_keys``, their owners and dates are recorded in the
  component's ``authorizations`` input for infra.invariants.operations.

What waits for the carrier (infra/spec/carrier_state.py) is not declared: the component lists it in its
``deferred`` input, and a later `pulumi up` declares it once the recorded state says provisioned.

Circuits, ports and peerings are also protected: deleting one drops the carrier's provisioning, and a
new circuit has a new service key the carrier has to provision again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization, keyvault, managedidentity, network

from components.context import SiteContext
from infra import catalog
from infra.spec import DirectCircuit, InterconnectSpec, ProviderCircuit
from infra.spec.carrier_state import PENDING, PROVISIONED, CarrierState
from infra.tokens import PRIVATE_INTERCONNECT

PRIVATE_PEERING = "AzurePrivatePeering"
"""Name and type of the private peering; Azure allows one per circuit and names it after its type."""
GATEWAY_SUBNET = "GatewaySubnet"
"""Azure deploys gateway VMs only into a subnet of exactly this name (ER_GW_DOC)."""
DIRECT_PORT_LINKS = ("link1", "link2")
"""The two physical links of a Direct port pair, as Azure names them (ER_DIRECT_DOC)."""
_AZURE_NAME_MAX = 80


# ------------------------------------------------------------------------------------------------
# Azure names: pure, deterministic, shared with peers and mocks
# ------------------------------------------------------------------------------------------------


def azure_name(prefix: str, *parts: str) -> str:
    """'<prefix>-<part>-<part>', at most 80 characters (the network resource limit).

    A name that would be longer keeps its start and ends with a hash of the whole, so two long names
    never collide and the same inputs always give the same name.
    """
    full = "-".join((prefix, *parts))
    if len(full) <= _AZURE_NAME_MAX:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: _AZURE_NAME_MAX - 9].rstrip('-')}-{digest}"


def circuit_name(stack: str, circuit: str) -> str:
    """Azure name of a circuit, e.g. 'erc-eastus-wdc'."""
    return azure_name("erc", stack, circuit)


def port_name(stack: str, port: str) -> str:
    return azure_name("erd", stack, port)


def gateway_name(stack: str) -> str:
    return azure_name("ergw", stack)


def gateway_ip_name(stack: str) -> str:
    return azure_name("pip-ergw", stack)


def connection_name(stack: str, circuit: str) -> str:
    return azure_name("con", stack, circuit)


def global_reach_name(stack: str, link: str) -> str:
    return azure_name("gr", stack, link)


def macsec_identity_name(stack: str) -> str:
    return azure_name("id-erd", stack)


def key_vault_name(stack: str, subscription_id: str) -> str:
    """Azure name of the site's MACsec Key Vault: 'kv-<8 hex>-<stack>', at most 24 characters.

    Vault names are global across Azure (they are DNS names), so the name carries a hash of the subscription
    and the stack; a deleted vault's name stays taken until its soft-delete retention ends."""
    digest = hashlib.sha256(f"{subscription_id}/{stack}".encode()).hexdigest()[:8]
    return f"kv-{digest}-{stack}"[:24].rstrip("-")


def macsec_secret_name(stack: str, port: str, which: str) -> str:
    """Key Vault secret name of a port's CAK or CKN ('cak' / 'ckn'): letters, digits and '-'."""
    return f"{port_name(stack, port)}-{which}"


def sku_name(tier: str, family: str) -> str:
    """ExpressRoute circuit SKU name: '<Tier>_<Family>', e.g. 'Premium_UnlimitedData'."""
    return f"{tier}_{family}"


# ------------------------------------------------------------------------------------------------
# What the carrier has made possible: pure, shared with the program and the offline plan
# ------------------------------------------------------------------------------------------------

LOCK_NAME = "ai-fabric-do-not-delete"
"""Name of the CanNotDelete management lock on every circuit, port, gateway and connection."""


@dataclass(frozen=True)
class CarrierView:
    """The carrier state of one site's circuits and ports, and of the peer circuits of the Global Reach
    links it owns (infra/spec/carrier_state.py). Anything not listed is pending."""

    circuits: Mapping[str, CarrierState] = field(default_factory=dict)
    """Circuit key -> state; a Direct circuit carries its port's state."""
    ports: Mapping[str, CarrierState] = field(default_factory=dict)
    peer_circuits: Mapping[tuple[str, str], CarrierState] = field(default_factory=dict)
    """(peer stack, peer circuit) -> state, for the Global Reach links this site owns."""

    def circuit_ready(self, key: str) -> bool:
        return self.circuits.get(key, PENDING) == PROVISIONED

    def port_ready(self, key: str) -> bool:
        return self.ports.get(key, PENDING) == PROVISIONED

    def link_ready(self, spec: InterconnectSpec, key: str) -> bool:
        """A Global Reach link can be made once the carrier has provisioned both of its circuits."""
        link = spec.global_reach[key]
        return self.circuit_ready(link.circuit) and (
            self.peer_circuits.get((link.peer_stack, link.peer_circuit), PENDING) == PROVISIONED
        )


def deferred_resources(name: str, spec: InterconnectSpec, stack: str, view: CarrierView) -> list[str]:
    """Pulumi names of the children that wait for the carrier: the peering, connection (and its lock)
    of each pending circuit, and each owned Global Reach link whose two circuits are not both provisioned."""
    out: list[str] = []
    for key, c in spec.circuits.items():
        if view.circuit_ready(key):
            continue
        if not c.linked:
            out.append(f"{name}-peering-{key}")
        out.append(f"{name}-connection-{key}")
        if f"connection/{key}" not in spec.unlocked:
            out.append(f"{name}-lock-connection-{key}")
    for key, link in spec.global_reach.items():
        if link.owned_by(stack) and not view.link_ready(spec, key):
            out.append(f"{name}-global-reach-{key}")
    return out


# ------------------------------------------------------------------------------------------------
# The component
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MacSecKeys:
    """What one port's links need for MACsec: cipher, SCI state, the secret URIs, and the identity reading them."""

    cipher: str
    sci_state: str
    cak_uri: pulumi.Output[str]
    ckn_uri: pulumi.Output[str]
    identity: network.ManagedServiceIdentityArgs
    secrets: list[pulumi.Resource]

    def link_config(self) -> network.ExpressRouteLinkMacSecConfigArgs:
        return network.ExpressRouteLinkMacSecConfigArgs(
            cipher=self.cipher, sci_state=self.sci_state,
            cak_secret_identifier=self.cak_uri, ckn_secret_identifier=self.ckn_uri,
        )


@dataclass(frozen=True)
class PrivateInterconnectArgs:
    spec: InterconnectSpec
    site: SiteContext
    catalog: catalog.Catalog
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Secret config values by key (BGP keys, authorization keys), already Output.secret."""
    peer_peering_ids: Mapping[tuple[str, str], pulumi.Input[str]] = field(default_factory=dict)
    """(peer stack, peer circuit) -> that circuit's private peering ID, for the Global Reach links
    this stack owns (it sorts first of the pair) and can make now; read from the peer stack's outputs."""
    catalog_overrides: Mapping[str, Any] = field(default_factory=dict)
    """The stack's overrides of unverified catalog facts, recorded on the component so that checks
    which see only the resources (the policy pack) judge with the same facts as `fabric plan`."""
    carrier: CarrierView = field(default_factory=CarrierView)
    """What the carrier has provisioned; the default, nothing yet, declares a first `pulumi up`."""


class PrivateInterconnect(pulumi.ComponentResource):
    """The site's ExpressRoute: circuits or Direct ports, private peering, gateway, Global Reach.

    Children are declared by one method per role; what waits for the carrier is left out (listed in
    the component's `deferred` input) and declared by a later `pulumi up` once the state says so."""

    def __init__(self, name: str, args: PrivateInterconnectArgs, opts: pulumi.ResourceOptions | None = None):
        spec, site = args.spec, args.site
        self._name, self._args = name, args
        self.deferred = deferred_resources(name, spec, site.stack, args.carrier)
        super().__init__(PRIVATE_INTERCONNECT, name, {
            "catalogOverrides": dict(args.catalog_overrides),
            # Checks that see only resources (the policy pack) learn from these what was meant.
            "unlockedResources": [self._lock_target_name(ref) for ref in spec.unlocked],
            "carrierState": {
                "circuits": {k: args.carrier.circuits.get(k, PENDING) for k in spec.circuits},
                "ports": {k: args.carrier.ports.get(k, PENDING) for k in spec.ports},
            },
            "deferred": list(self.deferred),
            # Who answers for each authorization and until when (checked by infra.invariants.operations).
            "authorizations": self._authorization_records(),
        }, opts)
        self._rg = site.network_resource_group
        self._tags = site.tags_for("interconnect")

        self.bandwidth_gbps = {k: spec.bandwidth_gbps_of(k) for k in spec.circuits}
        self.peering_locations = {k: spec.peering_location_of(k) for k in spec.circuits}
        macsec = self._macsec_keys()
        ports = self._ports(macsec)
        circuits = self._circuits(ports)
        self._authorizations(circuits)
        peerings = self._peerings(circuits)
        self._gateway()
        self._connections(peerings)
        self._global_reach(peerings)

        self.register_outputs({
            "port_ids": self.port_ids,
            "circuit_ids": self.circuit_ids,
            "service_keys": self.service_keys,
            "circuit_provider_states": self.circuit_provider_states,
            "port_link_admin_states": self.port_link_admin_states,
            "bandwidth_gbps": self.bandwidth_gbps,
            "peering_locations": self.peering_locations,
            "peering_ids": self.peering_ids,
            "gateway_id": self.gateway_id,
            "gateway_subnet_id": self.gateway_subnet.id,
            "connection_ids": self.connection_ids,
            "global_reach_ids": self.global_reach_ids,
            "authorization_ids": self.authorization_ids,
            "authorization_keys": self.authorization_keys,
            "macsec_key_vault_id": self.macsec_key_vault_id,
        })

    # -------------------------------------------------------------------- options and locks

    def _opts(self, protect: bool = False, depends_on: list[pulumi.Resource] | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, protect=protect, depends_on=depends_on or [])

    def _lock_target_name(self, ref: str) -> str:
        """The Azure name of the resource a lock ref ('circuit/wdc', 'gateway', ...) points at."""
        stack = self._args.site.stack
        kind, _, key = ref.partition("/")
        return {
            "circuit": lambda: circuit_name(stack, key), "port": lambda: port_name(stack, key),
            "gateway": lambda: gateway_name(stack), "connection": lambda: connection_name(stack, key),
        }[kind]()

    def _lock(self, ref: str, target: pulumi.CustomResource, what: str) -> None:
        """A CanNotDelete management lock on `target`, unless the spec lifts it for an intended change.

        Pulumi's `protect` only stops Pulumi; the lock stops the portal, the CLI and every other tool too
        (catalog.LOCK_LEVEL, LOCKED_RESOURCES_SOURCE)."""
        if ref in self._args.spec.unlocked:
            return
        authorization.ManagementLockByScope(
            f"{self._name}-lock-{ref.replace('/', '-')}",
            scope=target.id,
            lock_name=LOCK_NAME,
            level=catalog.LOCK_LEVEL.value,
            notes=(f"ai-fabric: deleting this {what} costs the fabric its capacity. To delete or replace it on "
                   f"purpose, list '{ref}' in interconnect.unlocked of stack {self._args.site.stack}."),
            opts=self._opts(depends_on=[target]),
        )

    # -------------------------------------------------------------------- ports

    def _ports(self, macsec: Mapping[str, _MacSecKeys]) -> dict[str, network.ExpressRoutePort]:
        """ExpressRoute Direct port pairs. Their links stay administratively disabled until the
        cross-connects are in (the port is `provisioned`): enabling a link with no fibre behind it
        only raises alarms (articles/expressroute/expressroute-howto-erdirect.md). A port with MACsec gets
        the same CAK, CKN and cipher on both links and the identity that reads them (_macsec_keys)."""
        spec, site, carrier = self._args.spec, self._args.site, self._args.carrier
        self.port_ids: dict[str, pulumi.Output[str]] = {}
        self.port_link_admin_states: dict[str, pulumi.Output[list[str]]] = {}
        """Port -> adminState of each link, as Azure reports it (`fabric rollout --carrier-probe outputs`)."""
        ports: dict[str, network.ExpressRoutePort] = {}
        for key, port in spec.ports.items():
            admin = "Enabled" if carrier.port_ready(key) else "Disabled"
            keys = macsec.get(key)
            link_macsec = keys.link_config() if keys is not None else None
            ports[key] = network.ExpressRoutePort(
                f"{self._name}-port-{key}",
                express_route_port_name=port_name(site.stack, key),
                resource_group_name=self._rg,
                location=site.region,
                peering_location=port.peering_location,
                bandwidth_in_gbps=port.bandwidth_gbps,
                encapsulation=port.encapsulation,
                billing_type=port.billing_type,
                links=[network.ExpressRouteLinkArgs(name=link, admin_state=admin, mac_sec_config=link_macsec)
                       for link in DIRECT_PORT_LINKS],
                identity=keys.identity if keys is not None else None,
                tags=self._tags,
                # Deleting a port drops the cross-connects and every circuit on it.
                opts=self._opts(protect=True, depends_on=keys.secrets if keys is not None else None),
            )
            self.port_ids[key] = ports[key].id
            self.port_link_admin_states[key] = ports[key].links.apply(
                lambda links: [str(link.admin_state) for link in links or []])
            self._lock(f"port/{key}", ports[key], "ExpressRoute Direct port")
        return ports

    # -------------------------------------------------------------------- MACsec keys

    def _macsec_keys(self) -> dict[str, _MacSecKeys]:
        """For the ports with MACsec: a user-assigned identity, a Key Vault that lets it read secrets, and the
        CAK and CKN of each port stored there from secret config (catalog.MACSEC_KEY_VAULT).

        The vault uses an access policy granting the identity `get` on secrets, as Azure's MACsec guide does;
        soft delete and purge protection are on (a lost CAK takes the ports down); the firewall denies by
        default but lets trusted Azure services through, which ExpressRoute is, and the secrets are written
        through ARM (the control plane), which the firewall does not filter."""
        spec, site = self._args.spec, self._args.site
        self.macsec_key_vault_id: pulumi.Output[str] | None = None
        wanted = {k: p.macsec for k, p in spec.ports.items() if p.macsec is not None}
        if not wanted:
            return {}
        client = authorization.get_client_config_output()
        identity = managedidentity.UserAssignedIdentity(
            f"{self._name}-macsec-identity",
            resource_name_=macsec_identity_name(site.stack),
            resource_group_name=self._rg,
            location=site.region,
            tags=self._tags,
            opts=self._opts(),
        )
        rules = catalog.MACSEC_KEY_VAULT.value
        vault_name = client.subscription_id.apply(lambda sub: key_vault_name(site.stack, sub))
        vault = keyvault.Vault(
            f"{self._name}-macsec-vault",
            vault_name=vault_name,
            resource_group_name=self._rg,
            location=site.region,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=client.tenant_id,
                sku=keyvault.SkuArgs(family="A", name="standard"),
                enable_rbac_authorization=False,
                access_policies=[keyvault.AccessPolicyEntryArgs(
                    tenant_id=client.tenant_id,
                    object_id=identity.principal_id,
                    permissions=keyvault.PermissionsArgs(secrets=list(rules["secret_permissions"])),
                )],
                enable_soft_delete=rules["soft_delete"],
                soft_delete_retention_in_days=catalog.KEY_VAULT_SOFT_DELETE_DAYS.value[1],
                enable_purge_protection=True,
                public_network_access=rules["public_network_access"],
                network_acls=keyvault.NetworkRuleSetArgs(bypass=rules["trusted_service_bypass"], default_action="Deny"),
            ),
            tags=self._tags,
            opts=self._opts(),
        )
        self.macsec_key_vault_id = vault.id
        out: dict[str, _MacSecKeys] = {}
        for key, mac in wanted.items():
            stored = {}
            for which, secret_key in (("cak", mac.cak_secret), ("ckn", mac.ckn_secret)):
                stored[which] = keyvault.Secret(
                    f"{self._name}-macsec-{which}-{key}",
                    secret_name=macsec_secret_name(site.stack, key, which),
                    vault_name=vault.name,
                    resource_group_name=self._rg,
                    properties=keyvault.SecretPropertiesArgs(
                        value=_secret(self._args, secret_key, f"MACsec {which.upper()} of port {key}"),
                        content_type=f"MACsec {which.upper()} (hex) of ExpressRoute Direct port "
                                     f"{port_name(site.stack, key)}",
                    ),
                    tags=self._tags,
                    opts=self._opts(depends_on=[vault]),
                )
            out[key] = _MacSecKeys(
                cipher=mac.cipher, sci_state=mac.sci_state,
                # The versioned URI: a new key is a new version, applied to the links by the next `pulumi up`.
                # The URI itself is no secret (the value behind it is), so it stays readable in the port.
                cak_uri=pulumi.Output.unsecret(stored["cak"].properties.secret_uri_with_version),
                ckn_uri=pulumi.Output.unsecret(stored["ckn"].properties.secret_uri_with_version),
                identity=network.ManagedServiceIdentityArgs(type="UserAssigned",
                                                            user_assigned_identities=[identity.id]),
                secrets=[stored["cak"], stored["ckn"], vault],
            )
        return out

    # -------------------------------------------------------------------- circuits and peerings

    def _circuits(self, ports: dict[str, network.ExpressRoutePort]) -> dict[str, network.ExpressRouteCircuit]:
        """Circuits this site owns (provider circuits, or carved from a Direct port); a linked circuit of
        another subscription is only referred to by its ARM ID."""
        spec, site = self._args.spec, self._args.site
        self.circuit_ids: dict[str, pulumi.Output[str]] = {}
        self.service_keys: dict[str, pulumi.Output[str]] = {}
        self.circuit_provider_states: dict[str, pulumi.Output[str]] = {}
        """Circuit -> serviceProviderProvisioningState as Azure reports it (`Provisioned` once the carrier has
        provisioned it; `fabric rollout --carrier-probe outputs`). Circuits this site owns only."""
        self._circuit_refs: dict[str, pulumi.Input[str]] = {}
        circuits: dict[str, network.ExpressRouteCircuit] = {}
        for key, c in spec.circuits.items():
            if c.linked:
                assert c.owner_circuit_id is not None
                self._circuit_refs[key] = c.owner_circuit_id
                self.circuit_ids[key] = pulumi.Output.from_input(c.owner_circuit_id)
                continue
            common: dict[str, Any] = dict(
                circuit_name=circuit_name(site.stack, key),
                resource_group_name=self._rg,
                location=site.region,
                sku=network.ExpressRouteCircuitSkuArgs(name=sku_name(c.tier, c.data_plan), tier=c.tier,
                                                       family=c.data_plan),
                allow_classic_operations=False,
                tags=self._tags,
                # Deleting a circuit drops the carrier's provisioning: a new circuit has a new service key.
                opts=self._opts(protect=True),
            )
            if isinstance(c, ProviderCircuit):
                circuits[key] = network.ExpressRouteCircuit(
                    f"{self._name}-circuit-{key}",
                    service_provider_properties=network.ExpressRouteCircuitServiceProviderPropertiesArgs(
                        service_provider_name=c.provider,
                        peering_location=c.peering_location,
                        bandwidth_in_mbps=c.bandwidth_mbps,
                    ),
                    **common,
                )
            else:
                assert isinstance(c, DirectCircuit)
                circuits[key] = network.ExpressRouteCircuit(
                    f"{self._name}-circuit-{key}",
                    express_route_port=network.SubResourceArgs(id=ports[c.port].id),
                    bandwidth_in_gbps=c.bandwidth_gbps,
                    **common,
                )
            self._circuit_refs[key] = circuits[key].id
            self.circuit_ids[key] = circuits[key].id
            self.service_keys[key] = pulumi.Output.secret(circuits[key].service_key)
            self.circuit_provider_states[key] = circuits[key].service_provider_provisioning_state
            self._lock(f"circuit/{key}", circuits[key], "ExpressRoute circuit")
        return circuits

    def _peerings(self, circuits: dict[str, network.ExpressRouteCircuit]) -> dict[str, network.ExpressRouteCircuitPeering]:
        """The private peering of each circuit the carrier has provisioned (Azure refuses it before)."""
        spec, site, carrier = self._args.spec, self._args.site, self._args.carrier
        self.peering_ids: dict[str, pulumi.Output[str]] = {}
        peerings: dict[str, network.ExpressRouteCircuitPeering] = {}
        for key, circuit in circuits.items():
            if not carrier.circuit_ready(key):
                continue
            pp = spec.circuits[key].private_peering
            peerings[key] = network.ExpressRouteCircuitPeering(
                f"{self._name}-peering-{key}",
                # The literal name (not circuit.name) keeps the input known at preview for policies;
                # depends_on keeps the order.
                circuit_name=circuit_name(site.stack, key),
                resource_group_name=self._rg,
                peering_name=PRIVATE_PEERING,
                name=PRIVATE_PEERING,
                peering_type=PRIVATE_PEERING,
                peer_asn=pp.peer_asn,
                vlan_id=pp.vlan_id,
                primary_peer_address_prefix=str(pp.primary_prefix),
                secondary_peer_address_prefix=str(pp.secondary_prefix),
                shared_key=_secret(self._args, pp.bgp_key_secret, f"BGP key of circuit {key}"),
                opts=self._opts(protect=True, depends_on=[circuit]),
            )
            self.peering_ids[key] = peerings[key].id
        return peerings

    # -------------------------------------------------------------------- authorizations

    def _authorization_records(self) -> dict[str, dict[str, Any]]:
        """'<circuit Azure name>/<authorization>' -> who answers for it and until when, for the checks."""
        spec, stack = self._args.spec, self._args.site.stack
        out: dict[str, dict[str, Any]] = {}
        for key, c in spec.circuits.items():
            for name, a in c.authorizations.items():
                out[f"{circuit_name(stack, key)}/{name}"] = {
                    "circuit": key, "owner": a.owner, "subscriptionId": str(a.subscription_id),
                    "expiresOn": a.expires_on.isoformat() if a.expires_on else None,
                    "rotateBy": a.rotate_by.isoformat() if a.rotate_by else None,
                }
        return out

    def _authorizations(self, circuits: dict[str, network.ExpressRouteCircuit]) -> None:
        """The authorizations this stack issues on its circuits for other subscriptions. Azure generates each
        key; the keys leave the stack only as a secret output (authorization_keys)."""
        spec, site = self._args.spec, self._args.site
        self.authorization_ids: dict[str, dict[str, pulumi.Output[str]]] = {}
        self.authorization_keys: dict[str, dict[str, pulumi.Output[str]]] = {}
        for key, c in spec.circuits.items():
            if key not in circuits:
                continue  # linked: its owner issues authorizations (the spec refuses them here)
            for name in c.authorizations:
                made = network.ExpressRouteCircuitAuthorization(
                    f"{self._name}-authorization-{key}-{name}",
                    circuit_name=circuit_name(site.stack, key),
                    authorization_name=name,
                    name=name,
                    resource_group_name=self._rg,
                    opts=self._opts(depends_on=[circuits[key]]),
                )
                self.authorization_ids.setdefault(key, {})[name] = made.id
                self.authorization_keys.setdefault(key, {})[name] = pulumi.Output.secret(made.authorization_key)

    # -------------------------------------------------------------------- gateway

    def _gateway(self) -> None:
        """The GatewaySubnet, the gateway's Standard public IP (zone-redundant for an AZ SKU in a region
        with zones: the gateway takes its zones from its IP) and the ExpressRoute gateway."""
        spec, site, cat = self._args.spec, self._args.site, self._args.catalog
        gw = spec.gateway
        self.gateway_subnet = site.subnet(
            f"{self._name}-gateway-subnet",
            subnet_name=GATEWAY_SUBNET,
            address_prefix=str(gw.subnet),
            opts=self._opts(),
        )
        zone_redundant = cat.gateway_skus[gw.sku].zone_redundant and site.region in catalog.ZONAL_REGIONS.value
        # ErGwScale needs a Standard static public IP (ER_SCALE_DOC); the fixed SKUs accept one too.
        # Newer gateways can have Azure assign it instead (ER_GW_DOC, "Auto-Assigned Public IP"), which
        # the API version in this SDK does not expose as an input.
        self.gateway_ip = network.PublicIPAddress(
            f"{self._name}-gateway-ip",
            public_ip_address_name=gateway_ip_name(site.stack),
            resource_group_name=self._rg,
            location=site.region,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            zones=list(catalog.ZONE_REDUNDANT_ZONES.value) if zone_redundant else None,
            tags=self._tags,
            opts=self._opts(),
        )
        autoscale = None
        if gw.sku == "ErGwScale":
            # A fixed size: min = max scale units, so capacity never depends on autoscaling.
            autoscale = network.VirtualNetworkGatewayAutoScaleConfigurationArgs(
                bounds=network.VirtualNetworkGatewayAutoScaleBoundsArgs(min=gw.scale_units, max=gw.scale_units),
            )
        self.gateway = network.VirtualNetworkGateway(
            f"{self._name}-gateway",
            virtual_network_gateway_name=gateway_name(site.stack),
            resource_group_name=self._rg,
            location=site.region,
            gateway_type="ExpressRoute",
            sku=network.VirtualNetworkGatewaySkuArgs(name=gw.sku, tier=gw.sku),
            auto_scale_configuration=autoscale,
            ip_configurations=[network.VirtualNetworkGatewayIPConfigurationArgs(
                name="default",
                private_ip_allocation_method="Dynamic",
                subnet=network.SubResourceArgs(id=self.gateway_subnet.id),
                public_ip_address=network.SubResourceArgs(id=self.gateway_ip.id),
            )],
            # Traffic between sites is VNet-to-VNet through ExpressRoute (Global Reach), which gateways
            # refuse by default (articles/expressroute/virtual-network-connectivity-guidance.md).
            allow_remote_vnet_traffic=bool(spec.global_reach),
            tags=self._tags,
            opts=self._opts(),
        )
        self.gateway_id = self.gateway.id
        self._lock("gateway", self.gateway, "ExpressRoute gateway")

    # -------------------------------------------------------------------- connections and Global Reach

    def _connections(self, peerings: dict[str, network.ExpressRouteCircuitPeering]) -> None:
        """The gateway's connection to each provisioned circuit, FastPath where the spec asks for it and
        the SKU supports it; a connection needs the circuit's private peering in place."""
        spec, site, cat, carrier = self._args.spec, self._args.site, self._args.catalog, self._args.carrier
        fastpath = spec.fastpath_effective(cat)
        self.connection_ids: dict[str, pulumi.Output[str]] = {}
        for key, c in spec.circuits.items():
            if not carrier.circuit_ready(key):
                continue
            conn = network.VirtualNetworkGatewayConnection(
                f"{self._name}-connection-{key}",
                virtual_network_gateway_connection_name=connection_name(site.stack, key),
                resource_group_name=self._rg,
                location=site.region,
                connection_type="ExpressRoute",
                virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=self.gateway.id),
                peer=network.SubResourceArgs(id=self._circuit_refs[key]),
                express_route_gateway_bypass=fastpath,
                routing_weight=0,
                # Redeems the owner's authorization on a linked circuit of another subscription.
                authorization_key=_secret(self._args, c.authorization_key_secret, f"authorization key of circuit {key}"),
                tags=self._tags,
                opts=self._opts(depends_on=[peerings[key]] if key in peerings else []),
            )
            self.connection_ids[key] = conn.id
            self._lock(f"connection/{key}", conn, "gateway connection")

    def _global_reach(self, peerings: dict[str, network.ExpressRouteCircuitPeering]) -> None:
        """A Global Reach connection for every link this stack owns (its name sorts before the peer's)
        once both circuits are provisioned, from this circuit's private peering to the peer's."""
        spec, site, carrier = self._args.spec, self._args.site, self._args.carrier
        self.global_reach_ids: dict[str, pulumi.Output[str]] = {}
        for key, link in spec.global_reach.items():
            if not link.owned_by(site.stack) or not carrier.link_ready(spec, key):
                continue  # the peer creates it, or the carrier has not provisioned both ends yet
            peer_id = self._args.peer_peering_ids.get((link.peer_stack, link.peer_circuit))
            if peer_id is None:
                raise ValueError(
                    f"Global Reach link {key!r}: no private peering ID for {link.peer_stack}/{link.peer_circuit} in "
                    "peer_peering_ids; the program reads it from the peer stack's circuit_peering_ids output"
                )
            gr_name = global_reach_name(site.stack, key)
            connection = network.ExpressRouteCircuitConnection(
                f"{self._name}-global-reach-{key}",
                circuit_name=circuit_name(site.stack, link.circuit),
                peering_name=PRIVATE_PEERING,
                connection_name=gr_name,
                name=gr_name,
                resource_group_name=self._rg,
                address_prefix=str(link.prefix),
                express_route_circuit_peering=network.SubResourceArgs(id=peerings[link.circuit].id),
                peer_express_route_circuit_peering=network.SubResourceArgs(id=peer_id),
                opts=self._opts(depends_on=[peerings[link.circuit]]),
            )
            self.global_reach_ids[key] = connection.id


def _secret(args: PrivateInterconnectArgs, key: str | None, what: str) -> pulumi.Output[str] | None:
    """A secret config value by key, kept secret; None when the spec names none."""
    if key is None:
        return None
    if key not in args.secrets:
        raise ValueError(
            f"{what}: secret config key {key!r} was not passed in PrivateInterconnectArgs.secrets "
            f"(have: {', '.join(sorted(args.secrets)) or 'none'})"
        )
    return pulumi.Output.secret(args.secrets[key])
