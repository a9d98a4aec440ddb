"""Read ``fabric.yaml`` (beside the stack files) into a CarrierSpec, with file:line errors.

The YAML is read with the stack files' own machinery (infra.stackfile: line of every key, anchors
refused, every problem at once); bad input is a SpecError, which the CLI turns into exit 2.
Cross-checks against the stacks (PoPs at known peering locations, every circuit at a served
location) are in infra.carrier.checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from infra import stackfile
from infra.carrier.model import CarrierSpec
from infra.spec.fields import Problems
from infra.stackfile import SpecError, SpecIssue

FABRIC_FILE = "fabric.yaml"
_MISSING: Any = stackfile._MISSING


@dataclass(frozen=True)
class CarrierFile:
    path: Path
    display: str
    data: Mapping[str, Any]
    lines: Mapping[tuple, int]

    def line_of(self, path: tuple) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def issue(self, path: tuple, message: str, value: Any = _MISSING) -> SpecIssue:
        return SpecIssue(self.display, self.line_of(path), ".".join(map(str, path)), value, message)


@dataclass(frozen=True)
class LoadedCarrier:
    file: CarrierFile
    spec: CarrierSpec


def read(path: Path) -> CarrierFile:
    display = stackfile._display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([SpecIssue(display, None, "", _MISSING, f"cannot read the carrier file: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise SpecError([SpecIssue(display, None, "", _MISSING, f"not UTF-8 text: {exc.reason}")]) from None
    try:
        stackfile._refuse_aliases(text, display)
        root = yaml.compose(text, Loader=stackfile._LOADER)
    except RecursionError:
        raise SpecError([SpecIssue(display, None, "", _MISSING, "invalid YAML: nested too deeply")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(filter(None, [exc.context, exc.problem]))
        raise SpecError([SpecIssue(display, mark.line + 1 if mark else None, "", _MISSING,
                                   f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([SpecIssue(display, None, "", _MISSING, f"invalid YAML: {exc}")]) from None
    lines: dict[tuple, int] = {}
    problems: list[tuple[tuple, int, str]] = []
    try:
        data = {} if root is None else stackfile._construct(root, (), lines, problems)
    except RecursionError:
        raise SpecError([SpecIssue(display, None, "", _MISSING, "invalid YAML: nested too deeply")]) from None
    issues = [SpecIssue(display, line, ".".join(map(str, p)), _MISSING, msg) for p, line, msg in problems]
    if not isinstance(data, dict):
        issues.append(SpecIssue(display, 1, "", type(data).__name__,
                                "the carrier file is a mapping with keys carrier, pops, spans (and srlgs)"))
    if issues:
        raise SpecError(issues)
    return CarrierFile(path, display, data, lines)


def _message(err: Mapping[str, Any]) -> str:
    """Pydantic's message said for the carrier file (an unknown key's is spec_from_file's, naming what is allowed)."""
    if err["type"] == "missing":
        return "required key is missing"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _value_at(data: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return _MISSING
    return data


def spec_from_file(file: CarrierFile) -> CarrierSpec:
    try:
        return CarrierSpec.model_validate(dict(file.data))
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            error = (err.get("ctx") or {}).get("error")
            problems = error.problems if isinstance(error, Problems) else [((), _message(err))]
            for rel, msg in problems:
                full = (*loc, *rel)
                if err["type"] == "extra_forbidden":
                    msg = f"unknown key; allowed here: {', '.join(_allowed(full[:-1]))}"
                issues.append(file.issue(full, msg, _value_at(file.data, full)))
        raise SpecError(issues) from None


def _allowed(path: tuple) -> list[str]:
    from infra.carrier.model import PopSpec, SpanSpec, SrlgSpec, UpgradeOption

    sections = {"pops": PopSpec, "spans": SpanSpec, "srlgs": SrlgSpec}
    model: Any = CarrierSpec
    if len(path) == 2 and path[0] in sections:
        model = sections[path[0]]
    elif len(path) == 4 and path[0] == "spans" and path[2] == "upgrades":
        model = UpgradeOption
    return list(model.model_fields)


def load(path: Path) -> LoadedCarrier:
    file = read(path)
    return LoadedCarrier(file, spec_from_file(file))


def load_beside(stacks_dir: Path) -> LoadedCarrier | None:
    """DIR/fabric.yaml when it exists; None when the directory has none (see README: the carrier's
    network is then not modelled, and only circuits and gateways bound the demands)."""
    path = stacks_dir / FABRIC_FILE
    return load(path) if path.is_file() else None
