"""`fabric plan --against PLAN.json`: changes that would cost an outage or the carrier's provisioning.

Compares the resources of a new plan with an earlier plan's JSON (the DESIGN.md contract), by URN:

- a circuit's bandwidth going down: Azure only raises bandwidth in place; lowering it means
  deprovisioning and provisioning the circuit again (hashicorp/terraform-provider-azurerm#3983);
- a circuit's provider or peering location changing, or a Direct port's location or size: the
  carrier's cross-connect is tied to them, so the circuit is replaced;
- a protected resource (circuit, port, peering) disappearing;
- a gateway SKU change that Azure cannot do in place (catalog.GATEWAY_IN_PLACE_RESIZES): delete
  and recreate, which drops every connection behind the gateway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import catalog
from infra.stackfile import SpecError, SpecIssue
from infra.tokens import CIRCUIT, GATEWAY, PORT



@dataclass(frozen=True)
class UnsafeChange:
    kind: str
    urn: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "resource": self.urn, "message": self.message}

    def __str__(self) -> str:
        return f"[{self.kind}] {self.urn}: {self.message}"


def load_previous(path: Path) -> dict[str, dict[str, Mapping[str, Any]]]:
    """stack -> urn -> resource of an earlier `fabric plan --format json`. Bad files are bad input."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError([SpecIssue(str(path), None, "--against", str(path), f"cannot read: {exc.strerror}")]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise SpecError([SpecIssue(str(path), line, "--against", str(path),
                                   f"not a JSON plan: {exc}; expected the output of `fabric plan --format json`")]) from None
    stacks = data.get("stacks") if isinstance(data, dict) else None
    if not isinstance(stacks, list) or not all(
        isinstance(s, dict) and isinstance(s.get("stack"), str) and isinstance(s.get("resources"), list) for s in stacks
    ):
        raise SpecError([SpecIssue(str(path), None, "stacks", type(stacks).__name__,
                                   "expected {'stacks': [{'stack': name, 'resources': [...]}, ...]} "
                                   "as written by `fabric plan --format json`")])
    out: dict[str, dict[str, Mapping[str, Any]]] = {}
    for s in stacks:
        out[s["stack"]] = {r["urn"]: r for r in s["resources"] if isinstance(r, dict) and isinstance(r.get("urn"), str)}
    return out


def _get(r: Mapping[str, Any], path: str) -> Any:
    value: Any = r.get("inputs") or {}
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _circuit_mbps(r: Mapping[str, Any]) -> float | None:
    mbps = _get(r, "serviceProviderProperties.bandwidthInMbps")
    if isinstance(mbps, (int, float)):
        return float(mbps)
    gbps = _get(r, "bandwidthInGbps")
    return float(gbps) * 1000 if isinstance(gbps, (int, float)) else None


def compare(before: Mapping[str, Mapping[str, Any]], after: Sequence[Mapping[str, Any]]) -> list[UnsafeChange]:
    """Unsafe changes from one stack's earlier resources (by URN) to its new resources."""
    now = {r["urn"]: r for r in after}
    out: list[UnsafeChange] = []
    for urn, old in before.items():
        new = now.get(urn)
        if new is None:
            if old.get("protect") or old.get("type") in (CIRCUIT, PORT):
                out.append(UnsafeChange("protected-removed", urn,
                                        f"{old.get('type')} {old.get('name')} is no longer declared; deleting it "
                                        "drops the carrier's provisioning (it is protected: unprotect it first if meant)"))
            continue
        kind = old.get("type")
        if kind == CIRCUIT:
            before_bw, after_bw = _circuit_mbps(old), _circuit_mbps(new)
            if before_bw is not None and after_bw is not None and after_bw < before_bw:
                out.append(UnsafeChange("circuit-bandwidth-down", urn,
                                        f"bandwidth {before_bw:g} Mbps -> {after_bw:g} Mbps; Azure cannot lower it in place: "
                                        "the circuit must be deprovisioned and provisioned again by the carrier"))
            for path, what in (("serviceProviderProperties.peeringLocation", "peering location"),
                               ("serviceProviderProperties.serviceProviderName", "provider"),
                               ("expressRoutePort.id", "ExpressRoute Direct port")):
                a, b = _get(old, path), _get(new, path)
                if a is not None and a != b:
                    out.append(UnsafeChange("circuit-replaced", urn,
                                            f"{what} {a!r} -> {b!r}: the circuit is replaced and the carrier must "
                                            "provision a new one"))
        elif kind == PORT:
            for path, what in (("peeringLocation", "peering location"), ("bandwidthInGbps", "port size")):
                a, b = _get(old, path), _get(new, path)
                if a is not None and a != b:
                    out.append(UnsafeChange("port-replaced", urn,
                                            f"{what} {a!r} -> {b!r}: the Direct port pair is replaced with every "
                                            "circuit on it"))
        elif kind == GATEWAY:
            a, b = _get(old, "sku.name"), _get(new, "sku.name")
            if a is not None and b is not None and a != b and (a, b) not in catalog.GATEWAY_IN_PLACE_RESIZES.value:
                out.append(UnsafeChange("gateway-recreated", urn,
                                        f"gateway SKU {a} -> {b} cannot be changed in place: Azure deletes and "
                                        "recreates the gateway, dropping every connection behind it"))
    return out
