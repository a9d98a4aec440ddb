"""Reading carrier states from Azure (AzureProbe, with a stand-in for the SDK client); the outputs probe is
in test_outputs_probe.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("azure.mgmt.network", reason="the azure extra is not installed: pip install -e '.[azure]'")
from azure.core.exceptions import ResourceNotFoundError  # noqa: E402

from infra.rollout.probe import AzureProbe, CircuitTarget, PortTarget, ProbeError  # noqa: E402

OWNER_ID = ("/subscriptions/99999999-2222-4333-8444-555555555555/resourceGroups/rg-owner/providers/"
            "Microsoft.Network/expressRouteCircuits/erc-theirs")


class FakeClient:
    """The few calls of NetworkManagementClient the probe makes, answering from dicts."""

    circuits: dict[tuple[str, str, str], str] = {}
    ports: dict[tuple[str, str], list[str]] = {}
    providers = [SimpleNamespace(
        name="CenturyLink Cloud Connect", peering_locations=["Washington DC", "New York"],
        bandwidths_offered=[SimpleNamespace(value_in_mbps=v) for v in (50, 1000, 10000)])]

    def __init__(self, credential, subscription):
        self.subscription = subscription
        self.express_route_circuits = SimpleNamespace(get=self._circuit)
        self.express_route_ports = SimpleNamespace(get=self._port)
        self.express_route_service_providers = SimpleNamespace(list=lambda: iter(self.providers))
        self.express_route_ports_locations = SimpleNamespace(get=self._location)

    def _circuit(self, rg, name):
        if (self.subscription, rg, name) not in self.circuits:
            raise ResourceNotFoundError("not found")
        return SimpleNamespace(service_provider_provisioning_state=self.circuits[(self.subscription, rg, name)])

    def _port(self, rg, name):
        if (rg, name) not in self.ports:
            raise ResourceNotFoundError("not found")
        return SimpleNamespace(links=[SimpleNamespace(admin_state=s) for s in self.ports[(rg, name)]])

    def _location(self, name):
        if name != "Chicago":
            raise ResourceNotFoundError("not found")
        return SimpleNamespace(available_bandwidths=[SimpleNamespace(value_in_gbps=10)])


@pytest.fixture
def probe() -> AzureProbe:
    p = AzureProbe(default_subscription="sub-a", credential=object())
    p._client_class = FakeClient
    FakeClient.circuits = {}
    FakeClient.ports = {}
    return p


def _circuit(**kw) -> CircuitTarget:
    base = dict(stack="eastus", key="wdc", name="erc-eastus-wdc", resource_group="rg-net",
                provider="CenturyLink Cloud Connect", peering_location="Washington DC", bandwidth_mbps=10000)
    return CircuitTarget(**{**base, **kw})


def test_circuit_is_provisioned_when_azure_says_provisioned(probe):
    FakeClient.circuits[("sub-a", "rg-net", "erc-eastus-wdc")] = "Provisioned"
    seen = probe.circuit(_circuit())
    assert seen.state == "provisioned" and "Provisioned" in seen.detail


@pytest.mark.parametrize("state", ["NotProvisioned", "Provisioning", "Deprovisioning"])
def test_circuit_is_pending_in_every_other_state(probe, state):
    FakeClient.circuits[("sub-a", "rg-net", "erc-eastus-wdc")] = state
    assert probe.circuit(_circuit()).state == "pending"


def test_a_circuit_not_yet_created_leaves_the_recorded_state(probe):
    seen = probe.circuit(_circuit())
    assert seen.state is None and "not in Azure yet" in seen.detail


def test_a_linked_circuit_is_read_by_its_owners_id(probe):
    FakeClient.circuits[("99999999-2222-4333-8444-555555555555", "rg-owner", "erc-theirs")] = "Provisioned"
    assert probe.circuit(_circuit(owner_circuit_id=OWNER_ID, provider=None)).state == "provisioned"


def test_a_stacks_own_subscription_wins(probe):
    FakeClient.circuits[("sub-b", "rg-net", "erc-eastus-wdc")] = "Provisioned"
    assert probe.circuit(_circuit(subscription_id="sub-b")).state == "provisioned"
    assert probe.circuit(_circuit()).state is None


def test_port_is_provisioned_once_both_links_are_enabled(probe):
    target = PortTarget("eastus", "p1", "erd-eastus-p1", "rg-net", "Chicago", 10)
    FakeClient.ports[("rg-net", "erd-eastus-p1")] = ["Enabled", "Disabled"]
    assert probe.port(target).state == "pending"
    FakeClient.ports[("rg-net", "erd-eastus-p1")] = ["Enabled", "Enabled"]
    assert probe.port(target).state == "provisioned"


def test_a_location_the_provider_serves_can_pass(probe):
    assert probe.unservable(_circuit()) is None


def test_fails_when_the_provider_does_not_serve_the_location(probe):
    why = probe.unservable(_circuit(peering_location="Chicago"))
    assert "does not serve 'Chicago'" in why and "New York, Washington DC" in why


def test_fails_when_the_provider_does_not_offer_the_bandwidth(probe):
    assert "offers no 2000 Mbps circuits" in probe.unservable(_circuit(bandwidth_mbps=2000))


def test_fails_when_azure_lists_no_such_provider(probe):
    assert "no ExpressRoute provider named 'Lumen Technologies'" in probe.unservable(_circuit(provider="Lumen Technologies"))


def test_fails_when_a_port_location_has_no_ports_of_that_size(probe):
    assert probe.unservable(PortTarget("eastus", "p1", "erd", "rg", "Chicago", 10)) is None
    assert "no 100 Gbps Direct ports" in probe.unservable(PortTarget("eastus", "p1", "erd", "rg", "Chicago", 100))
    assert "no ExpressRoute Direct ports at 'Dallas'" in probe.unservable(PortTarget("eastus", "p1", "erd", "rg", "Dallas", 10))


def test_fails_without_a_subscription_to_read(monkeypatch):
    for var in ("ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"):
        monkeypatch.delenv(var, raising=False)
    p = AzureProbe(credential=object())
    with pytest.raises(ProbeError, match="ARM_SUBSCRIPTION_ID"):
        p.circuit(_circuit())
