"""The Azure identity of a declared resource: what Azure knows it by, whatever Pulumi calls it.

An Azure resource is its ARM ID: subscription, resource group (or, for role assignments and
definitions, the scope they are created at), the names of its ARM parents (a subnet lives under
its VNet, a peering under its circuit, a Global Reach connection under the circuit's peering), its
own name, and its type. Its location is fixed at creation too (catalog.FIXED_PROPERTIES), so it is
part of the identity here: a resource that moves region is a new resource.

The ARM paths behind the name inputs are those of the REST specs in Azure/azure-rest-api-specs,
e.g. ``.../expressRouteCircuits/{circuitName}/peerings/{peeringName}/connections/{connectionName}``
(network/.../expressRouteCircuit.json) and ``.../virtualMachineScaleSets/{vmScaleSetName}``
(compute/.../virtualMachineScaleSet.json); azure-native names its inputs after those path
parameters. A resource without a name input is named by Pulumi (the logical name plus a random
suffix, kept in the stack's state), so its identity is its URN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.inventory import Resource
from infra.tokens import (
    CIRCUIT,
    CONNECTION,
    GATEWAY,
    GLOBAL_REACH,
    NSG,
    PEERING,
    PIM_ELIGIBILITY,
    PLACEMENT_GROUP,
    PORT,
    PUBLIC_IP,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    SCALE_SET,
    SUBNET,
    USER_ASSIGNED_IDENTITY,
    VIRTUAL_NETWORK,
)

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
MANAGEMENT_LOCK = "azure-native:authorization:ManagementLockByScope"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
KEY_VAULT = "azure-native:keyvault:Vault"
KEY_VAULT_SECRET = "azure-native:keyvault:Secret"
CIRCUIT_AUTHORIZATION = "azure-native:network:ExpressRouteCircuitAuthorization"

NAME_INPUTS: Mapping[str, str] = {
    RESOURCE_GROUP: "resourceGroupName",
    VIRTUAL_NETWORK: "virtualNetworkName",
    SUBNET: "subnetName",
    NSG: "networkSecurityGroupName",
    PUBLIC_IP: "publicIpAddressName",
    CIRCUIT: "circuitName",
    PORT: "expressRoutePortName",
    PEERING: "peeringName",
    GLOBAL_REACH: "connectionName",
    GATEWAY: "virtualNetworkGatewayName",
    CONNECTION: "virtualNetworkGatewayConnectionName",
    SCALE_SET: "vmScaleSetName",
    PLACEMENT_GROUP: "proximityPlacementGroupName",
    USER_ASSIGNED_IDENTITY: "resourceName",
    ROLE_ASSIGNMENT: "roleAssignmentName",
    ROLE_DEFINITION: "roleDefinitionId",
    MANAGEMENT_LOCK: "lockName",
    DIAGNOSTIC_SETTING: "name",
    KEY_VAULT: "vaultName",
    KEY_VAULT_SECRET: "secretName",
    CIRCUIT_AUTHORIZATION: "authorizationName",
}
"""The input that carries each type's Azure name (the last segment of its ARM ID)."""

PARENT_INPUTS: Mapping[str, tuple[tuple[str, str], ...]] = {
    SUBNET: ((VIRTUAL_NETWORK, "virtualNetworkName"),),
    PEERING: ((CIRCUIT, "circuitName"),),
    GLOBAL_REACH: ((CIRCUIT, "circuitName"), (PEERING, "peeringName")),
    KEY_VAULT_SECRET: ((KEY_VAULT, "vaultName"),),
    CIRCUIT_AUTHORIZATION: ((CIRCUIT, "circuitName"),),
}
"""(parent type, input carrying its name) of child resources, outermost first."""

SCOPED_TYPES = frozenset({ROLE_ASSIGNMENT, ROLE_DEFINITION, PIM_ELIGIBILITY, MANAGEMENT_LOCK, DIAGNOSTIC_SETTING})
"""Types created at a `scope` (any ARM ID) rather than in a resource group."""
SCOPE_INPUTS: Mapping[str, str] = {DIAGNOSTIC_SETTING: "resourceUri"}
"""The input carrying the scope of a scoped type, where it is not `scope` (a diagnostic setting's resource)."""

COMPOSITE_NAMES: Mapping[str, tuple[str, ...]] = {
    # Azure keeps one eligibility per scope, principal and role; the request's own name is a GUID
    # Azure picks, so those three are what the eligibility is.
    PIM_ELIGIBILITY: ("principalId", "roleDefinitionId"),
}


def is_azure(r: Resource) -> bool:
    """An Azure resource, as opposed to a component or a Pulumi-internal resource (stack, StackReference)."""
    package = r.type.split(":", 1)[0]
    return r.custom and package not in ("pulumi", "ai-fabric")


@dataclass(frozen=True)
class Identity:
    type: str
    scope: str
    """Resource group name; the scope ARM ID of a role assignment, definition or eligibility; '' for a
    resource group itself (it lives in the subscription)."""
    parents: tuple[tuple[str, str], ...]
    """(type, name) of its ARM parents, outermost first."""
    name: str
    location: str | None
    named_by_pulumi: bool = False
    """No name input: Pulumi picks the Azure name, so `name` is the URN."""

    @property
    def key(self) -> tuple[Any, ...]:
        """What two declarations must share to be the same Azure resource (ARM names ignore case)."""
        return (self.type, self.scope.lower(), tuple((t, n.lower()) for t, n in self.parents),
                self.name if self.named_by_pulumi else self.name.lower(), self.location)

    def describe(self) -> str:
        where = [self.scope] if self.scope else []
        where += [n for _, n in self.parents]
        where.append(self.name if not self.named_by_pulumi else "(named by Pulumi)")
        return "/".join(where) + (f" in {self.location}" if self.location else "")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def normalize_location(value: Any) -> str | None:
    """'West US 3' and 'westus3' are the same region to ARM."""
    text = _text(value)
    return text.replace(" ", "").lower() if text else None


def azure_name(r: Resource) -> str | None:
    """The resource's Azure name from its inputs; None when Pulumi names it."""
    if r.type in COMPOSITE_NAMES:
        parts = [_text(r.inputs.get(k)) for k in COMPOSITE_NAMES[r.type]]
        return "/".join(parts) if all(parts) else None  # type: ignore[arg-type]
    key = NAME_INPUTS.get(r.type)
    if key is not None:
        return _text(r.inputs.get(key))
    # A type this table does not know: azure-native's rule, '<camelType>Name', else the one '*Name' input.
    typ = r.type.rsplit(":", 1)[-1]
    named = _text(r.inputs.get(typ[:1].lower() + typ[1:] + "Name"))
    if named:
        return named
    candidates = [k for k, v in r.inputs.items()
                  if k.endswith("Name") and k != "resourceGroupName" and _text(v)]
    return r.inputs[candidates[0]] if len(candidates) == 1 else None


def display_name(r: Resource) -> str:
    """How a report names the resource: its Azure name, after its parents' ('erc-eastus-wdc/AzurePrivatePeering',
    as every private peering has the same name); the Pulumi name when Pulumi names it in Azure."""
    name = azure_name(r) or r.name
    parents = [_text(r.inputs.get(k)) or "?" for _, k in PARENT_INPUTS.get(r.type, ())]
    return "/".join((*parents, name))


def identity(r: Resource) -> Identity:
    name = azure_name(r)
    if r.type == RESOURCE_GROUP:
        scope = ""
    elif r.type in SCOPED_TYPES:
        scope = _text(r.inputs.get(SCOPE_INPUTS.get(r.type, "scope"))) or ""
    else:
        scope = _text(r.inputs.get("resourceGroupName")) or ""
    parents = tuple((t, _text(r.inputs.get(k)) or "") for t, k in PARENT_INPUTS.get(r.type, ()))
    return Identity(
        type=r.type, scope=scope, parents=parents, name=name if name is not None else r.urn,
        location=normalize_location(r.inputs.get("location")), named_by_pulumi=name is None,
    )


def identity_differences(old: Identity, new: Identity) -> list[tuple[str, str, str]]:
    """(what, before, after) for each part of the identity that differs."""
    out = []
    if old.scope.lower() != new.scope.lower():
        out.append(("scope" if old.type in SCOPED_TYPES else "resource group", old.scope, new.scope))
    for (typ, a), (_, b) in zip(old.parents, new.parents):
        if a.lower() != b.lower():
            out.append((f"parent {typ.rsplit(':', 1)[-1]}", a, b))
    if old.named_by_pulumi != new.named_by_pulumi or (
        old.name != new.name if old.named_by_pulumi else old.name.lower() != new.name.lower()
    ):
        out.append(("name", old.name, new.name))
    if old.location != new.location:
        out.append(("location", old.location or "(none)", new.location or "(none)"))
    return out


def _path(parents: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((t, n.lower()) for t, n in parents)


def container_key(ident: Identity) -> tuple[Any, ...] | None:
    """What `ident` is as a container: a resource group by name, any other resource by its ARM path."""
    if ident.named_by_pulumi:
        return None
    if ident.type == RESOURCE_GROUP:
        return ("group", ident.name.lower())
    return ("parent", ident.scope.lower(), _path((*ident.parents, (ident.type, ident.name))))


def enclosing_keys(ident: Identity) -> list[tuple[Any, ...]]:
    """The container keys of everything Azure would delete `ident` with: its resource group (for a
    role assignment or definition, the group of its scope) and each of its ARM parents."""
    keys: list[tuple[Any, ...]] = []
    if ident.type in SCOPED_TYPES:
        parts = ident.scope.lower().strip("/").split("/")
        keys += [("group", parts[i + 1]) for i, p in enumerate(parts[:-1]) if p == "resourcegroups"]
    elif ident.type != RESOURCE_GROUP and ident.scope:
        keys.append(("group", ident.scope.lower()))
    own = _path(ident.parents)
    keys += [("parent", ident.scope.lower(), own[:i]) for i in range(1, len(own) + 1)]
    return keys


def contains(container: Identity, other: Identity) -> bool:
    """Azure deletes `other` with `container`: a resource group's resources, a circuit's peerings and
    their connections, a VNet's subnets."""
    key = container_key(container)
    return key is not None and key in enclosing_keys(other)
