"""Azure's published resource provider operations, to check the permissions of custom roles against.

Azure refuses a role definition that names an operation it does not know, and with it every
assignment of the role; nothing else in the fabric would notice before `pulumi up`. The operations
are vendored from Microsoft's own list, one data file per provider in ``infra/data/operations/``:

    MicrosoftDocs/azure-docs  articles/role-based-access-control/permissions/<category>.md
    (networking.md, compute.md, storage.md, identity.md, monitor.md,
    management-and-governance.md), the pages' "Action" and "DataAction" rows.

Each file's header names the page, the commit read, the page's date and the day it was read
(``SOURCE`` below sums them up for the catalog's list of sources). Vendored providers:
Microsoft.Network, Compute, Storage, Authorization, Resources, ManagedIdentity (whole lists) and
Microsoft.Insights, which is a *subset*: its Application Insights components and per-table log reads
are left out, and a "not in the list" answer for it says the list may be a subset. A file may end
with a "known omissions" section for operations Azure accepts that its page leaves out, each with
its own source.

Operation names compare case-insensitively, as Azure compares them; a '*' matches any run of
characters, '/' included, as in Azure's own matching of actions and notActions. The files are read
once, on the first lookup, so importing this module costs nothing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

SOURCE = (
    "MicrosoftDocs/azure-docs articles/role-based-access-control/permissions/*.md "
    "(pages dated 2024-03-01 to 2024-04-25, read 2026-11-29); see infra/data/operations/*.txt"
)
"""Where the operation lists come from, for the catalog's sources."""

DATA_DIR = ("data", "operations")
"""The data files, relative to the ``infra`` package (installed as package data)."""

Kind = Literal["action", "dataAction"]
KINDS: tuple[Kind, ...] = ("action", "dataAction")
_SECTIONS: dict[str, Kind] = {"[actions]": "action", "[dataactions]": "dataAction"}
_HEADER = re.compile(r"^#\s*(provider|source|commit|page date|read|complete):\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ProviderOperations:
    """The operations Azure publishes for one resource provider namespace."""

    namespace: str
    """As the page spells it, e.g. 'Microsoft.Network'."""
    file: str
    """The data file, relative to the package: 'data/operations/microsoft.network.txt'."""
    source: str
    commit: str
    page_date: str
    read: str
    complete: bool
    completeness: str
    """The header's word on completeness ('yes', or what a subset leaves out)."""
    operations: Mapping[Kind, Mapping[str, str]]
    """Kind -> lowercase operation -> the operation as the page spells it."""

    def kind_of(self, operation: str) -> Kind | None:
        low = operation.lower()
        return next((k for k in KINDS if low in self.operations[k]), None)

    def matching(self, pattern: str, kind: Kind) -> list[str]:
        """The operations of one kind a wildcard pattern matches, as spelled."""
        rx = wildcard(pattern)
        return [spelled for low, spelled in self.operations[kind].items() if rx.fullmatch(low)]


def wildcard(pattern: str) -> re.Pattern[str]:
    """A case-insensitive regex for an Azure operation pattern: '*' is any run of characters."""
    return re.compile(".*".join(re.escape(part) for part in pattern.lower().split("*")))


def _parse(name: str, text: str) -> ProviderOperations:
    header: dict[str, str] = {}
    ops: dict[Kind, dict[str, str]] = {k: {} for k in KINDS}
    kind: Kind | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            m = _HEADER.match(line)
            if m and kind is None:
                header[m.group(1).lower()] = m.group(2).strip()
            continue
        if line.lower() in _SECTIONS:
            kind = _SECTIONS[line.lower()]
            continue
        if kind is None:
            raise ValueError(f"{name}:{n}: operation before any [actions] or [dataActions] section")
        op = line.split("#", 1)[0].strip()
        ops[kind].setdefault(op.lower(), op)  # the pages repeat some rows; the first spelling wins
    missing = [k for k in ("provider", "source", "commit", "read", "complete") if k not in header]
    if missing:
        raise ValueError(f"{name}: header lacks {', '.join(missing)}")
    return ProviderOperations(
        namespace=header["provider"], file="/".join((*DATA_DIR, name)), source=header["source"],
        commit=header["commit"], page_date=header.get("page date", ""), read=header["read"],
        complete=header["complete"].lower().startswith("yes"), completeness=header["complete"],
        operations=ops,
    )


@cache
def providers() -> Mapping[str, ProviderOperations]:
    """Lowercase namespace -> its vendored operations. Read once, on first use."""
    folder = resources.files("infra").joinpath(*DATA_DIR)
    out: dict[str, ProviderOperations] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt"):
            p = _parse(entry.name, entry.read_text(encoding="utf-8"))
            out[p.namespace.lower()] = p
    return out


def provider_of(operation: str) -> ProviderOperations | None:
    return providers().get(operation.split("/", 1)[0].lower())


def vendored_namespaces() -> list[str]:
    return [p.namespace for p in providers().values()]


def _resource_type(low: str) -> str:
    """'microsoft.network/expressroutecircuits/peerings/arptables/action' -> '.../peerings/arptables'."""
    return low.rsplit("/", 1)[0]


def _top_type(low: str) -> str:
    """'microsoft.network/expressroutecircuits/peerings/read' -> 'expressroutecircuits'."""
    parts = low.split("/")
    return parts[1] if len(parts) > 2 else ""


def nearest(operation: str, kind: Kind, n: int = 3) -> list[str]:
    """Real operations of the same provider and kind closest to an unknown one, as spelled.

    The search stays on the operation's top-level resource type (or the closest spellings of it,
    for a typo such as 'expressRouteCircuit'). Operations on the very same resource type come first
    (an unknown verb is the commonest slip: 'arpTables/action' for 'arpTables/read'), then the
    closest spellings.
    """
    p = provider_of(operation)
    if p is None:
        return []
    low = operation.lower()
    spelled = p.operations[kind]
    by_top: dict[str, list[str]] = {}
    for op in spelled:
        by_top.setdefault(_top_type(op), []).append(op)
    tops = [_top_type(low)] if _top_type(low) in by_top else difflib.get_close_matches(
        _top_type(low), list(by_top), n=3, cutoff=0.6)
    pool = [op for top in tops for op in by_top[top]] or list(spelled)
    same_type = sorted((op for op in pool if _resource_type(op) == _resource_type(low)),
                       key=lambda op: -difflib.SequenceMatcher(None, low, op).ratio())
    close = difflib.get_close_matches(low, pool, n=n + len(same_type), cutoff=0.6)
    ranked = list(dict.fromkeys([*same_type, *close]))
    return [spelled[op] for op in ranked[:n]]


_LABEL = {"action": "control-plane action", "dataAction": "data action"}
_FIELDS = {"action": "actions (or not_actions)", "dataAction": "data_actions (or not_data_actions)"}


def problem(operation: str, kind: Kind) -> str | None:
    """Why an operation (or wildcard pattern) is not one Azure publishes for this kind, or None.

    The reason is a phrase without a subject ("not a control-plane action Azure publishes for ..."),
    for messages that show the operation next to it.

    A pattern with '*' must match at least one vendored operation of the kind. The caller decides
    where a wildcard is allowed at all (least privilege forbids it in actions and data actions).
    """
    p = provider_of(operation)
    if p is None:
        namespace = operation.split("/", 1)[0]
        if "*" in namespace:
            matched = [m for q in providers().values() for m in q.matching(operation, kind)]
            return None if matched else (
                f"pattern matches no {_LABEL[kind]} of the vendored providers ({', '.join(vendored_namespaces())})")
        return (f"unknown resource provider {namespace!r}: operations are checked against the vendored "
                f"providers {', '.join(vendored_namespaces())}; to use another, vendor its list from its "
                "permissions page into infra/data/operations/ (see infra/rbac_operations.py)")
    subset = "" if p.complete else (
        f" (the vendored {p.namespace} list is a subset. {p.completeness.removeprefix('no.').strip()}; "
        f"if Azure lists the operation, add it to infra/{p.file} with its source)")
    if "*" in operation:
        if p.matching(operation, kind):
            return None
        return f"pattern matches no {_LABEL[kind]} of {p.namespace}{subset}"
    found = p.kind_of(operation)
    if found == kind:
        return None
    if found is not None:
        return f"a {_LABEL[found]} of {p.namespace}, not a {_LABEL[kind]}: move it to {_FIELDS[found]}"
    hint = nearest(operation, kind)
    did_you_mean = f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""
    return (f"not a {_LABEL[kind]} Azure publishes for {p.namespace} (its list of {p.page_date}, read "
            f"{p.read}){did_you_mean}{subset}")

