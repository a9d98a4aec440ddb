"""The flow network under the flow model (infra/capacity/flow_network.py), on a small fabric built in the
test: a second span between two PoPs goes through a node of its own, and the arc program's flows come
back as paths from each pair's source to its sink that carry exactly what was routed."""

from __future__ import annotations

import numpy as np
import pytest

from infra.capacity import flows
from infra.capacity.flow_network import SPAN, VIA, FlowNetwork
from infra.carrier import CarrierSpec
from tests.infra.capacity.small_fabric import DAY, site


def network() -> FlowNetwork:
    carrier = CarrierSpec.model_validate({
        "carrier": "Lumen",
        "pops": {"WDC": {"peering_location": "Washington DC"}, "NYC": {"peering_location": "New York"},
                 "SVL": {"peering_location": "Silicon Valley"}, "LV": {"peering_location": "Las Vegas"}},
        "spans": {"w-s": {"a": "WDC", "z": "SVL", "gbps": 6}, "w-s2": {"a": "WDC", "z": "SVL", "gbps": 6},
                  "n-l": {"a": "NYC", "z": "LV", "gbps": 4}}})
    east = site("eastus", 10, {"wdc": "Washington DC", "nyc": "New York"},
                {"sync": {"kind": "sustained", "to_stack": "westus3", "gbps": 15}})
    west = site("westus3", 30, {"svl": "Silicon Valley", "lv": "Las Vegas"},
                {"back": {"kind": "sustained", "to_stack": "eastus", "gbps": 3}})
    return FlowNetwork(flows.build([east, west], carrier, DAY))


def test_a_second_span_between_two_pops_goes_through_a_node_of_its_own():
    net = network()
    spans = [net.labels[a] for a in np.nonzero(net.kind == SPAN)[0]]
    vias = [net.labels[a] for a in np.nonzero(net.kind == VIA)[0]]
    assert len(spans) == 6
    assert vias == ["span w-s2 (WDC->SVL) (via)", "span w-s2 (SVL->WDC) (via)"]


def test_the_arc_programs_flows_are_paths_from_each_source_to_its_sink_carrying_what_was_routed():
    net = network()
    sol = net.solve(range(len(net.pairs)), net.cap)
    paths = net.decompose(sol)
    carried = np.zeros(len(net.pairs))
    load = np.zeros(net.n_arcs)
    for i, arcs, gbps in paths:
        assert net.tail[arcs[0]] == net.pair_src[i] and net.head[arcs[-1]] == net.pair_sink[i]
        assert all(net.head[a] == net.tail[b] for a, b in zip(arcs, arcs[1:]))
        carried[i] += gbps
        load[arcs] += gbps
    assert sol.short == pytest.approx(1)  # 10 Gb/s out of wdc over the WDC-SVL spans, 4 over NYC-LV: 14 of 15
    assert carried == pytest.approx(net.rate - sol.unrouted)
    assert np.all(load <= net.cap + 1e-6)
