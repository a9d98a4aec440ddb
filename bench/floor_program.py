"""The bare-SDK floor: a Pulumi program that registers a recorded inventory as plain resources.

Every resource of the inventory becomes a `pulumi.CustomResource` (components a
`pulumi.ComponentResource`) with the same type, name, parent, dependencies, protect flag and inputs, so the
engine does the same registrations without any provider SDK code. Run by bench/floor.py through
the offline engine, under the same mocks as the real program.
"""

import json
import os

import pulumi

inventory = json.loads(open(os.environ["AI_FABRIC_FLOOR_INVENTORY"]).read())
recorded = {r["urn"] for r in inventory["resources"]}
made: dict[str, pulumi.Resource] = {}
pending = list(inventory["resources"])
while pending:
    later = []
    for r in pending:
        # A resource comes after its parent and what it depends on, as in the program.
        needs = [u for u in (r["parent"], *r["dependencies"]) if u in recorded]
        if any(u not in made for u in needs):
            later.append(r)
            continue
        depends_on = [made[u] for u in r["dependencies"] if u in recorded]
        opts = pulumi.ResourceOptions(parent=made.get(r["parent"]), protect=r["protect"], depends_on=depends_on)
        if r["custom"]:
            made[r["urn"]] = pulumi.CustomResource(r["type"], r["name"], dict(r["inputs"]), opts)
        else:
            made[r["urn"]] = pulumi.ComponentResource(r["type"], r["name"], dict(r["inputs"]), opts)
    if len(later) == len(pending):
        raise RuntimeError("inventory has resources whose parent or dependencies are missing")
    pending = later
