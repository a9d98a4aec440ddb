"""Read ``stacks/Pulumi.<stack>.yaml`` into a FabricSpec, with errors that point at file and line.

Every problem of a file is reported at once as a SpecIssue (file, line, key path, value, what is
allowed); nothing is built from a file that has one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from infra.spec import PROJECT, FabricSpec, from_config
from infra.spec import messages
from infra.spec.fields import Name, Problems

STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[^.]+)\.yaml$")
_STACK_NAME = TypeAdapter(Name)
# libyaml's parser when PyYAML has it (its wheels do): the same nodes and marks, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOP_LEVEL_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment")
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class SpecIssue:
    """One problem of a stack file, said the way a reviewer needs it."""

    file: str
    line: int | None
    path: str
    value: Any
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        got = "" if self.value is _MISSING else f" (got {_short(self.value)})"
        path = f"{self.path}: " if self.path else ""
        return f"{where}: {path}{self.message}{got}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "line": self.line, "path": self.path,
            "value": None if self.value is _MISSING else _short(self.value), "message": self.message,
        }


class SpecError(Exception):
    """Bad input: one or more SpecIssues. The CLI prints them all and exits 2."""

    def __init__(self, issues: Iterable[SpecIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(map(str, self.issues)))


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class StackFile:
    """A parsed stack file: its config (full keys, secure values kept as {'secure': ...}) and lines."""

    path: Path
    stack: str
    config: Mapping[str, Any]
    lines: Mapping[Path_, int]

    @property
    def display(self) -> str:
        try:
            return str(self.path.relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)

    def project_values(self) -> dict[str, Any]:
        """The ai-fabric:* keys without their namespace."""
        prefix = PROJECT + ":"
        return {k[len(prefix) :]: v for k, v in self.config.items() if k.startswith(prefix)}

    def is_secure(self, key: str) -> bool:
        value = self.config.get(f"{PROJECT}:{key}")
        return isinstance(value, Mapping) and set(value) == {"secure"}

    def line_of(self, path: Path_) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def issue(self, path: Path_, message: str, value: Any = _MISSING) -> SpecIssue:
        return SpecIssue(self.display, self.line_of(path), ".".join(map(str, path)), value, message)


@dataclass(frozen=True)
class LoadedStack:
    file: StackFile
    spec: FabricSpec

    @property
    def name(self) -> str:
        return self.spec.stack


# ------------------------------------------------------------------------------------------------
# YAML with lines
# ------------------------------------------------------------------------------------------------


def _construct(node: yaml.Node, path: Path_, lines: dict[Path_, int], issues: list[tuple[Path_, int, str]]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, (str, int)):
                issues.append((path, key_node.start_mark.line + 1, "mapping keys must be plain strings"))
                continue
            key = str(key)
            if key in out:
                issues.append((
                    (*path, key), key_node.start_mark.line + 1,
                    f"duplicate key {key!r} (first at line {lines[(*path, key)]}); YAML keeps only one, remove the other",
                ))
                continue
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, (*path, key), lines, issues)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), lines, issues) for i, item in enumerate(node.value)]
    return _scalar(node)


_SCALARS = threading.local()
"""One SafeConstructor per thread for scalars (making a SafeLoader per scalar was most of a stack file's load)."""


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None
    constructor = getattr(_SCALARS, "constructor", None)
    if constructor is None:
        constructor = _SCALARS.constructor = yaml.constructor.SafeConstructor()
    try:
        return constructor.construct_object(node, deep=True)
    finally:
        constructor.constructed_objects.clear()  # nodes are not shared between calls: keep nothing
        constructor.recursive_objects.clear()


def _refuse_aliases(text: str, display: str) -> None:
    """Anchors and aliases (&a, *a, <<: *a) are refused: Pulumi never writes them, a self-reference
    would never end and nested aliases expand to billions of nodes ('billion laughs')."""
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise SpecError([SpecIssue(
                display, event.start_mark.line + 1, "", _MISSING,
                "YAML anchors and aliases (&name, *name) are not supported in stack files; write the values out",
            )])


_INDENTATION_SYMPTOMS = ("mapping values are not allowed", "expected <block end>", "did not find expected key",
                         "could not find expected ':'", "expected <block mapping start>", "found character '\\t'",
                         "found a tab character")


def _yaml_hint(problem: str) -> str:
    """What PyYAML's wording usually means in a stack file: the indentation."""
    if any(symptom in problem for symptom in _INDENTATION_SYMPTOMS):
        return ("; this is usually the indentation: the keys of one mapping line up in the same column, nested "
                "keys go two spaces further in, tabs are not allowed, and a value after `key:` needs a space")
    return ""


def read_stack_file(path: Path) -> StackFile:
    """Parse a stack file's YAML, keeping the line of every key. Raises SpecError."""
    m = STACK_FILE.match(path.name)
    display = _display(path)
    if not m:
        raise SpecError([SpecIssue(display, None, "", path.name, "a stack file is named Pulumi.<stack>.yaml")])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([SpecIssue(display, None, "", _MISSING, f"cannot read the stack file: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise SpecError([SpecIssue(display, None, "", _MISSING, f"not UTF-8 text: {exc.reason}")]) from None
    try:
        _refuse_aliases(text, display)
        root = yaml.compose(text, Loader=_LOADER)
    except RecursionError:
        raise SpecError([SpecIssue(display, None, "", _MISSING, "invalid YAML: nested too deeply")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(filter(None, [exc.context, exc.problem]))
        raise SpecError([SpecIssue(display, line, "", _MISSING, f"invalid YAML: {problem}{_yaml_hint(problem)}")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([SpecIssue(display, None, "", _MISSING, f"invalid YAML: {exc}")]) from None
    lines: dict[Path_, int] = {}
    problems: list[tuple[Path_, int, str]] = []
    try:
        data = {} if root is None else _construct(root, (), lines, problems)
    except RecursionError:
        raise SpecError([SpecIssue(display, None, "", _MISSING, "invalid YAML: nested too deeply")]) from None
    issues = [SpecIssue(display, line, ".".join(map(str, p[1:] if p[:1] == ("config",) else p)), _MISSING, msg)
              for p, line, msg in problems]
    if not isinstance(data, dict):
        issues.append(SpecIssue(display, 1, "", type(data).__name__, "a stack file is a mapping with a 'config' key"))
        raise SpecError(issues)
    for key in data:
        if key not in _TOP_LEVEL_KEYS:
            issues.append(SpecIssue(display, lines.get((key,)), key, _MISSING,
                                    f"unknown top-level key; allowed: {', '.join(_TOP_LEVEL_KEYS)}"))
    config = data.get("config") or {}
    if not isinstance(config, dict):
        issues.append(SpecIssue(display, lines.get(("config",)), "config", config, "must be a mapping of config keys"))
        config = {}
    if issues:
        raise SpecError(issues)
    # Paths below are relative to config: shift the line table.
    config_lines = {p[1:]: n for p, n in lines.items() if p[:1] == ("config",)}
    config_lines[()] = lines.get(("config",), 1)
    return StackFile(path=path, stack=m.group("stack"), config=config, lines=config_lines)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------------------------
# Spec from a stack file
# ------------------------------------------------------------------------------------------------


def _value_at(data: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return _MISSING
    return data


def _resolve(data: Any, loc: Path_) -> Path_:
    """Map a pydantic location onto the raw data.

    A discriminated union puts its tag (the 'kind' value) into the location before the member's
    fields: ('circuits', 'wdc', 'provider', 'bandwidth_mbps'). The tag is dropped; a real key of the
    same name ('provider' of a provider circuit) still resolves, because the tag always comes first.
    """
    out: list[str | int] = []
    tag_skipped_at: int | None = None
    for part in loc:
        here = _value_at(data, tuple(out))
        if (isinstance(here, Mapping) and here.get("kind") == part and tag_skipped_at != len(out)
                and isinstance(part, str)):
            tag_skipped_at = len(out)
            continue
        out.append(str(part) if isinstance(here, Mapping) else part)
    return tuple(out)


def _config_path(loc: Path_) -> Path_:
    """('clusters', 'a100', 'sku') -> ('ai-fabric:clusters', 'a100', 'sku')."""
    if not loc:
        return ()
    return (f"{PROJECT}:{loc[0]}", *loc[1:])


def issues_from_validation(exc: ValidationError, data: Mapping[str, Any], file: StackFile | None) -> list[SpecIssue]:
    """Every validation error as a located issue in plain words (infra/spec/messages.py).

    A misspelt key whose nearest allowed key is also reported missing at the same place is one mistake,
    not two: the missing-key report is dropped and the unknown key says which key was meant."""
    raw: list[tuple[Path_, str, str]] = []  # (key path, message, pydantic error type)
    for err in exc.errors(include_url=False):
        loc = _resolve(data, tuple(err["loc"]))
        error = (err.get("ctx") or {}).get("error")
        if isinstance(error, Problems):
            raw += [(_resolve(data, (*loc, *rel)), msg, "value_error") for rel, msg in error.problems]
        else:
            raw.append((loc, messages.plain(err, loc, data), str(err["type"])))
    meant = {(*path[:-1], m.group(1)) for path, msg, kind in raw if kind == "extra_forbidden"
             if (m := re.search(r"Did you mean '([^']+)'", msg))}
    issues: list[SpecIssue] = []
    for path, msg, kind in raw:
        if kind == "missing" and path in meant:
            continue
        value = _value_at(data, path)
        config_path = _config_path(path)
        if file is not None:
            issues.append(file.issue(config_path, msg, value))
        else:
            issues.append(SpecIssue("<config>", None, ".".join(map(str, config_path)), value, msg))
    return issues


_SECRET_FIELDS = ("bgp_key_secret", "authorization_key_secret", "cak_secret", "ckn_secret", "uri_secret")


def _secret_refs(data: Any, path: Path_ = ()) -> Iterable[tuple[Path_, str]]:
    """Every (key path, config key) naming a secret, found in the raw config so that it is checked
    even when the rest of the file does not validate."""
    if isinstance(data, Mapping):
        for k, v in data.items():
            if k in _SECRET_FIELDS and isinstance(v, str):
                yield (*path, k), v
            else:
                yield from _secret_refs(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _secret_refs(v, (*path, i))


def _file_issues(file: StackFile, values: Mapping[str, Any]) -> list[SpecIssue]:
    """What a stack file gets wrong besides the spec's shape: secrets, stray keys, location."""
    from infra.spec import CONFIG_KEYS

    issues: list[SpecIssue] = []
    for key, value in values.items():
        if key in CONFIG_KEYS and isinstance(value, Mapping) and "secure" in value:
            issues.append(file.issue((f"{PROJECT}:{key}",), "the spec is not secret; only key material is"))
    secret_keys = set()
    spec_values = {k: v for k, v in values.items() if k in CONFIG_KEYS}
    for path, key in _secret_refs(spec_values):
        secret_keys.add(key)
        full = f"{PROJECT}:{key}"
        config_path = (f"{PROJECT}:{path[0]}", *path[1:])
        if full not in file.config:
            issues.append(file.issue(config_path, f"secret config key {full!r} is not set; run "
                                                  f"`pulumi config set --secret {key} <value>`", key))
        elif not file.is_secure(key):
            issues.append(file.issue((full,), "this key holds key material: plain text is refused; run "
                                              f"`pulumi config set --secret {key} <value>`", "<plain text, not shown>"))
    for key in values:
        if key not in CONFIG_KEYS and key not in secret_keys:
            issues.append(file.issue(
                (f"{PROJECT}:{key}",),
                f"unknown config key; allowed: {', '.join(f'{PROJECT}:{k}' for k in CONFIG_KEYS)} and the secret "
                "keys the spec names",
            ))
    location = file.config.get("azure-native:location")
    site = values.get("site")
    region = site.get("region") if isinstance(site, Mapping) else None
    if location is not None and region is not None and location != region:
        issues.append(file.issue(("azure-native:location",), f"must equal ai-fabric:site.region ({region!r})", location))
    return issues


def spec_from_file(file: StackFile) -> FabricSpec:
    """Validate a parsed stack file into a spec. Raises SpecError with every issue found."""
    from infra.spec import CONFIG_KEYS

    values = file.project_values()
    issues = _file_issues(file, values)
    try:
        _STACK_NAME.validate_python(file.stack)
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        issues.append(SpecIssue(file.display, None, "", file.path.name,
                                f"the stack name in the file name is invalid: {message}"))
        raise SpecError(issues) from None
    try:
        spec = from_config(file.stack, {k: v for k, v in values.items() if k in CONFIG_KEYS})
    except ValidationError as exc:
        issues += issues_from_validation(exc, values, file)
    if issues:
        raise SpecError(issues)
    return spec


def load(path: Path) -> LoadedStack:
    file = read_stack_file(path)
    return LoadedStack(file=file, spec=spec_from_file(file))


def discover(stacks_dir: Path) -> dict[str, Path]:
    """Stack name -> file, for every Pulumi.<stack>.yaml in the directory."""
    if not stacks_dir.is_dir():
        raise SpecError([SpecIssue(_display(stacks_dir), None, "", _MISSING, "stacks directory not found")])
    found = {}
    for p in sorted(stacks_dir.iterdir()):
        m = STACK_FILE.match(p.name)
        if m and p.is_file():
            found[m.group("stack")] = p
    return found
