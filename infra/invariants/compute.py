"""Resource-level invariants of the compute area, over the inventory."""

from __future__ import annotations

from collections.abc import Callable

from infra.capacity.report import Violation
from infra.inventory import Inventory

CHECKS: dict[str, Callable[[Inventory], list[Violation]]] = {}
