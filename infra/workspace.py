"""Load the whole fabric: every stack file of a directory, validated alone and together.

Cross-stack rules (disjoint prefixes, Global Reach pairs, demands between sites) need every site,
so commands load the whole directory even when they report on one stack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra import capacity, carrier
from infra.capacity import Assessment
from infra.carrier import checks as carrier_checks
from infra.stackfile import LoadedStack, SpecError, SpecIssue, discover, load


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
        raise SpecError([_input_issue(loaded, p) for p in assessment.input_problems])
    return Fabric(stacks=loaded, assessment=assessment, carrier=network, on=on)


def _input_issue(loaded: dict[str, LoadedStack], p: capacity.InputProblem) -> SpecIssue:
    message = p.message
    if p.other is not None:
        other = loaded[p.other[0]].file
        message += f" [other side: {other.display}:{other.line_of(p.other[1])}]"
    return loaded[p.stack].file.issue(p.loc, message, p.value)


def resolve_names(stacks_dir: Path, names: Sequence[str], all_stacks: bool) -> list[str]:
    """Stack names the command reports on; an unknown name is bad input."""
    available = discover(stacks_dir)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise SpecError([
            SpecIssue(str(stacks_dir), None, "--stack", n, f"unknown stack; available: {', '.join(available) or 'none'}")
            for n in unknown
        ])
    return list(available) if all_stacks or not names else list(dict.fromkeys(names))
