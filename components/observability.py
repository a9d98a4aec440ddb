"""SiteObservability: a site's platform logs, metrics and alerts (ai-fabric:monitoring:SiteObservability).

What one site declares (children named ``f"{name}-<role>-<key>"``):

- ``-workspace``: the Log Analytics workspace 'log-ai-fabric-<stack>', unless the spec names an existing one;
- ``-action-group``: the action group 'ag-ai-fabric-<stack>' with the spec's email and webhook receivers
  (webhook URLs from secret config), when the spec declares one;
- ``-diag-<kind>-<key>``: a diagnostic setting on every owned circuit, Direct port, the ExpressRoute gateway
  and every gateway connection, sending the type's resource-log categories and AllMetrics to the workspace;
- ``-alert-<rule>``: one metric alert per rule of the site's plan (infra/observability/thresholds.py): BGP and
  ARP availability per circuit, peering and peer; circuit throughput in and out against the capacity
  model's N-1 share; gateway CPU and throughput; Direct port line protocol.

What to watch and the thresholds are decided in infra/observability (plain data, tested without Pulumi);
this component only declares them. Metric names and log categories are catalog facts with their sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from components.context import SiteContext
from infra import catalog
from infra.observability import ObservabilityPlan
from infra.spec import ObservabilitySpec
from infra.spec.observability import DEFAULT_RETENTION_DAYS
from infra.tokens import SITE_OBSERVABILITY

DIAGNOSTIC_SETTING_NAME = "ai-fabric-to-log-analytics"
"""Name of the diagnostic setting on every observed resource (unique per resource, so one name serves all)."""


def workspace_name(stack: str) -> str:
    return f"log-ai-fabric-{stack}"


def action_group_name(stack: str) -> str:
    return f"ag-ai-fabric-{stack}"


def alert_name(stack: str, key: str) -> str:
    return f"alert-{stack}-{key}"


@dataclass(frozen=True)
class SiteObservabilityArgs:
    spec: ObservabilitySpec
    site: SiteContext
    plan: ObservabilityPlan
    """What to observe and alert on (infra.observability.alert_plan)."""
    targets: Mapping[tuple[str, str], pulumi.Input[str]]
    """(kind, key) -> ARM ID of each resource the plan names: ('circuit', 'wdc'), ('gateway', 'gateway')..."""
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Secret config values by key (webhook URLs), already Output.secret."""


class SiteObservability(pulumi.ComponentResource):
    """Diagnostic settings and metric alerts of one site, to its Log Analytics workspace and action group."""

    def __init__(self, name: str, args: SiteObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        self._name, self._args = name, args
        plan = args.plan
        super().__init__(SITE_OBSERVABILITY, name, {
            # What the site promises to watch, so checks that see only resources can compare.
            "observed": [f"{d.kind}/{d.key}" for d in plan.diagnostics],
            "alertRules": [a.key for a in plan.alerts],
        }, opts)
        self._rg = args.site.network_resource_group
        self._tags = args.site.tags_for("observability")
        missing = sorted({f"{d.kind}/{d.key}" for d in plan.diagnostics if (d.kind, d.key) not in args.targets}
                         | {f"{a.kind}/{a.target}" for a in plan.alerts if (a.kind, a.target) not in args.targets})
        if missing:
            raise ValueError(f"SiteObservabilityArgs.targets has no ARM ID for {', '.join(missing)}")

        self.workspace_id = self._workspace()
        self.action_group_id = self._action_group()
        self.diagnostic_setting_ids = self._diagnostics()
        self.alert_ids = self._alerts()
        self.register_outputs({
            "workspace_id": self.workspace_id,
            "action_group_id": self.action_group_id,
            "diagnostic_setting_ids": self.diagnostic_setting_ids,
            "alert_ids": self.alert_ids,
        })

    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _workspace(self) -> pulumi.Output[str]:
        """The site's workspace, or the existing one the spec names."""
        ws = self._args.spec.workspace
        if ws.existing_id is not None:
            return pulumi.Output.from_input(ws.existing_id)
        site = self._args.site
        created = operationalinsights.Workspace(
            f"{self._name}-workspace",
            workspace_name=workspace_name(site.stack),
            resource_group_name=self._rg,
            location=site.region,
            sku=operationalinsights.WorkspaceSkuArgs(name=catalog.LOG_ANALYTICS_SKU.value),
            retention_in_days=ws.retention_days or DEFAULT_RETENTION_DAYS,
            tags=self._tags,
            opts=self._child(),
        )
        return created.id

    def _action_group(self) -> pulumi.Output[str] | None:
        group = self._args.spec.action_group
        if group is None:
            return None
        webhooks = []
        for receiver, hook in group.webhooks.items():
            if hook.uri_secret not in self._args.secrets:
                raise ValueError(f"webhook {receiver}: secret config key {hook.uri_secret!r} was not passed in "
                                 "SiteObservabilityArgs.secrets")
            uri = pulumi.Output.secret(self._args.secrets[hook.uri_secret])
            webhooks.append(monitor.WebhookReceiverArgs(name=receiver, service_uri=uri, use_common_alert_schema=True))
        created = monitor.ActionGroup(
            f"{self._name}-action-group",
            action_group_name=action_group_name(self._args.site.stack),
            resource_group_name=self._rg,
            location=catalog.ACTION_GROUP_LOCATION.value,
            group_short_name=group.short_name,
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(name=receiver, email_address=address,
                                                         use_common_alert_schema=True)
                for receiver, address in group.emails.items()
            ],
            webhook_receivers=webhooks,
            tags=self._tags,
            opts=self._child(),
        )
        return created.id

    def _diagnostics(self) -> dict[str, pulumi.Output[str]]:
        """A diagnostic setting on every observed resource: its log categories and AllMetrics to the workspace."""
        out: dict[str, pulumi.Output[str]] = {}
        for target in self._args.plan.diagnostics:
            setting = monitor.DiagnosticSetting(
                f"{self._name}-diag-{target.kind}-{target.key}",
                name=DIAGNOSTIC_SETTING_NAME,
                resource_uri=self._args.targets[(target.kind, target.key)],
                workspace_id=self.workspace_id,
                logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in target.logs],
                metrics=[monitor.DiagnosticsMetricSettingsArgs(category=catalog.ALL_METRICS_CATEGORY, enabled=True)],
                opts=self._child(),
            )
            out[f"{target.kind}/{target.key}"] = setting.id
        return out

    def _alerts(self) -> dict[str, pulumi.Output[str]]:
        rules = catalog.METRIC_ALERT_RULES.value
        actions = ([monitor.MetricAlertActionArgs(action_group_id=self.action_group_id)]
                   if self.action_group_id is not None else [])
        out: dict[str, pulumi.Output[str]] = {}
        for rule in self._args.plan.alerts:
            alert = monitor.MetricAlert(
                f"{self._name}-alert-{rule.key}",
                rule_name=alert_name(self._args.site.stack, rule.key),
                resource_group_name=self._rg,
                location=rules["location"],
                description=rule.description,
                severity=rule.severity,
                enabled=True,
                scopes=[self._args.targets[(rule.kind, rule.target)]],
                evaluation_frequency=rules["evaluation_frequency"],
                window_size=rules["window_size"],
                criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                    odata_type=rules["criteria"],
                    all_of=[monitor.MetricCriteriaArgs(
                        criterion_type="StaticThresholdCriterion",
                        name=rule.key,
                        metric_name=rule.metric,
                        metric_namespace=rule.namespace,
                        operator=rule.operator,
                        threshold=rule.threshold,
                        time_aggregation=rule.aggregation,
                        dimensions=[monitor.MetricDimensionArgs(name=d, operator="Include", values=["*"])
                                    for d in rule.split_by],
                    )],
                ),
                auto_mitigate=True,
                actions=actions,
                tags=self._tags,
                opts=self._child(),
            )
            out[rule.key] = alert.id
        return out

