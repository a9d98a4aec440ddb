"""The offline engine: run the real program under Pulumi's mocks and record what it declares.

It does what the Python language host does for `pulumi preview`, minus the CLI: the stack file
becomes the config map (objects JSON-encoded, `secure:` values replaced by marked placeholders and
listed as secret), a mock monitor stands in for the engine, and ``infra/__main__.py`` runs with
``runpy`` as ``__main__`` inside ``pulumi.runtime.test``. A recorder keeps every registration
(type, name, parent, dependencies, protect, inputs) and refuses a duplicate URN as the real engine
does. Each run gets a fresh event loop and fresh runtime settings, so runs never leak into each other.

Speed: every azure-native resource carries ~60 API-version aliases that the SDK turns into Outputs;
aliases only matter for migrating existing state, which a mock run has none of. The engine drops
them with a stack transformation of its own; the real program never registers it. Likewise the
engine loads only the SDK modules the program touches, with annotations evaluated on demand
(infra/sdk_loading.py), and skips the stack walk that records each resource's source line for the
real engine's diagnostics.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import gc
import hashlib
import json
import os
import runpy
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings

from infra import conformance, peers, sdk_loading
from infra.inventory import SECRET, Inventory, Resource, normalize
from infra.spec import CONFIG_KEYS, PROJECT, FabricSpec
from infra.spec.carrier_state import STATE_OVERRIDE_ENV

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROGRAM = PROJECT_DIR / "infra" / "__main__.py"
ORGANIZATION = "organization"

# Fixed identities of the mock world: the subscription and tenant every ID is built from.
MOCK_SUBSCRIPTION = "00000000-0000-4000-8000-00000000a1fa"
MOCK_TENANT = "00000000-0000-4000-8000-0000000e47a1"
MOCK_CLIENT_OBJECT_ID = "00000000-0000-4000-8000-00000000c11e"
_ID_NAMESPACE = uuid.UUID("6f1d7e52-5b4e-4a8e-9d0c-2f1a3b4c5d6e")

SECRET_PLACEHOLDER = "[offline secret {key}]"
"""What the program sees for a `secure:` value offline: marked, so it can never pass for a real key."""

PeerOutputs = Callable[[str], Mapping[str, Any]]
"""Answers a StackReference: stack name -> that stack's exports."""


class PlanError(Exception):
    """The program failed under the offline engine; the message is the program's own."""


# ------------------------------------------------------------------------------------------------
# Config: the stack file as the language host would hand it over
# ------------------------------------------------------------------------------------------------


def project_defaults(project_file: Path = PROJECT_DIR / "Pulumi.yaml") -> dict[str, Any]:
    """`config:` defaults declared in Pulumi.yaml, with the project namespace added where missing."""
    import yaml

    data = yaml.safe_load(project_file.read_text()) or {}
    out = {}
    for key, value in (data.get("config") or {}).items():
        full = key if ":" in key else f"{data.get('name', PROJECT)}:{key}"
        if isinstance(value, Mapping) and ("default" in value or "value" in value):
            value = value.get("value", value.get("default"))
        out[full] = value
    return out


def to_pulumi_config(config: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> tuple[dict[str, str], list[str]]:
    """Stack config -> (PULUMI_CONFIG map of strings, secret keys)."""
    merged = {**(defaults or {}), **config}
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in merged.items():
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            values[key] = SECRET_PLACEHOLDER.format(key=key)
            secret_keys.append(key)
        elif isinstance(value, str):
            values[key] = value
        else:
            # YAML reads an unquoted 2027-05-31 as a date; the language host hands the program text.
            values[key] = json.dumps(value, default=_config_text)
    return values, secret_keys


def _config_text(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"config value of type {type(value).__name__} cannot be handed to the program")


# ------------------------------------------------------------------------------------------------
# Mocks and recorder
# ------------------------------------------------------------------------------------------------


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(parts)))


def _arm_id(token: str, inputs: Mapping[str, Any], azure_name: str) -> str:
    """The mock ID of a resource, as Azure forms it: the PUT path template of the type's vendored REST
    spec, with Azure's own collection names (virtualNetworkGateways, connections, locks...), filled
    from the inputs. A type with no vendored spec (the azure-api-conformance invariant reports it) or
    without the inputs its template needs gets an ID that says so rather than a guessed collection."""
    rid = conformance.arm_id(token, inputs, azure_name, MOCK_SUBSCRIPTION, conformance.library())
    if rid is not None:
        return rid
    rg = inputs.get("resourceGroupName", "rg")
    return f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{rg}/providers/unvendored/{token}/{azure_name}"


# Child resources whose Azure name input is not '<camelType>Name' (they carry their parents' names too).
_NAME_INPUTS = {
    "ExpressRouteCircuitPeering": "peeringName",
    "ExpressRouteCircuitConnection": "connectionName",
    "VirtualNetworkGatewayConnection": "virtualNetworkGatewayConnectionName",
    "UserAssignedIdentity": "resourceName",
    "ManagementLockByScope": "lockName",
}


class FabricMocks(pulumi_mocks.Mocks):
    """Realistic, deterministic answers: ARM-shaped IDs, principal IDs, service keys, client config."""

    def __init__(self, stack: str, peer_outputs: PeerOutputs | None = None):
        self.stack = stack
        self.peer_outputs = peer_outputs

    def call(self, args: pulumi_mocks.MockCallArgs):
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": MOCK_CLIENT_OBJECT_ID, "objectId": MOCK_CLIENT_OBJECT_ID,
                "subscriptionId": MOCK_SUBSCRIPTION, "tenantId": MOCK_TENANT,
            }
        return {}

    def new_resource(self, args: pulumi_mocks.MockResourceArgs):
        inputs = dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            peer = str(inputs.get("name", args.name)).split("/")[-1]
            outputs = dict(self.peer_outputs(peer)) if self.peer_outputs else {}
            return args.name, {"name": inputs.get("name", args.name), "outputs": outputs, "secretOutputNames": []}
        if not args.typ.startswith("azure-native:"):
            return f"{args.name}-id", inputs
        return self._azure(args.typ, args.name, inputs)

    def _azure(self, token: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        azure_name = self._azure_name(token, name, inputs)
        rid = _arm_id(token, inputs, azure_name)
        state = {**inputs, "name": azure_name, "id": rid, "provisioningState": "Succeeded"}
        identity = inputs.get("identity")
        if isinstance(identity, Mapping) and isinstance(identity.get("userAssignedIdentities"), list):
            # Input is a list of identity IDs; the output Azure returns is a map ID -> {principalId, clientId}.
            state["identity"] = {**identity, "userAssignedIdentities": {
                uid: {"principalId": stable_uuid(self.stack, "principal", uid), "clientId": stable_uuid(self.stack, "client", uid)}
                for uid in identity["userAssignedIdentities"]
            }}
        if token == "azure-native:managedidentity:UserAssignedIdentity":
            state["principalId"] = stable_uuid(self.stack, "principal", rid)
            state["clientId"] = stable_uuid(self.stack, "client", rid)
            state["tenantId"] = MOCK_TENANT
        elif token == "azure-native:network:ExpressRouteCircuit":
            state["serviceKey"] = stable_uuid("service-key", rid)
            state["serviceProviderProvisioningState"] = "NotProvisioned"
        elif token == "azure-native:network:PublicIPAddress":
            digest = hashlib.sha256(rid.encode()).digest()
            state["ipAddress"] = f"20.{digest[0]}.{digest[1]}.{digest[2] or 1}"
        elif token == "azure-native:authorization:RoleDefinition":
            state["roleName"] = inputs.get("roleName", azure_name)
        elif token == "azure-native:keyvault:Secret":
            # Azure returns the secret's URIs; the version is new for every value (here: fixed per secret).
            uri = f"https://{inputs.get('vaultName')}.vault.azure.net/secrets/{azure_name}"
            props = inputs.get("properties")
            if rpc.is_rpc_secret(props):  # the value makes the whole input secret on the wire
                props = props.get("value")
            props = props if isinstance(props, Mapping) else {}
            state["properties"] = {**props, "secretUri": uri,
                                   "secretUriWithVersion": f"{uri}/{uuid.UUID(stable_uuid(rid)).hex}"}
        elif token == "azure-native:network:ExpressRouteCircuitAuthorization":
            state["authorizationKey"] = stable_uuid("authorization-key", rid)
        return rid, state

    @staticmethod
    def _azure_name(token: str, name: str, inputs: Mapping[str, Any]) -> str:
        # azure-native names the Azure resource from '<camelType>Name' (e.g. circuitName, subnetName);
        # otherwise Azure gets the Pulumi name plus a random suffix, which a mock keeps deterministic.
        typ = token.split(":")[2]
        for key in (_NAME_INPUTS.get(typ, ""), typ[:1].lower() + typ[1:] + "Name", "name"):
            if isinstance(inputs.get(key), str):
                return inputs[key]
        candidates = [k for k in inputs if k.endswith("Name") and k != "resourceGroupName" and isinstance(inputs[k], str)]
        if len(candidates) == 1:
            return inputs[candidates[0]]
        return f"{name}{hashlib.sha256(name.encode()).hexdigest()[:7]}"


def _strip_secrets(value: Any) -> tuple[Any, bool]:
    if rpc.is_rpc_secret(value):
        return SECRET, True
    if isinstance(value, Mapping):
        out, any_secret = {}, False
        for k, v in value.items():
            out[k], s = _strip_secrets(v)
            any_secret |= s
        return out, any_secret
    if isinstance(value, list):
        items = [_strip_secrets(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


class Recorder(pulumi_mocks.MockMonitor):
    """A mock monitor that keeps the inventory and refuses duplicate URNs, as the engine does."""

    def __init__(self, mocks: pulumi_mocks.Mocks):
        super().__init__(mocks)
        self.registrations: list[Resource] = []
        self._claimed: set[str] = set()
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine does not qualify a type with the root stack's type; the stock mock does.
        if "::pulumi:pulumi:Stack::" in parent:
            parent = ""
        return super().make_urn(parent, type_, name)

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type != "pulumi:pulumi:Stack":
            # Registrations run on several executor threads at once: check and claim atomically.
            with self._lock:
                if urn in self._claimed:
                    raise ValueError(f"Duplicate resource URN '{urn}'; try giving it a unique name")
                self._claimed.add(urn)
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        raw = rpc.deserialize_properties(request.object)
        inputs: dict[str, Any] = {}
        secret: set[str] = set()
        for key, value in raw.items():
            inputs[key], is_secret = _strip_secrets(value)
            if is_secret:
                secret.add(key)
        with self._lock:
            self.registrations.append(Resource(
                urn=urn, type=request.type, name=request.name, parent=_parent(request.parent),
                inputs=normalize(inputs), protect=bool(request.protect),
                dependencies=tuple(request.dependencies), custom=bool(request.custom),
                id=self.resources[urn].id if urn in self.resources else None, secret_inputs=frozenset(secret),
            ))
        return response



def _parent(parent: str) -> str | None:
    """Resources directly under the stack have no parent in the inventory (null in JSON)."""
    return None if not parent or "::pulumi:pulumi:Stack::" in parent else parent


async def _collect_exports(into: dict[str, Any]) -> None:
    """Resolve the stack's exports; a secret one is kept only as the SECRET marker."""
    root = settings.get_root_resource()
    for key, value in sorted((getattr(root, "outputs", None) or {}).items()):
        out = pulumi.Output.from_input(value)
        resolved = await out.future(with_unknowns=True)
        into[key] = SECRET if await out.is_secret() else normalize(resolved)


# ------------------------------------------------------------------------------------------------
# Running the program
# ------------------------------------------------------------------------------------------------


def _drop_aliases(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
    if not args.opts.aliases:
        return None
    opts = args.opts._copy()
    opts.aliases = None
    return pulumi.ResourceTransformationResult(args.props, opts)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A run allocates hundreds of thousands of small objects (Outputs, futures, the provider SDK's
    type classes) that live until it ends; at the default threshold of 700 allocations the cyclic
    collector runs thousands of times over them, and its full collections walk every object of the
    imported SDK too. Raise the threshold for the run, then restore it."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*old)


@contextlib.contextmanager
def _without_source_positions() -> Iterator[None]:
    """Skip the SDK's per-resource stack walk: it only tells the real engine which line declared a
    resource, for its diagnostics, and mocks have no diagnostics. Offline only, restored after."""
    from pulumi.runtime import resource as runtime_resource
    from pulumi.runtime.proto import source_pb2

    original = runtime_resource._get_stack_trace
    runtime_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        runtime_resource._get_stack_trace = original


@contextlib.contextmanager
def _program_context(program: Path) -> Iterator[None]:
    """The language host's view: cwd is the program directory, which is first on sys.path."""
    old_cwd, old_path = os.getcwd(), list(sys.path)
    os.chdir(program.parent)
    sys.path.insert(0, str(program.parent))
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path


@dataclass(frozen=True)
class RunOptions:
    fast: bool = True
    """Drop API-version aliases (offline only). False measures the SDK as the real program runs it."""
    program: Path = PROGRAM
    carrier_state: str | None = None
    """'pending' or 'provisioned': plan every circuit and port so, whatever the stack files record
    (`fabric plan --carrier-state`). None: the recorded states."""


@contextlib.contextmanager
def _carrier_state_override(state: str | None) -> Iterator[None]:
    """Set AI_FABRIC_CARRIER_STATE for the run (the program reads it; see infra/spec/carrier_state.py)."""
    if state is None:
        yield
        return
    old = os.environ.get(STATE_OVERRIDE_ENV)
    os.environ[STATE_OVERRIDE_ENV] = state
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(STATE_OVERRIDE_ENV, None)
        else:
            os.environ[STATE_OVERRIDE_ENV] = old


def run(
    stack: str,
    config: Mapping[str, Any],
    *,
    peer_outputs: PeerOutputs | None = None,
    peer_specs: Mapping[str, FabricSpec] | None = None,
    options: RunOptions = RunOptions(),
) -> Inventory:
    """Run the program for one stack under mocks and return what it declared.

    `config` is the stack file's `config:` map (full keys; `secure:` values as {'secure': ...}).
    `peer_specs` answers the program's questions about other stacks (infra/peers.py); None: their files.
    """
    values, secret_keys = to_pulumi_config(config, project_defaults())
    mocks = FabricMocks(stack, peer_outputs)
    recorder = Recorder(mocks)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    settings.reset_options(project=PROJECT, stack=stack, organization=ORGANIZATION)
    pulumi.runtime.set_all_config(values, secret_keys)
    try:
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=recorder,
                                 organization=ORGANIZATION)
        if options.fast:
            pulumi.runtime.register_stack_transformation(_drop_aliases)
            sdk_loading.postpone_sdk_annotations()
            sdk_loading.lazy_provider_packages(*sdk_loading.PROGRAM_PACKAGES)

        exports: dict[str, Any] = {}

        @pulumi.runtime.test
        def program() -> Any:
            fast = _without_source_positions() if options.fast else contextlib.nullcontext()
            with _program_context(options.program), fast:
                runpy.run_path(str(options.program), run_name="__main__")
            # Stack outputs are registered by the language host after the program; the mock's root
            # stack finished before it ran, so resolve them here.
            return asyncio.ensure_future(_collect_exports(exports))

        # Failed registrations also surface as "Future exception was never retrieved" from futures the
        # SDK drops; the failure itself is raised below, so keep the noise off the user's terminal.
        loop.set_exception_handler(lambda _loop, _context: None)
        try:
            # The program body only declares; most of the run's objects (Outputs, futures, the SDK's
            # typed outputs) are made afterwards, while `program()` drives the registrations.
            peer_context = peers.resolving_with(peer_specs) if peer_specs is not None else contextlib.nullcontext()
            with _fewer_collections(), _carrier_state_override(options.carrier_state), peer_context:
                program()
        except pulumi.RunError as exc:
            raise PlanError(f"stack {stack}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - any program failure becomes one clear error
            raise PlanError(f"stack {stack}: the program failed: {type(exc).__name__}: {exc}") from exc
    finally:
        pulumi.runtime.set_all_config({}, [])
        settings.reset_options()
        # Join the executor threads now: the SDK gives each one an event loop of its own, which
        # otherwise closes during interpreter shutdown and prints an error.
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()
    resources = sorted(recorder.registrations, key=lambda r: r.urn)
    return Inventory(stack=stack, resources=tuple(resources), exports=exports)


# ------------------------------------------------------------------------------------------------
# Several stacks: peers answer each other's StackReferences
# ------------------------------------------------------------------------------------------------


def config_from_spec(spec: FabricSpec, secret_keys: Iterable[str] | None = None) -> dict[str, Any]:
    """A stack config map for a spec built in code (tests, benchmarks), with its secrets as `secure:`."""
    data = spec.model_dump(mode="json", exclude={"stack"})
    config: dict[str, Any] = {"azure-native:location": spec.site.region}
    for key, field_name in CONFIG_KEYS.items():
        config[f"{PROJECT}:{key}"] = data[field_name]
    keys = set(secret_keys or ()) | set(spec.secret_keys())
    for key in keys:
        config[f"{PROJECT}:{key}"] = {"secure": "v1:offline"}
    return config


def _owned_peers(spec: FabricSpec) -> set[str]:
    """Peers whose outputs this stack reads: those of the Global Reach links it owns (sorts first)."""
    return {l.peer_stack for l in spec.interconnect.global_reach.values() if l.owned_by(spec.stack)}


class FabricPlanner:
    """Plans stacks of one fabric; a StackReference to a peer is answered by the peer's own run.

    Owners only read stacks that sort after them, so planning the peers first always terminates.
    """

    def __init__(self, specs: Mapping[str, FabricSpec], configs: Mapping[str, Mapping[str, Any]],
                 options: RunOptions = RunOptions()):
        self.specs = specs
        self.configs = configs
        self.options = options
        self._done: dict[str, Inventory] = {}

    def inventory(self, stack: str) -> Inventory:
        if stack in self._done:
            return self._done[stack]
        for peer in sorted(_owned_peers(self.specs[stack])):
            if peer in self.specs:
                self.inventory(peer)
        inv = run(stack, self.configs[stack], peer_outputs=self._exports, peer_specs=self.specs, options=self.options)
        self._done[stack] = inv
        return inv

    def _exports(self, peer: str) -> Mapping[str, Any]:
        inv = self._done.get(peer)
        return inv.exports if inv is not None else {}
