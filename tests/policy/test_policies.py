"""The policy pack reports, at preview time, exactly what the offline plan reports.

The engine's view is rebuilt from the offline inventory: PolicyResources with parents, providers,
options and props (secrets in clear, as the policy SDK hands them over, named in
additional_secret_outputs; IDs unknown, as in a preview, where asked).
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
)

from infra import invariants, policies
from infra.inventory import SECRET, UNKNOWN, Inventory, Resource
from infra.tokens import SCALE_SET as VMSS

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi_policy's sentinel for an unknown string
PLAINTEXT = "md5-key-in-clear"


def _props(r: Resource, preview: bool) -> dict:
    def walk(v, key=None):
        if isinstance(v, dict):
            return {k: walk(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if preview and key == "id" and isinstance(v, str) and v.startswith("/subscriptions/"):
            return UNKNOWN_STRING
        return v

    props = {k: (PLAINTEXT if v == SECRET else walk(v, k)) for k, v in r.inputs.items()}
    return props


def to_policy_resources(inv: Inventory, preview: bool = False) -> list[PolicyResource]:
    timeouts = PolicyCustomTimeouts(0, 0, 0)
    stack = PolicyResource("pulumi:pulumi:Stack", {}, f"urn:pulumi:{inv.stack}::ai-fabric::pulumi:pulumi:Stack::ai-fabric-{inv.stack}",
                           f"ai-fabric-{inv.stack}", PolicyResourceOptions(False, [], None, [], timeouts, []), None, None, [], {})
    provider = PolicyProviderResource("pulumi:providers:azure-native", {}, "urn:provider", "default")
    made: dict[str, PolicyResource] = {}
    out = [stack]
    for r in sorted(inv, key=lambda x: x.urn.count("$")):  # parents (shorter type chains) first
        opts = PolicyResourceOptions(r.protect, [], None, [], timeouts, sorted(r.secret_inputs), r.parent)
        pr = PolicyResource(r.type, _props(r, preview), r.urn, r.name, opts, provider if r.custom else None,
                            made.get(r.parent) if r.parent else stack, [], {})
        made[r.urn] = pr
        out.append(pr)
    for pr in out:
        pr.dependencies = [made[d] for d in inv.by_urn().get(pr.urn, Resource("", "", "", None, {})).dependencies
                           if d in made]
    return out


def run_pack(inv: Inventory, preview: bool = False) -> set[tuple[str, str | None]]:
    found: set[tuple[str, str | None]] = set()
    resources = to_policy_resources(inv, preview)
    for policy in policies.policies():
        policy.validate(StackValidationArgs(resources),
                        lambda message, urn=None, name=policy.name: found.add((name, urn)))
    return found


def run_invariants(inv: Inventory) -> set[tuple[str, str | None]]:
    return {(v.invariant, v.resource) for v in invariants.check(inv)}


def test_the_pack_has_one_mandatory_policy_per_invariant():
    pack = policies.policies()
    assert [p.name for p in pack] == list(invariants.CHECKS)
    assert all(p.enforcement_level is EnforcementLevel.MANDATORY for p in pack)
    assert all(p.description and not p.description.startswith("ai-fabric") for p in pack)


def test_adapter_rebuilds_the_inventory_the_engine_recorded(plan_shipped):
    inv = plan_shipped("eastus")
    back = policies.to_inventory(to_policy_resources(inv))
    assert back.stack == "eastus"
    assert [(r.urn, r.type, r.name, r.parent, r.protect, r.custom, dict(r.inputs)) for r in back] == \
           [(r.urn, r.type, r.name, r.parent, r.protect, r.custom, dict(r.inputs)) for r in inv]


def test_secrets_handed_over_in_clear_stay_out_of_the_inventory(plan_shipped):
    back = policies.to_inventory(to_policy_resources(plan_shipped("eastus")))
    assert PLAINTEXT not in repr(back)
    peerings = back.of_type("azure-native:network:ExpressRouteCircuitPeering")
    assert peerings and all(p.inputs["sharedKey"] == SECRET for p in peerings)


@pytest.mark.parametrize("stack", ["eastus", "southcentralus", "westus3", "westeurope", "uksouth"])
@pytest.mark.parametrize("preview", [False, True])
def test_the_pack_passes_every_shipped_stack_as_the_plan_does(plan_shipped, stack, preview):
    inv = plan_shipped(stack)
    assert run_invariants(inv) == set()
    assert run_pack(inv, preview) == set()


def _set(resource: Resource, path: str, value) -> Resource:
    inputs = dataclasses.replace(resource).inputs
    inputs = __import__("copy").deepcopy(dict(inputs))
    node = inputs
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value
    return dataclasses.replace(resource, inputs=inputs)


def _mutate(inv: Inventory, type_: str, fn, index: int = 0) -> Inventory:
    targets = [r for r in inv if r.type == type_]
    target = targets[index]
    return dataclasses.replace(inv, resources=tuple(fn(r) if r.urn == target.urn else r for r in inv))


NIC0 = "virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0"

# One mutation per invariant, each the kind of change a careless edit would make.
MUTATIONS = {
    "ib-placement-group": (VMSS, lambda r: _set(r, "singlePlacementGroup", False)),
    "ib-proximity": (VMSS, lambda r: _set(r, "proximityPlacementGroup", None)),
    "no-public-ip": (VMSS, lambda r: _set(r, f"{NIC0}.ipConfigurations.0.publicIPAddressConfiguration", {"name": "pip"})),
    "gpu-count": (VMSS, lambda r: _set(r, "sku.capacity", r.get("sku.capacity") + 1)),
    "encryption-at-host": (VMSS, lambda r: _set(r, "virtualMachineProfile.securityProfile.encryptionAtHost", False)),
    "accelerated-networking": (VMSS, lambda r: _set(r, f"{NIC0}.enableAcceleratedNetworking", False)),
    "nsg-denies-internet": ("azure-native:network:Subnet", lambda r: _set(r, "networkSecurityGroup", None)),
    "circuit-protected": ("azure-native:network:ExpressRouteCircuit", lambda r: dataclasses.replace(r, protect=False)),
    "bandwidth-ladder": ("azure-native:network:ExpressRouteCircuit",
                         lambda r: _set(r, "serviceProviderProperties.bandwidthInMbps", 3000)),
    "gateway-throughput": ("azure-native:network:VirtualNetworkGateway",
                           lambda r: _set(_set(r, "sku.name", "ErGw1AZ"), "sku.tier", "ErGw1AZ")),
    "fastpath-support": ("azure-native:network:VirtualNetworkGateway",
                         lambda r: _set(_set(r, "sku.name", "ErGw2AZ"), "sku.tier", "ErGw2AZ")),
    "gateway-subnet": ("azure-native:network:Subnet", lambda r: _set(r, "addressPrefix", "10.10.255.0/28")
                       if r.get("subnetName") == "GatewaySubnet" else r),
    "subnet-order": ("azure-native:network:Subnet", lambda r: dataclasses.replace(r, dependencies=tuple(
        d for d in r.dependencies if not d.split("::")[-2].endswith("azure-native:network:Subnet")))),
    "peering-prefixes": ("azure-native:network:ExpressRouteCircuitPeering", lambda r: _set(r, "vlanId", 0)),
    "bgp-key-secret": ("azure-native:network:ExpressRouteCircuitPeering",
                       lambda r: dataclasses.replace(_set(r, "sharedKey", "literal"), secret_inputs=frozenset())),
    "global-reach-prefix": ("azure-native:network:ExpressRouteCircuitConnection", lambda r: _set(r, "addressPrefix", "172.31.0.0/28")),
    "global-reach-peer": ("azure-native:network:ExpressRouteCircuitConnection",
                          lambda r: _set(r, "peerExpressRouteCircuitPeering", {"id": ""})),
    "assignment-principal-type": ("azure-native:authorization:RoleAssignment", lambda r: _set(r, "principalType", "Device")),
    "assignment-name-deterministic": ("azure-native:authorization:RoleAssignment",
                                      lambda r: _set(r, "roleAssignmentName", "00000000-0000-0000-0000-000000000001")),
    "no-standing-privileged": ("azure-native:authorization:RoleAssignment", lambda r: _set(
        _set(r, "scope", "/subscriptions/00000000-0000-4000-8000-00000000a1fa"), "roleDefinitionId",
        "/subscriptions/00000000-0000-4000-8000-00000000a1fa/providers/Microsoft.Authorization/roleDefinitions/"
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635")),
    "custom-role-least-privilege": ("azure-native:authorization:RoleDefinition",
                                    lambda r: _set(r, "permissions.0.actions", ["*"])),
    "role-operations-exist": ("azure-native:authorization:RoleDefinition", lambda r: _set(
        r, "permissions.0.actions", ["Microsoft.Network/expressRouteCircuits/peerings/arpTables/action"])),
    "pim-bounded": ("azure-native:authorization:PimRoleEligibilitySchedule",
                    lambda r: _set(r, "scheduleInfo.expiration", {"type": "NoExpiration"})),
    "image-pinned": (VMSS, lambda r: _set(r, "virtualMachineProfile.storageProfile.imageReference.version", "latest")),
    "gateway-zone-redundant": ("azure-native:network:PublicIPAddress", lambda r: _set(r, "zones", None)),
    "management-locks": ("azure-native:authorization:ManagementLockByScope", lambda r: _set(r, "level", "NotSpecified")),
    "azure-api-conformance": (VMSS, lambda r: _set(r, "virtualMachineProfile.osProfile.adminUserName", "azureuser")),
    "diagnostics-to-workspace": ("azure-native:monitor:DiagnosticSetting", lambda r: _set(r, "workspaceId", None)),
    "circuit-alerts": ("azure-native:monitor:MetricAlert", lambda r: _set(r, "scopes", [])),
    "gateway-alerts": ("azure-native:network:VirtualNetworkGateway", lambda r: _set(r, "sku.name", "ErGwScale")),
    "direct-port-macsec": ("azure-native:network:ExpressRoutePort", lambda r: _set(r, "links.0.macSecConfig", None)),
    "macsec-key-vault": ("azure-native:keyvault:Vault", lambda r: _set(r, "properties.enablePurgeProtection", False)),
    "authorization-owner-expiry": ("ai-fabric:network:PrivateInterconnect", lambda r: _set(r, "authorizations", {})),
    "gpu-capacity-kept": ("ai-fabric:compute:GpuCluster", lambda r: _set(r, "liveDomainVms", [300, 300, 300])),
}


def test_every_invariant_has_a_mutation_here():
    missing = set(invariants.CHECKS) - set(MUTATIONS) - {"gateway-circuits", "circuits-per-location", "training-data-read-only"}
    assert not missing, f"add a mutation for {missing}"


@pytest.mark.parametrize("invariant", sorted(MUTATIONS))
def test_the_pack_catches_each_mutation_the_plan_catches(plan_shipped, invariant):
    type_, fn = MUTATIONS[invariant]
    inv = plan_shipped("eastus")
    index = 0
    if type_ == "azure-native:network:Subnet":
        names = [r for r in inv if r.type == type_]
        want = "GatewaySubnet" if invariant in ("gateway-subnet", "subnet-order") else None
        index = next(i for i, r in enumerate(names) if (r.get("subnetName") == want) == (want is not None))
    mutated = _mutate(inv, type_, fn, index)
    expected = run_invariants(mutated)
    assert invariant in {name for name, _ in expected}, expected
    assert run_pack(mutated) == expected



# Issue 17's crash paths: malformed or partial inputs the pack meets at preview time (a hand-edited
# program, a provider default, an import). Each is a verdict, the same as the plan's, never a traceback.
MALFORMED = {
    "unknown-gateway-sku": ("azure-native:network:VirtualNetworkGateway",
                            lambda r: _set(_set(r, "sku.name", "ErGwUltra"), "sku.tier", "ErGwUltra"), "gateway-throughput"),
    "missing-parent": (VMSS, lambda r: dataclasses.replace(r, parent=r.parent + "-gone"), "gpu-count"),
    "capacity-not-a-number": (VMSS, lambda r: _set(r, "sku.capacity", "many"), "gpu-count"),
    "permission-without-data-actions": ("azure-native:authorization:RoleDefinition",
                                        lambda r: _set(r, "permissions", [{"actions": ["*"]}]), "custom-role-least-privilege"),
    "permission-not-an-object": ("azure-native:authorization:RoleDefinition",
                                 lambda r: _set(r, "permissions", ["Microsoft.Network/*"]), "custom-role-least-privilege"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_the_pack_reports_malformed_inputs_as_the_plan_does_never_crashing(plan_shipped, case):
    type_, fn, invariant = MALFORMED[case]
    mutated = _mutate(plan_shipped("eastus"), type_, fn)
    expected = run_invariants(mutated)
    assert invariant in {name for name, _ in expected}, expected
    assert run_pack(mutated) == expected

# 15 random inventories a run (each ~0.2 s); a different draw every run, so CI covers more over time.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6), preview=st.booleans())
def test_the_pack_and_the_plan_agree_on_randomly_mutated_inventories(plan_shipped, seed, preview):
    rng = random.Random(seed)
    inv = plan_shipped(rng.choice(["eastus", "westus3", "uksouth"]))
    resources = list(inv)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(resources))
        r = resources[i]
        choice = rng.random()
        if choice < 0.2:
            resources[i] = dataclasses.replace(r, protect=not r.protect)
        elif r.inputs:
            key = rng.choice(sorted(r.inputs))
            value = rng.choice([None, 0, 1, 7, 10**6, "", "*", "x", True, False, [], {}, "10.0.0.0/8"])
            resources[i] = dataclasses.replace(r, inputs={**r.inputs, key: value})
    mutated = dataclasses.replace(inv, resources=tuple(resources))
    if not preview:
        assert run_pack(mutated) == run_invariants(mutated)
    else:
        run_pack(mutated, preview=True)  # unknown IDs never crash a policy


def _westus3_fastpath(spec, override: bool):
    from infra.spec import from_config

    data = spec.model_dump(mode="json", exclude={"stack"})
    data["interconnect"]["gateway"]["fastpath"] = True
    data["catalog_overrides"] = {"ergwscale_fastpath": True} if override else {}
    return from_config("westus3", data)


def test_the_pack_judges_with_the_stack_catalog_overrides_as_the_plan_does(shipped_fabric, plan_spec):
    # The stack confirms ErGwScale FastPath by override: its connections bypass the gateway.
    spec = _westus3_fastpath(shipped_fabric.stacks["westus3"].spec, override=True)
    inv = plan_spec(spec)
    assert {v.invariant for v in invariants.check(inv)} >= {"fastpath-support"}  # the defaults would object
    assert invariants.check(inv, spec.catalog) == []
    assert run_pack(inv) == set()
