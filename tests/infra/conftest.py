"""Fixtures for the foundation tests: small spec dicts, a spec builder, and a scratch copy of stacks/.

Helpers are handed out as fixtures (not imported from this module) so that several conftest.py files
without __init__.py can coexist under tests/.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from infra.spec import FabricSpec, from_config
from infra.spec.fields import Problems

REPO = Path(__file__).resolve().parents[2]
SHIPPED_STACKS = REPO / "stacks"

H100 = "Standard_ND96isr_H100_v5"
A100 = "Standard_ND96amsr_A100_v4"
GB200 = "Standard_ND128isr_NDR_GB200_v6"

# Discriminator tags pydantic puts in error locations of tagged unions; they are not keys of the data.
_UNION_TAGS = {"circuits": ("provider", "direct"), "demands": ("replication", "sustained")}


def peering(n: int, **extra: Any) -> dict[str, Any]:
    """A valid private peering, unique per n (VLAN 100+n, /30s in 172.16.n.0/29)."""
    return {
        "peer_asn": 64600,
        "vlan_id": 100 + n,
        "primary_prefix": f"172.16.{n}.0/30",
        "secondary_prefix": f"172.16.{n}.4/30",
        **extra,
    }


def provider_circuit(location: str, n: int, *, bandwidth_mbps: int = 10000, tier: str = "Standard",
                     **extra: Any) -> dict[str, Any]:
    """A Lumen provider circuit at `location`, its peering unique per n."""
    return {
        "kind": "provider",
        "peering_location": location,
        "bandwidth_mbps": bandwidth_mbps,
        "tier": tier,
        "private_peering": peering(n),
        **extra,
    }


def direct_circuit(port: str, n: int, bandwidth_gbps: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "direct", "port": port, "bandwidth_gbps": bandwidth_gbps, "private_peering": peering(n), **extra}


def minimal_spec_data() -> dict[str, Any]:
    """A valid stack for `from_config('eastus', ...)`: 16 H100 VMs, two 10G circuits, ErGw3AZ + FastPath.

    Every capacity invariant holds on it; tests change one thing and look at what breaks.
    """
    return {
        "site": {
            "region": "eastus",
            "address_space": ["10.10.0.0/16"],
            "vcpu_quota": {H100: 10_000},
        },
        "clusters": {
            "h100": {"sku": H100, "vm_count": 16, "subnet": "10.10.0.0/24"},
        },
        "interconnect": {
            "circuits": {
                "wdc": provider_circuit("Washington DC", 1),
                "nyc": provider_circuit("New York", 2),
            },
            "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": "10.10.255.0/26"},
        },
    }


def _path(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    out: list[Any] = []
    for i, part in enumerate(parts):
        if i >= 2 and part in _UNION_TAGS.get(str(parts[i - 2]), ()):
            continue
        out.append(part)
    return ".".join(map(str, out))


@dataclass(frozen=True)
class SpecErr:
    path: str
    msg: str


def spec_errors_of(data: dict[str, Any], stack: str = "eastus") -> list[SpecErr]:
    """Every error from_config reports, one per problem (Problems unpacked), with its key path."""
    with pytest.raises(ValidationError) as info:
        from_config(stack, data)
    out: list[SpecErr] = []
    for err in info.value.errors(include_url=False):
        error = (err.get("ctx") or {}).get("error")
        if isinstance(error, Problems):
            out += [SpecErr(_path((*err["loc"], *rel)), msg) for rel, msg in error.problems]
        else:
            out.append(SpecErr(_path(tuple(err["loc"])), str(err["msg"])))
    return out


class StackFileEditor:
    """Text edits on a copied stack file, keeping comments and layout so line numbers stay meaningful."""

    def __init__(self, path: Path):
        self.path = path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def line(self, fragment: str) -> int:
        """1-based line of the only line containing `fragment`."""
        hits = [i for i, line in enumerate(self.text.splitlines(), 1) if fragment in line]
        assert len(hits) == 1, f"{fragment!r} is on lines {hits} of {self.name}, expected exactly one"
        return hits[0]

    def replace(self, old: str, new: str) -> int:
        """Replace the only occurrence of `old`; returns the line it was on."""
        text = self.text
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {self.name}"
        line = text[: text.index(old)].count("\n") + 1
        self.path.write_text(text.replace(old, new), encoding="utf-8")
        return line

    def insert_after(self, fragment: str, new_line: str) -> int:
        """Insert `new_line` after the only line containing `fragment`; returns the new line's number."""
        at = self.line(fragment)
        lines = self.text.splitlines(keepends=True)
        lines.insert(at, new_line.rstrip("\n") + "\n")
        self.path.write_text("".join(lines), encoding="utf-8")
        return at + 1


@pytest.fixture
def spec_data() -> dict[str, Any]:
    """A fresh minimal_spec_data() to mutate."""
    return minimal_spec_data()


@pytest.fixture
def make_spec() -> Callable[..., FabricSpec]:
    def build(data: dict[str, Any], stack: str = "eastus") -> FabricSpec:
        return from_config(stack, copy.deepcopy(data))

    return build


@pytest.fixture
def spec_errors() -> Callable[..., list[SpecErr]]:
    return spec_errors_of


@pytest.fixture
def circuit() -> Callable[..., dict[str, Any]]:
    return provider_circuit


@pytest.fixture
def direct() -> Callable[..., dict[str, Any]]:
    return direct_circuit


@pytest.fixture
def stacks_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped stacks/ directory that a test may edit."""
    target = tmp_path / "stacks"
    shutil.copytree(SHIPPED_STACKS, target)
    return target


@pytest.fixture
def stack_file(stacks_dir: Path) -> Callable[[str], StackFileEditor]:
    """Editor of one file of the copied stacks directory: stack_file('eastus')."""

    def editor(stack: str) -> StackFileEditor:
        path = stacks_dir / f"Pulumi.{stack}.yaml"
        assert path.is_file(), f"no {path.name} in the copied stacks"
        return StackFileEditor(path)

    return editor


@pytest.fixture(scope="session")
def shipped_specs() -> dict[str, FabricSpec]:
    """Every shipped stack, loaded through the real stack-file loader (no Pulumi involved)."""
    from infra.stackfile import discover, load

    return {name: load(path).spec for name, path in discover(SHIPPED_STACKS).items()}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO
