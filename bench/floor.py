"""The speed floor: recorded inventories registered as bare resources under the offline engine.

`register` replays inventories in process; `python -m bench.floor` does a whole `fabric plan` with
the bare SDK, so that a whole-process comparison differs only in the provider SDK's cost.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from infra import offline
from infra.inventory import Inventory

FLOOR_PROGRAM = Path(__file__).resolve().parent / "floor_program.py"


def inventory_json(inv: Inventory) -> dict:
    return {
        "stack": inv.stack,
        "resources": [{**r.to_json(), "custom": r.custom, "dependencies": list(r.dependencies)} for r in inv],
    }


def register(inventories: Iterable[dict]) -> int:
    """Run the floor program once per stack; returns the number of resources registered."""
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for data in inventories:
            path = Path(tmp) / f"{data['stack']}.json"
            path.write_text(json.dumps(data))
            os.environ["AI_FABRIC_FLOOR_INVENTORY"] = str(path)
            inv = offline.run(data["stack"], {}, options=offline.RunOptions(program=FLOOR_PROGRAM))
            total += len(inv)
    return total


def plan_like(inventories_file: Path, stack: str, stacks_dir: Path) -> None:
    """`fabric plan --stack STACK --format json` with the bare SDK: the same loading, validation,
    registrations, checks and JSON, with plain resources in place of the provider SDK's."""
    from infra import invariants
    from infra.carrier.report import carrier_json
    from infra.cost.model import stack_cost
    from infra.plan import StackPlan, carrier_costs, to_json, with_review
    from infra.workspace import load_fabric

    fabric = load_fabric(stacks_dir)
    docs = json.loads(inventories_file.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        planned = {}
        for data in docs:
            path = Path(tmp) / f"{data['stack']}.json"
            path.write_text(json.dumps(data))
            os.environ["AI_FABRIC_FLOOR_INVENTORY"] = str(path)
            planned[data["stack"]] = offline.run(data["stack"], {}, options=offline.RunOptions(program=FLOOR_PROGRAM))
    inv = planned[stack]
    found = fabric.assessment.violations_of(stack) + invariants.check(inv, fabric.stacks[stack].spec.catalog)
    cap = fabric.assessment.capacity[stack]
    cost = stack_cost(fabric.stacks[stack].spec, inv, cap.clusters)
    doc = to_json(with_review([StackPlan(stack, inv, cap, tuple(found), cost=cost)], None, None, carrier_costs(fabric)))
    doc.update(carrier_json(fabric.assessment.flows))
    json.dump(doc, sys.stdout, indent=2)


if __name__ == "__main__":
    # python -m bench.floor INVENTORIES.json STACK STACKS_DIR
    plan_like(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
