"""The mutation runner's mutants: the operators of issue 17, each a one-span change of the original."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tools/ is not installed: it runs from the checkout (`make mutation`)
    sys.path.insert(0, str(ROOT))

from tools.mutation.__main__ import load_config, load_equivalent, rerun  # noqa: E402
from tools.mutation.mutants import mutants  # noqa: E402

SOURCE = '''"""Doc 1."""
LIMIT: int = 300


def check(xs: list[int], limit: int = 3) -> list[str]:
    """Doc 2."""
    out = []
    for x in xs:
        if x > limit and not x == 7:
            out.append(f"{x} over {limit + 1}")
            continue
        if x in (1, 2) or x is None:
            break
        out += ["ok"]  # a comment kept
    flag = True  # pragma: no mutate
    return out
'''


def changes(source: str = SOURCE) -> list[tuple[int, str, str, str]]:
    return [(m.line, m.operator, m.before, m.after) for m in mutants("m.py", source)]


def test_every_operator_of_the_issue_makes_its_mutants():
    assert changes() == [
        (2, "constant +-1", "300", "301"), (2, "constant +-1", "300", "299"),
        (5, "constant +-1", "3", "4"), (5, "constant +-1", "3", "2"),
        (9, "and/or", "x > limit and (not x == 7)", "x > limit or not x == 7"),
        (9, "comparison", "x > limit", "x >= limit"),
        (9, "not removed", "not x == 7", "x == 7"),
        (9, "comparison", "x == 7", "x != 7"),
        (9, "constant +-1", "7", "8"), (9, "constant +-1", "7", "6"),
        (10, "statement dropped", "out.append(f'{x} over {limit + 1}')", "pass"),
        (11, "statement dropped", "continue", "pass"),
        (12, "and/or", "x in (1, 2) or x is None", "x in (1, 2) and x is None"),
        (12, "comparison", "x in (1, 2)", "x not in (1, 2)"),
        (12, "constant +-1", "1", "2"), (12, "constant +-1", "1", "0"),
        (12, "constant +-1", "2", "3"), (12, "constant +-1", "2", "1"),
        (12, "comparison", "x is None", "x is not None"),
        (13, "statement dropped", "break", "pass"),
        (14, "statement dropped", "out += ['ok']", "pass"),
        (16, "statement dropped", "return out", "pass"),
    ]


def test_a_mutant_changes_one_span_and_keeps_every_other_byte():
    for m in mutants("m.py", SOURCE):
        ast.parse(m.source)
        assert m.source != SOURCE
        assert "# a comment kept" in m.source and '"""Doc 2."""' in m.source
        before, after = SOURCE.splitlines(), m.source.splitlines()
        assert len(after) == len(before)
        assert sum(a != b for a, b in zip(before, after)) == 1


def test_keys_do_not_depend_on_line_numbers():
    shifted = SOURCE.replace('"""Doc 1."""\n', '"""Doc 1."""\n\n\n')
    assert [m.key for m in mutants("m.py", SOURCE)] == [m.key for m in mutants("m.py", shifted)]
    keys = [m.key for m in mutants("m.py", SOURCE)]
    assert len(set(keys)) == len(keys)
    assert "m.py::check::x > limit -> x >= limit" in keys


def test_the_configured_modules_and_equivalents_are_valid():
    config = load_config()
    for module, tests in config.items():
        assert (ROOT / module).is_file(), module
        assert tests, module
    assert all(key.split("::", 1)[0] in config for key in load_equivalent())


def test_survivors_mode_runs_again_the_survivors_and_new_mutants_and_keeps_the_killed():
    found = mutants("m.py", SOURCE)
    a, b, c, d = found[:4]
    last = [{"key": a.key, "status": "killed", "seconds": 0.5, "killed_by": "t::x"},
            {"key": b.key, "status": "survived", "seconds": 2.0, "killed_by": None},
            {"key": c.key, "status": "timeout", "seconds": 9.0, "killed_by": None},
            {"key": d.key, "status": "equivalent", "seconds": 2.0, "killed_by": None},
            {"key": "m.py::gone::1 -> 2", "status": "killed", "seconds": 1.0, "killed_by": "t::y"}]
    run, kept = rerun(found, last)
    assert [m.key for m in run] == [b.key, d.key] + [m.key for m in found[4:]]
    assert {k: (o.status, o.killed_by) for k, o in kept.items()} == {a.key: ("killed", "t::x"), c.key: ("timeout", None)}
