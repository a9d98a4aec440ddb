"""Edit stack files in place the way a person would: comments, key order, quoting and layout kept.

ruamel.yaml's round-trip mode, set up once for the project's stack files (used by `fabric new-site`;
the same settings suit any tool that writes a stack file).
"""

from __future__ import annotations

import io
from typing import Any


def round_trip(text: str) -> Any:
    """A ruamel YAML instance that writes `text` back as it was, for a file of this layout."""
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


def load(text: str) -> tuple[Any, Any]:
    """(yaml instance, document) of a stack file's text, ready to edit and dump."""
    y = round_trip(text)
    return y, y.load(text)


def dump(y: Any, doc: Any) -> str:
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue()
