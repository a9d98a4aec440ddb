"""role-operations-exist: role definitions in the inventory name only operations Azure publishes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from infra import invariants
from infra.inventory import Inventory
from infra.invariants import access

SHIPPED = ["eastus", "southcentralus", "uksouth", "westeurope", "westus3"]
ROLE = "access-role-interconnect-operator"
ARP_ACTION = "Microsoft.Network/expressRouteCircuits/peerings/arpTables/action"


@pytest.fixture(scope="module")
def eastus(plan_shipped) -> Inventory:
    return plan_shipped("eastus")


def with_permissions(inv: Inventory, name: str, permissions: Any) -> Inventory:
    out = tuple(dataclasses.replace(r, inputs={**r.inputs, "permissions": permissions}) if r.name == name else r
                for r in inv)
    return dataclasses.replace(inv, resources=out)


def with_ops(inv: Inventory, field: str, *ops: str) -> Inventory:
    perm = dict(inv.named(ROLE).inputs["permissions"][0])
    perm[field] = [*perm.get(field, []), *ops]
    return with_permissions(inv, ROLE, [perm])


def found(inv: Inventory) -> list[str]:
    return [v.message for v in access.CHECKS["role-operations-exist"](inv)]


def test_is_part_of_every_plan_and_of_the_policy_pack():
    assert invariants.CHECKS["role-operations-exist"] is access.role_operations_exist


@pytest.mark.parametrize("stack", SHIPPED)
def test_every_shipped_role_definition_names_published_operations(plan_shipped, stack):
    inv = plan_shipped(stack)
    assert inv.of_type(access.ROLE_DEFINITION)
    assert found(inv) == []


def test_fails_when_a_role_definition_names_an_unpublished_action(eastus):
    inv = with_ops(eastus, "actions", ARP_ACTION)
    [message] = found(inv)
    n = len(eastus.named(ROLE).inputs["permissions"][0]["actions"])
    assert message.startswith(f"permissions.0.actions.{n}: {ARP_ACTION!r} not a control-plane action Azure publishes")
    assert "did you mean 'Microsoft.Network/expressRouteCircuits/peerings/arpTables/read'" in message


def test_fails_when_a_control_plane_action_is_a_data_action(eastus):
    inv = with_ops(eastus, "dataActions", "Microsoft.Network/expressRouteCircuits/read")
    [message] = found(inv)
    assert message.startswith("permissions.0.dataActions.0:")
    assert "not a data action: move it to actions" in message


def test_checks_not_actions_wildcards_but_leaves_action_wildcards_to_least_privilege(eastus):
    assert found(with_ops(eastus, "actions", "Microsoft.Network/*")) == []
    assert found(with_ops(eastus, "notActions", "Microsoft.Network/expressRouteCircuits/peerings/*")) == []
    [message] = found(with_ops(eastus, "notActions", "Microsoft.Network/nothing/*"))
    assert "pattern matches no control-plane action of Microsoft.Network" in message


def test_case_of_an_operation_does_not_matter(eastus):
    assert found(with_ops(eastus, "actions", "MICROSOFT.NETWORK/EXPRESSROUTECIRCUITS/READ")) == []


@pytest.mark.parametrize("permissions", [
    None, "not a list", [None], ["text"], [{}], [{"actions": None}], [{"actions": "Microsoft.Network/x/read"}],
    [{"actions": [None, 3, ""]}], [{"notDataActions": [{"nested": True}]}],
])
def test_never_crashes_on_malformed_permissions(eastus, permissions):
    messages = found(with_permissions(eastus, ROLE, permissions))
    assert all(isinstance(m, str) for m in messages)
