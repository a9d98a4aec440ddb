"""Reports are plain text when piped and styled on a terminal; `fabric --version` answers."""

from __future__ import annotations

import io

import pytest

from infra import terminal
from infra.cli import main

REPORT = "Summary\n  eastus: [vcpu-quota] over quota\n  invariants: all hold\n"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_report_written_to_a_pipe_is_unchanged(monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    out = io.StringIO()
    terminal.write(REPORT, out)
    assert out.getvalue() == REPORT


def test_a_report_on_a_terminal_is_styled_line_by_line(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out = Tty()
    terminal.write(REPORT, out)
    text = out.getvalue()
    assert "\x1b[" in text and "Summary" in text and "invariants: all hold" in text


def test_no_color_keeps_a_terminal_plain(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = Tty()
    terminal.write(REPORT, out)
    assert out.getvalue() == REPORT


@pytest.mark.parametrize("line, style", [
    ("Violations", "bold underline"),
    ("  eastus: stacks/Pulumi.eastus.yaml:9: [vcpu-quota] eastus: over", "red"),
    ("  invariants: all hold", "green"),
    ("  eastus: circuit wdc pending with the carrier; 6 resources deferred", "yellow"),
    ("  cluster a100: Standard_ND96amsr_A100_v4, 675 VMs", None),
])
def test_lines_get_the_style_of_what_they_say(line, style):
    assert terminal.style_of(line) == style


def test_version_answers_and_exits_0(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("fabric (ai-fabric) ")
