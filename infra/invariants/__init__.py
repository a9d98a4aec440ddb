"""Resource-level invariants over a neutral inventory (see infra.inventory).

The same functions run in the unit tests, in `fabric plan`, and in the policy pack at preview
time. Each area registers its checks in its own module; `check` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable

from infra import catalog
from infra.capacity.report import Violation
from infra.inventory import Inventory
from infra.invariants import access, compute, conformance, network, operations

Check = Callable[[Inventory], list[Violation]]

def checks_for(cat: catalog.Catalog = catalog.DEFAULT) -> dict[str, Check]:
    """Every check, for one stack's catalog (its overrides of unverified facts applied)."""
    network_checks = network.CHECKS if cat is catalog.DEFAULT else network.checks(cat)
    return {**compute.CHECKS, **network_checks, **access.CHECKS, **operations.CHECKS, **conformance.CHECKS}


CHECKS: dict[str, Check] = checks_for()
"""Invariant name -> check with the catalog's defaults. Names are a contract: policies and reports
refer to them."""


def run_check(name: str, fn: Check, inventory: Inventory) -> list[Violation]:
    """One check; an inventory too malformed to judge is itself a violation, never a crash (the
    policy pack must not stop a preview with a Python error)."""
    try:
        return fn(inventory)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        return [Violation(name, f"cannot check the inventory: {type(exc).__name__}: {exc}", stack=inventory.stack)]


def check(inventory: Inventory, cat: catalog.Catalog = catalog.DEFAULT) -> list[Violation]:
    out: list[Violation] = []
    for name, fn in (CHECKS if cat is catalog.DEFAULT else checks_for(cat)).items():
        out += run_check(name, fn, inventory)
    return out
