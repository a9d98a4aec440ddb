"""The bare-SDK floor: a Pulumi program that registers a recorded inventory as plain resources.

Every resource of the inventory becomes a `pulumi.CustomResource` (components a
`pulumi.ComponentResource`) with the same type, name, parent, protect flag and inputs, so the
engine does the same registrations without any provider SDK code. Run by bench/floor.py through
the offline engine, under the same mocks as the real program.
"""

import json
import os

import pulumi

inventory = json.loads(open(os.environ["AI_FABRIC_FLOOR_INVENTORY"]).read())
made: dict[str, pulumi.Resource] = {}
pending = list(inventory["resources"])
while pending:
    later = []
    for r in pending:
        parent = r["parent"]
        if parent is not None and parent not in made:
            later.append(r)
            continue
        opts = pulumi.ResourceOptions(parent=made.get(parent), protect=r["protect"])
        if r["custom"]:
            made[r["urn"]] = pulumi.CustomResource(r["type"], r["name"], dict(r["inputs"]), opts)
        else:
            made[r["urn"]] = pulumi.ComponentResource(r["type"], r["name"], dict(r["inputs"]), opts)
    if len(later) == len(pending):
        raise RuntimeError("inventory has resources whose parent is missing")
    pending = later
