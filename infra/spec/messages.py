"""Validation errors as plain sentences: what is wrong, what is allowed, the unit, an example.

pydantic's own wording ("Input should be a valid integer", "Unable to extract tag using
discriminator 'kind'") names the library's concepts, not the stack file's. Each error type it raises
for a stack file gets a sentence here, with the allowed values, the field's unit (read from its name:
`bandwidth_mbps` is in megabits per second) and, where the value looks like a number with a unit,
the number the field wants ("10Gbps" for a field in Mb/s: 10000).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

UNITS: dict[str, tuple[str, str]] = {
    "_mbps": ("megabits per second", "Mb/s"),
    "_gbps": ("gigabits per second", "Gb/s"),
    "_tb": ("terabytes (10^12 bytes)", "TB"),
    "_hours": ("hours", "h"),
    "_days": ("days", "days"),
    "_pct": ("percent", "%"),
    "_vms": ("VMs", "VMs"),
    "_usd": ("US dollars", "USD"),
}
"""Unit of a field, by the suffix of its name (docs/STYLE.md: names carry units)."""

# A number followed by a unit, as people write bandwidths and sizes: "10Gbps", "10 Gb/s", "500M", "60TB".
_WITH_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:b(?:it)?s?(?:/s|ps)?|b)?\s*$", re.IGNORECASE)
_SCALE = {"": 1.0, "k": 1e-3, "m": 1.0, "g": 1e3, "t": 1e6, "p": 1e9}
"""Multipliers to megabits (bandwidth) or megabytes (sizes)."""


def did_you_mean(value: object, choices: Iterable[str], n: int = 1) -> str:
    """' Did you mean 'x'?' for the closest of `choices`, or '' when nothing is close."""
    if not isinstance(value, str):
        return ""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=n, cutoff=0.6)
    if not close:
        return ""
    names = " or ".join(repr(lowered[c]) for c in close)
    return f" Did you mean {names}?"


def unit_of(field_name: str) -> tuple[str, str] | None:
    for suffix, unit in UNITS.items():
        if field_name.endswith(suffix):
            return unit
    return None


def _converted(value: object, field_name: str) -> str:
    """The number the field wants for a value written with a unit ('10Gbps' -> 10000 for *_mbps)."""
    if not isinstance(value, str):
        return ""
    m = _WITH_UNIT.match(value)
    if not m or not m.group(2) and not value.strip()[-1:].isalpha():
        return ""
    number, prefix = float(m.group(1)), m.group(2).lower()
    megas = number * _SCALE.get(prefix, 1.0)
    target = {"_mbps": 1.0, "_gbps": 1e3, "_tb": 1e6}
    for suffix, per_unit in target.items():
        if field_name.endswith(suffix):
            wanted = megas / per_unit
            shown = f"{wanted:g}" if not wanted.is_integer() else f"{int(wanted)}"
            return f" Write {shown} for {value!r}."
    return ""


def _allowed(description: str | None) -> str:
    """The field's description, when it is short enough to say what is allowed."""
    text = " ".join((description or "").split())
    return f" Allowed: {text}" if text and len(text) <= 160 else ""


def plain(err: Mapping[str, Any], loc: Sequence[Any], data: Mapping[str, Any]) -> str:
    """One validation error of the spec at key path `loc` (already resolved onto the raw data)."""
    from infra.spec.introspect import allowed_keys, field_at, union_kinds  # the error path only

    kind = str(err["type"])
    ctx = err.get("ctx") or {}
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix):]
    name = str(loc[-1]) if loc else ""
    field = field_at(tuple(loc), data)
    description = field.description if field is not None else None
    unit = unit_of(name)
    in_unit = f" of {unit[0]}" if unit else ""
    value = err.get("input")

    if kind == "missing":
        return "required key is missing." + (f" It is: {' '.join(description.split())}" if description else "")
    if kind == "extra_forbidden":
        allowed = allowed_keys(tuple(loc[:-1]), data)
        hint = did_you_mean(name, allowed)
        return f"unknown key.{hint}" + (f" Allowed here: {', '.join(allowed)}" if allowed else "")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number{in_unit}, without a unit or quotes.{_converted(value, name)}{_allowed(description)}"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"must be a number{in_unit}, without a unit or quotes.{_converted(value, name)}{_allowed(description)}"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false (without quotes)."
    if kind in ("string_type", "string_sub_type"):
        return f"must be text (a string), e.g. '{value}' in quotes." if value is not None else "must be text."
    if kind in ("dict_type", "mapping_type", "model_type", "model_attributes_type"):
        return "must be a mapping: `key: value` lines indented under this key."
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return "must be a list: `[a, b]` or `- item` lines indented under this key."
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        options = re.findall(r"'([^']*)'", expected)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in options:
            return (f"must be one of {', '.join(map(repr, options))}, written as text: put the value in quotes "
                    f"({name}: \"{value}\"); YAML reads {value} as a number.")
        return f"must be one of {', '.join(map(repr, options)) or expected}.{did_you_mean(value, options)}"
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        kinds = union_kinds(tuple(loc), data)
        listed = "; ".join(f"'{tag}' ({doc.rstrip('.')})" if doc else f"'{tag}'" for tag, doc in kinds.items())
        got = ctx.get("tag")
        if kind == "union_tag_not_found":
            return f"needs `kind`, which says what this is: {listed}."
        return f"kind {got!r} is not known here; allowed: {listed}.{did_you_mean(got, kinds)}"
    bounds = {"greater_than": "greater than", "greater_than_equal": "at least", "less_than": "less than",
              "less_than_equal": "at most"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "?")
        return f"must be {bounds[kind]} {limit}{(' ' + unit[1]) if unit else ''}.{_allowed(description)}"
    if kind in ("too_short", "too_long"):
        return msg.replace("List should", "the list must").replace("Dictionary should", "the mapping must") + "."
    return msg
