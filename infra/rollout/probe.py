"""Read from Azure where each circuit and Direct port stands with the carrier.

Two probes behind one interface:

- ``AzureProbe`` asks Azure directly (azure-mgmt-network, azure-identity's DefaultAzureCredential,
  imported only when used; ``pip install -e '.[azure]'``): a circuit's ``serviceProviderProvisioningState``
  (``Provisioned`` opens its gate; REST spec
  specification/network/resource-manager/Microsoft.Network/stable/*/expressRouteCircuit.json), a Direct
  port's links' ``adminState``, and the providers' and port locations' offers, so that a circuit at a
  peering location its provider does not serve is refused before anything is ordered.
- ``OutputsProbe`` reads the same facts from the stack outputs the program exports (infra/program.py:
  ``circuit_provider_states``, circuit -> serviceProviderProvisioningState of each circuit the stack owns;
  ``port_link_admin_states``, port -> [adminState of each link]), as Azure reported them at the last
  ``pulumi up --refresh``, for runs without Azure SDK credentials of their own.

A Direct port's links are admin-disabled until the cross-connects are in; Azure reports no light on
the fibre through this API, so the port's gate opens when its links are enabled (by the program, once
the state is recorded, or by hand).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from infra.spec.carrier_state import PENDING, PROVISIONED, CarrierState

PROVISIONED_IN_AZURE = "Provisioned"
"""serviceProviderProvisioningState of a circuit the provider has provisioned."""
SUBSCRIPTION_ENV = ("ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID")


@dataclass(frozen=True)
class CircuitTarget:
    stack: str
    key: str
    name: str
    """Azure name, components.interconnect.circuit_name."""
    resource_group: str
    subscription_id: str | None = None
    """The stack's azure-native:subscriptionId when its file sets one."""
    provider: str | None = None
    peering_location: str | None = None
    bandwidth_mbps: float | None = None
    owner_circuit_id: str | None = None
    """Set for a circuit linked from another subscription: it is read by this ARM ID."""


@dataclass(frozen=True)
class PortTarget:
    stack: str
    key: str
    name: str
    resource_group: str
    peering_location: str
    bandwidth_gbps: int
    subscription_id: str | None = None


@dataclass(frozen=True)
class Observation:
    state: CarrierState | None
    """None: Azure has no such resource yet (or it cannot be read); the recorded state stands."""
    detail: str
    """What Azure said, for the progress lines and the report."""


class CarrierProbe(Protocol):
    def circuit(self, target: CircuitTarget) -> Observation: ...

    def port(self, target: PortTarget) -> Observation: ...

    def unservable(self, target: CircuitTarget | PortTarget) -> str | None:
        """Why no carrier action can ever provision this (a location the provider does not serve,
        a bandwidth it does not offer), or None."""
        ...


def circuit_state(provider_state: str | None) -> CarrierState:
    return PROVISIONED if provider_state == PROVISIONED_IN_AZURE else PENDING


def port_state(admin_states: list[str]) -> CarrierState:
    return PROVISIONED if admin_states and all(s == "Enabled" for s in admin_states) else PENDING


class ProbeError(Exception):
    """The probe cannot run at all (SDK missing, no subscription): bad usage, exit 2."""


# ------------------------------------------------------------------------------------------------
# Azure
# ------------------------------------------------------------------------------------------------


class AzureProbe:
    """Reads Azure with azure-mgmt-network; one client per subscription, offers cached per run."""

    def __init__(self, default_subscription: str | None = None, credential: Any = None):
        try:
            from azure.identity import DefaultAzureCredential
            from azure.mgmt.network import NetworkManagementClient
        except ImportError as exc:
            raise ProbeError(
                f"reading circuit states from Azure needs azure-mgmt-network and azure-identity ({exc.name} is "
                "missing): `pip install -e '.[azure]'`, or use --carrier-probe outputs"
            ) from None
        self._client_class = NetworkManagementClient
        self._credential = credential or DefaultAzureCredential()
        self._default_subscription = default_subscription or next(
            (os.environ[v] for v in SUBSCRIPTION_ENV if os.environ.get(v)), None)
        self._clients: dict[str, Any] = {}
        self._providers: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _client(self, subscription: str | None) -> Any:
        sub = subscription or self._default_subscription
        if not sub:
            raise ProbeError(
                "no Azure subscription to read circuits from: set ARM_SUBSCRIPTION_ID (or azure-native:subscriptionId "
                "in the stack file)"
            )
        with self._lock:
            if sub not in self._clients:
                self._clients[sub] = self._client_class(self._credential, sub)
            return self._clients[sub]

    def circuit(self, target: CircuitTarget) -> Observation:
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        sub, rg, name = target.subscription_id, target.resource_group, target.name
        if target.owner_circuit_id:
            parts = target.owner_circuit_id.split("/")
            sub, rg, name = parts[2], parts[4], parts[-1]
        try:
            found = self._client(sub).express_route_circuits.get(rg, name)
        except ResourceNotFoundError:
            return Observation(None, f"{name} is not in Azure yet")
        except HttpResponseError as exc:
            return Observation(None, f"cannot read {name}: {exc.reason or exc.status_code}")
        state = found.service_provider_provisioning_state
        return Observation(circuit_state(state), f"serviceProviderProvisioningState {state}")

    def port(self, target: PortTarget) -> Observation:
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        try:
            found = self._client(target.subscription_id).express_route_ports.get(target.resource_group, target.name)
        except ResourceNotFoundError:
            return Observation(None, f"{target.name} is not in Azure yet")
        except HttpResponseError as exc:
            return Observation(None, f"cannot read {target.name}: {exc.reason or exc.status_code}")
        admin = [str(link.admin_state) for link in (found.links or [])]
        return Observation(port_state(admin), f"links adminState {', '.join(admin) or 'none'}")

    def _offers(self, subscription: str | None) -> dict[str, Any]:
        with self._lock:
            cached = self._providers
        if cached is None:
            listed = {p.name: p for p in self._client(subscription).express_route_service_providers.list()}
            with self._lock:
                self._providers = cached = listed
        return cached

    def unservable(self, target: CircuitTarget | PortTarget) -> str | None:
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        try:
            if isinstance(target, PortTarget):
                try:
                    loc = self._client(target.subscription_id).express_route_ports_locations.get(target.peering_location)
                except ResourceNotFoundError:
                    return f"Azure offers no ExpressRoute Direct ports at {target.peering_location!r}"
                offered = sorted({int(b.value_in_gbps) for b in (loc.available_bandwidths or [])})
                if offered and target.bandwidth_gbps not in offered:
                    return (f"{target.peering_location} has no {target.bandwidth_gbps} Gbps Direct ports in stock "
                            f"(offered: {', '.join(map(str, offered))} Gbps)")
                return None
            if target.owner_circuit_id or target.provider is None:
                return None
            providers = self._offers(target.subscription_id)
        except HttpResponseError:
            return None  # cannot tell; the gate stays an ordinary one
        provider = providers.get(target.provider)
        if provider is None:
            return (f"Azure lists no ExpressRoute provider named {target.provider!r} (listed: "
                    f"{', '.join(sorted(providers)) or 'none'}); use the name exactly as listed")
        if target.peering_location not in (provider.peering_locations or []):
            return (f"{target.provider} does not serve {target.peering_location!r}; it serves "
                    f"{', '.join(sorted(provider.peering_locations or []))}")
        offered = sorted({int(b.value_in_mbps) for b in (provider.bandwidths_offered or [])})
        if offered and target.bandwidth_mbps is not None and int(target.bandwidth_mbps) not in offered:
            return (f"{target.provider} offers no {target.bandwidth_mbps:g} Mbps circuits (offered: "
                    f"{', '.join(map(str, offered))} Mbps)")
        return None


# ------------------------------------------------------------------------------------------------
# Stack outputs
# ------------------------------------------------------------------------------------------------

CIRCUIT_STATES_OUTPUT = "circuit_provider_states"
PORT_STATES_OUTPUT = "port_link_admin_states"


class OutputsProbe:
    """Reads the states the program exports, as Azure reported them at the last `pulumi up --refresh`."""

    learns_from_updates = True
    """Outputs change only with an update: the rollout updates a stack with closed gates to refresh them."""

    def __init__(self, outputs: Callable[[str], Mapping[str, Any]]):
        self._outputs = outputs

    def circuit(self, target: CircuitTarget) -> Observation:
        states = self._outputs(target.stack).get(CIRCUIT_STATES_OUTPUT)
        if not isinstance(states, Mapping) or target.key not in states:
            return Observation(None, f"stack {target.stack} exports no {CIRCUIT_STATES_OUTPUT}[{target.key!r}] yet")
        value = states[target.key]
        return Observation(circuit_state(value), f"serviceProviderProvisioningState {value} (stack output)")

    def port(self, target: PortTarget) -> Observation:
        states = self._outputs(target.stack).get(PORT_STATES_OUTPUT)
        if not isinstance(states, Mapping) or target.key not in states:
            return Observation(None, f"stack {target.stack} exports no {PORT_STATES_OUTPUT}[{target.key!r}] yet")
        admin = [str(s) for s in states[target.key] or []]
        return Observation(port_state(admin), f"links adminState {', '.join(admin) or 'none'} (stack output)")

    def unservable(self, target: CircuitTarget | PortTarget) -> str | None:
        return None
