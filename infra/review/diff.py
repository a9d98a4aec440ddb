"""Which earlier resource each new one is, and what changed between them.

Matching, per stack, in this order:

1. by Azure identity (identity.py): the same Azure resource, whatever its URN;
2. by URN, among the rest: Pulumi's own view, where an identity change is a replacement;
3. by role, among the rest: a delete and a create of the same type in the same place of their
   component ('<component>-ib-0' under a GpuCluster, whose key was renamed), or the only delete and
   the only create of a type under the same parent: the new one replaces the old;
4. what is left is deleted or created.

Values the plan does not know (secrets, recorded as '[secret]') compare equal to each other: a
review cannot see a secret change, and says nothing about one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from infra import catalog
from infra.catalog import FixedProperty, InPlace, When
from infra.inventory import Resource
from infra.review.identity import identity, identity_differences
from infra.review.models import Op

_MISSING = object()


def changed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two input trees differ: maps key by key, lists of equal length item by item."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        out: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            a, b = before.get(key, _MISSING), after.get(key, _MISSING)
            if a is _MISSING or b is _MISSING:
                if not (a in (_MISSING, None) and b in (_MISSING, None)):
                    out.append(path)
            else:
                out += changed_paths(a, b, path)
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = []
        for i, (a, b) in enumerate(zip(before, after)):
            out += changed_paths(a, b, f"{prefix}.{i}" if prefix else str(i))
        return out
    return [] if _same(before, after) else [prefix or "(inputs)"]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def values_at(inputs: Mapping[str, Any], path: str) -> list[Any]:
    """The values at a dotted path; '*' takes every item of a list. A missing value is None."""
    values: list[Any] = [inputs]
    for part in path.split("."):
        nxt: list[Any] = []
        for v in values:
            if part == "*":
                nxt += list(v) if isinstance(v, list) else [None]
            elif isinstance(v, Mapping):
                nxt.append(v.get(part))
            elif isinstance(v, list) and part.isdigit() and int(part) < len(v):
                nxt.append(v[int(part)])
            else:
                nxt.append(None)
        values = nxt
    return values


@dataclass(frozen=True)
class FixedChange:
    """A property Azure cannot change in place, changed: the fact, and its value before and after."""

    fact: FixedProperty
    before: Any
    after: Any

    def describe(self) -> str:
        unit = " Mbps" if self.fact.path.endswith("InMbps") else " Gbps" if self.fact.path.endswith("InGbps") else ""
        return f"{self.fact.what} {_show(self.before, unit)} -> {_show(self.after, unit)}"


def _show(values: Any, unit: str = "") -> str:
    if isinstance(values, list) and len(values) == 1:
        values = values[0]
    if values is None:
        return "(none)"
    if unit and _number(values) is not None:
        return f"{values:,g}{unit}"
    return repr(short_id(values)) if isinstance(values, str) else repr(values)


def short_id(value: str) -> str:
    """An ARM ID without the subscription and provider namespace ('rg-x/proximityPlacementGroups/ppg-a100'):
    what a reader of a change needs, in a third of the characters."""
    parts = value.strip("/").split("/")
    if not value.startswith("/subscriptions/") or len(parts) < 4:
        return value
    rest = parts[2:]
    if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
        rest = [rest[1], *rest[2:]]
    if len(rest) > 3 and rest[1].lower() == "providers":
        rest = [rest[0], *rest[3:]]  # drop 'providers/Microsoft.X'
    return "/".join(rest)


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _breaks(fact: FixedProperty, before: list[Any], after: list[Any]) -> bool:
    if len(before) == 1 and len(after) == 1:
        a, b = before[0], after[0]
    else:
        a, b = (tuple(map(repr, before)) or None), (tuple(map(repr, after)) or None)
    if _same(a, b):
        return False
    if fact.when is When.CHANGED:
        return True
    if fact.when is When.LOWERED:
        x, y = _number(a), _number(b)
        return x is not None and y is not None and y < x
    if fact.when is When.TRANSITION:
        return (_frozen(a), _frozen(b)) in fact.transitions
    return (_frozen(a), _frozen(b)) not in fact.transitions  # When.NOT_LISTED


def _frozen(value: Any) -> Any:
    """A value usable as a set member (a plan may hold a list where the catalog expects a name)."""
    if isinstance(value, list):
        return tuple(map(_frozen, value))
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    return value


def fixed_changes(old: Resource, new: Resource) -> list[FixedChange]:
    """The catalog's facts about what Azure cannot change in place, as this change breaks them."""
    out = []
    for fact in catalog.fixed_properties_of(new.type):
        before, after = values_at(old.inputs, fact.path), values_at(new.inputs, fact.path)
        if _breaks(fact, before, after):
            out.append(FixedChange(fact, before, after))
    return out


# ------------------------------------------------------------------------------------------------
# Matching
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    old: Resource
    new: Resource
    how: str
    """'identity', 'urn' or 'role' (see the module docstring)."""


@dataclass(frozen=True)
class Matching:
    pairs: tuple[Pair, ...]
    deleted: tuple[Resource, ...]
    created: tuple[Resource, ...]


def _unique(resources: Iterable[Resource], key) -> dict[Any, Resource]:
    groups: dict[Any, list[Resource]] = defaultdict(list)
    for r in resources:
        groups[key(r)].append(r)
    return {k: rs[0] for k, rs in groups.items() if len(rs) == 1}


def _parent_type(r: Resource, types: Mapping[str, str]) -> str | None:
    if r.parent is None:
        return None
    if r.parent in types:
        return types[r.parent]
    # urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>
    chain = r.urn.split("::")[-2].split("$") if r.urn.count("::") >= 3 else []
    return chain[-2] if len(chain) >= 2 else None


def _role(r: Resource) -> str:
    """The resource's name within its component: 'ib-0' for 'a100-ib-0' under component 'a100'."""
    if r.parent:
        component = r.parent.rsplit("::", 1)[-1]
        if r.name.startswith(component + "-"):
            return r.name[len(component) + 1:]
    return r.name


def match(old: Sequence[Resource], new: Sequence[Resource]) -> Matching:
    """Pair a stack's earlier Azure resources with its new ones (module docstring)."""
    old_left = {r.urn: r for r in old}
    new_left = {r.urn: r for r in new}
    pairs: list[Pair] = []

    def take(o: Resource, n: Resource, how: str) -> None:
        pairs.append(Pair(o, n, how))
        del old_left[o.urn], new_left[n.urn]

    by_id_old = _unique(old_left.values(), lambda r: identity(r).key)
    by_id_new = _unique(new_left.values(), lambda r: identity(r).key)
    for key in by_id_old.keys() & by_id_new.keys():
        take(by_id_old[key], by_id_new[key], "identity")

    for urn in sorted(old_left.keys() & new_left.keys()):
        if old_left[urn].type == new_left[urn].type:
            take(old_left[urn], new_left[urn], "urn")

    types_old = {r.urn: r.type for r in old}
    types_new = {r.urn: r.type for r in new}
    by_role_old = _unique(old_left.values(), lambda r: (r.type, _parent_type(r, types_old), _role(r)))
    by_role_new = _unique(new_left.values(), lambda r: (r.type, _parent_type(r, types_new), _role(r)))
    for key in sorted(by_role_old.keys() & by_role_new.keys(), key=repr):
        take(by_role_old[key], by_role_new[key], "role")

    # The only delete and the only create of a type in the same kind of place (a renamed circuit key,
    # a renamed cluster's resource group).
    old_by_place: dict[Any, list[Resource]] = defaultdict(list)
    new_by_place: dict[Any, list[Resource]] = defaultdict(list)
    for r in old_left.values():
        old_by_place[(r.type, _parent_type(r, types_old))].append(r)
    for r in new_left.values():
        new_by_place[(r.type, _parent_type(r, types_new))].append(r)
    for key in sorted(old_by_place.keys() & new_by_place.keys(), key=repr):
        if len(old_by_place[key]) == 1 and len(new_by_place[key]) == 1:
            take(old_by_place[key][0], new_by_place[key][0], "role")

    return Matching(tuple(pairs), tuple(old_left.values()), tuple(new_left.values()))


# ------------------------------------------------------------------------------------------------
# One pair: what happens to it
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceDiff:
    """What happens to one Azure resource: the op and why, before safety is judged (rules.py)."""

    old: Resource | None
    new: Resource | None
    op: Op | None
    """None: nothing changes."""
    keys: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    """Why a replace is one: identity parts, facts of catalog.FIXED_PROPERTIES, a URN without alias."""
    fixed: tuple[FixedChange, ...] = ()
    """Facts broken (replacements and restarts)."""
    how: str = ""

    @property
    def restarts(self) -> tuple[FixedChange, ...]:
        return tuple(f for f in self.fixed if f.fact.effect is InPlace.RESTART)

    def replaced_because(self, cause: str) -> ResourceDiff:
        return replace(self, op=Op.REPLACE, causes=(*self.causes, cause))


def diff_pair(pair: Pair) -> ResourceDiff:
    old, new = pair.old, pair.new
    keys = tuple(changed_paths(dict(old.inputs), dict(new.inputs)))
    causes = [f"{what} {short_id(a)!r} -> {short_id(b)!r}"
              for what, a, b in identity_differences(identity(old), identity(new))]
    fixed = tuple(fixed_changes(old, new))
    # Location and scope are parts of the identity, reported above already.
    causes += [f"{f.describe()} (Azure cannot change it in place)"
               for f in fixed if f.fact.effect is InPlace.REPLACE and f.fact.path not in ("location", "scope")]
    if old.urn != new.urn and not causes:
        causes.append(
            f"declared under a new URN (was {old.urn}) with the same Azure identity: without an alias "
            f"(aliases=[pulumi.Alias(name={old.name!r})] or the old parent) Pulumi deletes it and creates it again"
        )
    if causes:
        return ResourceDiff(old, new, Op.REPLACE, keys, tuple(causes), fixed, pair.how)
    return ResourceDiff(old, new, Op.UPDATE if keys else None, keys, (), fixed, pair.how)
