"""The vendored Azure REST API specs, read the way azure-native reads them.

``specs/`` holds a subset of Azure/azure-rest-api-specs: each file is the spec file at the same path
under ``specification/``, cut down to the PUT operations and the request-body definitions this
program can send, with an ``x-origin`` naming repository, path, commit and API version.
``specs/index.json`` maps each azure-native type token to its API version, spec file and ARM path
template. Definitions that a vendored subset does not carry are marked ``x-unvendored`` with their
original ``$ref``; the checker treats them as opaque.

``SdkObject`` is an object schema as the azure-native SDK exposes it, after the generator's rules
(pulumi/pulumi-azure-native provider/pkg/gen/properties.go, ``genProperties``):

- a property marked ``x-ms-client-flatten`` whose schema is not a dictionary is not an input of its
  own: its sub-properties are merged into the parent (recursively), remembering the container;
- an input is named by ``x-ms-client-name`` where the spec gives one, in lowerCamel case;
- read-only properties are not inputs (kept here, marked, so a check can say "read-only");
- a dictionary whose values have no writable property is a list of its keys in the SDK
  (``isStringSet``), e.g. ``userAssignedIdentities``.

Nothing here imports Pulumi.
"""

from __future__ import annotations

import functools
import json
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_ROOT = Path(__file__).resolve().parent / "specs"
SPEC_REPOSITORY = "Azure/azure-rest-api-specs"


class SpecError(Exception):
    """The vendored specs are inconsistent (a broken $ref, a missing file): a vendoring bug."""


@dataclass(frozen=True)
class Origin:
    repository: str
    path: str
    commit: str
    api_version: str

    def cite(self) -> str:
        return f"{self.repository} {self.path} @ {self.commit[:12]}"


@dataclass(frozen=True)
class Node:
    """A schema node of a vendored file: where it is (file, JSON pointer) and what it says."""

    file: str
    pointer: str
    data: Mapping[str, Any]

    @property
    def definition(self) -> str:
        """'Subnet' for '#/definitions/Subnet/...', for messages."""
        parts = self.pointer.split("/")
        return parts[2] if len(parts) > 2 and parts[1] == "definitions" else self.pointer

    @property
    def unvendored(self) -> str | None:
        return self.data.get("x-unvendored")


@dataclass(frozen=True)
class SdkProperty:
    """One input of an SDK object: its REST name and the flatten containers it sits in."""

    sdk_name: str
    rest_name: str
    containers: tuple[str, ...]
    node: Node
    read_only: bool


@dataclass(frozen=True)
class SdkObject:
    """An object schema as azure-native exposes it (see the module docstring)."""

    name: str
    properties: Mapping[str, SdkProperty]
    required: tuple[tuple[str, tuple[str, ...]], ...]
    """(sdk name, containers) of each required property."""
    required_containers: frozenset[tuple[str, ...]]
    """Flatten containers the schema itself requires (sent even when no sub-property is set)."""
    partial: bool = False
    """Part of the schema (an allOf parent) is not vendored: names missing here are not judged."""

    @property
    def writable(self) -> list[str]:
        return sorted(n for n, p in self.properties.items() if not p.read_only)


@dataclass(frozen=True)
class ResourceSpec:
    """What Azure accepts for one azure-native type: the PUT path template and the request body."""

    token: str
    api_version: str
    path: str
    body: Node
    origin: Origin
    query: Mapping[str, Node] = field(default_factory=dict)
    provider_body: Mapping[str, Any] = field(default_factory=dict)
    """Body properties the azure-native provider sets itself (custom resources)."""
    generated_parameters: frozenset[str] = frozenset()
    """Path parameters the azure-native provider generates itself (custom resources)."""
    provider_note: str | None = None
    sdk_parameters: Mapping[str, Node] = field(default_factory=dict)
    """Inputs the SDK has that are neither URL nor body (see index.json x-sdk-parameters)."""

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(seg[1:-1] for seg in self.path.split("/") if seg.startswith("{") and seg.endswith("}"))

    @property
    def input_parameters(self) -> tuple[str, ...]:
        """URL parameters that are inputs: all but the subscription (the provider's) and generated ones."""
        return tuple(p for p in self.path_parameters if p != "subscriptionId" and p not in self.generated_parameters)

    @property
    def name_parameter(self) -> str | None:
        """The last URL parameter names the resource itself; azure-native auto-names it when omitted."""
        params = self.path_parameters
        return params[-1] if params else None


def lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


class SpecLibrary:
    """The vendored specs, loaded lazily and cached; one instance serves the whole process."""

    def __init__(self, root: Path = SPEC_ROOT):
        self.root = root
        index_path = root / "index.json"
        try:
            self.index: Mapping[str, Any] = json.loads(index_path.read_text())
        except (OSError, ValueError) as exc:
            raise SpecError(f"{index_path}: cannot read the spec index: {exc}") from None
        self._files: dict[str, Mapping[str, Any]] = {}
        self._objects: dict[tuple[str, str, bool], SdkObject] = {}
        self._resources: dict[str, ResourceSpec] = {}
        self._degenerates: dict[tuple[str, str], bool] = {}

    # -- files and references -------------------------------------------------------------------

    def file(self, rel: str) -> Mapping[str, Any]:
        if rel not in self._files:
            path = self.root / rel
            try:
                self._files[rel] = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise SpecError(f"{path}: cannot read the vendored spec: {exc}") from None
        return self._files[rel]

    def origin(self, rel: str) -> Origin:
        o = self.file(rel).get("x-origin") or {}
        return Origin(o.get("repository", SPEC_REPOSITORY), o.get("path", rel), o.get("commit", "?"),
                      o.get("apiVersion", "?"))

    def files(self) -> Iterator[str]:
        for path in sorted(self.root.rglob("*.json")):
            rel = path.relative_to(self.root).as_posix()
            if rel != "index.json":
                yield rel

    def definition(self, rel: str, name: str) -> Node:
        defs = self.file(rel).get("definitions") or {}
        if name not in defs:
            raise SpecError(f"{self.root / rel}: no definition {name!r}")
        return Node(rel, f"#/definitions/{name}", defs[name])

    def resolve(self, node: Node) -> Node:
        """Follow $ref until a node that is not a reference."""
        seen = set()
        while "$ref" in node.data:
            ref = node.data["$ref"]
            if (node.file, ref) in seen:
                raise SpecError(f"{node.file}: $ref cycle at {ref}")
            seen.add((node.file, ref))
            target, _, pointer = ref.partition("#")
            rel = posixpath.normpath(posixpath.join(posixpath.dirname(node.file), target)) if target else node.file
            parts = [p for p in pointer.split("/") if p]
            if len(parts) != 2 or parts[0] != "definitions":
                raise SpecError(f"{node.file}: unsupported $ref {ref!r}")
            node = self.definition(rel, parts[1])
        return node

    def is_read_only(self, node: Node) -> bool:
        """Read-only on the property itself or on the definition it refers to (azure-native reads the
        resolved schema)."""
        return bool(node.data.get("readOnly")) or bool(self.resolve(node).data.get("readOnly"))

    # -- SDK view of an object --------------------------------------------------------------------

    def sdk_object(self, node: Node, resource_body: bool = False) -> SdkObject:
        """The SDK view of an object schema. For a resource's request body, ``etag`` is no input:
        azure-native leaves it to the protocol (properties.go skips 'etag' on resources)."""
        node = self.resolve(node)
        key = (node.file, node.pointer, resource_body)
        if key not in self._objects:
            view = self._build_object(node, ())
            if resource_body and "etag" in view.properties:
                view = SdkObject(view.name, {k: p for k, p in view.properties.items() if k != "etag"},
                                 view.required, view.required_containers, view.partial)
            self._objects[key] = view
        return self._objects[key]

    def _build_object(self, node: Node, containers: tuple[str, ...]) -> SdkObject:
        props: dict[str, SdkProperty] = {}
        required: list[tuple[str, tuple[str, ...]]] = []
        required_containers: set[tuple[str, ...]] = set()
        own_required = set(node.data.get("required") or ())
        partial = False
        for i, parent in enumerate(node.data.get("allOf") or ()):
            pnode = self.resolve(Node(node.file, f"{node.pointer}/allOf/{i}", parent))
            if pnode.unvendored:
                partial = True
                continue
            inherited = self._build_object(pnode, containers)
            partial |= inherited.partial
            props.update(inherited.properties)
            required += inherited.required
            required_containers |= inherited.required_containers
        for name, raw in (node.data.get("properties") or {}).items():
            pnode = Node(node.file, f"{node.pointer}/properties/{name}", raw)
            if pnode.unvendored:
                sdk = lower_camel(raw.get("x-ms-client-name", name))
                props[sdk] = SdkProperty(sdk, name, containers, pnode, bool(raw.get("readOnly")))
                continue
            target = self.resolve(pnode)
            is_dict = "additionalProperties" in target.data
            if raw.get("x-ms-client-flatten") is True and not is_dict:
                inner = self._build_object(target, (*containers, name))
                partial |= inner.partial
                props.update(inner.properties)
                required += inner.required
                required_containers |= inner.required_containers
                if name in own_required:
                    required_containers.add((*containers, name))
                continue
            # azure-native reads x-ms-client-name from the resolved schema: the property itself, or the
            # definition a $ref points to.
            sdk = lower_camel(target.data.get("x-ms-client-name") or name)
            # An object none of whose properties can be written is not an input either (azure-native
            # drops such "degenerate" types, e.g. a resource group's 'properties').
            read_only = self.is_read_only(pnode) or self._degenerate(target)
            props[sdk] = SdkProperty(sdk, name, containers, pnode, read_only)
        for name in own_required:
            match = next((p for p in props.values() if p.rest_name == name and p.containers == containers), None)
            if match is not None and not match.read_only:
                required.append((match.sdk_name, containers))
        return SdkObject(node.definition, props, tuple(dict.fromkeys(required)), frozenset(required_containers), partial)

    def _degenerate(self, target: Node) -> bool:
        data = target.data
        if target.unvendored or "additionalProperties" in data or not (data.get("properties") or data.get("allOf")):
            return False
        key = (target.file, target.pointer)
        if key not in self._degenerates:
            self._degenerates[key] = False  # a schema that contains itself is not degenerate
            view = self._build_object(target, ())
            self._degenerates[key] = not view.partial and bool(view.properties) and not view.writable
        return self._degenerates[key]

    def is_string_set(self, dict_node: Node) -> bool:
        """A dictionary whose values have no writable property: azure-native takes a list of keys."""
        values = dict_node.data.get("additionalProperties")
        if not isinstance(values, Mapping):
            return False
        vnode = self.resolve(Node(dict_node.file, f"{dict_node.pointer}/additionalProperties", values))
        if vnode.unvendored or not _is_object(vnode.data):
            return False
        view = self._build_object(vnode, ())
        return bool(view.properties) and not view.writable

    # -- resources ----------------------------------------------------------------------------------

    def tokens(self) -> list[str]:
        return sorted(self.index.get("resources", {}))

    def resource(self, token: str) -> ResourceSpec | None:
        if token in self._resources:
            return self._resources[token]
        entry = (self.index.get("resources") or {}).get(token)
        if entry is None:
            return None
        rel, path = entry["spec"], entry["path"]
        operation = (((self.file(rel).get("paths") or {}).get(path)) or {}).get("put")
        if not operation:
            raise SpecError(f"{self.root / rel}: no PUT operation at {path} (index.json entry {token})")
        body = self.resolve(Node(rel, f"#/paths/{path}/put/body", operation["body"]))
        query = {name: Node(rel, f"#/paths/{path}/put/query/{name}", q)
                 for name, q in (operation.get("query") or {}).items()}
        supplied = entry.get("x-provider-supplied") or {}
        extra = (entry.get("x-sdk-parameters") or {}).get("parameters") or {}
        spec = ResourceSpec(
            token=token, api_version=entry["apiVersion"], path=path, body=body, origin=self.origin(rel),
            query=query, provider_body=dict(supplied.get("body") or {}),
            generated_parameters=frozenset(supplied.get("pathParameters") or ()),
            provider_note=supplied.get("source"),
            sdk_parameters={n: Node("index.json", f"#/resources/{token}/x-sdk-parameters/{n}", q) for n, q in extra.items()},
        )
        if spec.origin.api_version != spec.api_version:
            raise SpecError(f"index.json gives {token} API version {spec.api_version} but {rel} is "
                            f"{spec.origin.api_version}")
        self._resources[token] = spec
        return spec

    def templates(self) -> list[str]:
        """Every ARM path template of the vendored PUT operations."""
        out = []
        for rel in self.files():
            out += list((self.file(rel).get("paths") or {}))
        return out

    def extensible_enum_values(self, token: str, path: str) -> frozenset[str]:
        extra = (self.index.get("x-extensible-enum-values") or {}).get(token) or {}
        entry = extra.get(path) or {}
        return frozenset(entry.get("values") or ())


def _is_object(data: Mapping[str, Any]) -> bool:
    return data.get("type") == "object" or "properties" in data or "allOf" in data


def is_object(data: Mapping[str, Any]) -> bool:
    return _is_object(data)


@functools.lru_cache(maxsize=1)
def library() -> SpecLibrary:
    """The process-wide library of vendored specs."""
    return SpecLibrary()
