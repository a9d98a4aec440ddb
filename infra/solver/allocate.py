"""Names, VLANs, /30 prefixes and BGP key names for the circuits and ports the solver adds.

Deterministic: the same fabric and the same design give the same choices, so a re-run of `fabric solve`
proposes the same file edits.

- names follow the stack's own: the carrier PoP's name in lower case ('chi', like the shipped stacks'
  circuits), or the peering location's name as a slug without a carrier network; a second one at the
  same place gets '2', a Direct port '-port' and its circuits '-direct';
- the VLAN continues the stack's own sequence (110, 120 -> 130; steps of 1 when the stack's VLANs are not
  all multiples of 10), skipping any in use by the stack;
- the two /30 peering prefixes are the first free ones after the stack's own /30s (within 172.16.0.0/12,
  wrapping to its start, when those are in it), disjoint from every prefix of the fabric (address spaces, peering /30s, Global Reach
  /29s: the rule of infra/capacity/fabric.py) and from those allocated before in the same design;
- the BGP key's config key is 'bgpKey' + the circuit's name in CamelCase when the stack's circuits use BGP
  keys (none otherwise), and the user sets it: `pulumi config set --secret ...`.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from infra import catalog
from infra.spec import FabricSpec

PEERING_POOL = ipaddress.IPv4Network("172.16.0.0/12")
EVERY_ADDRESS = ipaddress.IPv4Network("0.0.0.0/0")


def fabric_prefixes(specs: Iterable[FabricSpec]) -> list[ipaddress.IPv4Network]:
    out: list[ipaddress.IPv4Network] = []
    for s in specs:
        out += list(s.site.address_space)
        for c in s.interconnect.circuits.values():
            out += [c.private_peering.primary_prefix, c.private_peering.secondary_prefix]
        out += [link.prefix for link in s.interconnect.global_reach.values()]
    return out


@dataclass
class Allocator:
    """Free names, VLANs and prefixes for one fabric, handed out in order."""

    specs: dict[str, FabricSpec]
    taken_config_keys: dict[str, set[str]] = field(default_factory=dict)
    """Per stack, config keys its file already has (so a new BGP key name never collides)."""

    def __post_init__(self) -> None:
        self._used = [(int(n.network_address), int(n.broadcast_address)) for n in fabric_prefixes(self.specs.values())]
        self._names: dict[str, set[str]] = {
            s: set(spec.interconnect.circuits) | set(spec.interconnect.ports) for s, spec in self.specs.items()
        }
        self._vlans: dict[str, set[int]] = {
            s: {c.private_peering.vlan_id for c in spec.interconnect.circuits.values()} for s, spec in self.specs.items()
        }
        self._keys: dict[str, set[str]] = {
            s: {c.private_peering.bgp_key_secret for c in spec.interconnect.circuits.values()
                if c.private_peering.bgp_key_secret} | set(self.taken_config_keys.get(s, ()))
            for s, spec in self.specs.items()
        }

    def name(self, stack: str, base: str) -> str:
        base = _slug(base)
        taken = self._names[stack]
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}{n}"
        taken.add(name)
        return name

    def vlan(self, stack: str) -> int:
        used = self._vlans[stack]  # never empty: a stack has a circuit at least (the spec requires one)
        lo, hi = catalog.VLAN_RANGE.value
        step = 10 if all(v % 10 == 0 for v in used) else 1
        free = [v for v in range(lo, hi + 1) if v not in used]
        after = [v for v in free if v >= max(used) + step]
        candidate = after[0] if after else free[0]  # past the top of the range: the first free from the bottom
        used.add(candidate)
        return candidate

    def peer_asn(self, stack: str) -> int:
        asns = Counter(c.private_peering.peer_asn for c in self.specs[stack].interconnect.circuits.values())
        return max(asns, key=asns.__getitem__)  # the most used; of equals, the first met

    def slash30s(self, stack: str) -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]:
        own = [c.private_peering.secondary_prefix for c in self.specs[stack].interconnect.circuits.values()]
        own += [c.private_peering.primary_prefix for c in self.specs[stack].interconnect.circuits.values()]
        # Never empty: a stack has a circuit at least (the spec requires one), with its two /30s.
        last = max(int(n.broadcast_address) for n in own)
        out = []
        addr = last + 1
        # Within the pool when the stack's own /30s are: at the pool's top, back to its bottom, never on past
        # it into public space (172.32.0.0 follows 172.31.255.255). A stack numbering its peerings elsewhere
        # continues there, up to the top of the address space, then the pool.
        in_pool = ipaddress.IPv4Address(last) in PEERING_POOL
        end = int((PEERING_POOL if in_pool else EVERY_ADDRESS).broadcast_address)
        while len(out) < 2:
            if addr + 3 > end:
                addr, end = int(PEERING_POOL.network_address), int(PEERING_POOL.broadcast_address)
            if not self._overlaps(addr, addr + 3):
                self._take(addr, addr + 3)
                out.append(ipaddress.IPv4Network((addr, 30)))
            addr += 4
        return out[0], out[1]

    def bgp_key(self, stack: str, circuit: str) -> str | None:
        spec = self.specs[stack]
        if not any(c.private_peering.bgp_key_secret for c in spec.interconnect.circuits.values()):
            return None
        return self.secret(stack, "bgpKey", circuit)

    def secret(self, stack: str, prefix: str, name: str) -> str:
        """A config key no one in the stack uses: `prefix` + the name in CamelCase (+ a number)."""
        base = prefix + "".join(part[:1].upper() + part[1:] for part in name.split("-"))
        key, n = base, 1
        while key in self._keys[stack]:
            n += 1
            key = f"{base}{n}"
        self._keys[stack].add(key)
        return key

    def _overlaps(self, lo: int, hi: int) -> bool:
        return any(a <= hi and b >= lo for a, b in self._used)

    def _take(self, lo: int, hi: int) -> None:
        self._used.append((lo, hi))


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not s or not s[0].isalpha():
        s = "c" + s
    return s[:30].rstrip("-")


__all__ = ["Allocator", "PEERING_POOL", "fabric_prefixes"]
