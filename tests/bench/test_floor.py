"""The bare-SDK floor of `make bench` does the same plan as `fabric plan`, with plain resources."""

from __future__ import annotations

import contextlib
import io
import json

from bench import floor
from infra import cli, offline, plan
from infra.offline import PROJECT_DIR


def test_the_floor_plans_exactly_what_fabric_plan_plans(shipped_fabric, tmp_path):
    # What one `fabric plan --stack uksouth` registers: the stack and the peer it reads outputs of
    # (uksouth owns its Global Reach links to westeurope). `make bench` does the same for the largest stack.
    planner = plan.planner_for(shipped_fabric)
    planner.inventory("uksouth")
    assert set(planner._done) == {"uksouth", "westeurope"}
    recorded = tmp_path / "inventories.json"
    recorded.write_text(json.dumps([floor.inventory_json(inv) for inv in planner._done.values()]))

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        floor.plan_like(recorded, "uksouth", PROJECT_DIR / "stacks")
    # What `fabric plan --stack uksouth --format json` prints, run in this process (the same code path as the
    # console script, without a second interpreter importing the SDK).
    real = io.StringIO()
    with contextlib.redirect_stdout(real), contextlib.chdir(PROJECT_DIR):
        assert cli.main(["plan", "--stack", "uksouth", "--format", "json"]) == 0
    assert json.loads(out.getvalue()) == json.loads(real.getvalue())


def test_the_floor_registers_plain_resources_with_the_same_parents_and_dependencies(plan_shipped, tmp_path,
                                                                                   monkeypatch):
    inv = plan_shipped("uksouth")
    path = tmp_path / "uksouth.json"
    path.write_text(json.dumps(floor.inventory_json(inv)))
    monkeypatch.setenv("AI_FABRIC_FLOOR_INVENTORY", str(path))
    replayed = offline.run("uksouth", {}, options=offline.RunOptions(program=floor.FLOOR_PROGRAM))
    # StackReferences are not part of an inventory: dependencies on them have nothing to replay.
    urns = {r.urn for r in inv}

    def key(r):
        return r.urn, r.type, r.parent, r.protect, r.custom, dict(r.inputs), sorted(set(r.dependencies) & urns)

    assert sorted(map(key, replayed)) == sorted(map(key, inv))
