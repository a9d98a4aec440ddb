"""The carrier state recorded in the stack files (``ai-fabric:carrier_state``): read it, write it.

People record it with ``pulumi config set --path 'carrier_state.circuits.wdc' provisioned`` or by
editing the file; `fabric rollout` records what it reads from Azure. The file is edited as a
round trip (ruamel.yaml): comments, key order, quoting and layout stay as they were, and only the
states that changed are touched.

Until the spec itself knows ``carrier_state`` (FabricSpec.carrier_state, the program's side of the
lifecycle), the key is read and checked here, and the rest of the file is validated without it.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from infra import capacity, workspace
from infra.spec import CONFIG_KEYS, PROJECT
from infra.stackfile import LoadedStack, SpecError, SpecIssue, discover, read_stack_file, spec_from_file

CarrierState = Literal["pending", "provisioned"]
PENDING: CarrierState = "pending"
PROVISIONED: CarrierState = "provisioned"
STATES: tuple[CarrierState, ...] = (PENDING, PROVISIONED)
CONFIG_KEY = f"{PROJECT}:carrier_state"
SPEC_KNOWS_CARRIER_STATE = "carrier_state" in CONFIG_KEYS
"""True once infra/spec validates carrier_state itself; until then this module does."""

_write_lock = threading.Lock()


@dataclass(frozen=True)
class Recorded:
    """One stack's recorded states; a circuit or port not listed is pending."""

    circuits: Mapping[str, CarrierState] = field(default_factory=dict)
    ports: Mapping[str, CarrierState] = field(default_factory=dict)

    def circuit(self, key: str) -> CarrierState:
        return self.circuits.get(key, PENDING)

    def port(self, key: str) -> CarrierState:
        return self.ports.get(key, PENDING)


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------


def load_fabric(stacks_dir: Path) -> workspace.Fabric:
    """workspace.load_fabric, accepting ``ai-fabric:carrier_state`` while the spec does not know it yet.

    The key is checked by `recorded` instead; each LoadedStack keeps its whole file, carrier state
    included, so the program sees it when it runs."""
    if SPEC_KNOWS_CARRIER_STATE:
        return workspace.load_fabric(stacks_dir)
    files = discover(stacks_dir)
    if not files:
        return workspace.load_fabric(stacks_dir)  # its "no stack files" error
    loaded: dict[str, LoadedStack] = {}
    issues: list[SpecIssue] = []
    for path in files.values():
        try:
            file = read_stack_file(path)
            without = dataclasses.replace(file, config={k: v for k, v in file.config.items() if k != CONFIG_KEY})
            stack = LoadedStack(file=file, spec=spec_from_file(without))
            recorded(stack)
        except SpecError as exc:
            issues += exc.issues
        else:
            loaded[stack.name] = stack
    if issues:
        raise SpecError(issues)
    assessment = capacity.assess([s.spec for s in loaded.values()])
    if assessment.input_problems:
        raise SpecError([workspace._input_issue(loaded, p) for p in assessment.input_problems])
    return workspace.Fabric(stacks=loaded, assessment=assessment)


def recorded(stack: LoadedStack) -> Recorded:
    """The stack's recorded carrier state; a malformed one is bad input (SpecError, file and line)."""
    spec_state = getattr(stack.spec, "carrier_state", None)
    if spec_state is not None:  # validated by the spec
        return Recorded(circuits=dict(spec_state.circuits), ports=dict(spec_state.ports))
    return _parse(stack)


def _parse(stack: LoadedStack) -> Recorded:
    file, ic = stack.file, stack.spec.interconnect
    raw = file.config.get(CONFIG_KEY)
    if raw is None:
        return Recorded()
    issues: list[SpecIssue] = []
    if not isinstance(raw, Mapping):
        raise SpecError([file.issue((CONFIG_KEY,), "must be a mapping with `circuits` and/or `ports`", raw)])
    out: dict[str, dict[str, CarrierState]] = {"circuits": {}, "ports": {}}
    known = {"circuits": set(ic.circuits), "ports": set(ic.ports)}
    for section, value in raw.items():
        if section not in out:
            issues.append(file.issue((CONFIG_KEY, section), "unknown key; allowed here: circuits, ports"))
            continue
        if not isinstance(value, Mapping):
            issues.append(file.issue((CONFIG_KEY, section), f"must map each {section[:-1]} to pending or provisioned",
                                     value))
            continue
        for key, state in value.items():
            path = (CONFIG_KEY, section, key)
            if key not in known[section]:
                where = "interconnect.circuits" if section == "circuits" else "interconnect.ports"
                issues.append(file.issue(path, f"{key!r} is not in {where} ({', '.join(sorted(known[section])) or 'none'})"))
            elif state not in STATES:
                issues.append(file.issue(path, "allowed: pending, provisioned", state))
            else:
                out[section][str(key)] = state
    if issues:
        raise SpecError(issues)
    return Recorded(circuits=out["circuits"], ports=out["ports"])


# ------------------------------------------------------------------------------------------------
# Writing (round trip)
# ------------------------------------------------------------------------------------------------


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
        if state is None:
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
