"""The registry of resource-level checks (infra.invariants): every check under its name, a stack's
catalog overrides applied, and a check that cannot read the inventory reported, never raised."""

from __future__ import annotations

from infra import catalog, invariants
from infra.inventory import Inventory, Resource
from infra.invariants import access, compute, conformance, network, operations
from infra.tokens import CONNECTION, GATEWAY

GW_ID = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/vgw"


def fastpath_on_ergwscale() -> Inventory:
    gateway = Resource(urn="urn:pulumi:s::p::gw", type=GATEWAY, name="gw", parent=None, inputs={
        "gatewayType": "ExpressRoute", "virtualNetworkGatewayName": "vgw",
        "sku": {"name": "ErGwScale", "tier": "ErGwScale"}, "autoScaleConfiguration": {"bounds": {"min": 10}}})
    connection = Resource(urn="urn:pulumi:s::p::conn", type=CONNECTION, name="conn", parent=None, inputs={
        "connectionType": "ExpressRoute", "virtualNetworkGatewayConnectionName": "conn",
        "virtualNetworkGateway1": {"id": GW_ID}, "expressRouteGatewayBypass": True})
    return Inventory("s", (gateway, connection))


CONFIRMED = catalog.with_overrides({"ergwscale_fastpath": True})


def test_every_check_is_registered_under_its_name_with_the_default_catalog():
    assert invariants.CHECKS == {**compute.CHECKS, **network.CHECKS, **access.CHECKS, **operations.CHECKS,
                                 **conformance.CHECKS}
    defaults = invariants.checks_for()
    assert all(defaults[name] is fn for name, fn in network.CHECKS.items())


def test_a_stacks_catalog_overrides_change_what_the_checks_accept():
    inv = fastpath_on_ergwscale()
    # Only the catalog-dependent rule changes its verdict (a bare gateway also lacks its lock).
    assert "fastpath-support" in [v.invariant for v in invariants.check(inv)]
    assert "fastpath-support" not in [v.invariant for v in invariants.check(inv, CONFIRMED)]
    assert invariants.checks_for(CONFIRMED)["fastpath-support"](inv) == []


def test_a_check_that_cannot_read_the_inventory_is_a_violation_not_a_crash():
    def broken(inv: Inventory) -> list:
        raise KeyError("sku")

    [v] = invariants.run_check("gpu-count", broken, Inventory("s", ()))
    assert (v.invariant, v.stack, v.resource, v.message) == (
        "gpu-count", "s", None, "cannot check the inventory: KeyError: 'sku'")
    assert invariants.run_check("gpu-count", lambda inv: [], Inventory("s", ())) == []
