"""Small fabrics for the flow-model rule tests (test_flow_network_rules.py, test_flow_network_more_rules.py,
test_rerouting_rules.py): a site spec from its circuits' peering locations, a sustained demand, the day
planned for."""

from __future__ import annotations

import copy
import datetime as dt

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
