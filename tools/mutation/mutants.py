"""The mutants of one module: one small change at a time, each a valid program that differs from the
original.

Operators (the changes issue 17 names, the ones a careless edit of a rule makes):

- a comparison swapped at its boundary or negated: ``<`` / ``<=``, ``>`` / ``>=``, ``==`` / ``!=``,
  ``in`` / ``not in``, ``is`` / ``is not``;
- ``and`` / ``or``;
- a ``not`` removed;
- a statement dropped: a call of ``.append`` / ``.extend`` / ``.add`` / ``.update`` (a violation
  never reported), an augmented assignment (``out += ...``, ``total += ...``), a ``return``, a
  ``continue`` or a ``break``;
- an integer constant plus or minus one;
- ``True`` / ``False``.

Nothing inside an f-string, a type annotation or a docstring is mutated, nor a line marked
``# pragma: no mutate``. A mutant is the original source with one span replaced, so every other
byte (comments, layout, line numbers) is the original's.

A mutant's `key` names it without its line number (module, enclosing function, the code before and
after, and an occurrence count), so a list of mutants judged equivalent survives edits elsewhere in
the file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_DROPPED_CALLS = frozenset({"append", "extend", "add", "update"})
PRAGMA = "pragma: no mutate"


@dataclass(frozen=True)
class Mutant:
    module: str
    """Path of the module, relative to the project root (infra/invariants/compute.py)."""
    line: int
    function: str
    """Qualified name of the enclosing function or class, '<module>' at top level."""
    operator: str
    before: str
    after: str
    occurrence: int
    """1 for the first mutant of this module with the same function, before and after, 2 for the next..."""
    source: str
    """The whole mutated module."""

    @property
    def key(self) -> str:
        suffix = f" #{self.occurrence}" if self.occurrence > 1 else ""
        return f"{self.module}::{self.function}::{self.before} -> {self.after}{suffix}"

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line}"

    def describe(self) -> str:
        return f"{self.where} [{self.function}] {self.operator}: {self.before}  ->  {self.after}"


@dataclass(frozen=True)
class _Change:
    node: ast.AST
    operator: str
    replacement: str
    before: str
    after: str


def _unparse(node: ast.AST) -> str:
    return ast.unparse(node).replace("\n", " ")


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _skipped_subtrees(tree: ast.AST) -> set[int]:
    """ids of nodes that are never mutated, nor anything under them."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.add(id(node))  # messages; and their positions are unreliable before Python 3.12
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.returns is not None:
                skip.add(id(node.returns))
            for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs,
                        node.args.vararg, node.args.kwarg]:
                if arg is not None and arg.annotation is not None:
                    skip.add(id(arg.annotation))
        if isinstance(node, ast.AnnAssign):
            skip.add(id(node.annotation))
    return skip


def _changes(node: ast.AST) -> Iterator[_Change]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is None:
                continue
            ops = list(node.ops)
            ops[i] = swap()
            new = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
            yield _Change(node, "comparison", f"({_unparse(new)})", _unparse(node), _unparse(new))
    elif isinstance(node, ast.BoolOp):
        new = ast.BoolOp(op=ast.Or() if isinstance(node.op, ast.And) else ast.And(), values=node.values)
        yield _Change(node, "and/or", f"({_unparse(new)})", _unparse(node), _unparse(new))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield _Change(node, "not removed", f"({_unparse(node.operand)})", _unparse(node), _unparse(node.operand))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield _Change(node, "True/False", repr(not node.value), repr(node.value), repr(not node.value))
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (1, -1):
            value = node.value + delta
            yield _Change(node, "constant +-1", f"({value})", repr(node.value), repr(value))
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Attribute) and func.attr in _DROPPED_CALLS:
            yield _Change(node, "statement dropped", "pass", _unparse(node), "pass")
    elif isinstance(node, (ast.AugAssign, ast.Return, ast.Continue, ast.Break)):
        yield _Change(node, "statement dropped", "pass", _unparse(node), "pass")


def _docstrings(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0]))
    return out


def _walk(tree: ast.AST, skip: set[int]) -> Iterator[tuple[ast.AST, str]]:
    """Every node outside the skipped subtrees, with the qualified name of its enclosing scope."""
    stack: list[tuple[ast.AST, str]] = [(tree, "<module>")]
    while stack:
        node, scope = stack.pop()
        if id(node) in skip:
            continue
        yield node, scope
        inner = scope
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = node.name if scope == "<module>" else f"{scope}.{node.name}"
        children = list(ast.iter_child_nodes(node))
        stack.extend((child, inner) for child in reversed(children))


def _splice(lines: list[bytes], node: ast.AST, replacement: str) -> str:
    """The source with `node`'s span (UTF-8 byte offsets, as ast gives them) replaced."""
    start, end = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
    head = lines[start][: node.col_offset]  # type: ignore[attr-defined]
    tail = lines[end][node.end_col_offset:]  # type: ignore[attr-defined]
    return b"".join([*lines[:start], head, replacement.encode(), tail, *lines[end + 1:]]).decode()


def mutants(module: str, source: str) -> list[Mutant]:
    """Every mutant of `source` (the text of `module`), in source order."""
    tree = ast.parse(source)
    lines = source.encode().splitlines(keepends=True)
    text_lines = source.splitlines()
    skip = _skipped_subtrees(tree) | _docstrings(tree)
    seen: dict[tuple[str, str, str], int] = {}
    out: list[Mutant] = []
    candidates = [(node, scope, change) for node, scope in _walk(tree, skip) for change in _changes(node)]
    candidates.sort(key=lambda c: (c[0].lineno, c[0].col_offset))  # type: ignore[attr-defined]
    for node, scope, change in candidates:
        line = node.lineno  # type: ignore[attr-defined]
        if PRAGMA in text_lines[line - 1]:
            continue
        mutated = _splice(lines, node, change.replacement)
        try:
            ast.parse(mutated)
        except SyntaxError:
            continue
        before, after = _short(change.before), _short(change.after)
        ident = (scope, before, after)
        seen[ident] = seen.get(ident, 0) + 1
        out.append(Mutant(module, line, scope, change.operator, before, after, seen[ident], mutated))
    return out
