"""Walk the spec models by key path: which keys a place allows, and the reference table for the README."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from infra.spec.fabric import FabricSpec


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def _model_for(tp: Any, data: Any) -> type[BaseModel] | None:
    models = [m for m in _members(tp) if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) == 1:
        return models[0]
    kind = data.get("kind") if isinstance(data, Mapping) else None
    for m in models:
        field = m.model_fields.get("kind")
        if field is not None and kind in typing.get_args(field.annotation):
            return m
    return None


def _step(tp: Any, part: Any, data: Any) -> Any:
    for member in _members(tp):
        origin = typing.get_origin(member)
        if origin is dict:
            return typing.get_args(member)[1]
        if origin in (tuple, list):
            return typing.get_args(member)[0]
        model = _model_for(member, data)
        if model is not None and part in model.model_fields:
            return model.model_fields[part].annotation
    return None


def allowed_keys(path: tuple[Any, ...], data: Mapping[str, Any]) -> list[str]:
    """Keys allowed at `path` (pydantic locations of the spec minus the stack key)."""
    tp: Any = FabricSpec
    here: Any = data
    for part in path:
        tp = _step(tp, part, here)
        here = here.get(part) if isinstance(here, Mapping) else None
        if tp is None:
            return []
    model = _model_for(tp, here)
    return [k for k in model.model_fields] if model else []


def _type_name(tp: Any) -> str:
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return " | ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is dict:
        k, v = typing.get_args(tp)
        return f"map of {_type_name(v)}"
    if origin in (tuple, list):
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    if origin is typing.Literal:
        return " / ".join(repr(a) for a in typing.get_args(tp))
    if tp is type(None):
        return "null"
    return getattr(tp, "__name__", str(tp))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    default = field.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return "defaults"
    return f"`{default!r}`"


def reference_models(root: type[BaseModel] = FabricSpec) -> Iterator[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(tp: Any) -> None:
        for member in _members(tp):
            origin = typing.get_origin(member)
            if origin in (dict, tuple, list):
                for arg in typing.get_args(member):
                    visit(arg)
            elif isinstance(member, type) and issubclass(member, BaseModel) and member not in seen:
                seen.append(member)
                for f in member.model_fields.values():
                    visit(f.annotation)

    visit(root)
    yield from seen


def markdown_reference() -> str:
    """The spec reference section of the README, generated from the models' fields and docstrings."""
    out = []
    for model in reference_models():
        out.append(f"### `{model.__name__}`\n")
        doc = (model.__doc__ or "").strip().splitlines()
        if doc:
            out.append(doc[0] + "\n")
        out.append("| key | type | default | meaning |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            desc = " ".join((field.description or "").split()).replace("|", "\\|")
            out.append(f"| `{name}` | {_type_name(field.annotation).replace('|', 'or')} | {_default(field)} | {desc} |")
        out.append("")
    return "\n".join(out)
