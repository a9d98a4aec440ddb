"""Day-two invariants: each holds on the shipped inventories, catches a mutated one, and judges a preview
(unknown IDs) by dependencies. Dates are judged against a clock the test sets."""

from __future__ import annotations

import copy
import dataclasses
import datetime
from typing import Any

import pytest

from infra.inventory import SECRET, UNKNOWN, Inventory
from infra.invariants import operations, run_check
from infra.tokens import CIRCUIT_AUTHORIZATION, DIAGNOSTIC_SETTING, METRIC_ALERT

STACKS = ["eastus", "southcentralus", "westus3", "westeurope", "uksouth"]


def mutate(inv: Inventory, name: str, changes: dict[str, Any] | None = None, **fields: Any) -> Inventory:
    out = []
    for r in inv.resources:
        if r.name == name:
            inputs = copy.deepcopy(dict(r.inputs))
            for path, value in (changes or {}).items():
                node = inputs
                *parents, last = path.split(".")
                for part in parents:
                    node = node[int(part)] if part.isdigit() else node[part]
                node[int(last) if last.isdigit() else last] = value
            r = dataclasses.replace(r, inputs=inputs, **fields)
        out.append(r)
    assert any(r.name == name for r in inv.resources), f"no {name} in {inv.stack}"
    return dataclasses.replace(inv, resources=tuple(out))


def without(inv: Inventory, name: str) -> Inventory:
    assert any(r.name == name for r in inv.resources), name
    return dataclasses.replace(inv, resources=tuple(r for r in inv.resources if r.name != name))


def found(inv: Inventory, invariant: str) -> list:
    return operations.CHECKS[invariant](inv)


def as_preview(inv: Inventory) -> Inventory:
    """The inventory as `pulumi preview` shows a first deployment: every resource ID unknown."""
    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return UNKNOWN if isinstance(v, str) and v.startswith("/subscriptions/") else v
    return dataclasses.replace(inv, resources=tuple(dataclasses.replace(r, inputs=walk(dict(r.inputs)))
                                                    for r in inv.resources))


@pytest.fixture(scope="module")
def east(plan_shipped) -> Inventory:
    return plan_shipped("eastus")


@pytest.fixture
def clock():
    """Set the date the checks judge by; restored afterwards."""
    def set_to(day: str) -> None:
        operations.CLOCK[0] = lambda: datetime.date.fromisoformat(day)
    yield set_to
    operations.CLOCK[0] = datetime.date.today


@pytest.mark.parametrize("stack", STACKS)
def test_every_day_two_invariant_holds_on_the_shipped_stacks_planned_and_previewed(plan_shipped, stack):
    inv = plan_shipped(stack)
    for name, check in operations.CHECKS.items():
        assert check(inv) == [], name
        assert check(as_preview(inv)) == [], f"{name} (preview)"


# ------------------------------------------------------------------------------------------------
# Observability
# ------------------------------------------------------------------------------------------------


def test_every_circuit_port_gateway_and_connection_is_observed(east):
    observed = {r.inputs["resourceUri"].rsplit("/", 2)[-2] for r in east.of_type(DIAGNOSTIC_SETTING)}
    assert observed == {"expressRouteCircuits", "expressRoutePorts", "virtualNetworkGateways", "connections"}
    assert len(east.of_type(DIAGNOSTIC_SETTING)) == 2 + 2 + 1 + 2


def test_fails_when_a_port_has_no_diagnostic_setting(east):
    (v,) = found(without(east, "observability-diag-port-wdc"), "diagnostics-to-workspace")
    assert v.resource == east.named("interconnect-port-wdc").urn
    assert "ExpressRoute Direct port erd-eastus-wdc has no diagnostic setting" in v.message


def test_fails_when_a_diagnostic_setting_drops_a_log_category_or_the_metrics(east):
    (v,) = found(mutate(east, "observability-diag-circuit-wdc", {"logs": []}), "diagnostics-to-workspace")
    assert "does not send PeeringRouteLog" in v.message
    (v,) = found(mutate(east, "observability-diag-gateway-gateway", {"metrics.0.enabled": False}),
                 "diagnostics-to-workspace")
    assert "metrics AllMetrics" in v.message and "RouteDiagnosticLog" not in v.message


def test_fails_when_a_diagnostic_setting_names_no_workspace(east):
    (v,) = found(mutate(east, "observability-diag-connection-nyc", {"workspaceId": ""}), "diagnostics-to-workspace")
    assert "gateway connection con-eastus-nyc" in v.message and "workspaceId" in v.message


def test_a_diagnostic_setting_on_another_resource_does_not_count(east):
    # Point the wdc port's setting at the nyc port: wdc is unobserved, nyc is observed twice (allowed).
    nyc_id = east.named("interconnect-port-nyc").id
    (v,) = found(mutate(east, "observability-diag-port-wdc", {"resourceUri": nyc_id}), "diagnostics-to-workspace")
    assert "erd-eastus-wdc" in v.message


def test_fails_when_a_peered_circuit_loses_its_bgp_alert(east):
    (v,) = found(without(east, "observability-alert-circuit-wdc-bgp"), "circuit-alerts")
    assert v.resource == east.named("interconnect-circuit-wdc").urn
    assert "no metric alert on BgpAvailability" in v.message


def test_a_disabled_alert_does_not_count(east):
    (v,) = found(mutate(east, "observability-alert-circuit-nyc-in", {"enabled": False}), "circuit-alerts")
    assert "BitsInPerSecond" in v.message


def test_a_circuit_without_its_peering_needs_only_throughput_alerts(plan_shipped):
    inv = plan_shipped("southcentralus")
    pending = without(without(inv, "observability-alert-circuit-chi-bgp"), "observability-alert-circuit-chi-arp")
    pending = without(pending, "interconnect-peering-chi")
    assert found(pending, "circuit-alerts") == []
    (v,) = found(without(pending, "observability-alert-circuit-chi-out"), "circuit-alerts")
    assert "BitsOutPerSecond" in v.message


def test_fails_when_the_gateway_has_no_cpu_alert(east):
    (v,) = found(without(east, "observability-alert-gateway-cpu"), "gateway-alerts")
    assert "ExpressRouteGatewayCpuUtilization" in v.message


def test_an_ergwscale_gateway_is_watched_with_the_scalable_metrics(plan_shipped):
    inv = plan_shipped("westus3")  # ErGwScale x20
    metrics = {r.get("criteria.allOf.0.metricName") for r in inv.of_type(METRIC_ALERT) if "gateway" in r.name}
    assert metrics == {"ScalableExpressRouteGatewayCpuUtilization", "ScalableExpressRouteGatewayBitsPerSecond"}
    assert found(inv, "gateway-alerts") == []


# ------------------------------------------------------------------------------------------------
# MACsec
# ------------------------------------------------------------------------------------------------


def test_fails_when_a_direct_port_link_has_no_macsec(east):
    (v,) = found(mutate(east, "interconnect-port-wdc", {"links.1.macSecConfig": None}), "direct-port-macsec")
    assert v.resource == east.named("interconnect-port-wdc").urn
    assert "link2 has no macSecConfig" in v.message


def test_fails_when_a_link_misses_a_key_or_names_an_unknown_cipher(east):
    inv = mutate(east, "interconnect-port-nyc", {"links.0.macSecConfig.cakSecretIdentifier": None,
                                                 "links.1.macSecConfig.cipher": "Aes128Cbc"})
    (v,) = found(inv, "direct-port-macsec")
    assert "link1 has no cakSecretIdentifier" in v.message and "link2 has cipher 'Aes128Cbc'" in v.message


def test_fails_when_the_port_has_no_identity_to_read_its_keys(east):
    (v,) = found(mutate(east, "interconnect-port-wdc", {"identity": None}), "direct-port-macsec")
    assert "user-assigned identity" in v.message


def test_unknown_secret_identifiers_in_a_preview_are_not_judged(east):
    inv = mutate(east, "interconnect-port-wdc", {"links.0.macSecConfig.cakSecretIdentifier": UNKNOWN})
    assert found(inv, "direct-port-macsec") == []


def test_fails_when_a_macsec_key_is_a_plain_value(east):
    name = "interconnect-macsec-cak-wdc"
    inv = mutate(east, name, {"properties": {"value": "00" * 32}}, secret_inputs=frozenset())
    (v,) = found(inv, "macsec-key-vault")
    assert "erd-eastus-wdc-cak has a plain value" in v.message
    assert east.named(name).inputs["properties"] == SECRET and found(east, "macsec-key-vault") == []


def test_fails_when_the_key_vault_loses_purge_protection_or_its_reader(east):
    inv = mutate(east, "interconnect-macsec-vault", {"properties.enablePurgeProtection": False,
                                                     "properties.accessPolicies": []})
    messages = [v.message for v in found(inv, "macsec-key-vault")]
    assert len(messages) == 2 and "no purge protection" in messages[0] and "grants no identity `get`" in messages[1]


# ------------------------------------------------------------------------------------------------
# Circuit authorizations
# ------------------------------------------------------------------------------------------------


def test_the_shipped_authorization_has_its_owner_and_dates_recorded(east):
    (auth,) = east.of_type(CIRCUIT_AUTHORIZATION)
    (component,) = east.of_type("ai-fabric:network:PrivateInterconnect")
    record = component.inputs["authorizations"][f"erc-eastus-wdc/{auth.inputs['authorizationName']}"]
    assert record == {"circuit": "wdc", "owner": "Research BU network team <research-net@example.com>",
                      "subscriptionId": "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f7a8b9", "expiresOn": "2027-11-30",
                      "rotateBy": "2027-05-31"}


def test_an_authorization_is_valid_on_its_last_day_and_overdue_the_day_after(east, clock):
    clock("2027-05-31")
    assert found(east, "authorization-owner-expiry") == []
    clock("2027-06-01")
    (v,) = found(east, "authorization-owner-expiry")
    assert "was due for rotation by 2027-05-31 (yesterday)" in v.message
    assert "Research BU network team" in v.message


def test_an_expired_authorization_is_a_violation(east, clock):
    clock("2027-12-01")
    messages = [v.message for v in found(east, "authorization-owner-expiry")]
    assert any("expired on 2027-11-30 (yesterday)" in m and "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f7a8b9" in m
               for m in messages)
    assert any("due for rotation by 2027-05-31 (184 days ago)" in m for m in messages)


def test_fails_when_an_authorization_has_no_owner_or_no_date(east):
    key = "erc-eastus-wdc/research-bu"
    inv = mutate(east, "interconnect", {"authorizations": {key: {"owner": " ", "expiresOn": None,
                                                                  "rotateBy": "not a date"}}})
    messages = [v.message for v in found(inv, "authorization-owner-expiry")]
    assert messages == [f"authorization {key} names no owner",
                        f"authorization {key} has neither an expiry nor a rotation date (expires_on, rotate_by)"]


def test_fails_when_an_authorization_is_recorded_nowhere(east):
    (v,) = found(mutate(east, "interconnect", {"authorizations": {}}), "authorization-owner-expiry")
    assert "recorded nowhere" in v.message


# ------------------------------------------------------------------------------------------------
# GPU scale sets
# ------------------------------------------------------------------------------------------------


def test_fails_when_a_scale_set_declares_fewer_vms_than_azure_has(east):
    inv = mutate(east, "a100", {"liveDomainVms": [None, 230, None]})
    (v,) = found(inv, "gpu-capacity-kept")
    assert v.resource == east.named("a100-ib-1").urn
    assert "declares 225 VMs but has 230 in Azure: the update would delete 5 VMs" in v.message


def test_a_scale_set_at_or_above_the_live_count_holds(east):
    assert found(mutate(east, "a100", {"liveDomainVms": [225, 200, None]}), "gpu-capacity-kept") == []


def test_malformed_inventories_are_reported_not_crashed_on(east):
    inv = mutate(east, "interconnect-port-wdc", {"links": "both"})
    inv = mutate(inv, "a100", {"liveDomainVms": "many"})
    inv = mutate(inv, "observability-alert-gateway-cpu", {"criteria": [1, 2]})
    for name, check in operations.CHECKS.items():
        run_check(name, check, inv)  # a violation or a message, never an exception
    assert "declares 0 of its 2 links" in found(inv, "direct-port-macsec")[0].message
    assert found(inv, "gpu-capacity-kept") == []  # a live count that is no list is not judged
    assert "ExpressRouteGatewayCpuUtilization" in found(inv, "gateway-alerts")[0].message
