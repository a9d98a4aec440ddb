"""ARM resource IDs against Azure's own collection names, from the vendored PUT path templates.

An ID such as ``/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Network/
virtualNetworkGateways/<gw>`` names its resource type by provider namespace and collection segments
(``virtualNetworkGateways``); Azure's spelling is the one in the API's path templates. A namespace the
vendored specs cover must use one of their collection paths (or a parent of one: a parent collection
is a resource type too). Namespaces with no vendored spec (e.g. Microsoft.Storage for dataset
accounts) are not judged. ARM matches namespaces and types case-insensitively, and so does this check.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from infra.conformance.specs import SpecLibrary

_ID = re.compile(r"^/subscriptions/[^/]+/(.+/)?providers/", re.IGNORECASE)

Report = Callable[[str, str, str], None]


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def provider_blocks(arm_id: str) -> list[tuple[str, tuple[str, ...]]]:
    """'/subscriptions/s/resourceGroups/rg/providers/NS/a/x/b/y' -> [('NS', ('a', 'b'))]; one block per
    'providers' segment (extension resources such as locks have two)."""
    segs = _segments(arm_id)
    blocks = []
    starts = [i for i, s in enumerate(segs) if s.lower() == "providers" and i + 1 < len(segs)]
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(segs)
        body = segs[i + 2: end]
        blocks.append((segs[i + 1], tuple(body[0::2])))
    return blocks


def template_type(template: str) -> tuple[str, tuple[str, ...]] | None:
    """The literal namespace and collection path after a template's last 'providers' segment."""
    segs = _segments(template)
    idx = [i for i, s in enumerate(segs) if s.lower() == "providers" and i + 1 < len(segs)]
    if not idx or segs[idx[-1] + 1].startswith("{"):
        return None
    i = idx[-1]
    return segs[i + 1], tuple(segs[i + 2:][0::2])


@functools.lru_cache(maxsize=4)
def _collections(lib: SpecLibrary) -> Mapping[str, Mapping[tuple[str, ...], tuple[str, ...]]]:
    """namespace (lower) -> collection path (lower) -> Azure's spelling, with every parent path."""
    out: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {}
    for template in lib.templates():
        found = template_type(template)
        if found is None:
            continue
        ns, chain = found
        known = out.setdefault(ns.lower(), {})
        for k in range(1, len(chain) + 1):
            known.setdefault(tuple(c.lower() for c in chain[:k]), chain[:k])
    return out


def check_id(arm_id: str, lib: SpecLibrary) -> list[str]:
    """Problems with the namespace/collection segments of an ID-shaped string ([] when fine or not judged)."""
    if not _ID.match(arm_id):
        return []
    known = _collections(lib)
    problems = []
    for ns, chain in provider_blocks(arm_id):
        paths = known.get(ns.lower())
        if paths is None or not chain:
            continue
        if tuple(c.lower() for c in chain) in paths:
            continue
        depth = len(chain)
        siblings = {k[-1]: p[-1] for k, p in paths.items()
                    if len(k) == depth and k[:-1] == tuple(c.lower() for c in chain[:-1])}
        close = difflib.get_close_matches(chain[-1].lower(), list(siblings), n=2, cutoff=0.6)
        spelled = "/".join(chain)
        hint = f"; Azure's nearest: {', '.join(siblings[c] for c in close)}" if close else ""
        problems.append(f"{ns}/{spelled} is not a resource type of the vendored {ns} path templates{hint}")
    return problems


def check_string(value: str, path: str, lib: SpecLibrary, report: Report) -> None:
    for problem in check_id(value, lib):
        report("arm-id", path, f"{value!r}: {problem}")


def arm_type(token: str, lib: SpecLibrary) -> tuple[str, tuple[str, ...]] | None:
    """('Microsoft.Network', ('virtualNetworkGateways',)) for the gateway token, from its path template."""
    spec = lib.resource(token)
    return template_type(spec.path) if spec else None


def arm_id(token: str, inputs: Mapping[str, Any], name: str, subscription: str, lib: SpecLibrary) -> str | None:
    """The resource's ID as Azure forms it: the PUT path template with its URL parameters filled from
    the inputs, the subscription given, and the resource's own name (the last parameter) as ``name``.
    None when the type has no vendored spec or an input the template needs is not a known string."""
    spec = lib.resource(token)
    if spec is None:
        return None
    last = spec.name_parameter
    out = []
    for seg in spec.path.split("/"):
        if seg.startswith("{") and seg.endswith("}"):
            param = seg[1:-1]
            if param == "subscriptionId":
                seg = subscription
            elif param == last:
                seg = name
            else:
                value = inputs.get(param)
                if not isinstance(value, str) or (not value and param != "parentResourcePath"):
                    return None  # an empty parentResourcePath is a top-level resource's lock
                seg = value.strip("/")
        elif seg == "resourcegroups":
            # The Resources spec spells this path segment in lower case; Azure returns IDs with
            # 'resourceGroups' (ARM compares them case-insensitively).
            seg = "resourceGroups"
        out.append(seg)
    return "/" + "/".join(seg for seg in out if seg)
