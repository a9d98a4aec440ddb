"""`fabric solve --write`: the design's edits made in the stack files and fabric.yaml, keeping the rest.

Round trip with ruamel.yaml, set up as infra/rollout/records.py sets it up for the carrier state (the
same helper): comments, key order, quoting and layout stay as they were; a changed value is changed
where it stands, a new circuit or port goes at the end of its map with a comment saying `fabric solve`
added it and what it is, a new BGP key's `secure:` placeholder goes after the stack's other secret keys.

Nothing is half-applied: every new text is made first, the whole stacks directory is copied with them
to a scratch directory and loaded there like `fabric validate` loads it (every spec rule, the carrier
file, prefixes, the capacity model), and only when that passes are the real files replaced.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra.carrier.loader import FABRIC_FILE
from infra.rollout.records import _yaml as round_trip_yaml
from infra.solver.design import Design, Edit
from infra.spec import PROJECT

SECRET_PREFIX = f"{PROJECT}:"


class WriteError(RuntimeError):
    """The edited files would not validate; nothing was written."""


def new_texts(stacks_dir: Path, files: Mapping[str, Path], design: Design) -> dict[Path, str]:
    """Each file the design edits, with its new text."""
    out: dict[Path, str] = {}
    for target, edits in design.edits.items():
        path = stacks_dir / FABRIC_FILE if target is None else files[target]
        text = path.read_text(encoding="utf-8")
        out[path] = _edit(text, edits, stack_file=target is not None)
    return out


def write(stacks_dir: Path, files: Mapping[str, Path], design: Design, validate) -> list[Path]:
    """Validate the edited fabric in a scratch copy with `validate(dir)` (raises on a problem), then write."""
    texts = new_texts(stacks_dir, files, design)
    with tempfile.TemporaryDirectory(prefix="fabric-solve-") as tmp:
        scratch = Path(tmp) / "stacks"
        shutil.copytree(stacks_dir, scratch)
        for path, text in texts.items():
            (scratch / path.name).write_text(text, encoding="utf-8")
        validate(scratch)
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    return list(texts)


def _edit(text: str, edits: Sequence[Edit], stack_file: bool) -> str:
    y = round_trip_yaml(text)
    doc = y.load(text)
    root = doc["config"] if stack_file else doc
    for e in edits:
        # Keys sit two columns deeper per level (the helper dumps maps indented by 2), under `config:` in
        # a stack file.
        _apply(root, e, (2 if stack_file else 0) + 2 * (len(e.path) - 1))
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue()


def _apply(root, e: Edit, column: int) -> None:
    from ruamel.yaml.comments import CommentedMap

    node = root
    for i, key in enumerate(e.path[:-1]):
        if key not in node or node[key] is None:
            child = CommentedMap()
            # A new `ports` map goes before `circuits`, where the spec reference lists it.
            at = list(node).index("circuits") if key == "ports" and "circuits" in node else len(node)
            node.insert(at, key, child)
        node = node[key]
    last = e.path[-1]
    if e.delete:
        if last in node:
            del node[last]
        return
    value = _node(e.value, flow=_is_flow(node))
    if last in node:
        node[last] = value
        return
    at = len(node)
    if str(last).startswith(SECRET_PREFIX) and node is root:
        at = _after_secrets(root)
    node.insert(at, last, value)
    if e.comment:
        node.yaml_set_comment_before_after_key(last, before=e.comment, indent=column)


def _after_secrets(config) -> int:
    """Where a new secret key goes: after the last `secure:` key, else before carrier_state, else last."""
    keys = list(config)
    secure = [i for i, k in enumerate(keys) if isinstance(config[k], Mapping) and set(config[k]) == {"secure"}]
    if secure:
        return secure[-1] + 1
    state = f"{PROJECT}:carrier_state"
    return keys.index(state) if state in keys else len(keys)


def _is_flow(node) -> bool:
    fa = getattr(node, "fa", None)
    return bool(fa is not None and fa.flow_style())


def _node(value: Any, flow: bool = False) -> Any:
    """Plain data as ruamel nodes: block style, except inside a flow-style map (fabric.yaml's spans)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _node(v, flow)
        if flow:
            out.fa.set_flow_style()
        return out
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(_node(v, True if flow else flow) for v in value)
        if flow:
            seq.fa.set_flow_style()
        return seq
    return value


__all__ = ["WriteError", "new_texts", "write"]
