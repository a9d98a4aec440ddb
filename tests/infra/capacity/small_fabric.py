"""Small fabrics for the flow-model rule tests (test_flow_network_rules.py, test_flow_network_more_rules.py,
test_rerouting_rules.py): a site spec from its circuits' peering locations, a sustained demand, the day
planned for, and a dense shortfall oracle written apart from the model."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable

import numpy as np
from scipy.optimize import linprog

from infra.capacity.flow_network import FlowNetwork
from infra.spec import FabricSpec, from_config

DAY = dt.date(2027, 1, 1)


def site(name: str, net: int, circuits: dict[str, str], demands: dict | None = None,
         fastpath: bool = True) -> FabricSpec:
    """10 Gb/s Premium circuits at the named peering locations; an ErGw3AZ gateway with FastPath, or without
    FastPath an ErGwScale of 4 units."""
    gateway = {"sku": "ErGw3AZ", "fastpath": True} if fastpath else {"sku": "ErGwScale", "scale_units": 4,
                                                                      "fastpath": False}
    return from_config(name, copy.deepcopy({
        "site": {"region": name, "address_space": [f"10.{net}.0.0/16"]},
        "interconnect": {
            "circuits": {c: {"kind": "provider", "peering_location": loc, "bandwidth_mbps": 10000, "tier": "Premium",
                             "private_peering": {"peer_asn": 64600, "vlan_id": 100 + net + i,
                                                 "primary_prefix": f"172.16.{net + i}.0/30",
                                                 "secondary_prefix": f"172.16.{net + i}.4/30"}}
                         for i, (c, loc) in enumerate(circuits.items())},
            "gateway": {**gateway, "subnet": f"10.{net}.255.0/26"}},
        "demands": demands or {}}))


def sync(to: str, gbps: float) -> dict:
    return {"kind": "sustained", "to_stack": to, "gbps": gbps}


def dense_shortfall(net: FlowNetwork, cap: np.ndarray, pair_ids: Iterable[int] | None = None) -> float:
    """The least shortfall of the pairs (every pair unless named), one commodity each over every arc, dense
    matrices: written apart from FlowNetwork.solve and the router."""
    pair_ids = list(range(len(net.pairs)) if pair_ids is None else pair_ids)
    n_a, n_p = net.n_arcs, len(pair_ids)
    n = n_a * n_p + n_p
    a_eq, b_eq = [], []
    for k, i in enumerate(pair_ids):
        for v in range(net.n_nodes):
            row = np.zeros(n)
            row[k * n_a:(k + 1) * n_a] = (net.tail == v).astype(float) - (net.head == v)
            supply = 0.0
            if v == net.pair_src[i]:
                row[n_a * n_p + k], supply = 1.0, net.rate[i]
            elif v == net.pair_sink[i]:
                row[n_a * n_p + k], supply = -1.0, -net.rate[i]
            a_eq.append(row)
            b_eq.append(supply)
    a_ub = np.zeros((n_a, n))
    for k in range(n_p):
        a_ub[np.arange(n_a), k * n_a + np.arange(n_a)] = 1.0
    res = linprog(np.concatenate([np.zeros(n_a * n_p), np.ones(n_p)]), A_ub=a_ub,
                  b_ub=np.where(np.isfinite(cap), cap, 1e9), A_eq=np.array(a_eq), b_eq=np.array(b_eq),
                  bounds=(0, None), method="highs")
    assert res.status == 0
    return float(res.fun)
