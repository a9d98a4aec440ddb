"""Recording the carrier state in the stack files (``ai-fabric:carrier_state``).

The state itself is the spec's: ``FabricSpec.carrier_state`` (infra/spec/carrier_state.py) validates it
with the rest of the stack file, and the program declares what it allows. People record it with
``pulumi config set --path 'carrier_state.circuits.wdc' provisioned`` or by editing the file;
`fabric rollout` records what it reads from Azure, here. The file is edited as a round trip
(ruamel.yaml): comments, key order, quoting and layout stay as they were, and only the states that
changed are touched.

ruamel.yaml keeps the comment lines above a key with the last scalar before them (the deepest last item of
the previous block). A state appended at the end of a block would land below those lines, away from the key
they describe; ``write`` moves them along so that they stay right above that key.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.spec import PROJECT
from infra.spec.carrier_state import CarrierState

CONFIG_KEY = f"{PROJECT}:carrier_state"

_write_lock = threading.Lock()
_MAPPING_INDENT = 2


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    y = YAML()  # round-trip mode
    y.preserve_quotes = True
    y.width = sys.maxsize  # never re-wrap a long line (a width of 4096 re-wrapped longer plain scalars)
    # Keep the file's own layout of block sequences ("- x" under its key, or indented by two).
    _, sequence, offset = load_yaml_guess_indent(text)
    y.indent(mapping=_MAPPING_INDENT, sequence=sequence, offset=offset)  # None (nothing to guess from): ruamel.yaml's own 2 and 0
    y.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))  # not an empty value
    return y


def _tail(mapping: Any, key: Any) -> tuple[Any, Any]:
    """The deepest last entry under mapping[key] (where ruamel.yaml keeps the comment lines that follow it): the
    last key of a block mapping or the last item of a block sequence, down to a scalar or a flow collection,
    whose comments stay with the entry holding it."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    while isinstance(mapping[key], (CommentedMap, CommentedSeq)) and len(mapping[key]) and not mapping[key].fa.flow_style():
        inner = mapping[key]
        mapping, key = inner, (list(inner)[-1] if isinstance(inner, CommentedMap) else len(inner) - 1)
    return mapping, key


def _comment_slot(container: Any) -> int:
    """Where ruamel.yaml keeps the comment after an entry's line: [2] of a mapping key's entry, [0] of a sequence item's."""
    from ruamel.yaml.comments import CommentedSeq

    return 0 if isinstance(container, CommentedSeq) else 2


def _detach_following_comments(mapping: Any, key: Any) -> str:
    """Take the comment lines after mapping[key]'s line (they belong to the next key); keep its own comment."""
    token = (mapping.ca.items.get(key) or [None, None, None, None])[_comment_slot(mapping)]
    if token is None:
        return ""
    own, newline, following = token.value.partition("\n")
    token.value = own + newline
    return following


def _attach_following_comments(mapping: Any, key: Any, following: str) -> None:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slot = _comment_slot(mapping)
    entry = mapping.ca.items.setdefault(key, [None, None, None, None])
    if entry[slot] is None:
        entry[slot] = CommentToken("\n" + following, CommentMark(0), None)
    else:
        entry[slot].value = (entry[slot].value if entry[slot].value.endswith("\n") else entry[slot].value + "\n") + following


def write(path: Path, circuits: Mapping[str, CarrierState] = {}, ports: Mapping[str, CarrierState] = {}) -> bool:
    """Record these states in the stack file, keeping everything else as it is. True when it changed."""
    from ruamel.yaml.comments import CommentedMap

    with _write_lock:
        text = path.read_text(encoding="utf-8")
        y = _yaml(text)
        doc = y.load(text)
        config = doc["config"]
        state = config.get(CONFIG_KEY)
        if state is None and CONFIG_KEY in config:  # `ai-fabric:carrier_state:` with nothing under it yet
            following = _detach_following_comments(config, CONFIG_KEY)
            state = config[CONFIG_KEY] = CommentedMap()
        elif state is None:
            state = CommentedMap()
            keys = list(config)
            at = keys.index(f"{PROJECT}:interconnect") + 1 if f"{PROJECT}:interconnect" in keys else len(keys)
            # The comment lines above the key the new block goes before stay with that key; at the end of the
            # file, the comment lines after the last key stay at the end.
            following = _detach_following_comments(*_tail(config, keys[at - 1])) if at else ""
            config.insert(at, CONFIG_KEY, state)
            # Two spaces after the key (ruamel.yaml would otherwise take a neighbouring comment's column).
            config.yaml_add_eol_comment("what the carrier has provisioned; `fabric rollout` records it from Azure",
                                        CONFIG_KEY, column=_MAPPING_INDENT + len(CONFIG_KEY) + 3)
        else:
            following = _detach_following_comments(*_tail(config, CONFIG_KEY))
        for section, updates in (("circuits", circuits), ("ports", ports)):
            if not updates:
                continue
            if state.get(section) is None:
                state[section] = CommentedMap()
            for key, value in updates.items():
                state[section][key] = value
        if following:
            _attach_following_comments(*_tail(config, CONFIG_KEY), following)
        buf = io.StringIO()
        y.dump(doc, buf)
        if buf.getvalue() == text:
            return False
        path.write_text(buf.getvalue(), encoding="utf-8")
        return True
