"""`fabric plan --against PLAN.json` end to end: the real program planned before and after an edit of a
stack file, the changes in JSON, table and Markdown, and the exit code."""

from __future__ import annotations

import json

from infra import offline
from infra.review import Op, review_stack
from infra.spec import from_config

RENAME_H200 = (("    h200:\n", "    h200b:\n"), ("scope: cluster/h200\n", "scope: cluster/h200b\n"))


def _changes(doc, op=None, type_suffix=""):
    return [c for c in doc["changes"] if (op is None or c["op"] == op) and c["type"].endswith(type_suffix)]


def test_renaming_a_cluster_key_replaces_its_gpu_scale_sets_and_exits_1(against_westus3):
    code, doc = against_westus3(*RENAME_H200)
    assert code == 1
    vmss = _changes(doc, "replace", "VirtualMachineScaleSet")
    assert len(vmss) == 2 and all(c["unsafe"] and c["rule"] == "gpu-scale-set-replaced" for c in vmss)
    assert sum(c["cost"]["gpus"] for c in vmss) == 1152 and sum(c["cost"]["vms"] for c in vmss) == 144
    assert {c["previous_name"] for c in vmss} == {"vmss-h200-ib-0", "vmss-h200-ib-1"}
    (stack,) = doc["stacks"]
    assert {u["kind"] for u in stack["unsafe_changes"]} == {"gpu-scale-set-replaced"}
    assert doc["review"]["counts"]["unsafe"] == 2 == doc["summary"]["unsafe_changes"]


def test_the_table_leads_with_the_summary_and_names_the_capacity_cost(against_westus3):
    code, out = against_westus3(*RENAME_H200, fmt="table")
    assert code == 1
    assert out.index("Summary") < out.index("Changes against") < out.index("Violations") < out.index("Detail")
    assert "westus3: replaces 2 scale sets: 144 VMs, 1,152 GPUs" in out
    assert out.rstrip().endswith("0 violations, 2 unsafe changes -> exit 1")


def test_the_markdown_has_an_unsafe_column_and_folds_long_lists(against_westus3):
    code, out = against_westus3(*RENAME_H200, fmt="markdown")
    assert code == 1
    assert out.startswith("## ai-fabric plan\n\n❌ **0 violations, 2 unsafe changes**")
    assert "| stack | op | resource | type | changed keys | unsafe | why |" in out
    assert "| westus3 | replace | `vmss-h200-ib-0` → `vmss-h200b-ib-0` | VirtualMachineScaleSet |" in out
    # More than ten changes: the unsafe ones in the open, all of them folded.
    assert "<details><summary>All 15 changes</summary>" in out
    assert out.count("<details>") == out.count("</details>")


def test_changing_the_site_resource_group_replaces_every_resource_and_exits_1(against_westus3):
    code, doc = against_westus3(("    region: westus3\n", "    region: westus3\n    resource_group: rg-gpu-west\n"))
    assert code == 1
    (stack,) = doc["stacks"]
    azure = {r["urn"] for r in stack["resources"] if r["type"].startswith("azure-native:")}
    assert {c["urn"] for c in _changes(doc, "replace")} == azure
    assert {"gpu-scale-set-replaced", "circuit-replaced", "gateway-recreated", "protected-replaced",
            "connection-replaced"} == {c["rule"] for c in doc["changes"] if c["unsafe"]}


def test_a_new_gpu_sku_restarts_every_vm_and_exits_1(against_westus3):
    code, doc = against_westus3(("sku: Standard_ND96isr_H200_v5", "sku: Standard_ND96isr_H100_v5"),
                                ("Standard_ND96isr_H200_v5: 14000", "Standard_ND96isr_H100_v5: 14000"))
    assert code == 1
    restarts = [c for c in doc["changes"] if c["rule"] == "gpu-vms-restarted"]
    assert len(restarts) == 2 and all(c["op"] == "update" and c["keys"] == ["sku.name"] for c in restarts)
    assert doc["summary"]["violations"] == 0


def test_lowering_a_circuits_bandwidth_exits_1(against_westus3):
    code, doc = against_westus3(("peering_location: Las Vegas\n        bandwidth_mbps: 10000",
                                 "peering_location: Las Vegas\n        bandwidth_mbps: 5000"))
    assert code == 1
    (c,) = [c for c in doc["changes"] if c["rule"] == "circuit-bandwidth-down"]
    assert c["urn"].endswith("::interconnect-circuit-lv") and "10,000 Mbps -> 5,000 Mbps" in c["reason"]


def test_adding_a_scale_set_is_a_create_and_exits_0(against_westus3):
    code, doc = against_westus3(("vm_count: 144", "vm_count: 216"),
                                ("Standard_ND96isr_H200_v5: 14000", "Standard_ND96isr_H200_v5: 21000"))
    assert code == 0, doc["changes"]
    (created,) = _changes(doc, "create")
    assert created["urn"].endswith("::h200-ib-2") and not created["unsafe"]
    assert not [c for c in doc["changes"] if c["unsafe"]]


def test_an_unchanged_stack_reports_no_changes(against_westus3):
    code, out = against_westus3(fmt="markdown")
    assert code == 0
    assert "### Changes against" in out and ": no changes" in out
    assert "✅ **0 violations, 0 unsafe changes**" in out


def test_a_stack_missing_from_the_earlier_plan_is_added_and_safe(fabric, tmp_path, stacks_dir):
    empty = tmp_path / "empty.json"
    empty.write_text('{"stacks": []}')
    code, out, _ = fabric("plan", "--stack", "westus3", "--format", "json", "--stacks-dir", str(stacks_dir),
                          "--against", str(empty))
    doc = json.loads(out)
    assert code == 0
    assert doc["review"]["stacks_added"] == ["westus3"] and doc["review"]["stacks_removed"] == []
    assert {c["op"] for c in doc["changes"]} == {"create"}
    azure = [r for r in doc["stacks"][0]["resources"] if not r["type"].startswith("ai-fabric:")]
    assert doc["review"]["counts"]["create"] == len(azure)  # every Azure resource once; components are not Azure


def test_renaming_the_a100_cluster_replaces_675_vms_and_5400_gpus(plan_shipped, plan_spec, shipped_specs):
    data = shipped_specs["eastus"].model_dump(mode="json", exclude={"stack"})
    data["clusters"] = {"a100-west": data["clusters"].pop("a100")}
    for grant in data["access"]["grants"].values():
        grant["scope"] = grant["scope"].replace("cluster/a100", "cluster/a100-west")
    renamed = from_config("eastus", data)
    after = plan_spec(renamed, peers={n: s for n, s in shipped_specs.items() if n != "eastus"},
                      options=offline.RunOptions())
    r = review_stack("eastus", tuple(plan_shipped("eastus")), tuple(after))
    assert "replaces 3 scale sets: 675 VMs, 5,400 GPUs" in r.impact()
    assert all(c.op is Op.REPLACE for c in r.unsafe)
