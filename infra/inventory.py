"""The neutral inventory: what a program declared, as plain data.

The offline engine records it from the mock monitor; the policy pack builds it from PolicyResources;
infra.invariants checks it. Nothing here knows where it came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

SECRET = "[secret]"
"""What a secret input looks like in an inventory: the value itself is never kept."""

UNKNOWN = "[unknown]"
"""A value not known before deployment (an ID during `pulumi preview`). The offline engine's mocks
know everything; the policy adapter maps the policy SDK's unknown sentinels to this."""


def known(value: Any) -> bool:
    """A value a check can judge: present, not UNKNOWN, not an empty string."""
    return value is not None and value != UNKNOWN and value != ""


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    name: str
    parent: str | None
    inputs: Mapping[str, Any]
    """Wire (camelCase) names; integral numbers as int; secrets replaced by SECRET."""
    protect: bool = False
    dependencies: tuple[str, ...] = ()
    custom: bool = True
    id: str | None = None
    secret_inputs: frozenset[str] = frozenset()
    """Top-level input names whose value was secret."""

    def get(self, path: str, default: Any = None) -> Any:
        """inputs by dotted path: r.get('sku.name'), r.get('ipConfigurations.0.subnet.id')."""
        value: Any = self.inputs
        for part in path.split("."):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return default
        return value

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn, "type": self.type, "name": self.name, "parent": self.parent,
            "protect": self.protect, "inputs": dict(self.inputs),
        }


@dataclass(frozen=True)
class Inventory:
    stack: str
    resources: tuple[Resource, ...]
    exports: Mapping[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}

    def children(self, urn: str) -> list[Resource]:
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, urn: str) -> list[Resource]:
        out, frontier = [], [urn]
        kids: dict[str | None, list[Resource]] = {}
        for r in self.resources:
            kids.setdefault(r.parent, []).append(r)
        while frontier:
            for child in kids.get(frontier.pop(), []):
                out.append(child)
                frontier.append(child.urn)
        return out

    def named(self, name: str) -> Resource:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}")
        return found[0]


def normalize(value: Any) -> Any:
    """Wire values as the checks want them: integral floats (protobuf numbers) back to int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value
