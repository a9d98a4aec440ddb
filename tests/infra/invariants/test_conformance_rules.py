"""The azure-api-conformance invariant rule by rule (issue 17), on resources built in the test: which resources
it judges, and that a secret input is never judged whatever value reached the inventory."""

from __future__ import annotations

from typing import Any

from infra.inventory import Inventory, Resource
from infra.invariants.conformance import INVARIANT, azure_api_conformance

PEERING = "azure-native:network:ExpressRouteCircuitPeering"


def peering_inputs(**changes: Any) -> dict[str, Any]:
    return {"resourceGroupName": "rg", "circuitName": "erc", "peeringName": "AzurePrivatePeering",
            "peeringType": "AzurePrivatePeering", "peerASN": 64610, "vlanId": 120,
            "primaryPeerAddressPrefix": "172.16.10.8/30", "secondaryPeerAddressPrefix": "172.16.10.12/30", **changes}


def resource(type_: str, inputs: dict[str, Any], *, custom: bool = True,
             secret: frozenset[str] = frozenset()) -> Resource:
    return Resource(urn=f"urn:pulumi:s::ai-fabric::{type_}::r", type=type_, name="r", parent=None, inputs=inputs,
                    custom=custom, secret_inputs=secret)


def test_judges_an_azure_native_resource_naming_it_and_its_input():
    found = azure_api_conformance(Inventory("s", (resource(PEERING, peering_inputs(vlanId="120")),)))
    assert [(v.invariant, v.resource) for v in found] == [(INVARIANT, f"urn:pulumi:s::ai-fabric::{PEERING}::r")]
    assert found[0].message.startswith(f"{PEERING} 'r': vlanId is string '120', the spec says integer [")
    assert azure_api_conformance(Inventory("s", (resource(PEERING, peering_inputs()),))) == []


def test_judges_only_custom_azure_native_resources():
    others = (resource("random:index:RandomPassword", {"length": "x"}),
              resource("ai-fabric:network:PrivateInterconnect", {"anything": 1}, custom=False),
              resource(PEERING, {"bogus": 1}, custom=False))
    assert azure_api_conformance(Inventory("s", others)) == []


def test_never_judges_a_secret_input_whatever_value_reached_the_inventory():
    secret = resource(PEERING, peering_inputs(sharedKey=5), secret=frozenset({"sharedKey"}))
    assert azure_api_conformance(Inventory("s", (secret,))) == []
    plain = resource(PEERING, peering_inputs(sharedKey=5))
    assert [v.message.split(" [")[0] for v in azure_api_conformance(Inventory("s", (plain,)))] == [
        f"{PEERING} 'r': sharedKey is integer 5, the spec says string"]
