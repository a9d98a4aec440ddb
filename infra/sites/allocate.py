"""Free address space, peering /30s, Global Reach /29s and VLANs: what a new site can take.

Pure functions over what the fabric already uses. First fit, in address order, so the same fabric
always gets the same answer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence

from infra.spec import FabricSpec

Net = ipaddress.IPv4Network

SITE_POOL = ipaddress.IPv4Network("10.0.0.0/8")
"""Where site address spaces come from."""
PEERING_POOL = ipaddress.IPv4Network("172.16.0.0/12")
"""Where private peering /30s come from (172.31.0.0/16 excluded: it holds the Global Reach /29s)."""
GLOBAL_REACH_POOL = ipaddress.IPv4Network("172.31.0.0/16")
VLAN_FIRST = 100


class Exhausted(Exception):
    """No free block of the size asked for is left in the pool."""


def used_prefixes(specs: Iterable[FabricSpec]) -> list[Net]:
    """Every prefix the fabric uses: address spaces, subnets, peering /30s and Global Reach /29s."""
    out: list[Net] = []
    for spec in specs:
        out += list(spec.site.address_space)
        out += [net for _, net in spec.subnets()]
        for c in spec.interconnect.circuits.values():
            out += [c.private_peering.primary_prefix, c.private_peering.secondary_prefix]
        out += [link.prefix for link in spec.interconnect.global_reach.values()]
    return out


def free_blocks(pool: Net, prefixlen: int, used: Sequence[Net], exclude: Sequence[Net] = ()) -> Iterator[Net]:
    """Blocks of /prefixlen in `pool`, in address order, that overlap nothing used or excluded."""
    taken = sorted({*used, *exclude}, key=lambda n: (int(n.network_address), n.prefixlen))
    for block in pool.subnets(new_prefix=prefixlen):
        if not any(block.overlaps(t) for t in taken):
            yield block


def take(pool: Net, prefixlen: int, used: list[Net], exclude: Sequence[Net] = ()) -> Net:
    """The first free /prefixlen of the pool, recorded as used."""
    for block in free_blocks(pool, prefixlen, used, exclude):
        used.append(block)
        return block
    raise Exhausted(f"no free /{prefixlen} is left in {pool}")


def free_vlan(specs: Iterable[FabricSpec], location: str, taken: set[int]) -> int:
    """The lowest VLAN (from 100) no circuit of the fabric uses at this peering location, so the
    carrier's hand-off there never sees two sites on one VLAN."""
    used = set(taken)
    for spec in specs:
        ic = spec.interconnect
        for name, c in ic.circuits.items():
            if ic.peering_location_of(name) == location:
                used.add(c.private_peering.vlan_id)
    vlan = VLAN_FIRST
    while vlan in used:
        vlan += 1
    if vlan > 4094:
        raise Exhausted(f"no free VLAN is left at {location}")
    return vlan
