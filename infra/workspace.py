"""Load the whole fabric: every stack file of a directory, validated alone and together.

Cross-stack rules (disjoint prefixes, Global Reach pairs, demands between sites) need every site,
so commands load the whole directory even when they report on one stack.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra import capacity, carrier
from infra.capacity import Assessment
from infra.carrier import checks as carrier_checks
from infra.spec import PROJECT
from infra.stackfile import LoadedStack, SpecError, SpecIssue, discover, load
from infra.spec.messages import did_you_mean


@dataclass(frozen=True)
class Fabric:
    stacks: dict[str, LoadedStack]
    assessment: Assessment
    carrier: carrier.LoadedCarrier | None = None
    """DIR/fabric.yaml, or None when the directory has none (the carrier's network is not modelled)."""
    on: dt.date | None = None
    """The day planned for (None: today)."""


def find_stacks_dir(explicit: Path | None = None) -> Path:
    """--stacks-dir if given; else ./stacks, else the stacks/ beside the nearest Pulumi.yaml above."""
    if explicit is not None:
        return explicit
    here = Path.cwd()
    for d in (here, *here.parents):
        if (d / "stacks").is_dir() and ((d / "Pulumi.yaml").is_file() or d == here):
            return d / "stacks"
    return here / "stacks"


def load_fabric(stacks_dir: Path, on: dt.date | None = None) -> Fabric:
    """Every stack of the directory and its fabric.yaml, or SpecError with every problem of every file.

    `on` is the day planned for: new fibre counts only from its in-service date (default today)."""
    files = discover(stacks_dir)
    if not files:
        raise SpecError([SpecIssue(str(stacks_dir), None, "", "<empty>", "no Pulumi.<stack>.yaml files in this directory")])
    loaded: dict[str, LoadedStack] = {}
    issues: list[SpecIssue] = []
    for path in files.values():
        try:
            stack = load(path)
        except SpecError as exc:
            issues += exc.issues
        else:
            loaded[stack.name] = stack
    network = None
    try:
        network = carrier.load_beside(stacks_dir)
    except SpecError as exc:
        issues += exc.issues
    if issues:
        raise SpecError(issues)
    if network is not None:
        problems = carrier_checks.problems(network, loaded)
        if problems:
            raise SpecError(problems)
    assessment = capacity.assess([s.spec for s in loaded.values()], network.spec if network else None, on)
    if assessment.input_problems:
        raise SpecError(_input_issues(loaded, assessment.input_problems))
    located = [locate(v, loaded) for v in assessment.violations]
    return Fabric(stacks=loaded, assessment=dataclasses.replace(assessment, violations=located),
                  carrier=network, on=on)


def locate(v: capacity.Violation, loaded: Mapping[str, LoadedStack]) -> capacity.Violation:
    """The violation with the file and line of the stack file entry it names (the file alone when it names
    no key path), so that a reviewer can jump to it."""
    stack = loaded.get(v.stack or "")
    if stack is None or v.location:
        return v
    if not v.path:
        return dataclasses.replace(v, location=stack.file.display)
    head, *rest = v.path.split(".")
    line = stack.file.line_of((f"{PROJECT}:{head}", *(int(p) if p.isdigit() else p for p in rest)))
    return dataclasses.replace(v, location=f"{stack.file.display}:{line}" if line else stack.file.display)


def _input_issues(loaded: Mapping[str, LoadedStack], problems: Sequence[capacity.InputProblem]) -> list[SpecIssue]:
    """Cross-stack bad input as located issues. A clash (two overlapping prefixes) blames both sides alike
    and names first the side in the file most likely being added or edited: new to git, then changed, then
    the most recently modified (after copying a stack for a new site, the copy is the one to fix)."""
    fresh = _freshness([s.file.path for s in loaded.values()]) if any(p.other for p in problems) else {}
    issues = []
    for p in problems:
        here = loaded[p.stack].file
        if p.other is None:
            issues.append(here.issue(p.loc, p.message, p.value))
            continue
        there = loaded[p.other[0]].file
        sides = [(here, p.loc, p.value), (there, p.other[1], p.other_value)]
        sides.sort(key=lambda side: fresh.get(side[0].path, (9, 0.0)))
        (first, loc, value), (second, other_loc, other_value) = sides
        issues.append(first.issue(loc, (
            f"{value} overlaps {other_value} at {second.display}:{second.line_of(other_loc)} "
            f"({'.'.join(map(str, other_loc))}); every prefix of the fabric must be disjoint: change one of the two"
        ), value))
    return issues


def _freshness(paths: Sequence[Path]) -> dict[Path, tuple[int, float]]:
    """Sort key per stack file: (0 new to git, 1 changed, 2 committed or no git; newest first)."""
    import subprocess

    status: dict[str, str] = {}
    if paths:
        try:
            out = subprocess.run(["git", "status", "--porcelain", "--", *map(str, paths)], capture_output=True,
                                 text=True, timeout=10, cwd=paths[0].parent).stdout
            top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                                 timeout=10, cwd=paths[0].parent).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out, top = "", ""
        for line in out.splitlines():
            if len(line) > 3 and top:
                status[str((Path(top) / line[3:].strip('"')).resolve())] = line[:2]
    key = {}
    for path in paths:
        code = status.get(str(path.resolve()), "")
        rank = 0 if ("?" in code or "A" in code) else 1 if code.strip() else 2
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = 0.0
        key[path] = (rank, -mtime)
    return key


def resolve_names(stacks_dir: Path, names: Sequence[str], all_stacks: bool) -> list[str]:
    """Stack names the command reports on; an unknown name is bad input."""
    available = discover(stacks_dir)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise SpecError([
            SpecIssue(str(stacks_dir), None, "--stack", n,
                      f"unknown stack; available: {', '.join(available) or 'none'}." + did_you_mean(n, available))
            for n in unknown
        ])
    return list(available) if all_stacks or not names else list(dict.fromkeys(names))
