"""Demands over the carrier: the path each takes, shared-risk groups, PoPs, new fibre, two failures, the picture.

Spec-level: two or three small sites and a small carrier network, assessed directly (no Pulumi).
"""

from __future__ import annotations

import datetime as dt

import pytest

from infra import catalog, graph
from infra.capacity import assess
from infra.carrier import CarrierSpec
from infra.carrier.report import carrier_json, utilisation_markdown

POPS = {"WDC": "Washington DC", "NYC": "New York", "SVL": "Silicon Valley", "LV": "Las Vegas", "DEN": None}


def circuit(location: str, n: int, mbps: int = 10000) -> dict:
    return {"kind": "provider", "peering_location": location, "bandwidth_mbps": mbps, "tier": "Premium",
            "private_peering": {"peer_asn": 64600, "vlan_id": 100 + n, "primary_prefix": f"172.16.{n}.0/30",
                                "secondary_prefix": f"172.16.{n}.4/30"}}


def site(make_spec, stack: str, region: str, net: int, circuits: dict, demands: dict | None = None, links=None):
    return make_spec({
        "site": {"region": region, "address_space": [f"10.{net}.0.0/16"]},
        "interconnect": {
            "circuits": {name: circuit(loc, net * 4 + i) for i, (name, loc) in enumerate(circuits.items())},
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26"},
            "global_reach": links or {},
        },
        "demands": demands or {},
    }, stack)


def carrier(spans: dict) -> CarrierSpec:
    return CarrierSpec.model_validate({
        "carrier": "Lumen", "pops": {p: {"peering_location": loc} for p, loc in POPS.items()},
        "spans": {name: {"a": a, "z": z, "gbps": gbps, **extra} for name, (a, z, gbps, extra) in spans.items()},
    })


def sync(to: str, gbps: float, **extra) -> dict:
    return {"kind": "sustained", "to_stack": to, "gbps": gbps, **extra}


def pair(make_spec, demands: dict, *, links=None, west_links=None):
    east = site(make_spec, "eastus", "eastus", 10, {"wdc": "Washington DC", "nyc": "New York"}, demands, links)
    west = site(make_spec, "westus3", "westus3", 30, {"svl": "Silicon Valley", "lv": "Las Vegas"}, links=west_links)
    return [east, west]


# Two diverse routes east-west, 10 Gb/s each: via Denver (one conduit) and the southern route.
TWO_ROUTES = {
    "wdc-den": ("WDC", "DEN", 10, {"srlgs": ["northern"]}),
    "den-svl": ("DEN", "SVL", 10, {"srlgs": ["northern"]}),
    "nyc-lv": ("NYC", "LV", 10, {"srlgs": ["southern"]}),
    "wdc-nyc": ("WDC", "NYC", 40, {}),
    "svl-lv": ("SVL", "LV", 40, {}),
}


def messages(result, invariant: str) -> list[str]:
    return [v.message for v in result.violations if v.invariant == invariant]


def test_demand_takes_the_carrier_path_through_the_spans(make_spec):
    result = assess(pair(make_spec, {"sync": sync("westus3", 8)}), carrier(TWO_ROUTES))
    assert [v for v in result.violations if v.invariant.startswith("demand")] == []
    (d,) = result.capacity["eastus"].interconnect.demands
    assert d.available_gbps == 20
    spans = {s for p in d.paths for s in p["spans"]}
    assert spans <= set(TWO_ROUTES) and spans & {"wdc-den", "nyc-lv"}
    assert all(p["via"] == "carrier" for p in d.paths)
    assert sum(p["gbps"] for p in d.paths) == pytest.approx(8)


def test_a_carrier_only_demand_never_takes_global_reach(make_spec):
    """Even with Global Reach links declared, VNet-to-VNet demands ride the carrier (GLOBAL_REACH_DOC)."""
    links = {"gr": {"circuit": "wdc", "peer_stack": "westus3", "peer_circuit": "svl", "prefix": "172.31.0.0/29"}}
    west_links = {"gr": {"circuit": "svl", "peer_stack": "eastus", "peer_circuit": "wdc", "prefix": "172.31.0.0/29"}}
    specs = pair(make_spec, {"sync": sync("westus3", 8, path="carrier"), "any": sync("westus3", 1)},
                 links=links, west_links=west_links)
    result = assess(specs, carrier(TWO_ROUTES))
    for d in result.capacity["eastus"].interconnect.demands:
        assert {p["via"] for p in d.paths} == {"carrier"}
    assert result.capacity["westus3"].interconnect.global_reach_gbps == 10  # on-premises traffic only
    rules = catalog.PATH_RULES
    assert not rules["global-reach"].carries_vnet_to_vnet and not rules["global-reach"].modelled
    assert rules["carrier"].on_carrier_fibre and rules["carrier"].modelled
    assert rules["global-vnet-peering"].carries_vnet_to_vnet and not rules["global-vnet-peering"].on_carrier_fibre


def test_fails_when_a_shared_risk_group_cut_takes_several_spans(make_spec):
    result = assess(pair(make_spec, {"sync": sync("westus3", 8)}), carrier(TWO_ROUTES))
    assert messages(result, "demands-survive-failure") == []
    # Put both routes in one conduit: each span alone may fail, the conduit may not.
    shared = {**TWO_ROUTES, "nyc-lv": ("NYC", "LV", 10, {"srlgs": ["northern"]})}
    result = assess(pair(make_spec, {"sync": sync("westus3", 8)}), carrier(shared))
    (msg,) = messages(result, "demands-survive-failure")
    assert msg.startswith("after losing shared-risk group northern, eastus/sync -> westus3 (8 Gb/s) no longer fits: "
                          "short by 8 Gb/s of the 8 Gb/s it needs; every route left for it is cut")
    failure = next(f for f in result.flows.graph.failures() if str(f) == "shared-risk group northern")
    assert failure.spans == {"wdc-den", "den-svl", "nyc-lv"}


def test_names_the_saturated_span_and_the_shortfall(make_spec):
    result = assess(pair(make_spec, {"sync": sync("westus3", 15)}), carrier(TWO_ROUTES))
    msgs = messages(result, "demands-survive-failure")
    assert any(m.startswith("after losing span nyc-lv, eastus/sync -> westus3 (15 Gb/s) no longer fits: short by 5 Gb/s "
                            "of the 15 Gb/s it needs; saturated: span wdc-den (WDC->DEN) (10 of 10 Gb/s)")
               or m.startswith("after losing span nyc-lv, eastus/sync -> westus3 (15 Gb/s) no longer fits: short by 5 "
                               "Gb/s of the 15 Gb/s it needs; saturated: span den-svl (DEN->SVL) (10 of 10 Gb/s)")
               for m in msgs), msgs
    (d,) = result.capacity["eastus"].interconnect.demands
    assert d.worst_shortfall_gbps == pytest.approx(5) and d.saturated


def test_a_transit_pop_failure_takes_every_span_through_it(make_spec):
    # Both routes now pass Denver: any one span may fail, the PoP may not.
    spans = {**TWO_ROUTES, "nyc-lv": ("NYC", "DEN", 10, {}), "den-lv": ("DEN", "LV", 10, {})}
    result = assess(pair(make_spec, {"sync": sync("westus3", 4)}), carrier(spans))
    (msg,) = messages(result, "demands-survive-failure")
    assert msg.startswith("after losing PoP DEN, eastus/sync -> westus3 (4 Gb/s) no longer fits: short by 4 Gb/s")


def test_new_fibre_counts_only_from_its_in_service_date(make_spec):
    spans = {**TWO_ROUTES, "nyc-lv": ("NYC", "LV", 10, {"status": "new", "in_service": "2027-06-01"})}
    specs = pair(make_spec, {"sync": sync("westus3", 8)})
    before = assess(specs, carrier(spans), on=dt.date(2027, 5, 31))
    assert any("after losing span wdc-den" in m for m in messages(before, "demands-survive-failure"))
    assert "nyc-lv" in before.flows.graph.pending
    after = assess(specs, carrier(spans), on=dt.date(2027, 6, 1))
    assert messages(after, "demands-survive-failure") == []
    assert carrier_json(after.flows)["carrier"]["pending_spans"] == []
    assert carrier_json(before.flows)["carrier"]["pending_spans"] == [{"span": "nyc-lv", "in_service": "2027-06-01"}]


def test_fails_when_a_critical_demand_does_not_survive_two_failures(make_spec):
    result = assess(pair(make_spec, {"sync": sync("westus3", 4)}), carrier(TWO_ROUTES))
    assert messages(result, "demands-survive-two-failures") == []  # not critical: one failure at a time
    result = assess(pair(make_spec, {"sync": sync("westus3", 4, critical=True)}), carrier(TWO_ROUTES))
    msgs = messages(result, "demands-survive-two-failures")
    both = {"span wdc-den and span nyc-lv", "span nyc-lv and span wdc-den"}
    assert any(m.startswith("critical: after losing ") and m[len("critical: after losing "):].split(",")[0] in both
               and "eastus/sync -> westus3 (4 Gb/s) no longer fits (only critical demands carried): short by 4 Gb/s" in m
               for m in msgs), msgs
    assert not any("wdc-den and span den-svl" in m for m in msgs)  # one route twice still leaves the other
    assert result.flows.pairs > 0


def test_graph_draws_pops_spans_circuits_and_sites(make_spec):
    spans = {**TWO_ROUTES, "nyc-lv": ("NYC", "LV", 10, {"status": "new", "in_service": "2099-01-01"})}
    result = assess(pair(make_spec, {"sync": sync("westus3", 4)}), carrier(spans))
    topo = graph.topology([*pair(make_spec, {})], result.capacity, carrier=result.flows.graph)
    text = graph.mermaid(topo)
    assert 'subgraph carrier["Carrier network: Lumen"]' in text
    assert 'pop_DEN(("PoP DEN (transit)"))' in text
    assert 'pop_WDC === |"wdc-den 10 Gbps SRLG northern"| pop_DEN' in text
    assert 'pop_NYC -. "nyc-lv 10 Gbps NEW from 2099-01-01" .- pop_LV' in text
    assert "eastus_circuit_wdc --- pop_WDC" in text
    dot = graph.dot(topo)
    assert dot.count("{") == dot.count("}") and "style=dotted, color=darkgreen" in dot


def test_markdown_shows_carrier_utilisation_normal_and_worst(make_spec):
    result = assess(pair(make_spec, {"sync": sync("westus3", 8)}), carrier(TWO_ROUTES))
    lines = utilisation_markdown(result.flows)
    assert lines[1] == f"### Carrier network: Lumen on {dt.date.today().isoformat()}"
    row = next(l for l in lines if l.startswith("| nyc-lv (NYC->LV)") or l.startswith("| wdc-den (WDC->DEN)"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "10" and float(cells[4]) == 8 and cells[6].startswith("span ")
    assert utilisation_markdown(None) == []
