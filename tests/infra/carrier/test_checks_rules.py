"""The carrier file against the stacks, rule by rule (infra/carrier/checks.py), on files built in the test:
a PoP's peering location is one the provider serves (catalog or a stack's override; null for a transit PoP),
and every circuit of every stack sits at a location some PoP serves, reported once per circuit."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from infra.carrier.checks import known_locations, problems
from infra.carrier.loader import CarrierFile, LoadedCarrier
from infra.carrier.model import CarrierSpec
from infra.spec import from_config
from infra.stackfile import LoadedStack, StackFile


def peering(n: int) -> dict[str, Any]:
    return {"peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
            "secondary_prefix": f"172.16.{n}.4/30"}


def stack(name: str, net: int, locations: tuple[str, ...], overrides: dict | None = None) -> LoadedStack:
    data: dict[str, Any] = {
        "site": {"region": "eastus", "address_space": [f"10.{net}.0.0/16"]},
        "interconnect": {
            "circuits": {f"c{i}": {"kind": "provider", "peering_location": loc, "bandwidth_mbps": 1000,
                                   "tier": "Standard", "private_peering": peering(net + i)}
                         for i, loc in enumerate(locations)},
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26"},
        },
    }
    if overrides:
        data["catalog_overrides"] = {"peering_locations": overrides}
    spec = from_config(name, copy.deepcopy(data))
    return LoadedStack(StackFile(Path(f"Pulumi.{name}.yaml"), name, {}, {}), spec)


def carrier(pops: dict[str, str | None]) -> LoadedCarrier:
    spec = CarrierSpec.model_validate({"carrier": "Lumen",
                                       "pops": {k: {"peering_location": v} for k, v in pops.items()}})
    return LoadedCarrier(CarrierFile(Path("fabric.yaml"), "fabric.yaml", {}, {}), spec)


DENVER = {"Denver": {"metro": "Denver", "geopolitical_region": "United States"}}


def found(issues) -> list[tuple[str, str, Any]]:
    return [(i.file, i.path, i.value) for i in issues]


def test_known_locations_are_the_catalogs_plus_every_stacks_overrides():
    plain, extended = stack("a", 10, ("Washington DC",)), stack("b", 20, ("Washington DC",), DENVER)
    assert "Denver" not in known_locations({"a": plain})
    assert "Denver" in known_locations({"a": plain, "b": extended})
    assert "Washington DC" in known_locations({})


def test_pops_at_catalog_overridden_and_null_locations_are_left_alone():
    stacks = {"a": stack("a", 10, ("Washington DC",), DENVER)}
    assert problems(carrier({"WDC": "Washington DC", "DEN": "Denver", "DAL": None}), stacks) == []


def test_fails_once_per_pop_at_a_location_the_provider_does_not_serve():
    stacks = {"a": stack("a", 10, ("Washington DC",))}
    issues = problems(carrier({"WDC": "Washington DC", "X": "Atlantis", "DEN": "Denver"}), stacks)
    assert found(issues) == [("fabric.yaml", "pops.X.peering_location", "Atlantis"),
                             ("fabric.yaml", "pops.DEN.peering_location", "Denver")]
    assert issues[0].message.startswith("not a peering location of the provider; allowed: ")


def test_fails_once_per_circuit_at_a_location_no_pop_serves_and_leaves_served_circuits_alone():
    stacks = {"a": stack("a", 10, ("Washington DC", "New York")), "b": stack("b", 20, ("Washington DC",))}
    issues = problems(carrier({"WDC": "Washington DC", "DAL": None}), stacks)
    assert found(issues) == [("Pulumi.a.yaml", "ai-fabric:interconnect.circuits.c1.peering_location", "New York")]
    assert "circuit 'c1' is at 'New York', which no PoP of fabric.yaml serves" in issues[0].message
    assert "(served now: Washington DC)" in issues[0].message


def test_a_carrier_of_transit_pops_only_serves_no_circuit():
    issues = problems(carrier({"DAL": None}), {"a": stack("a", 10, ("Washington DC",))})
    assert found(issues) == [("Pulumi.a.yaml", "ai-fabric:interconnect.circuits.c0.peering_location", "Washington DC")]
    assert "(served now: none)" in issues[0].message
