"""Human reports on a terminal: colour and bold headings with rich; the same plain text when piped.

The renderers (infra/render.py and friends) produce plain text, which is what files, pipes, CI logs and
tests get. On an interactive terminal this module styles that text line by line: headings bold,
violations and unsafe changes red, waits for the carrier yellow, the verdict green or red. NO_COLOR
(no-color.org) and TERM=dumb turn styling off; FORCE_COLOR turns it on when piped.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

_STYLES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(Summary|Changes.*|Violations|Waiting for the carrier|Detail)$"), "bold underline"),
    (re.compile(r"^ai-fabric plan.*|^Stack \S+:.*|^wave \d+:.*|^fabric rollout.*"), "bold"),
    (re.compile(r".*\bVIOLATION\b.*|^  \S+: .*\[[a-z0-9-]+\] .*|.*\bunsafe\b.*\bexit 1\b.*|.*-> exit [12]$"), "red"),
    (re.compile(r".*\bUNSAFE\b.*|.*\bunsafe: yes\b.*|.*\breplace\b.*unsafe.*"), "bold red"),
    (re.compile(r".*pending with the carrier.*|^  deferred: .*|.*waits for.*"), "yellow"),
    (re.compile(r".*invariants: all hold.*|.*-> exit 0$|.*every invariant holds.*"), "green"),
)


def styled(stream: TextIO) -> bool:
    """Whether to style text written to `stream`."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def style_of(line: str) -> str | None:
    for pattern, style in _STYLES:
        if pattern.match(line):
            return style
    return None


def write(text: str, stream: TextIO | None = None) -> None:
    """Write a report: styled on a terminal, unchanged otherwise."""
    stream = stream or sys.stdout
    if not styled(stream):
        stream.write(text)
        return
    from rich.console import Console  # only on a terminal
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True, force_terminal=True)
    for line in text.splitlines():
        console.print(Text(line, style=style_of(line) or ""))
