"""Where each circuit and Direct port stands with the carrier: `pending` or `provisioned`.

Azure accepts a circuit's private peering, its gateway connections and its Global Reach links only
once the carrier has provisioned the circuit (``serviceProviderProvisioningState`` ``Provisioned``,
articles/expressroute/expressroute-howto-circuit-portal-resource-manager.md, "Send the service key
to your connectivity provider"); an ExpressRoute Direct port's links are enabled only once the
colocation provider has made the cross-connects the letter of authorization asks for
(articles/expressroute/expressroute-howto-erdirect.md). The state is recorded in the stack file
(``ai-fabric:carrier_state``), where people (`pulumi config set --path carrier_state.circuits.wdc
provisioned`) and `fabric rollout` (after reading Azure) set it; the program declares what the
carrier has made possible and defers the rest, so one stack converges over successive `pulumi up`
runs without a code edit.

A circuit or port that is not listed is `pending`: the safe state for a stack deployed for the
first time. A circuit carved from a Direct port has no carrier of its own; it follows its port.
"""

from __future__ import annotations

import os
from typing import Literal

from infra.spec.fields import Name, SpecModel

CarrierState = Literal["pending", "provisioned"]
PENDING: CarrierState = "pending"
PROVISIONED: CarrierState = "provisioned"

STATE_OVERRIDE_ENV = "AI_FABRIC_CARRIER_STATE"
"""Environment variable that plans every circuit and port of every stack as `pending` or
`provisioned`, whatever is recorded (`fabric plan --carrier-state`; also usable with `pulumi up`)."""


class CarrierStateSpec(SpecModel):
    """What the carrier (or colocation provider) has done, per circuit and per Direct port."""

    circuits: dict[Name, CarrierState] = {}
    """Circuit key -> 'pending' (ordered: the service key is with the carrier) or 'provisioned'
    (Azure reports serviceProviderProvisioningState Provisioned). Unlisted: pending."""
    ports: dict[Name, CarrierState] = {}
    """Direct port key -> 'pending' (letter of authorization sent, cross-connects not in) or
    'provisioned' (cross-connects made: the links are enabled). Unlisted: pending."""


def state_override() -> CarrierState | None:
    """The state forced on every circuit and port by AI_FABRIC_CARRIER_STATE, if set (and valid)."""
    value = os.environ.get(STATE_OVERRIDE_ENV, "").strip().lower()
    if not value:
        return None
    if value not in (PENDING, PROVISIONED):
        raise ValueError(f"{STATE_OVERRIDE_ENV}={value!r}: allowed values are {PENDING!r} and {PROVISIONED!r}")
    return value  # type: ignore[return-value]


def reference_problems(state: CarrierStateSpec, circuits: set[str], ports: set[str]) -> list[tuple[tuple, str]]:
    """Problems (key path, message) of a recorded state that names no circuit or port of the stack."""
    out: list[tuple[tuple, str]] = []
    for key in state.circuits:
        if key not in circuits:
            out.append((("carrier_state", "circuits", key),
                        f"{key!r} is not a circuit of interconnect.circuits ({', '.join(sorted(circuits)) or 'none'})"))
    for key in state.ports:
        if key not in ports:
            out.append((("carrier_state", "ports", key),
                        f"{key!r} is not a port of interconnect.ports ({', '.join(sorted(ports)) or 'none'})"))
    return out


__all__ = [
    "CarrierState", "CarrierStateSpec", "PENDING", "PROVISIONED", "STATE_OVERRIDE_ENV", "state_override",
    "reference_problems",
]
