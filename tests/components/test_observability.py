"""SiteObservability declares the workspace, action group, diagnostic settings and alerts of a site; asserted
on the recorded inventory."""

from __future__ import annotations

from infra import offline
from infra.inventory import SECRET
from infra.spec import FabricSpec, from_config
from infra.tokens import ACTION_GROUP, DIAGNOSTIC_SETTING, METRIC_ALERT, SITE_OBSERVABILITY, WORKSPACE


def test_the_reference_site_sends_everything_to_its_own_workspace_and_pages_the_noc(plan_shipped):
    inv = plan_shipped("eastus")
    (component,) = inv.of_type(SITE_OBSERVABILITY)
    (workspace,) = inv.of_type(WORKSPACE)
    assert workspace.parent == component.urn
    assert (workspace.inputs["workspaceName"], workspace.inputs["retentionInDays"]) == ("log-ai-fabric-eastus", 180)
    assert workspace.get("sku.name") == "PerGB2018"
    for setting in inv.of_type(DIAGNOSTIC_SETTING):
        assert setting.inputs["workspaceId"] == workspace.id
        assert setting.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    (group,) = inv.of_type(ACTION_GROUP)
    assert (group.inputs["actionGroupName"], group.inputs["groupShortName"], group.inputs["location"]) == (
        "ag-ai-fabric-eastus", "fabric-noc", "Global")
    assert group.inputs["emailReceivers"] == [
        {"name": "noc", "emailAddress": "fabric-noc@example.com", "useCommonAlertSchema": True}]
    # The webhook URL carries its token: it comes from secret config and stays secret.
    assert "webhookReceivers" in group.secret_inputs
    alerts = inv.of_type(METRIC_ALERT)
    assert len(alerts) == 2 * 4 + 2 + 2  # per circuit: in, out, BGP, ARP; gateway CPU and throughput; a link alert per port
    for alert in alerts:
        assert alert.inputs["actions"] == [{"actionGroupId": group.id}]
        assert alert.inputs["location"] == "global" and alert.inputs["ruleName"].startswith("alert-eastus-")
        assert len(alert.inputs["scopes"]) == 1 and alert.get("criteria.allOf.0.criterionType") == "StaticThresholdCriterion"
    wdc_in = inv.named("observability-alert-circuit-wdc-in")
    assert wdc_in.inputs["scopes"] == [inv.named("interconnect-circuit-wdc").id]
    assert (wdc_in.get("criteria.allOf.0.metricName"), wdc_in.get("criteria.allOf.0.threshold")) == (
        "BitsInPerSecond", 50_000_000_000)
    bgp = inv.named("observability-alert-circuit-nyc-bgp")
    assert bgp.get("criteria.allOf.0.dimensions") == [
        {"name": "PeeringType", "operator": "Include", "values": ["*"]},
        {"name": "Peer", "operator": "Include", "values": ["*"]}]
    assert inv.exports["observability"]["workspace_id"] == workspace.id
    assert set(inv.exports["observability"]["alerts"]) == {a.name.removeprefix("observability-alert-") for a in alerts}


def test_a_site_may_send_to_an_existing_workspace_instead_of_creating_one(plan_shipped):
    inv = plan_shipped("westeurope")
    assert inv.of_type(WORKSPACE) == []
    central = ("/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg-monitoring-weu/providers/"
               "Microsoft.OperationalInsights/workspaces/law-central-weu")
    assert {s.inputs["workspaceId"] for s in inv.of_type(DIAGNOSTIC_SETTING)} == {central}
    (group,) = inv.of_type(ACTION_GROUP)
    assert [r["name"] for r in group.inputs["emailReceivers"]] == ["noc", "eu-oncall"]


def site_without_peers(shipped_fabric, observability: dict | None = None) -> FabricSpec:
    """southcentralus on its own (no Global Reach, no demands), with the given observability section."""
    data = shipped_fabric.stacks["southcentralus"].spec.model_dump(mode="json", exclude={"stack"})
    data["interconnect"]["global_reach"], data["demands"] = {}, {}
    data.pop("observability")
    if observability is not None:
        data["observability"] = observability
    return from_config("southcentralus", data)


def test_without_an_observability_section_a_site_still_observes_and_alerts_notifying_nobody(shipped_fabric,
                                                                                             plan_spec):
    inv = plan_spec(site_without_peers(shipped_fabric))
    (workspace,) = inv.of_type(WORKSPACE)
    assert workspace.inputs["retentionInDays"] == 90
    assert inv.of_type(ACTION_GROUP) == []
    assert {a.inputs["actions"] == [] for a in inv.of_type(METRIC_ALERT)} == {True}
    assert inv.exports["observability"]["action_group_id"] is None


def test_a_webhook_url_in_plain_text_is_refused(shipped_fabric):
    spec = site_without_peers(shipped_fabric, {"action_group": {"short_name": "noc",
                                                                "webhooks": {"pager": {"uri_secret": "hook"}}}})
    config = offline.config_from_spec(spec)
    assert config["ai-fabric:hook"] == {"secure": "v1:offline"}
    config["ai-fabric:hook"] = "https://example.com/hook?token=abc"
    try:
        offline.run("southcentralus", config, options=offline.RunOptions(carrier_state="provisioned"))
    except offline.PlanError as exc:
        assert "config key ai-fabric:hook must be a secret" in str(exc)
    else:
        raise AssertionError("a plain-text webhook URL was accepted")


def test_the_pending_reference_site_watches_what_exists_and_nothing_more(shipped_fabric, plan_spec):
    data = shipped_fabric.stacks["eastus"].spec.model_dump(mode="json", exclude={"stack"})
    data["interconnect"]["global_reach"], data["demands"] = {}, {}
    inv = plan_spec(from_config("eastus", data), options=offline.RunOptions(carrier_state="pending"))
    names = {a.name for a in inv.of_type(METRIC_ALERT)}
    assert names == {f"observability-alert-{k}" for k in (
        "circuit-wdc-in", "circuit-wdc-out", "circuit-nyc-in", "circuit-nyc-out", "gateway-cpu", "gateway-throughput")}
    assert not [s for s in inv.of_type(DIAGNOSTIC_SETTING) if "/connections/" in s.inputs["resourceUri"]]
    assert SECRET not in [a.inputs["description"] for a in inv.of_type(METRIC_ALERT)]
