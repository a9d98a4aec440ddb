"""An earlier plan, as `fabric plan --format json` wrote it: read, check its shape, turn it into resources.

Anything else is bad input (exit 2): a file that is not JSON, or JSON of the wrong shape anywhere
inside, is reported with the key path of every problem (``stacks[0].resources[3].inputs``), the
value found and what was expected, never judged half-read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.inventory import Resource
from infra.stackfile import SpecError, SpecIssue

EXPECTED = "as written by `fabric plan --format json`"
MAX_ISSUES = 20
"""Problems listed before the rest are counted: a wrong file can have thousands."""

MAX_DEPTH = 64
"""Deepest nesting of a resource's inputs; the program's deepest (a scale set's profile) is under 10."""

EarlierPlan = dict[str, tuple[Resource, ...]]
"""stack -> its resources, in the earlier plan's order."""


def _kind(value: Any) -> str:
    """'a number', 'an array': what the JSON held, said the way the message reads."""
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


class _Issues:
    def __init__(self, display: str):
        self.display = display
        self.items: list[SpecIssue] = []
        self.count = 0

    def add(self, path: str, value: Any, expected: str, found: str | None = None) -> None:
        self.count += 1
        if len(self.items) < MAX_ISSUES:
            self.items.append(SpecIssue(self.display, None, path, value,
                                        f"expected {expected}, found {found or _kind(value)}"))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        if self.count > len(self.items):
            self.items.append(SpecIssue(self.display, None, "", f"{self.count - len(self.items)} more",
                                        "problems of the same kind not listed"))
        raise SpecError(self.items)


def parse_plan(text: str, display: str) -> EarlierPlan:
    """An earlier plan's JSON text -> its stacks' resources; SpecError naming every problem."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise SpecError([SpecIssue(display, None, "", "<nesting>", "not a plan: JSON nested too deeply; expected "
                                   "the output of `fabric plan --format json`")]) from None
    except json.JSONDecodeError as exc:
        raise SpecError([SpecIssue(display, exc.lineno, "", text[exc.pos:exc.pos + 20] or "<end of file>",
                                   f"not a JSON plan: {exc.msg}; expected the output of `fabric plan --format json`")]
                        ) from None
    issues = _Issues(display)
    stacks = data.get("stacks") if isinstance(data, dict) else None
    if not isinstance(stacks, list):
        issues.add("stacks" if isinstance(data, dict) else "", stacks if isinstance(data, dict) else data,
                   "{'stacks': [{'stack': name, 'resources': [...]}, ...]} " + EXPECTED)
        issues.raise_if_any()
    out: EarlierPlan = {}
    for i, s in enumerate(stacks):
        where = f"stacks[{i}]"
        if not isinstance(s, dict):
            issues.add(where, s, "an object {'stack': name, 'resources': [...]}")
            continue
        name, resources = s.get("stack"), s.get("resources")
        if not isinstance(name, str) or not name:
            issues.add(f"{where}.stack", name, "the stack's name (a string)")
        elif name in out:
            issues.add(f"{where}.stack", name, "each stack once", "it twice")
        if not isinstance(resources, list):
            issues.add(f"{where}.resources", resources, "a list of resources")
            continue
        parsed = [r for j, raw in enumerate(resources) if (r := _resource(raw, f"{where}.resources[{j}]", issues))]
        urns = [r.urn for r in parsed]
        for dup in sorted({u for u in urns if urns.count(u) > 1}):
            issues.add(f"{where}.resources", dup, "each URN once (a plan never declares one twice)", "it twice")
        if isinstance(name, str) and name:
            out[name] = tuple(parsed)
    issues.raise_if_any()
    return out


def _resource(raw: Any, where: str, issues: _Issues) -> Resource | None:
    if not isinstance(raw, dict):
        issues.add(where, raw, "a resource object {'urn', 'type', 'name', 'parent', 'protect', 'inputs'}")
        return None
    ok = True
    for key in ("urn", "type"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            issues.add(f"{where}.{key}", raw.get(key), "a non-empty string")
            ok = False
    urn = raw.get("urn") if isinstance(raw.get("urn"), str) else ""
    name = raw.get("name", urn.rsplit("::", 1)[-1])
    if not isinstance(name, str):
        issues.add(f"{where}.name", name, "a string")
        ok = False
    parent = raw.get("parent")
    if parent is not None and not isinstance(parent, str):
        issues.add(f"{where}.parent", parent, "a URN (string) or null")
        ok = False
    protect = raw.get("protect", False)
    if not isinstance(protect, bool):
        issues.add(f"{where}.protect", protect, "true or false")
        ok = False
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, Mapping):
        issues.add(f"{where}.inputs", inputs, "a map of input names to values")
        ok = False
    elif _depth(inputs) > MAX_DEPTH:
        issues.add(f"{where}.inputs", "...", f"inputs nested at most {MAX_DEPTH} levels deep", "deeper nesting")
        ok = False
    if not ok:
        return None
    typ = raw["type"]
    return Resource(urn=urn, type=typ, name=name, parent=parent, inputs=dict(inputs), protect=protect,
                    custom=not typ.startswith("ai-fabric:"))


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        children = v.values() if isinstance(v, Mapping) else v if isinstance(v, list) else ()
        stack += [(c, d + 1) for c in children]
    return deepest


def load_plan(path: Path) -> EarlierPlan:
    """Read an earlier plan file; unreadable or malformed is bad input (SpecError)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([SpecIssue(str(path), None, "--against", str(path),
                                   f"cannot read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise SpecError([SpecIssue(str(path), None, "--against", str(path),
                                   f"not a JSON plan: not UTF-8 text ({exc.reason}); expected the output of "
                                   "`fabric plan --format json`")]) from None
    return parse_plan(text, str(path))
