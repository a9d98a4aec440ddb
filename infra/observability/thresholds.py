"""Which resources of a site send logs and metrics to Log Analytics, and its metric alerts with their thresholds.

The throughput thresholds come from the capacity model, so that an alert means "the promise the site makes
after a single failure is about to break", not an arbitrary percentage:

- **Circuit throughput.** Let T be the site's total circuit bandwidth and N1 what is left after its worst
  single failure (a circuit, a peering location or a gateway instance: InterconnectCapacity.n_minus_1_gbps).
  Each circuit c of bandwidth b_c alerts when it carries more than

      threshold_c = b_c x N1 / T          (per direction, in bits per second)

  While every circuit stays under its threshold, the site's load is at most sum(b_c) x N1 / T = N1, which is
  exactly what survives the worst single failure: losing any one circuit, location or gateway instance still
  leaves room for all of it (BGP moves the traffic to the survivors). The first circuit over its share is
  the signal that the N-1 promise no longer holds. With two equal circuits at two locations, N1 = T/2 and
  each circuit alerts at half its bandwidth. A site with no headroom (N1 = 0, which the capacity model
  already reports) alerts at each circuit's full bandwidth.
- **Gateway throughput.** An ExpressRoute gateway runs two instances; losing one halves its throughput
  (the capacity model's gateway failure), so the gateway alerts above half its SKU's throughput.
- **Gateway CPU and availability** thresholds are the spec's (observability.gateway_cpu_pct,
  availability_pct): they are operational taste, not capacity.

Metric names, units, dimensions and log categories are Azure facts in infra/catalog.py (METRICS,
DIAGNOSTIC_LOG_CATEGORIES), each with its source.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from infra import catalog
from infra.capacity.report import InterconnectCapacity
from infra.spec import FabricSpec

GBPS = 1e9
"""Bits per second in a Gb/s: circuit metrics are in BitsPerSecond."""


@dataclass(frozen=True)
class DiagnosticTarget:
    """A resource whose platform logs and metrics go to the site's workspace."""

    kind: str
    """'circuit', 'port', 'gateway' or 'connection'."""
    key: str
    """The spec key (circuit or port key; 'gateway'; a connection by its circuit's key)."""
    logs: tuple[str, ...]
    """Resource-log categories sent (catalog.DIAGNOSTIC_LOG_CATEGORIES); metrics always go as AllMetrics."""


@dataclass(frozen=True)
class AlertRule:
    """One metric alert: one condition on one resource."""

    key: str
    """Unique within the site and part of the Azure name, e.g. 'circuit-wdc-bgp'."""
    kind: str
    """The target's kind: 'circuit', 'port' or 'gateway'."""
    target: str
    """The target's spec key."""
    metric: str
    """Metric name as the REST API spells it (a key of catalog.METRICS)."""
    operator: str
    """'GreaterThan' or 'LessThan'."""
    threshold: float
    severity: int
    split_by: tuple[str, ...]
    """Dimensions split with '*': each time series (peering x peer, link, instance) is judged on its own."""
    description: str

    @property
    def namespace(self) -> str:
        return catalog.METRIC_NAMESPACES[self.kind]

    @property
    def aggregation(self) -> str:
        return catalog.METRICS[self.metric].aggregation


@dataclass(frozen=True)
class ObservabilityPlan:
    diagnostics: tuple[DiagnosticTarget, ...]
    alerts: tuple[AlertRule, ...]


def circuit_threshold_gbps(bandwidth_gbps: float, total_gbps: float, n_minus_1_gbps: float) -> float:
    """The circuit's share of what survives the worst single failure: b x N1 / T (module docstring).

    A site with no headroom left (N1 <= 0) gets the circuit's own bandwidth: an alert at saturation, since
    a threshold of 0 would fire on any traffic at all."""
    if total_gbps <= 0 or n_minus_1_gbps <= 0:
        return bandwidth_gbps
    return bandwidth_gbps * min(1.0, n_minus_1_gbps / total_gbps)


def _g(x: float) -> str:
    return f"{x:,.3f}".rstrip("0").rstrip(".")


def alert_plan(spec: FabricSpec, capacity: InterconnectCapacity, *, ready_circuits: Collection[str] = (),
               ready_ports: Collection[str] = ()) -> ObservabilityPlan:
    """What a site observes and alerts on, given what the carrier has provisioned.

    Owned circuits, ports and the gateway always send diagnostics; a connection exists (and is observed) once
    its circuit is provisioned. BGP and ARP alerts watch a circuit's peerings once it has them (provisioned);
    a port's line-protocol alert once its links are enabled (provisioned). A circuit linked from another
    subscription is its owner's to observe."""
    obs = spec.observability
    ic = spec.interconnect
    sev = obs.severities
    logs = catalog.DIAGNOSTIC_LOG_CATEGORIES.value
    diagnostics: list[DiagnosticTarget] = []
    alerts: list[AlertRule] = []
    total, n1 = capacity.circuit_gbps, capacity.n_minus_1_gbps

    for key in ic.ports:
        diagnostics.append(DiagnosticTarget("port", key, logs["port"]))
        if key in ready_ports:
            alerts.append(AlertRule(
                f"port-{key}-line", "port", key, "LineProtocol", "LessThan", 1, sev.availability, ("Link",),
                f"A physical link of Direct port {key} ({ic.ports[key].peering_location}) has been down for "
                "5 minutes (line protocol below 1): the port pair runs on one link, without redundancy",
            ))
    for key, c in ic.circuits.items():
        if c.linked:
            continue
        diagnostics.append(DiagnosticTarget("circuit", key, logs["circuit"]))
        bandwidth = ic.bandwidth_gbps_of(key)
        limit = circuit_threshold_gbps(bandwidth, total, n1)
        why = (f"its share ({_g(bandwidth)} x {_g(n1)} / {_g(total)} Gb/s) of the {_g(n1)} Gb/s the site keeps after "
               "its worst single failure: past it, the site's traffic no longer fits after a single failure"
               if n1 > 0 else "its full bandwidth: the site has no capacity left after its worst single failure")
        for direction, metric, verb in (("in", "BitsInPerSecond", "into"), ("out", "BitsOutPerSecond", "out of")):
            alerts.append(AlertRule(
                f"circuit-{key}-{direction}", "circuit", key, metric, "GreaterThan", limit * GBPS,
                sev.throughput, (),
                f"Circuit {key} ({_g(bandwidth)} Gb/s at {ic.peering_location_of(key)}) carries more than "
                f"{_g(limit)} Gb/s {verb} Azure, averaged over 5 minutes: {why}",
            ))
        if key in ready_circuits:
            for layer, metric in (("bgp", "BgpAvailability"), ("arp", "ArpAvailability")):
                alerts.append(AlertRule(
                    f"circuit-{key}-{layer}", "circuit", key, metric, "LessThan", obs.availability_pct,
                    sev.availability, ("PeeringType", "Peer"),
                    f"{layer.upper()} availability of a peering of circuit {key} to one of its peers (primary or "
                    f"secondary) averaged below {_g(obs.availability_pct)}% over 5 minutes",
                ))
    diagnostics.append(DiagnosticTarget("gateway", "gateway", logs["gateway"]))
    scalable = ic.gateway.sku == "ErGwScale"
    cpu_metric = "ScalableExpressRouteGatewayCpuUtilization" if scalable else "ExpressRouteGatewayCpuUtilization"
    bits_metric = "ScalableExpressRouteGatewayBitsPerSecond" if scalable else "ExpressRouteGatewayBitsPerSecond"
    alerts.append(AlertRule(
        "gateway-cpu", "gateway", "gateway", cpu_metric, "GreaterThan", obs.gateway_cpu_pct, sev.gateway,
        catalog.METRICS[cpu_metric].dimensions,
        f"Gateway {ic.gateway.label} CPU averaged above {obs.gateway_cpu_pct}% over 5 minutes: Azure's sign that "
        "the gateway nears its limit (a larger SKU or more scale units)",
    ))
    gw_limit = capacity.gateway_gbps / 2
    alerts.append(AlertRule(
        "gateway-throughput", "gateway", "gateway", bits_metric, "GreaterThan", gw_limit * GBPS, sev.gateway, (),
        f"Gateway {ic.gateway.label} receives more than {_g(gw_limit)} Gb/s, averaged over 5 minutes: half its "
        f"{_g(capacity.gateway_gbps)} Gb/s, what it keeps after losing one of its two instances"
        + (" (FastPath takes the data path around it, so this means traffic is not on FastPath)"
           if capacity.fastpath else ""),
    ))
    for key, c in ic.circuits.items():
        if key in ready_circuits:
            diagnostics.append(DiagnosticTarget("connection", key, logs["connection"]))
    return ObservabilityPlan(tuple(diagnostics), tuple(alerts))
