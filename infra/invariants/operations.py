"""Resource-level invariants of day two: what a site observes, how its Direct ports are encrypted, who may
connect to its circuits and until when, and that a re-apply keeps the VM count operators set.

Pure functions of an Inventory, like infra.invariants.network: they run in the tests, in `fabric plan` and
in the policy pack. References resolve by a known ARM ID (collection and Azure name), else by the referring
resource's dependencies (a preview, where IDs are unknown); an unknown value is never a violation.

Dates are judged against ``today()``, a clock the tests set (``CLOCK``); the policy pack and `fabric plan`
use the real date, so an authorization past its date turns a green plan red on that day, as it should.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from infra import catalog
from infra.capacity.report import Violation
from infra.inventory import SECRET, Inventory, Resource, known
from infra.tokens import (
    CIRCUIT, CIRCUIT_AUTHORIZATION, CONNECTION, DIAGNOSTIC_SETTING, GATEWAY, GPU_CLUSTER, KEY_VAULT, KEY_VAULT_SECRET,
    METRIC_ALERT, PEERING, PORT, PRIVATE_INTERCONNECT, SCALE_SET,
)

Check = Callable[[Inventory], list[Violation]]

CLOCK: list[Callable[[], datetime.date]] = [datetime.date.today]
"""The clock the date checks read; tests replace CLOCK[0] (never the real program)."""


def today() -> datetime.date:
    return CLOCK[0]()


_COLLECTIONS = {CIRCUIT: "expressRouteCircuits", PORT: "expressRoutePorts", GATEWAY: "virtualNetworkGateways",
                CONNECTION: "connections"}
_NAME_INPUTS = {CIRCUIT: "circuitName", PORT: "expressRoutePortName", GATEWAY: "virtualNetworkGatewayName",
                CONNECTION: "virtualNetworkGatewayConnectionName"}
_OBSERVED = {CIRCUIT: "circuit", PORT: "port", GATEWAY: "gateway", CONNECTION: "connection"}
"""What must send its logs and metrics to a workspace, by the kind the catalog's log categories use."""
_WHAT = {CIRCUIT: "circuit", PORT: "ExpressRoute Direct port", GATEWAY: "ExpressRoute gateway",
         CONNECTION: "gateway connection"}


def _v(invariant: str, inv: Inventory, r: Resource, message: str) -> Violation:
    return Violation(invariant, message, stack=inv.stack, resource=r.urn)


def _name(r: Resource) -> str:
    value = r.inputs.get(_NAME_INPUTS.get(r.type, ""))
    return value if isinstance(value, str) else r.name


def _points_at(ref: object, target: Resource, referrer: Resource) -> bool:
    """Whether an ARM ID names `target` (collection and name), or, where it is not known (a preview), whether
    the referring resource depends on `target`."""
    if isinstance(ref, str) and known(ref):
        parts = ref.rstrip("/").split("/")
        return len(parts) >= 2 and parts[-1].lower() == _name(target).lower() \
            and parts[-2].lower() == _COLLECTIONS.get(target.type, "").lower()
    return target.urn in referrer.dependencies


def _observed(inv: Inventory) -> list[Resource]:
    """Every circuit, Direct port, ExpressRoute gateway and ExpressRoute connection of the inventory."""
    out = []
    for r in inv:
        if r.type not in _OBSERVED:
            continue
        if r.type == GATEWAY and r.inputs.get("gatewayType") != "ExpressRoute":
            continue
        if r.type == CONNECTION and r.inputs.get("connectionType") != "ExpressRoute":
            continue
        out.append(r)
    return out


# ------------------------------------------------------------------------------------------------
# Observability
# ------------------------------------------------------------------------------------------------


def diagnostics_to_workspace(inv: Inventory) -> list[Violation]:
    """Every circuit, Direct port, ExpressRoute gateway and connection sends its resource logs (the categories
    Azure lists for its type) and AllMetrics to a Log Analytics workspace (catalog.DIAGNOSTIC_LOG_CATEGORIES)."""
    settings = inv.of_type(DIAGNOSTIC_SETTING)
    categories = catalog.DIAGNOSTIC_LOG_CATEGORIES.value
    out = []
    for r in _observed(inv):
        what = f"{_WHAT[r.type]} {_name(r)}"
        mine = [s for s in settings if _points_at(s.inputs.get("resourceUri"), r, s)]
        if not mine:
            out.append(_v("diagnostics-to-workspace", inv, r,
                          f"{what} has no diagnostic setting: its logs and metrics go nowhere. Declare a "
                          "monitor.DiagnosticSetting on it to the site's Log Analytics workspace (SiteObservability)"))
            continue
        to_workspace = [s for s in mine if s.inputs.get("workspaceId") not in (None, "")]
        if not to_workspace:
            out.append(_v("diagnostics-to-workspace", inv, r,
                          f"the diagnostic setting of {what} names no workspaceId; set the site's Log Analytics "
                          "workspace"))
            continue
        sent_logs = {lg.get("category") for s in to_workspace for lg in _items(s.inputs.get("logs"))
                     if lg.get("enabled") is True}
        sent_metrics = {m.get("category") for s in to_workspace for m in _items(s.inputs.get("metrics"))
                        if m.get("enabled") is True}
        missing = [c for c in categories[_OBSERVED[r.type]] if c not in sent_logs]
        if catalog.ALL_METRICS_CATEGORY not in sent_metrics:
            missing.append(f"metrics {catalog.ALL_METRICS_CATEGORY}")
        if missing:
            out.append(_v("diagnostics-to-workspace", inv, r,
                          f"the diagnostic setting of {what} does not send {', '.join(missing)}; enable every log "
                          f"category Azure lists for the type and {catalog.ALL_METRICS_CATEGORY} "
                          f"({catalog.DIAGNOSTIC_LOG_CATEGORIES.source.split(';')[0]})"))
    return out


def _items(value: object) -> list[Mapping[str, Any]]:
    return [x for x in value if isinstance(x, Mapping)] if isinstance(value, list) else []


def _alert_metrics(inv: Inventory, target: Resource) -> set[str]:
    """The metric names of the enabled alerts scoped to `target`."""
    found: set[str] = set()
    for alert in inv.of_type(METRIC_ALERT):
        scopes = alert.inputs.get("scopes")
        if alert.inputs.get("enabled") is False or not isinstance(scopes, list):
            continue
        if not any(_points_at(s, target, alert) for s in scopes):
            continue
        criteria = alert.inputs.get("criteria")
        for c in _items(criteria.get("allOf") if isinstance(criteria, Mapping) else None):
            if isinstance(c.get("metricName"), str):
                found.add(c["metricName"])
    return found


def _circuits_with_peering(inv: Inventory) -> set[str]:
    return {p.inputs.get("circuitName") for p in inv.of_type(PEERING) if isinstance(p.inputs.get("circuitName"), str)}


def circuit_alerts(inv: Inventory) -> list[Violation]:
    """Every circuit alerts on its throughput in and out (the capacity model's N-1 share), and once it has its
    private peering, on the BGP and ARP availability of each peering and peer."""
    peered = _circuits_with_peering(inv)
    out = []
    for c in inv.of_type(CIRCUIT):
        have = _alert_metrics(inv, c)
        want = ["BitsInPerSecond", "BitsOutPerSecond"]
        if _name(c) in peered:
            want += ["BgpAvailability", "ArpAvailability"]
        missing = [m for m in want if m not in have]
        if missing:
            out.append(_v("circuit-alerts", inv, c,
                          f"circuit {_name(c)} has no metric alert on {', '.join(missing)}: a dropped BGP session "
                          "or a circuit past its share of the site's N-1 capacity would go unnoticed "
                          "(SiteObservability declares them)"))
    return out


def gateway_alerts(inv: Inventory) -> list[Violation]:
    """Every ExpressRoute gateway alerts on its CPU and on its throughput."""
    out = []
    for gw in inv.of_type(GATEWAY):
        if gw.inputs.get("gatewayType") != "ExpressRoute":
            continue
        have = _alert_metrics(inv, gw)
        scalable = gw.get("sku.name") == "ErGwScale"
        prefix = "ScalableExpressRouteGateway" if scalable else "ExpressRouteGateway"
        missing = [m for m in (f"{prefix}CpuUtilization", f"{prefix}BitsPerSecond") if m not in have]
        if missing:
            out.append(_v("gateway-alerts", inv, gw,
                          f"gateway {_name(gw)} has no metric alert on {', '.join(missing)} "
                          f"({catalog.METRICS[missing[0]].source.split(';')[0]})"))
    return out


# ------------------------------------------------------------------------------------------------
# ExpressRoute Direct: MACsec
# ------------------------------------------------------------------------------------------------


def direct_port_macsec(inv: Inventory) -> list[Violation]:
    """Every Direct port encrypts both links with MACsec: a cipher Azure offers and both the CAK and CKN secret
    identifiers on each link, and a user-assigned identity on the port to read them (catalog.MACSEC_KEY_VAULT)."""
    ciphers = catalog.MACSEC_CIPHERS.value
    out = []
    for port in inv.of_type(PORT):
        name = _name(port)
        links = _items(port.inputs.get("links"))
        problems = []
        if len(links) < 2:
            problems.append(f"declares {len(links)} of its 2 links")
        for link in links:
            cfg = link.get("macSecConfig")
            label = link.get("name", "a link")
            if not isinstance(cfg, Mapping):
                problems.append(f"{label} has no macSecConfig")
                continue
            if cfg.get("cipher") not in ciphers:
                problems.append(f"{label} has cipher {cfg.get('cipher')!r} (allowed: {', '.join(ciphers)})")
            for key in ("cakSecretIdentifier", "cknSecretIdentifier"):
                value = cfg.get(key)
                if value is None or value == "":
                    problems.append(f"{label} has no {key}")
        identity = port.inputs.get("identity")
        ids = identity.get("userAssignedIdentities") if isinstance(identity, Mapping) else None
        if links and not (isinstance(identity, Mapping) and "UserAssigned" in str(identity.get("type"))
                          and (ids or ids == SECRET)):
            problems.append("has no user-assigned identity to read its keys from Key Vault")
        if problems:
            out.append(_v("direct-port-macsec", inv, port,
                          f"Direct port {name} is not encrypted as required: {'; '.join(problems)}. Set "
                          f"interconnect.ports.<port>.macsec (cipher, cak_secret, ckn_secret) ({catalog.MACSEC_DOC})"))
    return out


def macsec_key_vault(inv: Inventory) -> list[Violation]:
    """The MACsec keys are Key Vault secrets whose values come from secret config (never a literal in state),
    in a vault with soft delete and purge protection that lets an identity read secrets."""
    out = []
    for secret in inv.of_type(KEY_VAULT_SECRET):
        props = secret.inputs.get("properties")
        value = props.get("value") if isinstance(props, Mapping) else props
        if known(value) and value != SECRET and "properties" not in secret.secret_inputs:
            out.append(_v("macsec-key-vault", inv, secret,
                          f"Key Vault secret {secret.inputs.get('secretName')} has a plain value; it must come from "
                          "a secret config key (`pulumi config set --secret ...`), which keeps it encrypted in state"))
    for vault in inv.of_type(KEY_VAULT):
        props = vault.inputs.get("properties")
        if not isinstance(props, Mapping):
            continue
        name = vault.inputs.get("vaultName")
        if props.get("enablePurgeProtection") is not True:
            out.append(_v("macsec-key-vault", inv, vault,
                          f"Key Vault {name} has no purge protection: a purged CAK takes the Direct ports down with "
                          f"no way back; set enablePurgeProtection ({catalog.KEY_VAULT_RECOVERY_DOC.split(';')[0]})"))
        if props.get("enableSoftDelete") is False:
            out.append(_v("macsec-key-vault", inv, vault,
                          f"Key Vault {name} disables soft delete, which Azure's MACsec guide requires "
                          f"({catalog.MACSEC_DOC})"))
        readers = [p for p in _items(props.get("accessPolicies")) if "get" in _secret_permissions(p)]
        if props.get("enableRbacAuthorization") is not True and not readers:
            out.append(_v("macsec-key-vault", inv, vault,
                          f"Key Vault {name} grants no identity `get` on secrets: the ports cannot read their "
                          f"MACsec keys ({catalog.MACSEC_DOC})"))
    return out


def _secret_permissions(policy: Mapping[str, Any]) -> list[str]:
    """An access policy's permissions on secrets, lower-cased; a malformed policy grants none."""
    permissions = policy.get("permissions")
    secrets = permissions.get("secrets") if isinstance(permissions, Mapping) else None
    return [str(x).lower() for x in secrets] if isinstance(secrets, list) else []


# ------------------------------------------------------------------------------------------------
# Sharing circuits
# ------------------------------------------------------------------------------------------------


def _authorization_records(inv: Inventory) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for component in inv.of_type(PRIVATE_INTERCONNECT):
        records = component.inputs.get("authorizations")
        if isinstance(records, Mapping):
            out.update({k: v for k, v in records.items() if isinstance(v, Mapping)})
    return out


def _date(value: object) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _ago(delta: datetime.timedelta) -> str:
    return "yesterday" if delta.days == 1 else f"{delta.days} days ago"


def authorization_owner_expiry(inv: Inventory) -> list[Violation]:
    """Every circuit authorization has an owner and an expiry or rotation date recorded by its stack, and no date
    has passed (judged against today(); the last day itself is still valid)."""
    records = _authorization_records(inv)
    now = today()
    out = []
    for auth in inv.of_type(CIRCUIT_AUTHORIZATION):
        key = f"{auth.inputs.get('circuitName')}/{auth.inputs.get('authorizationName') or auth.inputs.get('name')}"
        record = records.get(key)
        if record is None:
            out.append(_v("authorization-owner-expiry", inv, auth,
                          f"authorization {key} is recorded nowhere: no owner, no expiry or rotation date. Declare it "
                          "in interconnect.circuits.<circuit>.authorizations with owner and expires_on or rotate_by"))
            continue
        owner = record.get("owner")
        if not isinstance(owner, str) or not owner.strip():
            out.append(_v("authorization-owner-expiry", inv, auth, f"authorization {key} names no owner"))
        dates = {k: _date(record.get(k)) for k in ("expiresOn", "rotateBy")}
        if not any(dates.values()):
            out.append(_v("authorization-owner-expiry", inv, auth,
                          f"authorization {key} has neither an expiry nor a rotation date (expires_on, rotate_by)"))
        if dates["expiresOn"] is not None and dates["expiresOn"] < now:
            out.append(_v("authorization-owner-expiry", inv, auth,
                          f"authorization {key} for subscription {record.get('subscriptionId')} expired on "
                          f"{dates['expiresOn']} ({_ago(now - dates['expiresOn'])}); its owner is "
                          f"{owner}: remove it (the partner's connection goes with it) or agree a new date"))
        if dates["rotateBy"] is not None and dates["rotateBy"] < now:
            out.append(_v("authorization-owner-expiry", inv, auth,
                          f"authorization {key} was due for rotation by {dates['rotateBy']} "
                          f"({_ago(now - dates['rotateBy'])}); issue a new one, let {owner} redeem it, then "
                          "remove this one (README, 'Sharing circuits')"))
    return out


# ------------------------------------------------------------------------------------------------
# GPU scale sets
# ------------------------------------------------------------------------------------------------


def gpu_capacity_kept(inv: Inventory) -> list[Violation]:
    """A GPU scale set never declares fewer VMs than its cluster read from Azure: a re-apply keeps what
    operators set while draining or replacing nodes (components/gpu_cluster.py, kept_capacity)."""
    out = []
    by_urn = inv.by_urn()
    for vmss in inv.of_type(SCALE_SET):
        cluster = by_urn.get(vmss.parent or "")
        if cluster is None or cluster.type != GPU_CLUSTER:
            continue
        live = cluster.inputs.get("liveDomainVms")
        tag = (vmss.inputs.get("tags") or {}).get("ib-domain") if isinstance(vmss.inputs.get("tags"), Mapping) else None
        if not isinstance(live, list) or not isinstance(tag, str) or not tag.isdecimal() or int(tag) >= len(live):
            continue
        have, declared = live[int(tag)], vmss.get("sku.capacity")
        if isinstance(have, int) and isinstance(declared, int) and declared < have:
            out.append(_v("gpu-capacity-kept", inv, vmss,
                          f"scale set {vmss.inputs.get('vmScaleSetName')} declares {declared} VMs but has {have} in "
                          f"Azure: the update would delete {have - declared} VMs operators put there (and Azure picks "
                          "which). Declare at least the live count; scale in by deleting chosen instances"))
    return out


CHECKS: dict[str, Check] = {
    "diagnostics-to-workspace": diagnostics_to_workspace,
    "circuit-alerts": circuit_alerts,
    "gateway-alerts": gateway_alerts,
    "direct-port-macsec": direct_port_macsec,
    "macsec-key-vault": macsec_key_vault,
    "authorization-owner-expiry": authorization_owner_expiry,
    "gpu-capacity-kept": gpu_capacity_kept,
}
"""Invariant name -> check. Names are a contract: policies and reports refer to them."""

