"""Resource-level invariant ``azure-api-conformance``: every azure-native resource is a request Azure accepts.

Each resource's inputs are checked against the vendored REST spec of the API version the pinned
azure-native sends it with (infra.conformance): property names after azure-native's flattening,
nested keys, enum values, required and read-only properties, JSON types, and ARM IDs spelled with
Azure's own collection names. A type with no vendored spec, and a type whose installed SDK uses
another API version than the vendored spec (an upgrade of azure-native), are violations too: the
check would otherwise judge against the wrong contract.

Source of every finding: the spec file and commit named in the message (Azure/azure-rest-api-specs).
"""

from __future__ import annotations

from collections.abc import Callable

from infra import conformance
from infra.capacity.report import Violation
from infra.inventory import SECRET, Inventory

INVARIANT = "azure-api-conformance"
AZURE_NATIVE = "azure-native:"


def azure_api_conformance(inv: Inventory) -> list[Violation]:
    """Every azure-native resource conforms to Azure's REST API spec for the API version azure-native uses."""
    lib = conformance.library()
    out: list[Violation] = []
    first_of: dict[str, str] = {}
    for r in inv:
        if not r.custom or not r.type.startswith(AZURE_NATIVE):
            continue
        first_of.setdefault(r.type, r.urn)
        spec = lib.resource(r.type)
        cite = f" [{spec.origin.cite()}, API version {spec.api_version}]" if spec else ""
        # A secret input is never judged, whatever value reached the inventory (as in the policy pack,
        # which only sees it as secret).
        inputs = {k: (SECRET if k in r.secret_inputs else v) for k, v in r.inputs.items()}
        for f in conformance.check_resource(r.type, inputs, lib):
            where = f"{f.path} " if f.path else ""
            out.append(Violation(INVARIANT, f"{r.type} {r.name!r}: {where}{f.message}{cite}",
                                 stack=inv.stack, resource=r.urn))
    for drift in conformance.api_version_drift(first_of, lib):
        out.append(Violation(INVARIANT, drift.message(), stack=inv.stack, resource=first_of[drift.token]))
    return out


CHECKS: dict[str, Callable[[Inventory], list[Violation]]] = {INVARIANT: azure_api_conformance}
