"""Check one declared resource against the REST API version azure-native sends it with.

A resource's inputs (camelCase wire names, as in infra.inventory) are what the azure-native provider
turns into one PUT request: URL parameters of the path template become the URL, the rest the body,
with the SDK's flattening undone (see infra.conformance.specs). The check reports, with the input
path and the spec it comes from:

- ``unknown-property``: a name the REST body does not have (with the nearest real names);
- ``read-only``: a property Azure computes, which a request may not set;
- ``missing-required``: a property the spec requires (a flattened container's required properties
  count once the container is sent, i.e. when it is required or any of its properties is set; a
  nested object holding only ``id`` is a reference to another resource and is not judged for
  required properties);
- ``enum``: a value outside the spec's enum. Closed enums (``x-ms-enum.modelAsString: false``) are
  rejected by Azure. Extensible enums (``modelAsString: true``) are reported too: the program pins an
  API version, and a value its spec does not list is either a typo or unverified; a value Azure
  documents for it is allowed per token and input path in ``specs/index.json``
  (``x-extensible-enum-values``, with its source);
- ``type``: a JSON type other than the spec's (integer, number, boolean, string, array, object);
- ``arm-id``: a string shaped as an ARM resource ID whose provider namespace is vendored but whose
  resource-type segments are not a collection path of any vendored path template (see arm_ids).

Values not known before deployment (``[unknown]``) and secrets (``[secret]``) are never judged.
Everything below an ``x-unvendored`` schema is opaque.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.conformance import arm_ids
from infra.conformance.specs import Node, ResourceSpec, SdkObject, SpecLibrary, is_object, library
from infra.inventory import SECRET, UNKNOWN

FINDING_KINDS = ("no-spec", "unknown-property", "read-only", "missing-required", "enum", "type", "arm-id")


@dataclass(frozen=True)
class Finding:
    kind: str
    path: str
    """Input path, e.g. 'ipConfigurations[0].subnet.id'; '' for the resource as a whole."""
    message: str


def _opaque(value: Any) -> bool:
    return value is None or value == UNKNOWN or value == SECRET


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _nearest(name: str, candidates: Sequence[str]) -> str:
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    return ", ".join(lowered[c] for c in close) if close else "none close"


class _Walker:
    def __init__(self, lib: SpecLibrary, spec: ResourceSpec):
        self.lib = lib
        self.spec = spec
        self.findings: list[Finding] = []

    def add(self, kind: str, path: str, message: str) -> None:
        self.findings.append(Finding(kind, path, message))

    # -- values -------------------------------------------------------------------------------------

    def value(self, value: Any, node: Node, path: str) -> None:
        if _opaque(value) or node.unvendored:
            return
        target = self.lib.resolve(node)
        if target.unvendored:
            return
        data = target.data
        if "enum" in data:
            self.enum(value, data, path)
            return
        kind = data.get("type")
        if kind == "array":
            if not isinstance(value, (list, tuple)):
                self.add("type", path, f"is {_json_type(value)}, the spec says array ({target.definition})")
                return
            items = data.get("items")
            if isinstance(items, Mapping):
                inode = Node(target.file, f"{target.pointer}/items", items)
                for i, item in enumerate(value):
                    self.value(item, inode, f"{path}[{i}]")
            return
        if "additionalProperties" in data:
            self.dictionary(value, target, path)
            return
        if is_object(data):
            if not isinstance(value, Mapping):
                self.add("type", path, f"is {_json_type(value)}, the spec says object ({target.definition})")
                return
            if not data.get("properties") and not data.get("allOf"):
                return  # free-form JSON object (e.g. extension settings)
            self.object(value, self.lib.sdk_object(target), path, top=False)
            return
        self.primitive(value, kind, data, target, path)

    def primitive(self, value: Any, kind: str | None, data: Mapping[str, Any], target: Node, path: str) -> None:
        actual = _json_type(value)
        ok = {
            "string": actual == "string",
            "integer": actual == "integer",
            "number": actual in ("integer", "number"),
            "boolean": actual == "boolean",
        }.get(kind or "", True)
        if not ok:
            self.add("type", path, f"is {actual} {value!r}, the spec says {kind}")
            return
        if kind == "string":
            arm_ids.check_string(value, path, self.lib, self.add)

    def enum(self, value: Any, data: Mapping[str, Any], path: str) -> None:
        allowed = list(data["enum"])
        kinds = {_json_type(v) for v in allowed}
        if _json_type(value) not in kinds and not (kinds == {"number"} and _json_type(value) == "integer"):
            self.add("type", path, f"is {_json_type(value)} {value!r}, the spec says {'/'.join(sorted(kinds))} "
                                   f"(one of {allowed})")
            return
        if value in allowed:
            return
        info = data.get("x-ms-enum") or {}
        extensible = info.get("modelAsString") is True
        key = _enum_key(path)
        if extensible and value in self.lib.extensible_enum_values(self.spec.token, key):
            return
        name = info.get("name", "enum")
        how = ("an extensible enum: Azure may take values added after this API version, but the spec does "
               "not list this one; if Azure documents it, allow it in infra/conformance/specs/index.json "
               "x-extensible-enum-values with its source" if extensible else "a closed enum: Azure rejects it")
        self.add("enum", path, f"{value!r} is not one of {allowed} ({name}, {how})")

    def dictionary(self, value: Any, target: Node, path: str) -> None:
        if self.lib.is_string_set(target):
            # azure-native takes the keys as a list of strings (e.g. user-assigned identity IDs).
            if not isinstance(value, (list, tuple)):
                self.add("type", path, f"is {_json_type(value)}, azure-native takes a list of keys here (array of string)")
                return
            for i, item in enumerate(value):
                if _opaque(item):
                    continue
                if not isinstance(item, str):
                    self.add("type", f"{path}[{i}]", f"is {_json_type(item)}, the spec says string")
                else:
                    arm_ids.check_string(item, f"{path}[{i}]", self.lib, self.add)
            return
        if not isinstance(value, Mapping):
            self.add("type", path, f"is {_json_type(value)}, the spec says object (a map)")
            return
        values = target.data["additionalProperties"]
        if isinstance(values, Mapping):
            vnode = Node(target.file, f"{target.pointer}/additionalProperties", values)
            for k, v in value.items():
                self.value(v, vnode, f"{path}[{k!r}]")

    # -- objects ------------------------------------------------------------------------------------

    def object(self, value: Mapping[str, Any], view: SdkObject, path: str, top: bool,
               skip: frozenset[str] = frozenset()) -> None:
        present = {k for k, v in value.items() if v is not None and k not in skip}
        if not top and present == {"id"} and "id" in view.properties:
            # A reference to another resource by ID: Azure reads only the ID.
            self.value(value["id"], view.properties["id"].node, _join(path, "id"))
            return
        for key in sorted(present):
            prop = view.properties.get(key)
            where = _join(path, key)
            if prop is None:
                if view.partial:
                    continue  # part of the schema is not vendored: the name may be there
                self.add("unknown-property", where,
                         f"is not a property of {view.name} (nearest: {_nearest(key, view.writable)})")
            elif prop.read_only:
                self.add("read-only", where, f"is read-only in {view.name}: Azure sets it, a request may not")
            else:
                self.value(value[key], prop.node, where)
        active = {view.properties[k].containers for k in present if k in view.properties}
        for name, containers in view.required:
            if name in present or name in skip or (top and name == "location"):
                # azure-native supplies a resource's location itself when it is left out (its SDK takes
                # `location` as optional where the spec requires it, e.g. ResourceGroupArgs, VaultArgs).
                continue
            sent = (not containers or containers in view.required_containers
                    or any(c[: len(containers)] == containers for c in active))
            if sent:
                inside = f" (inside '{'.'.join(containers)}')" if containers else ""
                self.add("missing-required", _join(path, name), f"is required by {view.name}{inside} and not set")


def _enum_key(path: str) -> str:
    """'securityRules[1].protocol' -> 'securityRules[].protocol' (the key of x-extensible-enum-values)."""
    return re.sub(r"\[[^\]]*\]", "[]", path)


def check_resource(token: str, inputs: Mapping[str, Any], lib: SpecLibrary | None = None) -> list[Finding]:
    """Every way these inputs would not be what Azure accepts for ``token``'s API version."""
    lib = lib or library()
    spec = lib.resource(token)
    if spec is None:
        return [Finding("no-spec", "", f"no vendored REST spec for {token}: vendor its API version's spec "
                                       "(infra/conformance/README.md) so it can be checked")]
    walker = _Walker(lib, spec)
    params = set(spec.input_parameters)
    for name in sorted(params):
        value = inputs.get(name)
        if value is None:
            if name != spec.name_parameter:  # azure-native auto-names the resource itself
                walker.add("missing-required", name, f"URL parameter of {spec.path} is not set")
        elif not _opaque(value) and not isinstance(value, str):
            walker.add("type", name, f"is {_json_type(value)}, URL parameters are strings")
        elif not _opaque(value):
            arm_ids.check_string(value, name, lib, walker.add)  # scope, resourceUri: IDs themselves
    outside = {**spec.query, **spec.sdk_parameters}
    for name, qnode in outside.items():
        if inputs.get(name) is not None:
            walker.value(inputs[name], qnode, name)
    body = {k: v for k, v in inputs.items() if k not in params and k not in outside}
    walker.object(body, lib.sdk_object(spec.body, resource_body=True), "", top=True, skip=frozenset(spec.provider_body))
    return walker.findings
