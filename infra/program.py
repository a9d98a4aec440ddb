"""The Pulumi program: spec from the stack's config, then the site, its components and exports.

Config is parsed here once; components receive typed arguments and never read config.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, network, resources
from pydantic import ValidationError

from components.context import SiteContext, baseline_tags
from components.entra_access import EntraAccess, EntraAccessArgs
from components.gpu_cluster import GpuCluster, GpuClusterArgs
from components.interconnect import CarrierView, PrivateInterconnect, PrivateInterconnectArgs, circuit_name, port_name
from components.observability import SiteObservability, SiteObservabilityArgs
from infra import capacity, peers
from infra.observability import alert_plan
from infra.spec import CONFIG_KEYS, PROJECT, FabricSpec, ProviderCircuit, from_config
from infra.stackfile import SpecError, issues_from_validation


def load_spec() -> FabricSpec:
    """The stack's spec from the engine's config; a bad config stops the program with every issue."""
    config = pulumi.Config(PROJECT)
    values = {}
    for key in CONFIG_KEYS:
        value = config.get_object(key)
        if value is not None:
            values[key] = value
    try:
        return from_config(pulumi.get_stack(), values)
    except ValidationError as exc:
        issues = issues_from_validation(exc, values, None)
        raise pulumi.RunError(
            f"stack {pulumi.get_stack()} has an invalid ai-fabric config (run `fabric validate --stack "
            f"{pulumi.get_stack()}` for file and line):\n" + "\n".join(f"  {i}" for i in issues)
        ) from None


def secret(key: str) -> pulumi.Output[str]:
    """A secret config value; a plain-text one is refused rather than silently used."""
    if not pulumi.runtime.is_config_secret(f"{PROJECT}:{key}"):
        raise pulumi.RunError(
            f"config key {PROJECT}:{key} must be a secret: run `pulumi config set --secret {key} <value>`"
        )
    return pulumi.Config(PROJECT).require_secret(key)


def build_site(spec: FabricSpec) -> tuple[SiteContext, resources.ResourceGroup]:
    client = authorization.get_client_config_output()
    tags = baseline_tags(spec.stack, spec.site.region, "site", spec.site.tags)
    rg = resources.ResourceGroup(
        "network-rg",
        resource_group_name=f"{spec.resource_group}-network",
        location=spec.site.region,
        tags=tags,
    )
    vnet = network.VirtualNetwork(
        "vnet",
        virtual_network_name=f"vnet-ai-fabric-{spec.stack}",
        resource_group_name=rg.name,
        location=spec.site.region,
        address_space=network.AddressSpaceArgs(address_prefixes=[str(p) for p in spec.site.address_space]),
        tags=tags,
        # Subnets are separate resources owned by the components; inline subnets would fight them.
        opts=pulumi.ResourceOptions(ignore_changes=["subnets"]),
    )
    site = SiteContext(
        stack=spec.stack,
        region=spec.site.region,
        subscription_id=client.subscription_id,
        network_resource_group=rg.name,
        vnet_name=vnet.name,
        vnet_id=vnet.id,
        tags=dict(spec.site.tags),
    )
    return site, rg


def _secrets(spec: FabricSpec) -> dict[str, pulumi.Output[str]]:
    """Every secret config value the spec names (BGP and authorization keys, MACsec CAK/CKN, webhook URLs)."""
    return {k: secret(k) for k in sorted(spec.secret_keys())}


def carrier_view(spec: FabricSpec) -> CarrierView:
    """What the carrier has provisioned: this stack's recorded states, and for each Global Reach link it
    owns, the peer circuit's state as the peer's stack file records it (infra/peers.py)."""
    peer_states: dict[tuple[str, str], str] = {}
    for link in spec.interconnect.global_reach.values():
        if not link.owned_by(spec.stack):
            continue
        try:
            peer = peers.peer_spec(link.peer_stack)
        except SpecError as exc:
            raise pulumi.RunError(
                f"Global Reach: the stack file of peer {link.peer_stack} is invalid, so what its carrier has "
                f"provisioned is unknown:\n" + "\n".join(f"  {i}" for i in exc.issues)
            ) from None
        if peer is not None and link.peer_circuit in peer.interconnect.circuits:
            peer_states[(link.peer_stack, link.peer_circuit)] = peer.circuit_state(link.peer_circuit)
    ic = spec.interconnect
    return CarrierView(
        circuits={k: spec.circuit_state(k) for k in ic.circuits},
        ports={k: spec.port_state(k) for k in ic.ports},
        peer_circuits=peer_states,
    )


def _peer_peering_ids(spec: FabricSpec, carrier: CarrierView) -> dict[tuple[str, str], pulumi.Output[str]]:
    """Peering IDs of the peer circuits of the Global Reach links this stack owns (it sorts first) and
    can make now (both circuits provisioned). `fabric rollout` deploys the peer first."""
    refs: dict[str, pulumi.StackReference] = {}
    out = {}
    for key, link in spec.interconnect.global_reach.items():
        if not link.owned_by(spec.stack) or not carrier.link_ready(spec.interconnect, key):
            continue
        if link.peer_stack not in refs:
            org = pulumi.get_organization()
            refs[link.peer_stack] = pulumi.StackReference(
                f"peer-{link.peer_stack}", stack_name=f"{org}/{pulumi.get_project()}/{link.peer_stack}"
            )
        ids = refs[link.peer_stack].get_output("circuit_peering_ids")
        out[(link.peer_stack, link.peer_circuit)] = ids.apply(
            lambda m, peer=link.peer_stack, c=link.peer_circuit: _peer_peering_id(m, peer, c)
        )
    return out


def _peer_peering_id(exported: object, peer: str, circuit: str) -> str:
    """The peer's peering ID, or a clear stop: Azure would only fail later, at `pulumi up`."""
    value = exported.get(circuit) if isinstance(exported, dict) else None
    if not value:
        raise pulumi.RunError(
            f"peer stack {peer} exports no circuit_peering_ids[{circuit!r}]: its stack file records the circuit "
            f"as provisioned, but {peer} has not been deployed since; run `pulumi up` on {peer} first (or "
            "`fabric rollout`, which deploys peers in an earlier wave)"
        )
    return value


def deploy(spec: FabricSpec) -> None:
    site, network_rg = build_site(spec)
    cat = spec.catalog
    cluster_rgs = {
        name: resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=f"{spec.resource_group}-{name}",
            location=spec.site.region,
            tags=site.tags_for("gpu-cluster"),
        )
        for name in spec.clusters
    }
    clusters = {
        name: GpuCluster(
            name,
            GpuClusterArgs(spec=c, site=site, resource_group_name=cluster_rgs[name].name, sku=cat.gpu_skus[c.sku],
                           admin_ssh_public_key=c.admin_ssh_public_key,
                           # Read each scale set's count from Azure: a re-apply keeps what operators set.
                           live_capacity_resource_group=f"{spec.resource_group}-{name}"),
        )
        for name, c in spec.clusters.items()
    }
    carrier = carrier_view(spec)
    secrets = _secrets(spec)
    interconnect = PrivateInterconnect(
        "interconnect",
        PrivateInterconnectArgs(
            spec=spec.interconnect, site=site, catalog=cat, secrets=secrets,
            peer_peering_ids=_peer_peering_ids(spec, carrier),
            catalog_overrides=spec.catalog_overrides.model_dump(mode="json", exclude_none=True),
            carrier=carrier,
        ),
    )
    sub_scope = pulumi.Output.concat("/subscriptions/", site.subscription_id)
    scopes: dict[str, list[pulumi.Input[str]]] = {
        "subscription": [sub_scope],
        "fabric": [network_rg.id, *(rg.id for rg in cluster_rgs.values())],
        "interconnect": [network_rg.id],
        **{f"cluster/{n}": [rg.id] for n, rg in cluster_rgs.items()},
        **{f"dataset/{n}": [d.storage_account_id] for n, d in spec.access.datasets.items()},
    }
    EntraAccess(
        "access",
        EntraAccessArgs(
            spec=spec.access, site=site, scopes=scopes,
            training_identities={
                n: c.identity_principal_id for n, c in clusters.items() if c.identity_principal_id is not None
            },
            cluster_datasets={n: c.datasets for n, c in spec.clusters.items()},
        ),
    )
    # The stack's own figures; what needs the other sites too (demands, failures across the fabric)
    # is in `fabric plan`, which sees every stack.
    cap, _ = capacity.stack_capacity(spec)
    observability = observe(spec, site, interconnect, carrier, cap, secrets)
    pulumi.export("stack", spec.stack)
    pulumi.export("region", spec.site.region)
    pulumi.export("capacity", cap.to_json())
    pulumi.export("network_resource_group_id", network_rg.id)
    pulumi.export("circuit_peering_ids", interconnect.peering_ids)
    pulumi.export("circuit_ids", interconnect.circuit_ids)
    # Service keys let anyone holding them provision the circuit at the carrier: secret, as a whole.
    pulumi.export("circuit_service_keys", pulumi.Output.secret(interconnect.service_keys))
    pulumi.export("circuits", {
        n: {"bandwidth_gbps": interconnect.bandwidth_gbps[n], "peering_location": interconnect.peering_locations[n]}
        for n in spec.interconnect.circuits
    })
    # As Azure reported them at the last refresh: `fabric rollout --carrier-probe outputs` reads these.
    pulumi.export("circuit_provider_states", interconnect.circuit_provider_states)
    pulumi.export("port_link_admin_states", interconnect.port_link_admin_states)
    pulumi.export("carrier_handoff", carrier_handoff(spec, carrier))
    pulumi.export("port_handoff", port_handoff(spec, carrier))
    pulumi.export("gateway_id", interconnect.gateway_id)
    # Authorization keys let another subscription connect to a circuit: secret, as a whole.
    pulumi.export("circuit_authorization_keys", pulumi.Output.secret(interconnect.authorization_keys))
    pulumi.export("circuit_authorizations", circuit_authorizations(spec))
    pulumi.export("observability", {
        "workspace_id": observability.workspace_id, "action_group_id": observability.action_group_id,
        "alerts": sorted(observability.alert_ids),
    })
    pulumi.export("clusters", {n: {"gpus": c.gpus, "vms": c.vms, "subnet_id": c.subnet.id} for n, c in clusters.items()})


def carrier_handoff(spec: FabricSpec, carrier: CarrierView) -> dict[str, dict[str, object]]:
    """What the carrier needs to provision each circuit this stack owns (the service key itself is in the
    secret output circuit_service_keys), and where each stands."""
    ic = spec.interconnect
    out: dict[str, dict[str, object]] = {}
    for key, c in ic.circuits.items():
        if c.linked:
            continue
        pp = c.private_peering
        entry: dict[str, object] = {
            "state": carrier.circuits.get(key, "pending"),
            "circuit_name": circuit_name(spec.stack, key),
            "resource_group": f"{spec.resource_group}-network",
            "peering_location": ic.peering_location_of(key),
            "vlan_id": pp.vlan_id, "peer_asn": pp.peer_asn,
            "primary_prefix": str(pp.primary_prefix), "secondary_prefix": str(pp.secondary_prefix),
        }
        if isinstance(c, ProviderCircuit):
            entry.update(provider=c.provider, bandwidth_mbps=c.bandwidth_mbps)
        else:
            entry.update(port=c.port, bandwidth_gbps=c.bandwidth_gbps)
        out[key] = entry
    return out


def port_handoff(spec: FabricSpec, carrier: CarrierView) -> dict[str, dict[str, object]]:
    """What the colocation provider needs for each Direct port: where, how big, and the command that
    produces the letter of authorization (a POST action, run once the port exists, not at every preview)."""
    rg = f"{spec.resource_group}-network"
    return {
        key: {
            "state": carrier.ports.get(key, "pending"),
            "port_name": port_name(spec.stack, key), "resource_group": rg,
            "peering_location": p.peering_location, "bandwidth_gbps": p.bandwidth_gbps,
            "encapsulation": p.encapsulation, "links_enabled": carrier.port_ready(key),
            "loa_command": (f"az network express-route port generate-loa --name {port_name(spec.stack, key)} "
                            f"--resource-group {rg} --customer-name <your company> --file {port_name(spec.stack, key)}-loa.pdf"),
        }
        for key, p in spec.interconnect.ports.items()
    }


def observe(spec: FabricSpec, site: SiteContext, interconnect: PrivateInterconnect, carrier: CarrierView,
            cap: capacity.StackCapacity, secrets: dict[str, pulumi.Output[str]]) -> SiteObservability:
    """The site's diagnostic settings and alerts, their thresholds from the stack's capacity figures."""
    ic = spec.interconnect
    plan = alert_plan(spec, cap.interconnect, ready_circuits={k for k in ic.circuits if carrier.circuit_ready(k)},
                      ready_ports={k for k in ic.ports if carrier.port_ready(k)})
    targets: dict[tuple[str, str], pulumi.Input[str]] = {("gateway", "gateway"): interconnect.gateway_id}
    targets.update({("circuit", k): v for k, v in interconnect.circuit_ids.items()})
    targets.update({("port", k): v for k, v in interconnect.port_ids.items()})
    targets.update({("connection", k): v for k, v in interconnect.connection_ids.items()})
    return SiteObservability("observability", SiteObservabilityArgs(
        spec=spec.observability, site=site, plan=plan, targets=targets,
        secrets={k: v for k, v in secrets.items() if k in spec.observability.webhook_secrets},
    ))


def circuit_authorizations(spec: FabricSpec) -> dict[str, dict[str, dict[str, str | None]]]:
    """Who may connect to which circuit, until when (the keys themselves are in circuit_authorization_keys)."""
    return {
        key: {
            name: {"subscription_id": str(a.subscription_id), "owner": a.owner,
                   "expires_on": a.expires_on.isoformat() if a.expires_on else None,
                   "rotate_by": a.rotate_by.isoformat() if a.rotate_by else None}
            for name, a in c.authorizations.items()
        }
        for key, c in spec.interconnect.circuits.items() if c.authorizations
    }


def main() -> None:
    deploy(load_spec())
