"""The offline engine runs the real program like the language host and records what it declares."""

from __future__ import annotations

from infra import offline


def test_every_shipped_stack_plans_under_the_engine(shipped_fabric, plan_shipped):
    for name in shipped_fabric.stacks:
        inv = plan_shipped(name)
        assert len(inv) > 0
        assert inv.exports["stack"] == name
        assert inv.exports["capacity"]["gpus"] == shipped_fabric.assessment.capacity[name].gpus
