"""Small fabrics for the design solver: two or three sites over a carrier of a few PoPs, built as specs.

Handed out as fixtures (this folder has no __init__.py, like the rest of tests/).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from infra.carrier import CarrierSpec
from infra.spec import FabricSpec, from_config

POPS = {"WDC": "Washington DC", "NYC": "New York", "SVL": "Silicon Valley", "LV": "Las Vegas", "DEN": None}


def circuit(location: str, n: int, mbps: int = 10000, tier: str = "Standard") -> dict[str, Any]:
    return {"kind": "provider", "peering_location": location, "bandwidth_mbps": mbps, "tier": tier,
            "private_peering": {"peer_asn": 64600 + n // 10, "vlan_id": 100 + 10 * (n % 10 + 1),
                                "primary_prefix": f"172.16.{n}.0/30", "secondary_prefix": f"172.16.{n}.4/30",
                                "bgp_key_secret": f"bgpKey{n}"}}


def site(stack: str, region: str, net: int, circuits: dict[str, tuple[str, int]], demands: dict | None = None,
         gateway: dict | None = None) -> FabricSpec:
    """A site with circuits {name: (location, Mb/s)}, an ErGw3AZ gateway with FastPath unless given."""
    return from_config(stack, {
        "site": {"region": region, "address_space": [f"10.{net}.0.0/16"]},
        "interconnect": {
            "circuits": {name: circuit(loc, net + i, mbps) for i, (name, (loc, mbps)) in enumerate(circuits.items())},
            "gateway": gateway or {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26"},
        },
        "demands": demands or {},
    })


def carrier(spans: dict[str, tuple[str, str, float, dict]], pops: dict[str, str | None] | None = None) -> CarrierSpec:
    return CarrierSpec.model_validate({
        "carrier": "Lumen", "pops": {p: {"peering_location": loc} for p, loc in (pops or POPS).items()},
        "spans": {name: {"a": a, "z": z, "gbps": gbps, **extra} for name, (a, z, gbps, extra) in spans.items()},
    })


def sync(to: str, gbps: float, **extra: Any) -> dict[str, Any]:
    return {"kind": "sustained", "to_stack": to, "gbps": gbps, **extra}


# East and west joined by two diverse routes (through Denver, and the southern one), ample unless a test
# says otherwise.
ROUTES = {
    "wdc-den": ("WDC", "DEN", 100, {}),
    "den-svl": ("DEN", "SVL", 100, {}),
    "nyc-lv": ("NYC", "LV", 100, {}),
    "wdc-nyc": ("WDC", "NYC", 100, {}),
    "svl-lv": ("SVL", "LV", 100, {}),
}


@pytest.fixture
def kit() -> SimpleNamespace:
    """The builders above: kit.site, kit.carrier, kit.sync, kit.ROUTES, kit.POPS."""
    return SimpleNamespace(site=site, carrier=carrier, sync=sync, circuit=circuit, ROUTES=dict(ROUTES), POPS=dict(POPS))


@pytest.fixture
def east_west() -> Callable[..., list[FabricSpec]]:
    """eastus (wdc, nyc) sending to westus3 (svl, lv); circuit sizes and demands per test."""

    def build(demands: dict, east_mbps: int = 10000, west_mbps: int = 10000) -> list[FabricSpec]:
        east = site("eastus", "eastus", 10, {"wdc": ("Washington DC", east_mbps), "nyc": ("New York", east_mbps)},
                    demands)
        west = site("westus3", "westus3", 30, {"svl": ("Silicon Valley", west_mbps), "lv": ("Las Vegas", west_mbps)})
        return [east, west]

    return build
