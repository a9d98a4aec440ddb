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


def field_at(path: tuple[Any, ...], data: Mapping[str, Any]) -> FieldInfo | None:
    """The model field a key path ends at (its description and annotation), or None."""
    if not path:
        return None
    tp: Any = FabricSpec
    here: Any = data
    for part in path[:-1]:
        tp = _step(tp, part, here)
        here = here.get(part) if isinstance(here, Mapping) else None
        if tp is None:
            return None
    for member in _members(tp):
        model = _model_for(member, here)
        if model is not None and path[-1] in model.model_fields:
            return model.model_fields[path[-1]]
    return None


def union_kinds(path: tuple[Any, ...], data: Mapping[str, Any]) -> dict[str, str]:
    """For a place that holds a tagged union ('kind: provider | direct'): each tag and the first line
    of its model's docstring. Empty when the place is no such union."""
    tp: Any = FabricSpec
    here: Any = data
    for part in path:
        tp = _step(tp, part, here)
        here = here.get(part) if isinstance(here, Mapping) else None
        if tp is None:
            return {}
    out: dict[str, str] = {}
    for member in _members(tp):
        field = member.model_fields.get("kind") if isinstance(member, type) and issubclass(member, BaseModel) else None
        if field is not None:
            for tag in typing.get_args(field.annotation):
                out[str(tag)] = (member.__doc__ or "").strip().splitlines()[0] if member.__doc__ else ""
    return out


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


BEGIN_MARK = "<!-- spec-reference:begin (generated by `make readme` from infra/spec; do not edit) -->"
END_MARK = "<!-- spec-reference:end -->"


def update_readme(path: str) -> bool:
    """Rewrite the generated spec reference of the README in place; True if it changed."""
    from infra.readme_sections import rewrite

    return rewrite(path, BEGIN_MARK, END_MARK, "\n\n" + markdown_reference() + "\n")


if __name__ == "__main__":
    import sys

    print("updated" if update_readme(sys.argv[1] if len(sys.argv) > 1 else "README.md") else "up to date")
