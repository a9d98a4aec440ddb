"""A simulated Azure and carrier, and a runner that deploys into it by running the real program offline.

``FakeAzure`` keeps what exists (circuits with their ``serviceProviderProvisioningState``, private
peerings) and refuses what Azure refuses: a private peering or a gateway connection on a circuit its
provider has not provisioned, a Global Reach connection without both private peerings, the deletion of
a protected resource. ``FakeRunner`` previews and updates a stack by running infra/__main__.py under
the offline engine with the stack file's current config, diffs the recorded inventory against what it
deployed before, and applies it to FakeAzure. ``FakeProbe`` reads FakeAzure as AzureProbe reads Azure.

Until the program defers what needs the carrier itself (issue 12 parts 1-2: the spec knows
``carrier_state``), the runner simulates that deferral from the spec and the recorded states: it drops
the resources the rollout's gates name as held back. Once the spec knows ``carrier_state``, the runner
is strict: whatever the program declares goes to FakeAzure as it is, and FakeAzure refuses what Azure
would. Tests that need the program's side are marked ``needs_program_lifecycle``.
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

from infra import offline
from infra.inventory import Resource
from infra.rollout import engine, gates, records
from infra.rollout.probe import CircuitTarget, Observation, PortTarget, circuit_state, port_state
from infra.rollout.runner import STACKS_DIR_ENV, Changes, RunnerError
from infra.spec import FabricSpec, from_config
from infra.stackfile import read_stack_file

REPO = Path(__file__).resolve().parents[3]
SHIPPED_STACKS = REPO / "stacks"
PROGRAM_DEFERS = records.SPEC_KNOWS_CARRIER_STATE
needs_program_lifecycle = pytest.mark.skipif(
    not PROGRAM_DEFERS,
    reason="needs the program's circuit lifecycle (issue 12 parts 1-2: carrier_state in the spec, the program "
           "defers peering, connections and Global Reach of pending circuits)",
)

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
        self.port_links: dict[str, list[str]] = {}
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


class FakeRunner:
    def __init__(self, azure: FakeAzure, stacks_dir: Path, *, strict: bool = PROGRAM_DEFERS):
        self.azure = azure
        self.stacks_dir = stacks_dir
        self.strict = strict
        self.deployed: dict[str, dict[str, Resource]] = {}
        self.exports: dict[str, dict[str, Any]] = {}
        self.program_exports: dict[str, dict[str, Any]] = {}
        """What the program exported, before the simulated deferral (the pre-lifecycle program needs every
        peer's peering IDs to run at all)."""
        self.calls: list[tuple[str, str]] = []
        self.fail_up: set[str] = set()
        self.export_provider_states = False
        """Add circuit_provider_states to the outputs, as a program exporting it would after `up --refresh`."""
        self._cache: dict[tuple[str, str, str], Any] = {}
        self._fabric: tuple[tuple[str, ...], Any] | None = None
        self._states_at_up: dict[str, dict[str, str]] = {}

    # -- what the program declares -------------------------------------------------------------

    def _declared(self, stack: str) -> tuple[dict[str, Resource], dict[str, Any], dict[str, Any]]:
        config = dict(read_stack_file(self.stacks_dir / f"Pulumi.{stack}.yaml").config)
        exported = self.program_exports if not self.strict else self.exports
        links = (config.get("ai-fabric:interconnect") or {}).get("global_reach") or {}
        peers = {p: exported.get(p, {}) for p in sorted({l["peer_stack"] for l in links.values() if stack < l["peer_stack"]})}
        # A program that predates the lifecycle never reads carrier_state: runs differing only there are one run.
        program_input = config if self.strict else {k: v for k, v in config.items() if k != records.CONFIG_KEY}
        key = (stack, json.dumps(program_input, sort_keys=True, default=str),
               json.dumps(peers, sort_keys=True, default=str))
        if key not in self._cache:
            with _offline_lock, pytest.MonkeyPatch.context() as mp:
                mp.setenv(STACKS_DIR_ENV, str(self.stacks_dir))
                try:
                    inv = offline.run(stack, config, peer_outputs=lambda peer: peers.get(peer, {}))
                except offline.PlanError as exc:
                    raise RunnerError(stack, str(exc)) from None
            self._cache[key] = inv
        inv = self._cache[key]
        resources = {r.urn: r for r in inv}
        exports = dict(inv.exports)
        if not self.strict:
            held = self._held_back(stack)
            resources = {u: r for u, r in resources.items() if r.name not in held}
            declared = {r.inputs.get("circuitName") for r in resources.values() if r.type == PEERING}
            exports["circuit_peering_ids"] = {
                c: v for c, v in (exports.get("circuit_peering_ids") or {}).items()
                if f"erc-{stack}-{c}" in declared
            }
        return resources, exports, dict(inv.exports)

    def _held_back(self, stack: str) -> set[str]:
        texts = tuple(p.read_text() for p in sorted(self.stacks_dir.glob("Pulumi.*.yaml")))
        if self._fabric is None or self._fabric[0] != texts:
            self._fabric = (texts, records.load_fabric(self.stacks_dir))
        fabric = self._fabric[1]
        specs = {n: s.spec for n, s in fabric.stacks.items()}
        states = {n: records.recorded(s) for n, s in fabric.stacks.items()}
        return {name for g in gates.stack_gates(specs[stack], states, specs) for name in g.deferred}

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
        resources, _, _ = self._declared(stack)
        create, update, delete = self._diff(stack, resources)
        return Changes(create=len(create), update=len(update), delete=len(delete))

    def up(self, stack: str) -> Changes:
        self.calls.append(("up", stack))
        if stack in self.fail_up:
            raise RunnerError(stack, f"error: update of {stack} failed (simulated)")
        resources, exports, program_exports = self._declared(stack)
        create, update, delete = self._diff(stack, resources)
        for r in delete:
            if r.protect:
                raise RunnerError(stack, f"error: unable to delete protected resource {r.urn}")
        self._apply(stack, create + update)
        self.deployed[stack] = dict(resources)
        self._states_at_up[stack] = {  # what `up --refresh` would export: Azure as of this update
            r.inputs["circuitName"].removeprefix(f"erc-{stack}-"): self.azure.circuits[r.inputs["circuitName"]]
            for r in resources.values() if r.type == CIRCUIT
        }
        self.exports[stack] = exports
        self.program_exports[stack] = program_exports
        return Changes(create=len(create), update=len(update), delete=len(delete))

    def _apply(self, stack: str, changed: list[Resource]) -> None:
        """Create in dependency order (circuits, peerings, connections, Global Reach), as Azure would allow."""
        rank = {CIRCUIT: 0, PORT: 0, PEERING: 1, CONNECTION: 2, GLOBAL_REACH: 2}
        for r in sorted(changed, key=lambda r: rank.get(r.type, 0)):
            if r.type == CIRCUIT:
                self.azure.circuits.setdefault(r.inputs["circuitName"], "NotProvisioned")
            elif r.type == PORT:
                self.azure.port_links.setdefault(r.inputs["expressRoutePortName"], ["Disabled", "Disabled"])
            elif r.type == PEERING:
                circuit = r.inputs["circuitName"]
                self._require_provisioned(stack, r, circuit)
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
        state = self.azure.circuits.get(circuit)
        if state != "Provisioned":
            self._refuse(stack, r, f"circuit {circuit} is {state or 'absent'}: its service provider has not "
                                   "provisioned it")

    def _refuse(self, stack: str, r: Resource, why: str) -> None:
        message = f"Azure refused {r.type} {r.name}: {why}"
        self.azure.refusals.append(message)
        raise RunnerError(stack, message)

    def outputs(self, stack: str) -> Mapping[str, Any]:
        out = dict(self.exports.get(stack, {}))
        if self.export_provider_states and stack in self._states_at_up:
            out["circuit_provider_states"] = dict(self._states_at_up[stack])
        return out

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


def write_small_fabric(target: Path) -> Path:
    """Two small sites, alpha and beta, one Global Reach link between them (alpha owns it)."""
    target.mkdir(parents=True, exist_ok=True)
    link = {"prefix": "172.31.9.0/29"}
    specs = [
        _small_site("alpha", 21, {"wdc": "Washington DC", "nyc": "New York"},
                    {"to-beta": {"circuit": "wdc", "peer_stack": "beta", "peer_circuit": "chi", **link}}),
        _small_site("beta", 22, {"chi": "Chicago", "sat": "San Antonio"},
                    {"to-alpha": {"circuit": "chi", "peer_stack": "alpha", "peer_circuit": "wdc", **link}}),
    ]
    for spec in specs:
        config = offline.config_from_spec(spec)
        text = f"# {spec.stack}: a small test site; this comment must survive a rollout\n" + yaml.safe_dump(
            {"config": config}, sort_keys=False)
        (target / f"Pulumi.{spec.stack}.yaml").write_text(text)
    return target


@pytest.fixture
def rollout_stacks(tmp_path: Path) -> Path:
    """A small two-site fabric (alpha owns the Global Reach link to beta) that a rollout may write into."""
    return write_small_fabric(tmp_path / "stacks")


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped stacks."""
    target = tmp_path / "stacks"
    shutil.copytree(SHIPPED_STACKS, target)
    return target


@pytest.fixture
def azure() -> FakeAzure:
    return FakeAzure()


@pytest.fixture
def fake_runner(azure: FakeAzure, rollout_stacks: Path) -> FakeRunner:
    return FakeRunner(azure, rollout_stacks)


@pytest.fixture
def make_runner(azure: FakeAzure, rollout_stacks: Path):
    """make_runner(strict=True) -> a FakeRunner on the same simulated Azure and stacks."""
    return lambda **options: FakeRunner(azure, rollout_stacks, **options)


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
class RunRecord:
    """One `fabric rollout` run of a convergence, as the tests look at it afterwards."""

    result: engine.RolloutResult
    lines: list[str]
    totals: dict[str, int]
    """Deployed resources by type, over every stack, after the run."""
    names: dict[str, list[str]]
    """Deployed resource names by stack, after the run."""
    calls: list[tuple[str, str]]
    texts: dict[str, str]
    """Stack files after the run."""
    refusals: list[str]


@pytest.fixture(scope="module")
def shipped_convergence(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[RunRecord], dict[str, str]]:
    """The shipped 5-site fabric from an empty subscription, over four `fabric rollout` runs:

    1. fresh; 2. after the carrier provisioned eastus/wdc and westus3/svl; 3. after it provisioned the
    rest; 4. again, with nothing new. Returns the runs and the stack files as shipped.
    """
    stacks = tmp_path_factory.mktemp("shipped") / "stacks"
    shutil.copytree(SHIPPED_STACKS, stacks)
    shipped = {p.name: p.read_text() for p in stacks.iterdir()}
    azure = FakeAzure()
    runner, probe = FakeRunner(azure, stacks), FakeProbe(azure)
    carrier = [lambda: None, lambda: azure.provision("erc-eastus-wdc", "erc-westus3-svl"), azure.provision_all,
               lambda: None]
    runs = []
    for act in carrier:
        act()
        runner.calls.clear()
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
            calls=list(runner.calls), texts={p.name: p.read_text() for p in stacks.iterdir()},
            refusals=list(azure.refusals),
        ))
    return runs, shipped
