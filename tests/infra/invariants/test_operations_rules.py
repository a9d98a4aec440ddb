"""The day-two invariants rule by rule, on inventories built in the test (issue 17): both sides of each rule,
its boundaries (an authorization on its last day, a scale set exactly at its live count), how references
resolve, and malformed inputs that are reported or left alone, never a crash.

Each inventory is a handful of Resource records; the tests that plan the shipped stacks are in
test_operations.py."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from infra import catalog
from infra.capacity.report import Violation
from infra.inventory import SECRET, UNKNOWN, Inventory, Resource
from infra.invariants import operations
from infra.tokens import (
    CIRCUIT, CIRCUIT_AUTHORIZATION, CONNECTION, DIAGNOSTIC_SETTING, GATEWAY, GPU_CLUSTER, KEY_VAULT, KEY_VAULT_SECRET,
    METRIC_ALERT, PEERING, PORT, PRIVATE_INTERCONNECT, SCALE_SET, SUBNET,
)

SUB = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network"
WORKSPACE = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs"
GATEWAY_LOGS = catalog.DIAGNOSTIC_LOG_CATEGORIES.value["gateway"]


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:s::ai-fabric::{type_}::{name}"


def res(type_: str, name: str, inputs: dict[str, Any] | None = None, *, deps: tuple[str, ...] = (),
        parent: str | None = None, secret: frozenset[str] = frozenset()) -> Resource:
    return Resource(urn=urn(type_, name), type=type_, name=name, parent=parent, inputs=inputs or {},
                    dependencies=deps, secret_inputs=secret)


def inv(*resources: Resource) -> Inventory:
    return Inventory("s", tuple(resources))


def run(check: str, inventory: Inventory) -> list[Violation]:
    found = operations.CHECKS[check](inventory)
    assert all(isinstance(v, Violation) and v.invariant == check and v.stack == "s" for v in found), found
    return found


def msgs(check: str, inventory: Inventory) -> list[str]:
    return [v.message for v in run(check, inventory)]


def circuit(name: str = "a") -> Resource:
    return res(CIRCUIT, name, {"circuitName": f"er-{name}"})


def port(name: str = "p1", links: object = "ok", identity: object = "ok") -> Resource:
    if links == "ok":
        links = [link("link1"), link("link2")]
    if identity == "ok":
        identity = {"type": "UserAssigned", "userAssignedIdentities": [f"{SUB}/userAssignedIdentities/id"]}
    inputs: dict[str, Any] = {"expressRoutePortName": f"port-{name}", "links": links}
    if identity is not None:
        inputs["identity"] = identity
    return res(PORT, name, inputs)


def link(name: str, **cfg: object) -> dict[str, Any]:
    config = {"cipher": "GcmAes256", "cakSecretIdentifier": "https://kv/secrets/cak",
              "cknSecretIdentifier": "https://kv/secrets/ckn", **cfg}
    return {"name": name, "macSecConfig": {k: v for k, v in config.items() if v is not None}}


def gateway(name: str = "gw", sku: str = "ErGw3AZ", kind: str = "ExpressRoute") -> Resource:
    return res(GATEWAY, name, {"virtualNetworkGatewayName": f"vgw-{name}", "gatewayType": kind, "sku": {"name": sku}})


def connection(name: str = "c", kind: str = "ExpressRoute") -> Resource:
    return res(CONNECTION, name, {"virtualNetworkGatewayConnectionName": f"cn-{name}", "connectionType": kind})


def arm_id(target: Resource) -> str:
    return f"{SUB}/{operations._COLLECTIONS[target.type]}/{operations._name(target)}"


def setting(target: Resource, *, uri: object = None, workspace: object = WORKSPACE, logs: object = "all",
            metrics: object = "all", deps: tuple[str, ...] = (), name: str | None = None) -> Resource:
    kind = operations._OBSERVED[target.type]
    if logs == "all":
        logs = [{"category": c, "enabled": True} for c in catalog.DIAGNOSTIC_LOG_CATEGORIES.value[kind]]
    if metrics == "all":
        metrics = [{"category": catalog.ALL_METRICS_CATEGORY, "enabled": True}]
    return res(DIAGNOSTIC_SETTING, name or f"diag-{target.name}", {
        "resourceUri": uri if uri is not None else arm_id(target), "workspaceId": workspace, "logs": logs,
        "metrics": metrics}, deps=deps)


def alert(target: Resource, *metrics: str, enabled: object = True, scopes: object = None, name: str | None = None,
          deps: tuple[str, ...] = ()) -> Resource:
    return res(METRIC_ALERT, name or f"alert-{target.name}-{'-'.join(metrics)}", {
        "scopes": scopes if scopes is not None else [arm_id(target)], "enabled": enabled,
        "criteria": {"allOf": [{"metricName": m} for m in metrics]}}, deps=deps)


# ------------------------------------------------------------------------------------------------
# diagnostics-to-workspace
# ------------------------------------------------------------------------------------------------


def _observed() -> list[Resource]:
    return [circuit("a"), port("p1"), gateway("gw"), connection("c")]


def test_diagnostics_to_workspace_leaves_each_fully_observed_resource_alone():
    observed = _observed()
    assert run("diagnostics-to-workspace", inv(*observed, *(setting(r) for r in observed))) == []


def test_diagnostics_to_workspace_fails_for_each_resource_without_a_setting_once():
    found = run("diagnostics-to-workspace", inv(*_observed()))
    assert [v.resource for v in found] == [r.urn for r in _observed()]
    assert [v.message.split(" has no diagnostic")[0] for v in found] == [
        "circuit er-a", "ExpressRoute Direct port port-p1", "ExpressRoute gateway vgw-gw", "gateway connection cn-c"]


def test_diagnostics_to_workspace_observes_only_expressroute_gateways_and_connections():
    others = [gateway("vpn", kind="Vpn"), connection("ipsec", kind="IPsec"), res(SUBNET, "s"), res(PEERING, "p")]
    assert run("diagnostics-to-workspace", inv(*others)) == []


@pytest.mark.parametrize("workspace", [None, ""])
def test_diagnostics_to_workspace_fails_once_when_the_setting_names_no_workspace(workspace):
    c = circuit()
    assert msgs("diagnostics-to-workspace", inv(c, setting(c, workspace=workspace))) == [
        "the diagnostic setting of circuit er-a names no workspaceId; set the site's Log Analytics workspace"]


def test_diagnostics_to_workspace_fails_once_naming_each_category_not_sent():
    gw = gateway()
    logs = [{"category": c, "enabled": c != "IKEDiagnosticLog"} for c in GATEWAY_LOGS]
    found = msgs("diagnostics-to-workspace", inv(gw, setting(gw, logs=logs, metrics=[{"category": "AllMetrics"}])))
    assert len(found) == 1 and found[0].startswith(
        "the diagnostic setting of ExpressRoute gateway vgw-gw does not send IKEDiagnosticLog, metrics AllMetrics; ")


def test_diagnostics_to_workspace_needs_the_metrics_even_where_the_type_has_no_logs():
    p = port()
    assert len(run("diagnostics-to-workspace", inv(p, setting(p, metrics=[])))) == 1
    assert len(run("diagnostics-to-workspace", inv(p, setting(p, metrics=[{"category": "AllMetrics",
                                                                             "enabled": "true"}])))) == 1


def test_diagnostics_to_workspace_reads_categories_across_the_resource_s_settings_with_a_workspace():
    gw = gateway()
    logs_only = setting(gw, metrics=[], name="d1")
    metrics_only = setting(gw, logs=[], name="d2")
    assert run("diagnostics-to-workspace", inv(gw, logs_only, metrics_only)) == []
    nowhere = setting(gw, logs=[], workspace=None, name="d2")
    assert len(run("diagnostics-to-workspace", inv(gw, logs_only, nowhere))) == 1


def test_diagnostics_to_workspace_does_not_count_a_setting_on_another_resource():
    a, b = circuit("a"), circuit("b")
    assert [v.resource for v in run("diagnostics-to-workspace", inv(a, b, setting(a)))] == [b.urn]


def test_diagnostics_to_workspace_matches_a_setting_by_dependency_while_the_uri_is_unknown():
    c = circuit()
    assert run("diagnostics-to-workspace", inv(c, setting(c, uri=UNKNOWN, deps=(c.urn,)))) == []
    assert len(run("diagnostics-to-workspace", inv(c, setting(c, uri=UNKNOWN)))) == 1


def test_diagnostics_to_workspace_matches_an_id_whatever_its_case_and_trailing_slash():
    c = circuit()
    for uri in (f"{SUB}/EXPRESSROUTECIRCUITS/ER-A", f"{SUB}/expressRouteCircuits/er-a/", "expressRouteCircuits/er-a"):
        assert run("diagnostics-to-workspace", inv(c, setting(c, uri=uri))) == [], uri
    for uri in (f"{SUB}/expressRoutePorts/er-a", f"{SUB}/expressRouteCircuits/er-b", "er-a",
                f"{SUB}/expressRouteCircuits/er-a/peerings/x"):
        assert len(run("diagnostics-to-workspace", inv(c, setting(c, uri=uri)))) == 1, uri


def test_diagnostics_to_workspace_reports_malformed_settings_instead_of_crashing():
    c = circuit()
    assert len(run("diagnostics-to-workspace", inv(c, setting(c, uri={"id": arm_id(c)})))) == 1
    assert len(run("diagnostics-to-workspace", inv(c, setting(c, logs="all of them", metrics=["AllMetrics"])))) == 1


# ------------------------------------------------------------------------------------------------
# circuit-alerts, gateway-alerts
# ------------------------------------------------------------------------------------------------


THROUGHPUT = ("BitsInPerSecond", "BitsOutPerSecond")
BGP = ("BgpAvailability", "ArpAvailability")


def test_circuit_alerts_leaves_a_circuit_alone_with_its_throughput_alerts_before_its_peering():
    c = circuit()
    assert run("circuit-alerts", inv(c, alert(c, *THROUGHPUT))) == []


def test_circuit_alerts_needs_bgp_and_arp_alerts_once_the_circuit_has_its_peering():
    c = circuit()
    peering = res(PEERING, "p", {"circuitName": "er-a"})
    assert msgs("circuit-alerts", inv(c, peering, alert(c, *THROUGHPUT))) == [
        "circuit er-a has no metric alert on BgpAvailability, ArpAvailability: a dropped BGP session or a circuit "
        "past its share of the site's N-1 capacity would go unnoticed (SiteObservability declares them)"]
    assert run("circuit-alerts", inv(c, peering, alert(c, *THROUGHPUT), alert(c, *BGP))) == []
    other = res(PEERING, "p", {"circuitName": "er-b"})
    assert run("circuit-alerts", inv(c, other, alert(c, *THROUGHPUT))) == []


def test_circuit_alerts_fails_for_each_circuit_missing_an_alert():
    a, b = circuit("a"), circuit("b")
    found = run("circuit-alerts", inv(a, b, alert(a, "BitsInPerSecond")))
    assert [v.resource for v in found] == [a.urn, b.urn]
    assert "no metric alert on BitsOutPerSecond:" in found[0].message
    assert "no metric alert on BitsInPerSecond, BitsOutPerSecond:" in found[1].message


def test_circuit_alerts_does_not_count_a_disabled_alert_or_one_on_another_circuit():
    a, b = circuit("a"), circuit("b")
    assert len(run("circuit-alerts", inv(a, alert(a, *THROUGHPUT, enabled=False)))) == 1
    assert len(run("circuit-alerts", inv(a, alert(b, *THROUGHPUT)))) == 1
    assert run("circuit-alerts", inv(a, alert(a, *THROUGHPUT, enabled=None))) == []  # enabled is Azure's default


def test_circuit_alerts_matches_an_alert_by_dependency_while_its_scope_is_unknown():
    c = circuit()
    assert run("circuit-alerts", inv(c, alert(c, *THROUGHPUT, scopes=[UNKNOWN], deps=(c.urn,)))) == []
    assert len(run("circuit-alerts", inv(c, alert(c, *THROUGHPUT, scopes=[UNKNOWN])))) == 1


@pytest.mark.parametrize("scopes, criteria", [(None, None), ("one", {"allOf": []}), ([5], [1, 2]),
                                              ([], {"allOf": [{"metricName": 5}, "x"]})])
def test_circuit_alerts_reads_malformed_alerts_as_no_alert(scopes, criteria):
    c = circuit()
    bad = res(METRIC_ALERT, "bad", {"scopes": scopes if scopes is not None else None, "criteria": criteria},
              deps=(c.urn,))
    assert len(run("circuit-alerts", inv(c, bad))) == 1


def test_gateway_alerts_leaves_a_gateway_with_cpu_and_throughput_alerts_alone():
    gw = gateway()
    assert run("gateway-alerts", inv(gw, alert(gw, "ExpressRouteGatewayCpuUtilization",
                                               "ExpressRouteGatewayBitsPerSecond"))) == []


def test_gateway_alerts_fails_naming_each_missing_metric_with_its_source():
    gw = gateway()
    source = catalog.METRICS["ExpressRouteGatewayCpuUtilization"].source.split(";")[0]
    assert msgs("gateway-alerts", inv(gw)) == [
        "gateway vgw-gw has no metric alert on ExpressRouteGatewayCpuUtilization, ExpressRouteGatewayBitsPerSecond "
        f"({source})"]
    found = msgs("gateway-alerts", inv(gw, alert(gw, "ExpressRouteGatewayCpuUtilization")))
    assert found[0].startswith("gateway vgw-gw has no metric alert on ExpressRouteGatewayBitsPerSecond (")


def test_gateway_alerts_watch_an_ergwscale_gateway_with_the_scalable_metrics():
    gw = gateway(sku="ErGwScale")
    fixed = alert(gw, "ExpressRouteGatewayCpuUtilization", "ExpressRouteGatewayBitsPerSecond")
    assert len(run("gateway-alerts", inv(gw, fixed))) == 1
    scalable = alert(gw, "ScalableExpressRouteGatewayCpuUtilization", "ScalableExpressRouteGatewayBitsPerSecond")
    assert run("gateway-alerts", inv(gw, scalable)) == []


def test_gateway_alerts_judge_only_expressroute_gateways():
    assert run("gateway-alerts", inv(gateway(kind="Vpn"))) == []


# ------------------------------------------------------------------------------------------------
# direct-port-macsec
# ------------------------------------------------------------------------------------------------


def _macsec_problems(p: Resource) -> list[str]:
    found = msgs("direct-port-macsec", inv(p))
    if not found:
        return []
    assert len(found) == 1
    return found[0].split(" is not encrypted as required: ")[1].split(". Set interconnect")[0].split("; ")


@pytest.mark.parametrize("cipher", catalog.MACSEC_CIPHERS.value)
def test_direct_port_macsec_leaves_a_port_with_two_encrypted_links_and_an_identity_alone(cipher):
    assert run("direct-port-macsec", inv(port(links=[link("l1", cipher=cipher), link("l2", cipher=cipher)]))) == []
    both = {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": SECRET}
    assert run("direct-port-macsec", inv(port(identity=both))) == []


def test_direct_port_macsec_fails_with_fewer_than_two_links():
    assert _macsec_problems(port(links=[link("l1")])) == ["declares 1 of its 2 links"]
    assert _macsec_problems(port(links=[], identity=None)) == ["declares 0 of its 2 links"]
    assert _macsec_problems(port(links="both")) == ["declares 0 of its 2 links"]


def test_direct_port_macsec_names_each_problem_of_each_link():
    links = [{"name": "l1"}, link("l2", cipher="Aes", cakSecretIdentifier=None, cknSecretIdentifier="")]
    assert _macsec_problems(port(links=links)) == [
        "l1 has no macSecConfig", "l2 has cipher 'Aes' (allowed: GcmAes128, GcmAes256, GcmAesXpn128, GcmAesXpn256)",
        "l2 has no cakSecretIdentifier", "l2 has no cknSecretIdentifier"]
    assert _macsec_problems(port(links=[{"macSecConfig": "on"}, link("l2")])) == ["a link has no macSecConfig"]


def test_direct_port_macsec_leaves_secret_identifiers_unknown_in_a_preview_alone():
    assert run("direct-port-macsec", inv(port(links=[link("l1", cakSecretIdentifier=UNKNOWN),
                                                     link("l2", cknSecretIdentifier=UNKNOWN)]))) == []


@pytest.mark.parametrize("identity", [
    None, "UserAssigned", {"type": "SystemAssigned", "userAssignedIdentities": ["x"]},
    {"type": "UserAssigned"}, {"type": "UserAssigned", "userAssignedIdentities": {}},
    {"type": "UserAssigned", "userAssignedIdentities": []}])
def test_direct_port_macsec_fails_without_a_user_assigned_identity(identity):
    assert _macsec_problems(port(identity=identity)) == ["has no user-assigned identity to read its keys from Key Vault"]


def test_direct_port_macsec_message_says_where_to_set_it():
    (message,) = msgs("direct-port-macsec", inv(port(links=[link("l1")])))
    assert message == ("Direct port port-p1 is not encrypted as required: declares 1 of its 2 links. Set "
                       "interconnect.ports.<port>.macsec (cipher, cak_secret, ckn_secret) "
                       f"({catalog.MACSEC_DOC})")
    assert [v.resource for v in run("direct-port-macsec", inv(port(links=[link("l1")])))] == [urn(PORT, "p1")]


# ------------------------------------------------------------------------------------------------
# macsec-key-vault
# ------------------------------------------------------------------------------------------------


def secret(name: str, value: object, *, secret_inputs: frozenset[str] = frozenset()) -> Resource:
    return res(KEY_VAULT_SECRET, name, {"secretName": name, "properties": {"value": value}}, secret=secret_inputs)


def vault(**props: object) -> Resource:
    base: dict[str, Any] = {"enablePurgeProtection": True, "enableSoftDelete": True,
                            "accessPolicies": [{"permissions": {"secrets": ["Get", "List"]}}]}
    return res(KEY_VAULT, "kv", {"vaultName": "kv-site", "properties": {**base, **props}})


def test_macsec_key_vault_leaves_secret_values_and_a_recoverable_readable_vault_alone():
    assert run("macsec-key-vault", inv(secret("cak", SECRET), secret("ckn", UNKNOWN), vault())) == []
    assert run("macsec-key-vault", inv(secret("cak", "plain", secret_inputs=frozenset({"properties"})))) == []
    assert run("macsec-key-vault", inv(vault(enableSoftDelete=None))) == []  # Azure's default is on


def test_macsec_key_vault_fails_on_a_literal_key():
    assert msgs("macsec-key-vault", inv(secret("cak", "0123abcd"))) == [
        "Key Vault secret cak has a plain value; it must come from a secret config key (`pulumi config set --secret "
        "...`), which keeps it encrypted in state"]
    bare = res(KEY_VAULT_SECRET, "ckn", {"secretName": "ckn", "properties": "0123"})
    assert len(run("macsec-key-vault", inv(bare))) == 1


@pytest.mark.parametrize("purge", [None, False, "true"])
def test_macsec_key_vault_fails_without_purge_protection(purge):
    (message,) = msgs("macsec-key-vault", inv(vault(enablePurgeProtection=purge)))
    assert message.startswith("Key Vault kv-site has no purge protection: a purged CAK takes the Direct ports down")


def test_macsec_key_vault_fails_when_soft_delete_is_disabled():
    assert msgs("macsec-key-vault", inv(vault(enableSoftDelete=False))) == [
        f"Key Vault kv-site disables soft delete, which Azure's MACsec guide requires ({catalog.MACSEC_DOC})"]


@pytest.mark.parametrize("policies", [[], [{"permissions": {"secrets": ["list"]}}], [{"permissions": None}],
                                      [{"permissions": {"keys": ["get"]}}], [{}], "get"])
def test_macsec_key_vault_fails_when_no_identity_may_get_secrets(policies):
    assert msgs("macsec-key-vault", inv(vault(accessPolicies=policies))) == [
        f"Key Vault kv-site grants no identity `get` on secrets: the ports cannot read their MACsec keys "
        f"({catalog.MACSEC_DOC})"]


def test_macsec_key_vault_leaves_a_vault_authorized_by_rbac_alone():
    assert run("macsec-key-vault", inv(vault(accessPolicies=[], enableRbacAuthorization=True))) == []
    assert len(run("macsec-key-vault", inv(vault(accessPolicies=[], enableRbacAuthorization=False)))) == 1


def test_macsec_key_vault_leaves_a_vault_with_a_reader_alone_whatever_rbac_says():
    assert run("macsec-key-vault", inv(vault(enableRbacAuthorization=False))) == []


def test_macsec_key_vault_skips_a_vault_without_properties():
    assert run("macsec-key-vault", inv(res(KEY_VAULT, "kv", {"vaultName": "kv"}))) == []


@pytest.mark.parametrize("permissions", [["get"], "get", {"secrets": 5}, {"secrets": "get"}])
def test_macsec_key_vault_reads_malformed_permissions_as_no_reader(permissions):
    assert len(run("macsec-key-vault", inv(vault(accessPolicies=[{"permissions": permissions}])))) == 1


# ------------------------------------------------------------------------------------------------
# authorization-owner-expiry
# ------------------------------------------------------------------------------------------------


TODAY = datetime.date(2026, 6, 15)


@pytest.fixture
def clock():
    operations.CLOCK[0] = lambda: TODAY
    yield
    operations.CLOCK[0] = datetime.date.today


def authorization(name: str = "partner", circuit_name: str = "er-a", key: str = "authorizationName") -> Resource:
    return res(CIRCUIT_AUTHORIZATION, name, {"circuitName": circuit_name, key: name})


def records(**by_key: object) -> Resource:
    return res(PRIVATE_INTERCONNECT, "ic", {"authorizations": by_key})


def record(owner: object = "team@contoso.com", expires: object = None, rotate: object = None) -> dict[str, Any]:
    out: dict[str, Any] = {"owner": owner, "subscriptionId": "1111"}
    if expires is not None:
        out["expiresOn"] = expires
    if rotate is not None:
        out["rotateBy"] = rotate
    return out


def _authz(rec: object, **kw: object) -> list[str]:
    return msgs("authorization-owner-expiry", inv(authorization(**kw), records(**{"er-a/partner": rec})))


def test_the_clock_is_what_the_date_checks_read(clock):
    assert operations.today() == TODAY


@pytest.mark.usefixtures("clock")
def test_authorization_owner_expiry_leaves_an_owned_dated_authorization_alone_through_its_last_day():
    assert _authz(record(expires="2026-06-15")) == []
    assert _authz(record(rotate="2026-06-15")) == []
    assert _authz(record(expires="2027-01-01", rotate="2026-12-01")) == []
    assert _authz(record(expires="2027-01-01"), key="name") == []


@pytest.mark.usefixtures("clock")
def test_authorization_owner_expiry_fails_the_day_after_the_expiry():
    assert _authz(record(expires="2026-06-14")) == [
        "authorization er-a/partner for subscription 1111 expired on 2026-06-14 (yesterday); its owner is "
        "team@contoso.com: remove it (the partner's connection goes with it) or agree a new date"]
    assert "expired on 2026-06-13 (2 days ago)" in _authz(record(expires="2026-06-13"))[0]


@pytest.mark.usefixtures("clock")
def test_authorization_owner_expiry_fails_the_day_after_the_rotation_date():
    assert _authz(record(rotate="2026-06-14")) == [
        "authorization er-a/partner was due for rotation by 2026-06-14 (yesterday); issue a new one, let "
        "team@contoso.com redeem it, then remove this one (README, 'Sharing circuits')"]
    assert "(30 days ago)" in _authz(record(rotate="2026-05-16"))[0]


@pytest.mark.usefixtures("clock")
def test_authorization_owner_expiry_reports_both_dates_when_both_have_passed():
    assert len(_authz(record(expires="2026-01-01", rotate="2026-01-01"))) == 2


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("owner", [None, "", "   ", 5])
def test_authorization_owner_expiry_fails_without_an_owner(owner):
    assert _authz(record(owner=owner, expires="2027-01-01")) == ["authorization er-a/partner names no owner"]


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("expires, rotate", [(None, None), ("soon", None), (20270101, "2027-13-01")])
def test_authorization_owner_expiry_fails_without_a_readable_date(expires, rotate):
    assert _authz(record(expires=expires, rotate=rotate)) == [
        "authorization er-a/partner has neither an expiry nor a rotation date (expires_on, rotate_by)"]


@pytest.mark.usefixtures("clock")
def test_authorization_owner_expiry_fails_when_the_authorization_is_recorded_nowhere():
    expected = ("authorization er-a/partner is recorded nowhere: no owner, no expiry or rotation date. Declare it in "
                "interconnect.circuits.<circuit>.authorizations with owner and expires_on or rotate_by")
    assert msgs("authorization-owner-expiry", inv(authorization())) == [expected]
    assert msgs("authorization-owner-expiry", inv(authorization(), records(**{"er-b/partner": record()}))) == [expected]
    assert _authz("not a record") == [expected]
    bad_component = res(PRIVATE_INTERCONNECT, "ic", {"authorizations": ["er-a/partner"]})
    assert msgs("authorization-owner-expiry", inv(authorization(), bad_component)) == [expected]


@pytest.mark.usefixtures("clock")
def test_authorization_owner_expiry_reads_records_from_every_interconnect():
    second = res(PRIVATE_INTERCONNECT, "ic2", {"authorizations": {"er-b/other": record(expires="2027-01-01")}})
    inventory = inv(authorization(), authorization("other", "er-b"), records(**{"er-a/partner": record(rotate="2027-01-01")}),
                    second)
    assert run("authorization-owner-expiry", inventory) == []


# ------------------------------------------------------------------------------------------------
# gpu-capacity-kept
# ------------------------------------------------------------------------------------------------


def cluster(live: object, type_: str = GPU_CLUSTER) -> Resource:
    return res(type_, "a100", {"liveDomainVms": live})


def scale_set(domain: object, capacity: object, parent: str | None = urn(GPU_CLUSTER, "a100"),
              tags: object = "default") -> Resource:
    if tags == "default":
        tags = {"ib-domain": domain}
    return res(SCALE_SET, f"ss-{domain}", {"vmScaleSetName": f"vmss-{domain}", "tags": tags,
                                            "sku": {"capacity": capacity}}, parent=parent)


def test_gpu_capacity_kept_allows_a_scale_set_at_or_above_its_live_count():
    assert run("gpu-capacity-kept", inv(cluster([10, 20]), scale_set("0", 10), scale_set("1", 25))) == []


def test_gpu_capacity_kept_fails_when_a_scale_set_declares_fewer_vms_than_azure_has():
    found = run("gpu-capacity-kept", inv(cluster([10, 20]), scale_set("0", 10), scale_set("1", 19)))
    assert [v.resource for v in found] == [urn(SCALE_SET, "ss-1")]
    assert found[0].message == (
        "scale set vmss-1 declares 19 VMs but has 20 in Azure: the update would delete 1 VMs operators put there "
        "(and Azure picks which). Declare at least the live count; scale in by deleting chosen instances")


@pytest.mark.parametrize("live, domain, capacity", [
    ([None, 20], "0", 5),                      # no live count read for the domain
    ([10, 20], "2", 5),                        # a domain past the live list
    ([10, 20, 30], "3", 5),                    # exactly one past its end
    ([10, "20"], "1", 5), ([10, 20], "1", None), ([10, 20], "1", "5"),
    ("many", "1", 5), (None, "0", 5),
    ([10, 20], "x", 5), ([10, 20], "²", 5), ([10, 20], 1, 5), ([10, 20], "-1", 5),
])
def test_gpu_capacity_kept_leaves_what_it_cannot_read_alone(live, domain, capacity):
    assert run("gpu-capacity-kept", inv(cluster(live), scale_set(domain, capacity))) == []


def test_gpu_capacity_kept_leaves_a_scale_set_without_tags_alone():
    assert run("gpu-capacity-kept", inv(cluster([10, 20]), scale_set("1", 5, tags=None))) == []
    assert run("gpu-capacity-kept", inv(cluster([10, 20]), scale_set("1", 5, tags=["ib-domain"]))) == []


def test_gpu_capacity_kept_reads_the_live_count_only_from_a_gpu_cluster_parent():
    assert run("gpu-capacity-kept", inv(cluster([10, 20], type_=SUBNET), scale_set("1", 5,
                                                                                  parent=urn(SUBNET, "a100")))) == []
    assert run("gpu-capacity-kept", inv(cluster([10, 20]), scale_set("1", 5, parent=None))) == []
    assert run("gpu-capacity-kept", inv(scale_set("1", 5))) == []  # its parent is not in the inventory
