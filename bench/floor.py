"""Register recorded inventories as bare resources under the offline engine (the speed floor)."""

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
        "resources": [{**r.to_json(), "custom": r.custom} for r in inv],
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


if __name__ == "__main__":
    # python -m bench.floor INVENTORIES.json  (a list of inventory_json documents)
    register(json.loads(Path(sys.argv[1]).read_text()))
