"""Recording the carrier state in the stack files (``ai-fabric:carrier_state``).

The state itself is the spec's: ``FabricSpec.carrier_state`` (infra/spec/carrier_state.py) validates it
with the rest of the stack file, and the program declares what it allows. People record it with
``pulumi config set --path 'carrier_state.circuits.wdc' provisioned`` or by editing the file;
`fabric rollout` records what it reads from Azure, here. The file is edited as a round trip
(ruamel.yaml): comments, key order, quoting and layout stay as they were, and only the states that
changed are touched.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.spec import PROJECT
from infra.spec.carrier_state import CarrierState

CONFIG_KEY = f"{PROJECT}:carrier_state"

_write_lock = threading.Lock()


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    y = YAML()  # round-trip mode
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a long line
    # Keep the file's own layout of block sequences ("- x" under its key, or indented by two).
    _, sequence, offset = load_yaml_guess_indent(text)
    y.indent(mapping=2, sequence=sequence or 2, offset=offset or 0)
    y.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))  # not an empty value
    return y


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
            state = config[CONFIG_KEY] = CommentedMap()
        elif state is None:
            state = CommentedMap()
            keys = list(config)
            at = keys.index(f"{PROJECT}:interconnect") + 1 if f"{PROJECT}:interconnect" in keys else len(keys)
            config.insert(at, CONFIG_KEY, state,
                          comment="what the carrier has provisioned; `fabric rollout` records it from Azure")
        for section, updates in (("circuits", circuits), ("ports", ports)):
            if not updates:
                continue
            if state.get(section) is None:
                state[section] = CommentedMap()
            for key, value in updates.items():
                state[section][key] = value
        buf = io.StringIO()
        y.dump(doc, buf)
        if buf.getvalue() == text:
            return False
        path.write_text(buf.getvalue(), encoding="utf-8")
        return True
