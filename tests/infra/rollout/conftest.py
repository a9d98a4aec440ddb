"""A simulated Azure and carrier, and a runner that deploys into it by running the real program offline.

``FakeAzure`` keeps every Azure resource the runner applies, by ARM ID, and the carrier's side of things:
each circuit's ``serviceProviderProvisioningState`` (a provider circuit's moves when the carrier provisions
it; a circuit on a Direct port reports ``Provisioned`` from creation, articles/expressroute/
expressroute-howto-erdirect.md, "Create a circuit"), each Direct port's links' admin states and the
cross-connects the colocation provider made. It refuses what Azure refuses: a reference to a resource of the
fabric that does not exist yet (a child before its parent, a diagnostic setting or alert before its target,
a Key Vault secret before its vault, Global Reach before both private peerings), a private peering or a
gateway connection on a provider circuit its provider has not provisioned, MACsec on a port whose CAK and CKN
are not secrets in a vault or that has no identity to read them, the deletion of a protected or locked
resource. What Azure accepts but hurts is an alarm: links enabled with no cross-connects behind them.

``FakeRunner`` previews and updates a stack by running infra/__main__.py under the offline engine with the
stack file as it stands, in the environment the real runner gives the program (AI_FABRIC_STACKS_DIR) and with
the peers' specs from the same files (as the offline planner passes them), diffs the recorded inventory
against what it deployed before, and applies it to FakeAzure in dependency order: nothing is simulated on the
program's side. Every declaration is checked against the recorded carrier state and the rollout's gates
(``check_declaration``), and after every `up` what Azure holds for the stack is exactly what the program
declared. ``FakeProbe`` reads FakeAzure as AzureProbe reads Azure.
"""

from __future__ import annotations

import graphlib
import json
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.interconnect import circuit_name, macsec_secret_name, port_name
from infra import offline
from infra.inventory import Inventory, Resource
from infra.rollout import engine, gates, order, records
from infra.rollout.probe import CircuitTarget, Observation, PortTarget, circuit_state, port_state
from infra.rollout.runner import Changes, RunnerError, program_env
from infra.spec import DirectCircuit, FabricSpec, ProviderCircuit, from_config
from infra.spec.carrier_state import PROVISIONED
from infra.stackfile import LoadedStack, load
from infra.tokens import PRIVATE_INTERCONNECT

REPO = Path(__file__).resolve().parents[3]
SHIPPED_STACKS = REPO / "stacks"

CIRCUIT = "azure-native:network:ExpressRouteCircuit"
PEERING = "azure-native:network:ExpressRouteCircuitPeering"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
GLOBAL_REACH = "azure-native:network:ExpressRouteCircuitConnection"
PORT = "azure-native:network:ExpressRoutePort"
AUTHORIZATION = "azure-native:network:ExpressRouteCircuitAuthorization"
VAULT_SECRET = "azure-native:keyvault:Secret"
LOCK = "azure-native:authorization:ManagementLockByScope"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"

_offline_lock = threading.Lock()  # the offline engine's runtime settings are process-wide


# ------------------------------------------------------------------------------------------------
# ARM IDs
# ------------------------------------------------------------------------------------------------


def arm_parent(rid: str) -> str | None:
    """What must exist before `rid`: a child's parent resource ('.../vaults/v/secrets/s' -> '.../vaults/v'),
    an extension resource's scope ('<circuit>/providers/Microsoft.Insights/diagnosticSettings/x' -> the
    circuit), a resource's group; None at subscription level."""
    parts = rid.strip("/").split("/")
    at = [i for i, part in enumerate(parts) if part.lower() == "providers"]
    if not at:
        return None  # a subscription or a resource group: its parent is the subscription
    last = at[-1]
    if len(parts) - (last + 2) > 2:  # namespace, then more than one type/name pair: a child resource
        return "/" + "/".join(parts[:-2])
    scope = parts[:last]
    return "/" + "/".join(scope) if len(scope) > 2 else None


def arm_references(value: Any) -> Iterator[str]:
    """Every ARM ID in an input value."""
    if isinstance(value, str):
        if value.startswith("/subscriptions/"):
            yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from arm_references(v)
    elif isinstance(value, list):
        for v in value:
            yield from arm_references(v)


def is_azure(r: Resource) -> bool:
    """A resource Azure holds (not a component, a stack reference or a provider)."""
    return r.custom and r.type.startswith("azure-native:") and r.id is not None


def _key_of(resource: Resource, role: str, component: str = gates.INTERCONNECT) -> str:
    """The spec key in a child's name: 'interconnect-peering-wdc' -> 'wdc' for role 'peering'."""
    return resource.name.removeprefix(f"{component}-{role}-")


# ------------------------------------------------------------------------------------------------
# The simulated Azure
# ------------------------------------------------------------------------------------------------


@dataclass
class AzureResource:
    stack: str
    type: str
    name: str
    """The Pulumi name of the resource that declared it."""
    inputs: Mapping[str, Any]


class FakeAzure:
    """What exists in the simulated subscription, and the carrier's and colocation provider's side of it."""

    def __init__(self) -> None:
        self.resources: dict[str, AzureResource] = {}
        """ARM ID (lower case, as Azure compares them) -> what was applied."""
        self.circuits: dict[str, str] = {}
        """Azure circuit name -> serviceProviderProvisioningState."""
        self.circuit_ports: dict[str, str] = {}
        """Azure circuit name -> Azure port name, for circuits carved from a Direct port."""
        self.port_links: dict[str, list[str]] = {}
        """Azure port name -> adminState of each link."""
        self.cross_connects: set[str] = set()
        """Azure port names whose cross-connects the colocation provider has made."""
        self.fabric_groups: set[str] = set()
        """Resource group IDs the fabric declares: a reference into one is to something the fabric makes."""
        self.declared: set[str] = set()
        """ARM IDs some stack's program has declared: a reference to one must find it in place."""
        self.refusals: list[str] = []
        self.alarms: list[str] = []

    # -- the carrier, the colocation provider, an operator ------------------------------------------

    def provision(self, *names: str) -> None:
        """The carrier provisions these provider circuits (Azure names)."""
        for name in names:
            assert name in self.circuits, f"{name} was never created in Azure (have {sorted(self.circuits)})"
            assert name not in self.circuit_ports, f"{name} is on a Direct port: no carrier provisions it"
            self.circuits[name] = "Provisioned"

    def provision_all(self) -> None:
        self.provision(*(c for c in self.circuits if c not in self.circuit_ports))

    def cross_connect(self, *ports: str) -> None:
        """The colocation provider made the cross-connects the port's letter of authorization asks for."""
        for port in ports:
            assert port in self.port_links, f"{port} was never created in Azure (have {sorted(self.port_links)})"
            self.cross_connects.add(port)

    def enable_links_by_hand(self, port: str) -> None:
        """An operator enables a port's links in the portal (expressroute-howto-erdirect.md, "Change Admin
        State of links"), as the cross-connects' Layer 1 test does."""
        self.port_links[port] = ["Enabled"] * len(self.port_links[port])
        self._links_alarm(port)

    def carries_traffic(self, circuit: str) -> bool:
        """A provider circuit once its provider provisioned it; a Direct circuit once its port's links are
        enabled and cross-connected."""
        port = self.circuit_ports.get(circuit)
        if port is not None:
            links = self.port_links.get(port, [])
            return bool(links) and all(s == "Enabled" for s in links) and port in self.cross_connects
        return self.circuits.get(circuit) == "Provisioned"

    # -- what the stack holds ------------------------------------------------------------------------

    def holds(self, stack: str) -> dict[str, Mapping[str, Any]]:
        """ARM ID -> inputs of everything Azure holds for one stack."""
        return {rid: r.inputs for rid, r in self.resources.items() if r.stack == stack}

    def know(self, inv: Inventory) -> None:
        """A program's declaration: its resource groups belong to the fabric, its IDs are the fabric's."""
        for r in inv:
            if is_azure(r):
                self.declared.add(str(r.id).lower())
                if r.type == RESOURCE_GROUP:
                    self.fabric_groups.add(str(r.id).lower())

    def _fabrics(self, rid: str) -> bool:
        low = rid.lower()
        return low in self.declared or any(low == g or low.startswith(g + "/") for g in self.fabric_groups)

    # -- applying ------------------------------------------------------------------------------------

    def apply(self, stack: str, changed: Iterable[Resource]) -> None:
        """Create or update, in dependency order (as the engine does); refuse what Azure refuses."""
        ordered = list(changed)
        urns = {r.urn for r in ordered}
        sorter = graphlib.TopologicalSorter({r.urn: [d for d in r.dependencies if d in urns] for r in ordered})
        by_urn = {r.urn: r for r in ordered}
        for urn in sorter.static_order():
            r = by_urn[urn]
            if is_azure(r):
                self._put(stack, r)

    def delete(self, stack: str, gone: Iterable[Resource]) -> None:
        """Delete, dependents first; Azure refuses a resource under a CanNotDelete lock."""
        ordered = list(gone)
        urns = {r.urn for r in ordered}
        sorter = graphlib.TopologicalSorter({r.urn: [d for d in r.dependencies if d in urns] for r in ordered})
        by_urn = {r.urn: r for r in ordered}
        for urn in reversed(list(sorter.static_order())):
            r = by_urn[urn]
            if not is_azure(r):
                continue
            rid = str(r.id).lower()
            for lock in (x for lid, x in self.resources.items() if x.type == LOCK and lid != rid):
                scope = str(lock.inputs.get("scope", "")).lower()
                if rid == scope or rid.startswith(scope + "/"):
                    self._refuse(stack, r, f"ScopeLocked: lock {lock.name} on {scope} forbids deleting it")
            self.resources.pop(rid, None)

    def _put(self, stack: str, r: Resource) -> None:
        rid = str(r.id)
        inputs = r.inputs
        if r.type == PORT:
            self._macsec(stack, r)
        elif r.type == PEERING:
            self._require_provisioned(stack, r, inputs["circuitName"])
        elif r.type == CONNECTION:
            circuit_id = str(inputs["peer"]["id"])
            if self._fabrics(circuit_id):  # a linked circuit of another subscription is its owner's to judge
                self._require_provisioned(stack, r, circuit_id.rsplit("/", 1)[-1])
                if f"{circuit_id}/peerings/AzurePrivatePeering".lower() not in self.resources:
                    self._refuse(stack, r, f"circuit {circuit_id} has no private peering")
        elif r.type == GLOBAL_REACH:
            for end in (inputs["expressRouteCircuitPeering"]["id"], inputs["peerExpressRouteCircuitPeering"]["id"]):
                if str(end).lower() not in self.resources:
                    self._refuse(stack, r, f"Global Reach needs private peering {end}, which does not exist")
        parent = arm_parent(rid)
        for ref in [*([parent] if parent else []), *arm_references(inputs)]:
            if self._fabrics(ref) and ref.lower() not in self.resources and ref.lower() != rid.lower():
                self._refuse(stack, r, f"{ref} does not exist")
        self.resources[rid.lower()] = AzureResource(stack, r.type, r.name, inputs)
        if r.type == CIRCUIT:
            name = inputs["circuitName"]
            if "expressRoutePort" in inputs:
                self.circuit_ports[name] = str(inputs["expressRoutePort"]["id"]).rsplit("/", 1)[-1]
                self.circuits[name] = "Provisioned"  # no provider: Azure reports it provisioned from creation
            else:
                self.circuits.setdefault(name, "NotProvisioned")
        elif r.type == PORT:
            port = inputs["expressRoutePortName"]
            self.port_links[port] = [link["adminState"] for link in inputs["links"]]
            self._links_alarm(port)

    def _macsec(self, stack: str, r: Resource) -> None:
        """MACsec on a port needs its CAK and CKN as Key Vault secrets and an identity on the port to read them
        (articles/expressroute/expressroute-howto-macsec.md)."""
        stored = {(str(x.inputs.get("vaultName")), str(x.inputs.get("secretName")))
                  for x in self.resources.values() if x.type == VAULT_SECRET}
        for link in r.inputs["links"]:
            config = link.get("macSecConfig")
            if not config:
                continue
            if not (r.inputs.get("identity") or {}).get("userAssignedIdentities"):
                self._refuse(stack, r, f"link {link['name']}: MACsec needs an identity on the port to read its keys")
            for which in ("cakSecretIdentifier", "cknSecretIdentifier"):
                uri = str(config.get(which, ""))
                host, _, path = uri.removeprefix("https://").partition("/")
                parts = path.split("/")
                where = (host.split(".", 1)[0], parts[1] if len(parts) > 1 and parts[0] == "secrets" else "")
                if where not in stored:
                    self._refuse(stack, r, f"link {link['name']}: {which} {uri} names no secret in a vault")

    def _links_alarm(self, port: str) -> None:
        if "Enabled" in self.port_links[port] and port not in self.cross_connects:
            alarm = f"{port}: links enabled with no cross-connects behind them (no light: the links alarm)"
            if alarm not in self.alarms:
                self.alarms.append(alarm)

    def _require_provisioned(self, stack: str, r: Resource, circuit: str) -> None:
        if circuit not in self.circuit_ports and self.circuits.get(circuit) != "Provisioned":
            state = self.circuits.get(circuit)
            self._refuse(stack, r, f"circuit {circuit} is {state or 'absent'}: it has not been provisioned")

    def _refuse(self, stack: str, r: Resource, why: str) -> None:
        message = f"Azure refused {r.type} {r.name} of {stack}: {why}"
        self.refusals.append(message)
        raise RunnerError(stack, message)


class FakeProbe:
    def __init__(self, azure: FakeAzure, unservable: Mapping[str, str] | None = None):
        self.azure = azure
        self.refuse = dict(unservable or {})
        self.reads: list[str] = []

    def circuit(self, target: CircuitTarget) -> Observation:
        self.reads.append(target.name)
        state = self.azure.circuits.get(target.name)
        if state is None:
            return Observation(None, f"{target.name} is not in Azure yet")
        return Observation(circuit_state(state), f"serviceProviderProvisioningState {state}")

    def port(self, target: PortTarget) -> Observation:
        self.reads.append(target.name)
        links = self.azure.port_links.get(target.name)
        if links is None:
            return Observation(None, f"{target.name} is not in Azure yet")
        return Observation(port_state(links), f"links adminState {', '.join(links)}")

    def unservable(self, target: CircuitTarget | PortTarget) -> str | None:
        return self.refuse.get(target.name)


# ------------------------------------------------------------------------------------------------
# What the program must declare at each step
# ------------------------------------------------------------------------------------------------


def check_declaration(stack: str, inv: Inventory, specs: Mapping[str, FabricSpec]) -> None:
    """What the program declares honours the recorded carrier state, and what it defers is exactly what the
    rollout's gates say is held back (one source of truth: components.interconnect.deferred_resources).

    Pending circuits: no peering, connection or Global Reach, no BGP/ARP alerts, no connection diagnostics.
    Ports: links disabled until provisioned, then enabled with a line-protocol alert; MACsec keys from the
    site's vault on both links whatever the state. Authorizations: declared on every owned circuit at once."""
    spec = specs[stack]
    ic = spec.interconnect
    names = {r.name: r for r in inv}
    (component,) = inv.of_type(PRIVATE_INTERCONNECT)
    deferred = list(component.inputs["deferred"])
    held = [name for g in gates.stack_gates(spec, specs) for name in g.deferred]
    assert sorted(held) == sorted(deferred), (stack, held, deferred)
    assert not set(names) & set(deferred), stack
    for r in inv.of_type(PEERING):
        assert spec.circuit_state(_key_of(r, "peering")) == PROVISIONED, (stack, r.name, "peering of a pending circuit")
    for r in inv.of_type(CONNECTION):
        assert spec.circuit_state(_key_of(r, "connection")) == PROVISIONED, (stack, r.name)
    for r in inv.of_type(GLOBAL_REACH):
        link = ic.global_reach[_key_of(r, "global-reach")]
        assert link.owned_by(stack), (stack, r.name, "declared by the peer side")
        assert spec.circuit_state(link.circuit) == PROVISIONED, (stack, r.name)
        assert specs[link.peer_stack].circuit_state(link.peer_circuit) == PROVISIONED, (stack, r.name)
    owned = {k: c for k, c in ic.circuits.items() if not c.linked}
    for key, c in owned.items():
        ready = spec.circuit_state(key) == PROVISIONED
        assert (f"interconnect-peering-{key}" in names) == ready, (stack, key)
        for layer in ("bgp", "arp"):
            assert (f"observability-alert-circuit-{key}-{layer}" in names) == ready, (stack, key, layer)
        assert (f"observability-diag-connection-{key}" in names) == ready, (stack, key)
        assert f"observability-diag-circuit-{key}" in names, (stack, key)
        for name in c.authorizations:
            assert f"interconnect-authorization-{key}-{name}" in names, (stack, key, name)
    assert len(inv.of_type(AUTHORIZATION)) == sum(len(c.authorizations) for c in owned.values()), stack
    secrets = {r.inputs["secretName"]: r for r in inv.of_type(VAULT_SECRET)}
    for r in inv.of_type(PORT):
        key = _key_of(r, "port")
        port = ic.ports[key]
        ready = spec.port_state(key) == PROVISIONED
        assert {link["adminState"] for link in r.inputs["links"]} == {"Enabled" if ready else "Disabled"}, r.name
        assert (f"observability-alert-port-{key}-line" in names) == ready, (stack, key)
        assert f"observability-diag-port-{key}" in names, (stack, key)
        for link in r.inputs["links"]:
            mac = link.get("macSecConfig")
            if port.macsec is None:
                assert not mac, (stack, key)
                continue
            assert mac["cipher"] == port.macsec.cipher, (stack, key)
            for which, field_name in (("cak", "cakSecretIdentifier"), ("ckn", "cknSecretIdentifier")):
                secret = macsec_secret_name(stack, key, which)
                assert secret in secrets and f"/secrets/{secret}/" in mac[field_name], (stack, key, which)
    for key in ic.ports:
        assert f"interconnect-port-{key}" in names, (stack, key)


# ------------------------------------------------------------------------------------------------
# The runner
# ------------------------------------------------------------------------------------------------


_SHARED_DECLARATIONS: dict[tuple[str, ...], Inventory] = {}
"""What the program declared for a stack file and what it read of its peers, shared by every FakeRunner of
the session: the same declaration is the same offline run (seconds of the SDK's engine), whichever test
asks. A runner still counts each declaration it asks for as one plan of its own."""


class FakeRunner:
    def __init__(self, azure: FakeAzure, stacks_dir: Path):
        self.azure = azure
        self.stacks_dir = stacks_dir
        self.deployed: dict[str, dict[str, Resource]] = {}
        """Each stack's Pulumi state: URN -> resource as last applied."""
        self.exports: dict[str, dict[str, Any]] = {}
        """Each stack's outputs after its last `up --refresh`."""
        self.calls: list[tuple[str, str]] = []
        self.fail_up: set[str] = set()
        self.plans = 0
        """Offline runs of the program: one per distinct declaration (a stack file, and what it reads of
        its peers), however often it is previewed."""
        self._cache: dict[tuple[str, ...], Inventory] = {}
        self._files: dict[Path, tuple[str, LoadedStack]] = {}

    # -- what the program declares -------------------------------------------------------------

    def _stack_files(self) -> dict[str, LoadedStack]:
        """Every stack file of the directory as it stands now, loaded as infra/peers.py loads a peer's."""
        out = {}
        for path in sorted(self.stacks_dir.glob("Pulumi.*.yaml")):
            text = path.read_text()
            if path not in self._files or self._files[path][0] != text:
                self._files[path] = (text, load(path))
            stack = self._files[path][1]
            out[stack.name] = stack
        return out

    def _declared(self, stack: str) -> Inventory:
        files = self._stack_files()
        specs = {n: s.spec for n, s in files.items()}
        peers = sorted({l.peer_stack for l in specs[stack].interconnect.global_reach.values() if l.owned_by(stack)})
        # What the program reads of a peer: its stack file (carrier state) and its circuit_peering_ids output.
        read = {p: (files[p].file.config if p in files else None, self.exports.get(p, {}).get(order.READ_OUTPUT))
                for p in peers}
        key = (stack, json.dumps(files[stack].file.config, sort_keys=True, default=str),
               json.dumps(read, sort_keys=True, default=str))
        if key not in self._cache:
            inv = _SHARED_DECLARATIONS.get(key)
            if inv is None:
                with _offline_lock, pytest.MonkeyPatch.context() as mp:
                    for name, value in program_env(self.stacks_dir).items():  # as AutomationRunner runs pulumi
                        mp.setenv(name, value)
                    try:
                        inv = offline.run(stack, files[stack].file.config, peer_specs=specs,
                                          peer_outputs=lambda peer: self.exports.get(peer, {}))
                    except offline.PlanError as exc:
                        raise RunnerError(stack, str(exc)) from None
                _SHARED_DECLARATIONS[key] = inv
            self.plans += 1
            check_declaration(stack, inv, specs)
            self._cache[key] = inv
        self.azure.know(self._cache[key])
        return self._cache[key]

    # -- the Runner interface --------------------------------------------------------------------

    def prepare(self, stack: str) -> None:
        self.calls.append(("prepare", stack))

    def _diff(self, stack: str, resources: Mapping[str, Resource]) -> tuple[list[Resource], list[Resource], list[Resource]]:
        before = self.deployed.get(stack, {})
        create = [r for u, r in resources.items() if u not in before]
        update = [r for u, r in resources.items() if u in before and before[u].inputs != r.inputs]
        delete = [r for u, r in before.items() if u not in resources]
        return create, update, delete

    def preview(self, stack: str) -> Changes:
        self.calls.append(("preview", stack))
        create, update, delete = self._diff(stack, {r.urn: r for r in self._declared(stack)})
        return Changes(create=len(create), update=len(update), delete=len(delete))

    def up(self, stack: str) -> Changes:
        self.calls.append(("up", stack))
        if stack in self.fail_up:
            raise RunnerError(stack, f"error: update of {stack} failed (simulated)")
        inv = self._declared(stack)
        resources = {r.urn: r for r in inv}
        create, update, delete = self._diff(stack, resources)
        for r in delete:
            if r.protect:
                raise RunnerError(stack, f"error: unable to delete protected resource {r.urn}")
        self.azure.delete(stack, delete)
        self.azure.apply(stack, create + update)
        self.deployed[stack] = dict(resources)
        # What it applied is what the program declared: Azure holds exactly the stack's declaration.
        assert self.azure.holds(stack) == {str(r.id).lower(): r.inputs for r in inv if is_azure(r)}, stack
        owned = {_key_of(r, "circuit") for r in inv.of_type(CIRCUIT)}
        exported = inv.exports["circuit_provider_states"]
        assert set(exported) == owned, (stack, exported)  # the program exports one state per circuit it owns
        ports = {_key_of(r, "port") for r in inv.of_type(PORT)}
        assert set(inv.exports["port_link_admin_states"]) == ports, stack
        # `up --refresh` exports what Azure says at the time (the mock always says NotProvisioned and echoes
        # the declared links).
        self.exports[stack] = {
            **inv.exports,
            "circuit_provider_states": {k: self.azure.circuits[circuit_name(stack, k)] for k in exported},
            "port_link_admin_states": {k: list(self.azure.port_links[port_name(stack, k)]) for k in ports},
        }
        return Changes(create=len(create), update=len(update), delete=len(delete))

    def outputs(self, stack: str) -> Mapping[str, Any]:
        return dict(self.exports.get(stack, {}))

    def refresh(self, stack: str) -> None:
        self.calls.append(("refresh", stack))

    # -- for assertions ----------------------------------------------------------------------------

    def count(self, stack: str, type_: str) -> int:
        return sum(1 for r in self.deployed.get(stack, {}).values() if r.type == type_)

    def total(self, type_: str) -> int:
        return sum(self.count(s, type_) for s in self.deployed)


def _circuit(location: str, n: int, key: str) -> dict[str, Any]:
    return {
        "kind": "provider", "peering_location": location, "bandwidth_mbps": 1000, "tier": "Premium",
        "private_peering": {"peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
                            "secondary_prefix": f"172.16.{n}.4/30", "bgp_key_secret": f"bgpKey{key.title()}"},
    }


def _small_site(stack: str, n: int, circuits: dict[str, str], links: dict[str, dict[str, str]]) -> FabricSpec:
    """A site without GPU clusters: circuits at the given peering locations, a gateway, Global Reach."""
    return from_config(stack, {
        "site": {"region": "eastus", "address_space": [f"10.{n}.0.0/16"]},
        "interconnect": {
            "circuits": {key: _circuit(loc, 10 * n + i, key) for i, (key, loc) in enumerate(circuits.items())},
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{n}.255.0/26"},
            "global_reach": links,
        },
    })


def write_stack_file(target: Path, spec: FabricSpec) -> Path:
    """A stack file as a person writes one for a new site: no recorded carrier state yet."""
    config = {k: v for k, v in offline.config_from_spec(spec).items() if k != "ai-fabric:carrier_state"}
    text = f"# {spec.stack}: a small test site; this comment must survive a rollout\n" + yaml.safe_dump(
        {"config": config}, sort_keys=False)
    path = target / f"Pulumi.{spec.stack}.yaml"
    path.write_text(text)
    return path


def write_small_fabric(target: Path) -> Path:
    """Two small sites, alpha and beta, one Global Reach link between them (alpha owns it)."""
    target.mkdir(parents=True, exist_ok=True)
    link = {"prefix": "172.31.9.0/29"}
    write_stack_file(target, _small_site("alpha", 21, {"wdc": "Washington DC", "nyc": "New York"},
                                         {"to-beta": {"circuit": "wdc", "peer_stack": "beta", "peer_circuit": "chi", **link}}))
    write_stack_file(target, _small_site("beta", 22, {"chi": "Chicago", "sat": "San Antonio"},
                                         {"to-alpha": {"circuit": "chi", "peer_stack": "alpha", "peer_circuit": "wdc", **link}}))
    return target


def write_direct_site(target: Path) -> Path:
    """One site, gamma: an ExpressRoute Direct port pair p1 (10G, Washington DC, MACsec) carrying circuit wdc,
    and a provider circuit nyc."""
    target.mkdir(parents=True, exist_ok=True)
    spec = _small_site("gamma", 23, {"nyc": "New York"}, {})
    data = spec.model_dump(mode="json", exclude={"stack"})
    data["interconnect"]["ports"] = {"p1": {
        "peering_location": "Washington DC", "bandwidth_gbps": 10,
        "macsec": {"cipher": "GcmAes256", "cak_secret": "macsecCakP1", "ckn_secret": "macsecCknP1"}}}
    data["interconnect"]["circuits"]["wdc"] = {
        **_circuit("Washington DC", 239, "wdc"), "kind": "direct", "port": "p1", "bandwidth_gbps": 5}
    for drop in ("peering_location", "bandwidth_mbps", "provider"):
        data["interconnect"]["circuits"]["wdc"].pop(drop, None)
    write_stack_file(target, from_config("gamma", data))
    return target


def strip_carrier_state(path: Path) -> None:
    """Remove the recorded `ai-fabric:carrier_state` block (and the comment line above it) from a stack file:
    the file as it was before anything was deployed."""
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("  ai-fabric:carrier_state:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    if lines[start - 1].lstrip().startswith("#"):
        start -= 1
    path.write_text("".join(lines[:start] + lines[end:]))


def fresh_copy_of_shipped(target: Path) -> Path:
    """The shipped stacks as they were before the first `pulumi up`: nothing recorded, every circuit pending."""
    shutil.copytree(SHIPPED_STACKS, target)
    for path in target.glob("Pulumi.*.yaml"):
        strip_carrier_state(path)
        recorded = load(path).spec.carrier_state
        assert recorded.circuits == {} and recorded.ports == {}, path.name
    return target


@pytest.fixture
def rollout_stacks(tmp_path: Path) -> Path:
    """A small two-site fabric (alpha owns the Global Reach link to beta) that a rollout may write into."""
    return write_small_fabric(tmp_path / "stacks")


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped stacks, carrier state as recorded."""
    target = tmp_path / "stacks"
    shutil.copytree(SHIPPED_STACKS, target)
    return target


@pytest.fixture
def fresh_stacks(tmp_path: Path) -> Path:
    """A private copy of the shipped stacks with no carrier state recorded."""
    return fresh_copy_of_shipped(tmp_path / "stacks")


@pytest.fixture
def azure() -> FakeAzure:
    return FakeAzure()


@pytest.fixture
def fake_runner(azure: FakeAzure, rollout_stacks: Path) -> FakeRunner:
    return FakeRunner(azure, rollout_stacks)


@pytest.fixture
def direct_stacks(tmp_path: Path) -> Path:
    """One site with an ExpressRoute Direct port (write_direct_site)."""
    return write_direct_site(tmp_path / "direct")


@pytest.fixture
def write_spec(tmp_path: Path):
    """write_spec(spec) -> the spec as a stack file of its own directory, loaded (a LoadedStack)."""

    def write(spec: FabricSpec) -> LoadedStack:
        target = tmp_path / f"spec-{spec.stack}"
        target.mkdir(exist_ok=True)
        return load(write_stack_file(target, spec))

    return write


@pytest.fixture
def runner_for(azure: FakeAzure):
    """runner_for(stacks_dir) -> a FakeRunner deploying that directory into the same simulated Azure."""
    return lambda stacks_dir: FakeRunner(azure, stacks_dir)


@pytest.fixture
def fake_probe(azure: FakeAzure) -> FakeProbe:
    return FakeProbe(azure)


@pytest.fixture
def run_rollout(rollout_stacks: Path, fake_runner: FakeRunner, fake_probe: FakeProbe):
    """run_rollout(probe=None, names=()) -> (RolloutResult, progress lines): one `fabric rollout` run."""

    def run(probe: Any = None, names: tuple[str, ...] = (), runner: FakeRunner | None = None,
            ) -> tuple[engine.RolloutResult, list[str]]:
        lines: list[str] = []
        plan = engine.plan(rollout_stacks, list(names), all_stacks=not names)
        result = engine.Rollout(plan, runner or fake_runner, probe or fake_probe,
                                progress=lambda stack, message: lines.append(f"[{stack}] {message}")).run()
        return result, lines

    return run


@pytest.fixture(scope="module")
def gamma_plans(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Inventory], dict[str, FabricSpec]]:
    """gamma's declaration with nothing provisioned ('pending'), and as a program that ignored the carrier would
    declare it ('provisioned'), with gamma's spec (nothing recorded)."""
    stack = load(write_direct_site(tmp_path_factory.mktemp("gamma")) / "Pulumi.gamma.yaml")
    specs = {"gamma": stack.spec}
    with _offline_lock:
        plans = {state: offline.run("gamma", stack.file.config, peer_specs=specs,
                                    options=offline.RunOptions(carrier_state=state))
                 for state in ("pending", "provisioned")}
    return plans, specs


@pytest.fixture
def azure_knowing():
    """azure_knowing(inventory) -> an empty FakeAzure that knows the inventory's declaration (its groups, IDs)."""

    def make(inv: Inventory) -> FakeAzure:
        azure = FakeAzure()
        azure.know(inv)
        return azure

    return make


@pytest.fixture
def declaration_check():
    return check_declaration


@dataclass(frozen=True)
class ShippedCounts:
    """What the shipped stacks declare, counted from their specs (the tests hold the rollout to these)."""

    stacks: int
    circuits: int
    provider_circuits: int
    """Circuits a connectivity provider provisions: one `carrier` gate each while pending."""
    direct_circuits: int
    """Circuits carved from a Direct port: one `cross-connect` gate each while their port is pending."""
    linked_circuits: int
    """Circuits of another subscription: one `owner` gate each while pending."""
    ports: int
    links: int
    """Global Reach links, each counted once (at its owner)."""
    secret_keys: int
    """Secret config keys, per stack (a key two stacks name is two keys to set)."""


@pytest.fixture(scope="session")
def shipped_counts(shipped_specs: Mapping[str, FabricSpec]) -> ShippedCounts:
    specs = list(shipped_specs.values())
    circuits = [c for s in specs for c in s.interconnect.circuits.values()]
    # The keys as the stack files hold them: every `secure:` value (the shipped files are complete examples).
    secure = sum(1 for path in SHIPPED_STACKS.glob("Pulumi.*.yaml")
                 for v in (yaml.safe_load(path.read_text())["config"] or {}).values()
                 if isinstance(v, Mapping) and set(v) == {"secure"})
    return ShippedCounts(
        stacks=len(specs),
        circuits=len(circuits),
        provider_circuits=sum(isinstance(c, ProviderCircuit) and not c.linked for c in circuits),
        direct_circuits=sum(isinstance(c, DirectCircuit) and not c.linked for c in circuits),
        linked_circuits=sum(c.linked for c in circuits),
        ports=sum(len(s.interconnect.ports) for s in specs),
        links=sum(link.owned_by(s.stack) for s in specs for link in s.interconnect.global_reach.values()),
        secret_keys=secure,
    )


@dataclass(frozen=True)
class RunRecord:
    """One `fabric rollout` run of a convergence, as the tests look at it afterwards."""

    result: engine.RolloutResult
    lines: list[str]
    totals: dict[str, int]
    """Deployed resources by type, over every stack, after the run."""
    names: dict[str, list[str]]
    """Deployed resource names by stack, after the run."""
    deployed: dict[str, dict[str, dict[str, Any]]]
    """Deployed resources by stack, after the run: URN -> inputs."""
    azure: dict[str, dict[str, Mapping[str, Any]]]
    """What Azure holds by stack, after the run: ARM ID -> inputs."""
    port_links: dict[str, list[str]]
    """Azure port name -> admin state of each link, after the run."""
    exports: dict[str, dict[str, Any]]
    """Each stack's outputs after the run."""
    calls: list[tuple[str, str]]
    texts: dict[str, str]
    """Stack files after the run."""
    refusals: list[str]
    alarms: list[str]
    plans: int
    """Offline runs of the program during the run."""


@dataclass(frozen=True)
class Convergence:
    runs: list[RunRecord]
    fresh: dict[str, str]
    """The stack files before the first run: the shipped ones without their recorded carrier state."""


DIRECT_SITE, FIRST_PORT, SECOND_PORT = "eastus", "wdc", "nyc"
"""The shipped site on ExpressRoute Direct, the port whose cross-connects come first, and the other."""
FIRST_PEER, FIRST_PEER_CIRCUIT = "westus3", "svl"
"""The provider circuit the carrier provisions first: the far end of eastus's Global Reach link from wdc."""


@pytest.fixture(scope="module")
def shipped_convergence(tmp_path_factory: pytest.TempPathFactory) -> Convergence:
    """The shipped 5-site fabric from an empty subscription, over four `fabric rollout` runs:

    1. fresh: nothing recorded, every circuit and port pending;
    2. after the carrier provisioned westus3/svl, and the colocation provider made the cross-connects of
       eastus's port wdc, which a person recorded (`pulumi config set --path 'carrier_state.ports.wdc'
       provisioned`, as its gate says: Azure cannot see cross-connects);
    3. after the carrier provisioned every other provider circuit, and the colocation provider made the
       cross-connects of port nyc, whose links an operator then enabled by hand (the rollout reads that and
       records the port itself);
    4. again, with nothing new.
    """
    stacks = fresh_copy_of_shipped(tmp_path_factory.mktemp("shipped") / "stacks")
    direct = load(stacks / f"Pulumi.{DIRECT_SITE}.yaml").spec.interconnect
    assert set(direct.ports) == {FIRST_PORT, SECOND_PORT}
    assert any(l.peer_stack == FIRST_PEER and l.peer_circuit == FIRST_PEER_CIRCUIT and
               direct.circuits[l.circuit].port == FIRST_PORT for l in direct.global_reach.values())
    fresh = {p.name: p.read_text() for p in stacks.glob("Pulumi.*.yaml")}
    azure = FakeAzure()
    runner, probe = FakeRunner(azure, stacks), FakeProbe(azure)

    def first() -> None:
        azure.provision(circuit_name(FIRST_PEER, FIRST_PEER_CIRCUIT))
        azure.cross_connect(port_name(DIRECT_SITE, FIRST_PORT))
        records.write(stacks / f"Pulumi.{DIRECT_SITE}.yaml", ports={FIRST_PORT: PROVISIONED})

    def rest() -> None:
        azure.provision_all()
        azure.cross_connect(port_name(DIRECT_SITE, SECOND_PORT))
        azure.enable_links_by_hand(port_name(DIRECT_SITE, SECOND_PORT))

    runs = []
    for act in (lambda: None, first, rest, lambda: None):
        act()
        runner.calls.clear()
        plans_before = runner.plans
        lines: list[str] = []
        plan = engine.plan(stacks, [], all_stacks=True)
        result = engine.Rollout(plan, runner, probe, progress=lambda s, m: lines.append(f"[{s}] {m}")).run()
        totals: dict[str, int] = {}
        for deployed in runner.deployed.values():
            for r in deployed.values():
                totals[r.type] = totals.get(r.type, 0) + 1
        runs.append(RunRecord(
            result=result, lines=lines, totals=totals,
            names={s: sorted(r.name for r in d.values()) for s, d in runner.deployed.items()},
            deployed={s: {u: r.inputs for u, r in d.items()} for s, d in runner.deployed.items()},
            azure={s: azure.holds(s) for s in runner.deployed},
            port_links={p: list(links) for p, links in azure.port_links.items()},
            exports={s: dict(e) for s, e in runner.exports.items()},
            calls=list(runner.calls), texts={p.name: p.read_text() for p in stacks.glob("Pulumi.*.yaml")},
            refusals=list(azure.refusals), alarms=list(azure.alarms), plans=runner.plans - plans_before,
        ))
    return Convergence(runs, fresh)
