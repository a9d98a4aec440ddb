"""Generated sections of the README: the text between a begin and an end mark, rewritten in place.

`make readme` regenerates the spec reference (infra/spec/introspect.py), the invariants table
(infra/invariants/reference.py) and the list of mutants judged equivalent (tools/mutation/readme.py);
each owns its marks and its text, and writes it through `rewrite`. Tests compare the README's section
with what its generator would write, so the README never drifts from the code.
"""

from __future__ import annotations

from pathlib import Path


def section(text: str, begin: str, end: str) -> str:
    """The text between the marks (the marks themselves excluded)."""
    return text[text.index(begin) + len(begin): text.index(end)]


def rewrite(path: str | Path, begin: str, end: str, body: str) -> bool:
    """Put `body` between the marks of the file; True when the file changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start, stop = text.index(begin) + len(begin), text.index(end)
    new = text[:start] + body + text[stop:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
