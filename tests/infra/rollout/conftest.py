"""A simulated Azure and carrier, and a runner that deploys into it by running the real program offline.

``FakeAzure`` keeps what exists (circuits with their ``serviceProviderProvisioningState``, Direct ports
with their links' admin states, private peerings) and refuses what Azure refuses: a private peering or a
gateway connection on a circuit its provider has not provisioned, a Global Reach connection without both
private peerings, the deletion of a protected resource. ``FakeRunner`` previews and updates a stack by
running infra/__main__.py under the offline engine with the stack file as it stands, in the environment
the real runner gives the program (AI_FABRIC_STACKS_DIR) and with the peers' specs from the same files (as
the offline planner passes them), diffs the recorded inventory against what it deployed before, and
applies it to FakeAzure as it is: nothing is simulated on the program's side. Every declaration it
applies is checked against the recorded carrier state and the rollout's gates (``check_declaration``).
``FakeProbe`` reads FakeAzure as AzureProbe reads Azure.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.interconnect import circuit_name
from infra import offline
from infra.inventory import Inventory, Resource
from infra.rollout import engine, gates, order
from infra.rollout.probe import CircuitTarget, Observation, PortTarget, circuit_state, port_state
from infra.rollout.runner import Changes, RunnerError, program_env
from infra.spec import FabricSpec, from_config
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

_offline_lock = threading.Lock()  # the offline engine's runtime settings are process-wide


class FakeAzure:
    """What exists in the simulated subscription, and the carrier's side of it."""

    def __init__(self) -> None:
        self.circuits: dict[str, str] = {}
        """Azure circuit name -> serviceProviderProvisioningState."""
        self.circuit_ports: dict[str, str] = {}
        """Azure circuit name -> Azure port name, for circuits carved from a Direct port."""
        self.port_links: dict[str, list[str]] = {}
        """Azure port name -> adminState of each link."""
        self.peerings: set[str] = set()
        """Resource IDs of private peerings."""
        self.refusals: list[str] = []

    def provision(self, *names: str) -> None:
        """The carrier provisions these circuits (Azure names)."""
        for name in names:
            assert name in self.circuits, f"{name} was never created in Azure (have {sorted(self.circuits)})"
            self.circuits[name] = "Provisioned"

    def provision_all(self) -> None:
        self.provision(*self.circuits)

    def carries_traffic(self, circuit: str) -> bool:
        """A provider circuit once its provider provisioned it; a Direct circuit once its port's links are
        enabled (this simulation's stand-in for the cross-connects, which Azure's API does not show)."""
        port = self.circuit_ports.get(circuit)
        if port is not None:
            links = self.port_links.get(port, [])
            return bool(links) and all(s == "Enabled" for s in links)
        return self.circuits.get(circuit) == "Provisioned"


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
        links = self.azure.port_links.get(target.name)
        if links is None:
            return Observation(None, f"{target.name} is not in Azure yet")
        return Observation(port_state(links), f"links adminState {', '.join(links)}")

    def unservable(self, target: CircuitTarget | PortTarget) -> str | None:
        return self.refuse.get(target.name)


def _key_of(resource: Resource, role: str) -> str:
    """The spec key in a child's name: 'interconnect-peering-wdc' -> 'wdc' for role 'peering'."""
    return resource.name.removeprefix(f"{gates.INTERCONNECT}-{role}-")


def check_declaration(stack: str, inv: Inventory, specs: Mapping[str, FabricSpec]) -> None:
    """What the program declares honours the recorded carrier state, and what it defers is exactly what the
    rollout's gates say is held back (one source of truth: components.interconnect.deferred_resources)."""
    spec = specs[stack]
    (component,) = inv.of_type(PRIVATE_INTERCONNECT)
    deferred = list(component.inputs["deferred"])
    held = [name for g in gates.stack_gates(spec, specs) for name in g.deferred]
    assert sorted(held) == sorted(deferred), (stack, held, deferred)
    assert not {r.name for r in inv} & set(deferred), stack
    for r in inv.of_type(PEERING):
        assert spec.circuit_state(_key_of(r, "peering")) == PROVISIONED, (stack, r.name, "peering of a pending circuit")
    for r in inv.of_type(CONNECTION):
        assert spec.circuit_state(_key_of(r, "connection")) == PROVISIONED, (stack, r.name)
    for r in inv.of_type(GLOBAL_REACH):
        link = spec.interconnect.global_reach[_key_of(r, "global-reach")]
        assert link.owned_by(stack), (stack, r.name, "declared by the peer side")
        assert spec.circuit_state(link.circuit) == PROVISIONED, (stack, r.name)
        assert specs[link.peer_stack].circuit_state(link.peer_circuit) == PROVISIONED, (stack, r.name)
    for r in inv.of_type(PORT):
        admin = {link["adminState"] for link in r.inputs["links"]}
        assert admin == {"Enabled" if spec.port_state(_key_of(r, "port")) == PROVISIONED else "Disabled"}, r.name


class FakeRunner:
    def __init__(self, azure: FakeAzure, stacks_dir: Path):
        self.azure = azure
        self.stacks_dir = stacks_dir
        self.deployed: dict[str, dict[str, Resource]] = {}
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
            with _offline_lock, pytest.MonkeyPatch.context() as mp:
                for name, value in program_env(self.stacks_dir).items():  # as AutomationRunner runs pulumi
                    mp.setenv(name, value)
                try:
                    inv = offline.run(stack, files[stack].file.config, peer_specs=specs,
                                      peer_outputs=lambda peer: self.exports.get(peer, {}))
                except offline.PlanError as exc:
                    raise RunnerError(stack, str(exc)) from None
            self.plans += 1
            check_declaration(stack, inv, specs)
            self._cache[key] = inv
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
        self._apply(stack, create + update)
        self.deployed[stack] = dict(resources)
        owned = {_key_of(r, "circuit") for r in inv.of_type(CIRCUIT)}
        exported = inv.exports["circuit_provider_states"]
        assert set(exported) == owned, (stack, exported)  # the program exports one state per circuit it owns
        # `up --refresh` exports what Azure says at the time (the mock always says NotProvisioned).
        self.exports[stack] = {**inv.exports, "circuit_provider_states": {
            k: self.azure.circuits[circuit_name(stack, k)] for k in exported}}
        return Changes(create=len(create), update=len(update), delete=len(delete))

    def _apply(self, stack: str, changed: list[Resource]) -> None:
        """Create in dependency order (ports, circuits, peerings, connections, Global Reach), as Azure allows."""
        rank = {PORT: 0, CIRCUIT: 1, PEERING: 2, CONNECTION: 3, GLOBAL_REACH: 3}
        for r in sorted(changed, key=lambda r: rank.get(r.type, 0)):
            if r.type == PORT:
                self.azure.port_links[r.inputs["expressRoutePortName"]] = [l["adminState"] for l in r.inputs["links"]]
            elif r.type == CIRCUIT:
                self.azure.circuits.setdefault(r.inputs["circuitName"], "NotProvisioned")
                if "expressRoutePort" in r.inputs:
                    self.azure.circuit_ports[r.inputs["circuitName"]] = r.inputs["expressRoutePort"]["id"].rsplit("/", 1)[-1]
            elif r.type == PEERING:
                self._require_provisioned(stack, r, r.inputs["circuitName"])
                self.azure.peerings.add(str(r.id))
            elif r.type == CONNECTION:
                circuit_id = str(r.inputs["peer"]["id"])
                self._require_provisioned(stack, r, circuit_id.rsplit("/", 1)[-1])
                if f"{circuit_id}/peerings/AzurePrivatePeering" not in self.azure.peerings:
                    self._refuse(stack, r, f"circuit {circuit_id} has no private peering")
            elif r.type == GLOBAL_REACH:
                for end in (r.inputs["expressRouteCircuitPeering"]["id"], r.inputs["peerExpressRouteCircuitPeering"]["id"]):
                    if end not in self.azure.peerings:
                        self._refuse(stack, r, f"Global Reach needs private peering {end}, which does not exist")

    def _require_provisioned(self, stack: str, r: Resource, circuit: str) -> None:
        if not self.azure.carries_traffic(circuit):
            state = self.azure.circuits.get(circuit)
            self._refuse(stack, r, f"circuit {circuit} is {state or 'absent'}: it has not been provisioned")

    def _refuse(self, stack: str, r: Resource, why: str) -> None:
        message = f"Azure refused {r.type} {r.name}: {why}"
        self.azure.refusals.append(message)
        raise RunnerError(stack, message)

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
    """One site, gamma: an ExpressRoute Direct port pair p1 (10G, Washington DC) carrying circuit wdc, and a
    provider circuit nyc."""
    target.mkdir(parents=True, exist_ok=True)
    spec = _small_site("gamma", 23, {"nyc": "New York"}, {})
    data = spec.model_dump(mode="json", exclude={"stack"})
    data["interconnect"]["ports"] = {"p1": {"peering_location": "Washington DC", "bandwidth_gbps": 10}}
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
        assert load(path).spec.carrier_state.circuits == {}, path.name
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


@dataclass(frozen=True)
class ShippedCounts:
    """What the shipped stacks declare, counted from their specs (the tests hold the rollout to these)."""

    stacks: int
    circuits: int
    links: int
    """Global Reach links, each counted once (at its owner)."""
    secret_keys: int


@pytest.fixture(scope="session")
def shipped_counts(shipped_specs: Mapping[str, FabricSpec]) -> ShippedCounts:
    specs = shipped_specs.values()
    keys = {(s.stack, k) for s in specs for c in s.interconnect.circuits.values()
            for k in (c.private_peering.bgp_key_secret, c.authorization_key_secret) if k}
    return ShippedCounts(
        stacks=len(shipped_specs),
        circuits=sum(len(s.interconnect.circuits) for s in specs),
        links=sum(link.owned_by(s.stack) for s in specs for link in s.interconnect.global_reach.values()),
        secret_keys=len(keys),
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
    calls: list[tuple[str, str]]
    texts: dict[str, str]
    """Stack files after the run."""
    refusals: list[str]
    plans: int
    """Offline runs of the program during the run."""


@dataclass(frozen=True)
class Convergence:
    runs: list[RunRecord]
    fresh: dict[str, str]
    """The stack files before the first run: the shipped ones without their recorded carrier state."""


@pytest.fixture(scope="module")
def shipped_convergence(tmp_path_factory: pytest.TempPathFactory) -> Convergence:
    """The shipped 5-site fabric from an empty subscription, over four `fabric rollout` runs:

    1. fresh (nothing recorded); 2. after the carrier provisioned eastus/wdc and westus3/svl; 3. after it
    provisioned the rest; 4. again, with nothing new.
    """
    stacks = fresh_copy_of_shipped(tmp_path_factory.mktemp("shipped") / "stacks")
    fresh = {p.name: p.read_text() for p in stacks.glob("Pulumi.*.yaml")}
    azure = FakeAzure()
    runner, probe = FakeRunner(azure, stacks), FakeProbe(azure)
    carrier = [lambda: None, lambda: azure.provision("erc-eastus-wdc", "erc-westus3-svl"), azure.provision_all,
               lambda: None]
    runs = []
    for act in carrier:
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
            calls=list(runner.calls), texts={p.name: p.read_text() for p in stacks.glob("Pulumi.*.yaml")},
            refusals=list(azure.refusals), plans=runner.plans - plans_before,
        ))
    return Convergence(runs, fresh)
