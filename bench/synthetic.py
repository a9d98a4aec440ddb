"""A synthetic fabric of many sites, built through the spec models, for the engine benchmark."""

from __future__ import annotations

import ipaddress

from infra.spec import FabricSpec, from_config

# (region, peering locations of its geography) — all served by the carrier in the catalog.
_SITES = [
    ("eastus", ("Washington DC", "New York")),
    ("southcentralus", ("San Antonio", "Chicago")),
    ("westus3", ("Silicon Valley", "Las Vegas")),
    ("westeurope", ("Amsterdam2", "Frankfurt")),
    ("uksouth", ("London2", "Dublin")),
]


def _site(i: int, n_sites: int, clusters: int) -> FabricSpec:
    region, (loc_a, loc_b) = _SITES[i % len(_SITES)]
    base = ipaddress.IPv4Network("10.0.0.0/8")
    space = list(base.subnets(new_prefix=20))[i]
    subnets = list(space.subnets(new_prefix=25))[:-1]  # the last /25 holds the GatewaySubnet
    peering = list(ipaddress.IPv4Network("172.16.0.0/12").subnets(new_prefix=28))[i]
    p30 = list(peering.subnets(new_prefix=30))
    name = f"site{i:03d}"

    def circuit(loc: str, k: int) -> dict:
        return {
            "kind": "provider", "peering_location": loc, "bandwidth_mbps": 10000, "tier": "Premium",
            "private_peering": {"peer_asn": 64512 + i, "vlan_id": 100 + k,
                                "primary_prefix": str(p30[2 * k]), "secondary_prefix": str(p30[2 * k + 1])},
        }

    global_reach = {}
    partner = i + 1 if i % 2 == 0 else i - 1
    if partner < n_sites:
        pair = min(i, partner)
        gr = list(ipaddress.IPv4Network("192.168.0.0/16").subnets(new_prefix=29))[pair]
        # the even site's circuit a meets the odd site's circuit b: always two different locations
        global_reach["to-partner"] = {
            "circuit": "a" if i % 2 == 0 else "b", "peer_stack": f"site{partner:03d}",
            "peer_circuit": "b" if i % 2 == 0 else "a", "prefix": str(gr),
        }
    values = {
        "site": {"region": region, "address_space": [str(space)],
                 "vcpu_quota": {"Standard_ND96isr_H100_v5": 96 * 8 * clusters}},
        "clusters": {
            f"c{k}": {"sku": "Standard_ND96isr_H100_v5", "vm_count": 8, "subnet": str(subnets[k])}
            for k in range(clusters)
        },
        "interconnect": {
            "circuits": {"a": circuit(loc_a, 0), "b": circuit(loc_b, 1)},
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": str(list(space.subnets(new_prefix=26))[-1])},
            "global_reach": global_reach,
        },
    }
    return from_config(name, values)


def fabric(n_sites: int, clusters_per_site: int = 4) -> dict[str, FabricSpec]:
    return {s.stack: s for s in (_site(i, n_sites, clusters_per_site) for i in range(n_sites))}
