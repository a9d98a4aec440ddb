"""The alert plan: what each site observes, and thresholds derived from the capacity model (no Pulumi)."""

from __future__ import annotations

import pytest

from infra.capacity import stack_capacity
from infra.observability import alert_plan, circuit_threshold_gbps
from infra.observability.thresholds import GBPS


def plan_of(spec, **ready):
    cap, _ = stack_capacity(spec)
    return alert_plan(spec, cap.interconnect, **ready), cap.interconnect


def rules(plan):
    return {a.key: a for a in plan.alerts}


@pytest.mark.parametrize("bandwidth,total,n1,expected", [
    (100, 200, 100, 50),     # two equal circuits at two locations: each at half its bandwidth
    (10, 30, 20, 10 * 20 / 30),
    (10, 20, 20, 10),        # no failure costs anything: the full bandwidth
    (10, 20, 0, 10),         # no headroom left: alert at saturation, never at 0
    (10, 0, 0, 10),
])
def test_circuit_threshold_is_its_share_of_what_survives_the_worst_failure(bandwidth, total, n1, expected):
    assert circuit_threshold_gbps(bandwidth, total, n1) == pytest.approx(expected)


def test_while_every_circuit_is_under_its_threshold_the_site_fits_after_its_worst_failure(shipped_specs):
    for spec in shipped_specs.values():
        plan, ic = plan_of(spec)
        inbound = [a.threshold for a in plan.alerts if a.metric == "BitsInPerSecond"]
        assert len(inbound) == len(spec.interconnect.circuits)
        assert sum(inbound) / GBPS == pytest.approx(ic.n_minus_1_gbps), spec.stack


def test_the_reference_site_alerts_at_50_gbps_per_100g_circuit_and_5_per_gateway(shipped_specs):
    plan, ic = plan_of(shipped_specs["eastus"], ready_circuits={"wdc", "nyc"}, ready_ports={"wdc", "nyc"})
    r = rules(plan)
    assert (ic.circuit_gbps, ic.n_minus_1_gbps) == (200, 100)
    for key in ("circuit-wdc-in", "circuit-wdc-out", "circuit-nyc-in", "circuit-nyc-out"):
        assert (r[key].metric.startswith("Bits"), r[key].operator, r[key].threshold) == (True, "GreaterThan", 50e9)
    assert "(100 x 100 / 200 Gb/s) of the 100 Gb/s the site keeps after its worst single failure" in \
        r["circuit-wdc-in"].description
    # The gateway keeps half its 10 Gb/s after losing an instance.
    assert (r["gateway-throughput"].metric, r["gateway-throughput"].threshold) == ("ExpressRouteGatewayBitsPerSecond", 5e9)
    assert (r["gateway-cpu"].threshold, r["gateway-cpu"].split_by) == (80, ("roleInstance",))
    assert (r["circuit-wdc-bgp"].operator, r["circuit-wdc-bgp"].threshold) == ("LessThan", 90.0)
    assert r["circuit-wdc-bgp"].split_by == ("PeeringType", "Peer")
    assert (r["port-nyc-line"].metric, r["port-nyc-line"].split_by) == ("LineProtocol", ("Link",))
    assert {(d.kind, d.key) for d in plan.diagnostics} == {
        ("port", "wdc"), ("port", "nyc"), ("circuit", "wdc"), ("circuit", "nyc"), ("gateway", "gateway"),
        ("connection", "wdc"), ("connection", "nyc")}


def test_before_the_carrier_provisions_there_are_no_peerings_links_or_connections_to_watch(shipped_specs):
    plan, _ = plan_of(shipped_specs["eastus"])  # nothing ready: a first `pulumi up`
    keys = set(rules(plan))
    assert not {k for k in keys if k.endswith(("-bgp", "-arp", "-line"))}
    assert {"circuit-wdc-in", "circuit-nyc-out", "gateway-cpu", "gateway-throughput"} <= keys
    assert not [d for d in plan.diagnostics if d.kind == "connection"]
    assert {d.kind for d in plan.diagnostics} == {"port", "circuit", "gateway"}


def test_severities_and_operational_thresholds_come_from_the_spec(make_spec, spec_data):
    spec_data["observability"] = {"severities": {"availability": 0, "throughput": 3, "gateway": 4},
                                  "availability_pct": 99.5, "gateway_cpu_pct": 65}
    plan, _ = plan_of(make_spec(spec_data), ready_circuits={"wdc"})
    r = rules(plan)
    assert (r["circuit-wdc-bgp"].severity, r["circuit-wdc-bgp"].threshold) == (0, 99.5)
    assert (r["circuit-wdc-in"].severity, r["gateway-cpu"].severity, r["gateway-cpu"].threshold) == (3, 4, 65)
    assert "circuit-nyc-bgp" not in r  # nyc is not provisioned


def test_a_linked_circuit_is_its_owners_to_observe(make_spec, spec_data):
    spec_data["interconnect"]["circuits"]["nyc"].update({
        "owner_circuit_id": "/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg-x/providers/"
                            "Microsoft.Network/expressRouteCircuits/partner", "authorization_key_secret": "authNyc"})
    plan, _ = plan_of(make_spec(spec_data), ready_circuits={"wdc", "nyc"})
    assert not [a for a in plan.alerts if a.target == "nyc"]
    assert ("circuit", "nyc") not in {(d.kind, d.key) for d in plan.diagnostics}
    assert ("connection", "nyc") in {(d.kind, d.key) for d in plan.diagnostics}  # our own gateway's connection
