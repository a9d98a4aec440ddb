"""Malformed network inventories are reported, never crash a check nor pass unseen (issue 17, part 3),
in `fabric plan`'s run of the invariants and in the policy pack alike.

Only the crash paths for now: the network rules themselves are being reworked (see
tests/infra/invariants/test_network.py for their tests)."""

from __future__ import annotations

import pytest
from pulumi_policy import PolicyResource, PolicyResourceOptions, StackValidationArgs

from infra import catalog, invariants, policies
from infra.inventory import UNKNOWN, Inventory, Resource
from infra.invariants import network
from infra.tokens import GATEWAY, SCALE_SET, SUBNET

A100 = "Standard_ND96amsr_A100_v4"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:s::ai-fabric::{type_}::{name}"


def gateway(sku_name: object) -> Resource:
    return Resource(urn=urn(GATEWAY, "gw"), type=GATEWAY, name="gw", parent=None,
                    inputs={"gatewayType": "ExpressRoute", "virtualNetworkGatewayName": "vgw",
                            "sku": {"name": sku_name, "tier": sku_name}})


def run_pack(inventory: Inventory) -> list[tuple[str, str | None, str]]:
    opts = PolicyResourceOptions(False, [], None, [], None, [], None)
    stack = PolicyResource("pulumi:pulumi:Stack", {}, "urn:pulumi:s::ai-fabric::pulumi:pulumi:Stack::ai-fabric-s",
                           "ai-fabric-s", opts, None, None, [], {})
    resources = [stack, *(PolicyResource(r.type, dict(r.inputs), r.urn, r.name, opts, object(), stack, [], {})
                          for r in inventory)]
    out: list[tuple[str, str | None, str]] = []
    for policy in policies.policies():
        policy.validate(StackValidationArgs(resources),
                        lambda message, urn=None, name=policy.name: out.append((name, urn, message)))
    return out


@pytest.mark.parametrize("sku_name", ["ErGw9AZ", None, ["ErGw3AZ"]])
def test_fails_when_a_gateway_sku_is_not_in_the_catalog(sku_name):
    inv = Inventory("s", (gateway(sku_name),))
    expected = [("gateway-throughput", urn(GATEWAY, "gw"), (
        f"gateway vgw has sku.name {sku_name!r}, not an ExpressRoute gateway SKU of the catalog "
        f"({', '.join(catalog.DEFAULT.gateway_skus)}); its throughput cannot be checked"))]
    # Other rules (locks, API conformance) also judge this bare gateway; this one reports the SKU once.
    assert [(v.invariant, v.resource, v.message) for v in invariants.check(inv)
            if v.invariant == "gateway-throughput"] == expected
    assert [found for found in run_pack(inv) if found[0] == "gateway-throughput"] == expected


def test_a_gateway_sku_not_known_before_deployment_is_not_judged():
    assert network.CHECKS["gateway-throughput"](Inventory("s", (gateway(UNKNOWN),))) == []


def test_a_resource_whose_parent_is_missing_is_reported_not_a_crash():
    orphan_set = Resource(urn=urn(SCALE_SET, "ss"), type=SCALE_SET, name="ss", parent="urn:pulumi:s::gone",
                          inputs={"sku": {"name": A100, "capacity": 2}})
    orphan_subnet = Resource(urn=urn(SUBNET, "GatewaySubnet"), type=SUBNET, name="GatewaySubnet",
                             parent="urn:pulumi:s::gone", inputs={"subnetName": "GatewaySubnet",
                                                                  "addressPrefix": "10.0.0.0/28"})
    inv = Inventory("s", (orphan_set, orphan_subnet))
    found = [(v.invariant, v.resource) for v in invariants.check(inv)]
    assert ("gpu-count", orphan_set.urn) in found and ("gateway-subnet", orphan_subnet.urn) in found
    assert not [v for v in invariants.check(inv) if "cannot check" in v.message]
    assert sorted((n, u) for n, u, _ in run_pack(inv)) == sorted(found)
