"""Resource-level invariants over a neutral inventory (see infra.inventory).

The same functions run in the unit tests, in `fabric plan`, and in the policy pack at preview
time. Each area registers its checks in its own module; `check` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable

from infra.capacity.report import Violation
from infra.inventory import Inventory
from infra.invariants import access, compute, network

Check = Callable[[Inventory], list[Violation]]

CHECKS: dict[str, Check] = {**compute.CHECKS, **network.CHECKS, **access.CHECKS}
"""Invariant name -> check. Names are a contract: policies and reports refer to them."""


def check(inventory: Inventory) -> list[Violation]:
    out: list[Violation] = []
    for fn in CHECKS.values():
        out += fn(inventory)
    return out
