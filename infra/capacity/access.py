"""Spec-level access invariants of one stack (least privilege, operator coverage)."""

from __future__ import annotations

from infra.capacity.report import Violation
from infra.spec import FabricSpec


def check(spec: FabricSpec) -> list[Violation]:
    return []
