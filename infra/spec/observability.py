"""Spec of a site's observability: where its platform logs and metrics go, who its alerts notify.

The alerts themselves (which metrics, which thresholds) are not configured here one by one: the
thresholds come from the capacity model (infra/observability/thresholds.py), so that an alert says when
the site's promise after a single failure is about to break. The spec chooses the workspace, the
receivers, the severities and the two thresholds that are a matter of taste (gateway CPU, availability).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from infra import catalog
from infra.spec.fields import Name, SecretConfigKey, SpecModel

_WORKSPACE_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]+/providers/Microsoft\.OperationalInsights/"
    r"workspaces/[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$",
    re.IGNORECASE,
)


def _email(value: str) -> str:
    local, at, domain = value.partition("@")
    ok = at and local and "." in domain and not domain.startswith(".") and not domain.endswith(".")
    ok = ok and " " not in value and value.count("@") == 1 and len(value) <= 254
    if not ok:
        raise ValueError(f"{value!r} is not an email address; write e.g. 'noc@example.com'")
    return value


Email = Annotated[str, AfterValidator(_email)]


DEFAULT_RETENTION_DAYS = 90


class WorkspaceSpec(SpecModel):
    """The Log Analytics workspace that receives the site's platform logs and metrics."""

    existing_id: str | None = None
    """ARM ID of an existing workspace (e.g. the organisation's central one) to send to. None (the default):
    the stack creates one per site, 'log-ai-fabric-<stack>', in the site's network resource group."""
    retention_days: int | None = Field(default=None, strict=True, ge=catalog.LOG_ANALYTICS_RETENTION_DAYS.value[0],
                                       le=catalog.LOG_ANALYTICS_RETENTION_DAYS.value[1])
    """Days the created workspace keeps data (30-730). None: 90. Not allowed with existing_id, whose owner
    sets its retention."""

    @model_validator(mode="after")
    def _existing_is_a_workspace(self) -> WorkspaceSpec:
        if self.existing_id is not None and not _WORKSPACE_ID.match(self.existing_id):
            raise ValueError(
                f"existing_id {self.existing_id!r} is not a Log Analytics workspace ARM ID; expected '/subscriptions/"
                "<guid>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>'"
            )
        if self.existing_id is not None and self.retention_days is not None:
            raise ValueError("retention_days applies to a workspace the stack creates; remove it, or remove "
                             "existing_id to create one")
        return self


class WebhookReceiver(SpecModel):
    """A webhook the action group calls (an incident tool's integration URL, which holds a token)."""

    uri_secret: SecretConfigKey
    """Secret config key holding the https URL (`pulumi config set --secret NAME`): integration URLs carry
    their credentials in the URL, so they are never written in the stack file."""


class ActionGroupSpec(SpecModel):
    """Who the site's alerts notify: one action group, 'ag-ai-fabric-<stack>'."""

    short_name: str = Field(min_length=1, max_length=catalog.ACTION_GROUP_SHORT_NAME_MAX.value)
    """How SMS and email name the group, 1-12 characters (Azure's limit), e.g. 'fabric-noc'."""
    emails: dict[Name, Email] = {}
    """Email receivers by name, e.g. {noc: noc@example.com}."""
    webhooks: dict[Name, WebhookReceiver] = {}
    """Webhook receivers by name."""

    @model_validator(mode="after")
    def _someone_is_notified(self) -> ActionGroupSpec:
        if not self.emails and not self.webhooks:
            raise ValueError("an action group notifies at least one receiver: add emails or webhooks")
        clash = set(self.emails) & set(self.webhooks)
        if clash:
            raise ValueError(f"receiver name(s) {', '.join(sorted(clash))} used for both an email and a webhook; "
                             "Azure names receivers uniquely within the group")
        return self


Severity = Annotated[int, Field(strict=True, ge=0, le=4)]


class AlertSeverities(SpecModel):
    """Azure alert severities (0 critical to 4 verbose) of the site's alerts."""

    availability: Severity = 1
    """BGP and ARP availability of a circuit's peerings, a Direct port's links. 1 (error) by default."""
    throughput: Severity = 2
    """A circuit carrying more than the site can lose and still fit its demands. 2 (warning) by default."""
    gateway: Severity = 2
    """Gateway CPU and throughput. 2 (warning) by default."""


class ObservabilitySpec(SpecModel):
    """Where the site's circuits, ports, gateway and connections send their logs and metrics, and who hears
    the alerts. Every default is usable: a workspace per site and alerts that show in Azure Monitor."""

    workspace: WorkspaceSpec = WorkspaceSpec()
    action_group: ActionGroupSpec | None = None
    """Receivers of every alert of the site. None: the alerts fire in Azure Monitor but notify nobody."""
    severities: AlertSeverities = AlertSeverities()
    availability_pct: float = Field(default=90.0, gt=0, le=100, allow_inf_nan=False)
    """Alert when a peering's BGP or ARP availability to one peer averages below this over 5 minutes (each
    peering and peer judged on its own). 90 by default."""
    gateway_cpu_pct: int = Field(default=80, strict=True, ge=1, le=100)
    """Alert when a gateway instance's CPU averages above this over 5 minutes. 80 by default."""

    @property
    def webhook_secrets(self) -> dict[str, str]:
        """Secret config key -> receiver name of every webhook."""
        if self.action_group is None:
            return {}
        return {w.uri_secret: name for name, w in self.action_group.webhooks.items()}

