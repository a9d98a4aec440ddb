"""Which Azure REST API version the installed pulumi-azure-native sends for a type, read from its source.

Every generated resource class of azure-native v3 states it in its docstring ("Uses Azure REST API
version 2024-05-01."). A custom resource of the provider (e.g. PimRoleEligibilitySchedule) has no
such line; its one versioned alias (``azure-native:authorization/v20201001:PimRoleEligibilitySchedule``)
names the version. The module file is found without importing the SDK (importing it costs seconds
and pulls in Pulumi).

``api_version_drift`` compares that with the vendored spec of each type: after an upgrade of
azure-native, a type whose API version moved fails with the type, both versions and how to refresh.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.conformance.specs import SpecLibrary, library

SDK_PACKAGE = "pulumi_azure_native"
_USES = re.compile(r"Uses Azure REST API version (\d{4}-\d{2}-\d{2}(?:-preview)?)")
_ALIAS_VERSION = re.compile(r"azure-native:[a-z0-9]+/v(\d{4})(\d{2})(\d{2})(preview)?:([A-Za-z0-9]+)")


@functools.lru_cache(maxsize=1)
def sdk_root() -> Path | None:
    spec = importlib.util.find_spec(SDK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def sdk_version() -> str | None:
    root = sdk_root()
    if root is None:
        return None
    try:
        return json.loads((root / "pulumi-plugin.json").read_text()).get("version")
    except (OSError, ValueError):
        return None


def _snake(name: str) -> str:
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def _module_file(token: str) -> Path | None:
    root = sdk_root()
    if root is None:
        return None
    _, module, typ = token.split(":")
    directory = root / module
    needle = f"'{token}'"
    guess = directory / f"{_snake(typ)}.py"
    if guess.is_file() and needle in guess.read_text(encoding="utf-8"):
        return guess
    if not directory.is_dir():
        return None
    for path in sorted(directory.glob("*.py")):
        if needle in path.read_text(encoding="utf-8"):
            return path
    return None


@functools.lru_cache(maxsize=None)
def sdk_api_version(token: str) -> str | None:
    """The REST API version the installed azure-native uses for ``token``; None when the SDK or the
    type is not installed or says nothing."""
    path = _module_file(token)
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    found = _USES.search(text)
    if found:
        return found.group(1)
    typ = token.split(":")[2]
    versions = {f"{y}-{m}-{d}" + ("-preview" if p else "") for y, m, d, p, t in _ALIAS_VERSION.findall(text) if t == typ}
    return versions.pop() if len(versions) == 1 else None


@dataclass(frozen=True)
class ApiVersionDrift:
    token: str
    sdk_version: str
    vendored_version: str
    spec: str

    def message(self) -> str:
        return (
            f"{self.token}: the installed pulumi-azure-native ({sdk_version() or '?'}) sends REST API version "
            f"{self.sdk_version}, but the vendored spec is {self.vendored_version} ({self.spec}). Refresh it: "
            f"vendor the {self.sdk_version} spec from Azure/azure-rest-api-specs and update "
            "infra/conformance/specs/index.json (infra/conformance/README.md, 'Refreshing'), or pin "
            "azure-native back to the version in pyproject.toml."
        )


def api_version_drift(tokens: Iterable[str] | None = None, lib: SpecLibrary | None = None) -> list[ApiVersionDrift]:
    """Types whose SDK API version differs from the vendored spec's (types the SDK does not state are
    skipped: there is nothing to compare)."""
    lib = lib or library()
    out = []
    for token in sorted(set(tokens) if tokens is not None else lib.tokens()):
        spec = lib.resource(token)
        sdk = sdk_api_version(token)
        if spec is not None and sdk is not None and sdk != spec.api_version:
            out.append(ApiVersionDrift(token, sdk, spec.api_version, spec.origin.path))
    return out
