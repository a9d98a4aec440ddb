"""`fabric plan` and `fabric graph`: the JSON contract, exit codes, and the three human formats."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from infra import cli
from tests.conftest import memoized_plan

pytestmark = pytest.mark.usefixtures("memoized_plans")

STACKS = Path(__file__).resolve().parents[2] / "stacks"


@pytest.fixture
def stacks(tmp_path) -> Path:
    d = tmp_path / "stacks"
    shutil.copytree(STACKS, d)
    return d


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def plan_json(tmp_path_factory) -> dict:
    import contextlib
    import io

    from infra import plan

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan, "plan", memoized_plan)
        code = cli.main(["plan", "--all", "--format", "json", "--stacks-dir", str(STACKS)])
    assert code == 0, buf.getvalue()[-2000:]
    return json.loads(buf.getvalue())


def test_plan_json_follows_the_design_contract(plan_json):
    names = [s["stack"] for s in plan_json["stacks"]]
    assert sorted(names) == sorted(p.name.split(".")[1] for p in STACKS.glob("Pulumi.*.yaml"))
    for stack in plan_json["stacks"]:
        assert set(stack) >= {"stack", "resources", "capacity", "violations"}
        assert stack["violations"] == []
        for r in stack["resources"]:
            assert set(r) >= {"urn", "type", "name", "parent", "protect", "inputs"}
            assert r["urn"].startswith(f"urn:pulumi:{stack['stack']}::ai-fabric::")
            assert r["parent"] is None or r["parent"].startswith("urn:pulumi:")
            assert isinstance(r["protect"], bool)
        cap = stack["capacity"]
        for key in ("gpus", "vms", "cpu_sockets"):
            assert type(cap[key]) is int
        for c in cap["clusters"]:
            assert set(c) >= {"name", "sku", "vms", "gpus", "cpu_sockets", "ib_gbps_per_vm", "ib_domains"}
            assert all(type(c[k]) is int for k in ("vms", "gpus", "cpu_sockets", "ib_gbps_per_vm", "ib_domains"))
        ic = cap["interconnect"]
        assert set(ic) >= {"circuits", "circuit_gbps", "gateway_gbps", "fastpath", "peering_locations", "n_minus_1_gbps"}
        assert all(isinstance(ic[k], (int, float)) and not isinstance(ic[k], bool)
                   for k in ("circuits", "circuit_gbps", "gateway_gbps", "n_minus_1_gbps"))
        assert isinstance(ic["fastpath"], bool)


def test_plan_json_sums_the_fabric_and_has_no_changes_without_an_earlier_plan(plan_json):
    summary = plan_json["summary"]
    assert (summary["stacks"], summary["gpus"], summary["vms"], summary["circuits"]) == (5, 12088, 1547, 12)
    # eastus reaches the carrier at 2 x 100 Gb/s (Direct), so the fabric's worst site is one of 2 x 10 Gb/s.
    assert summary["worst_failure"] == {"stack": "southcentralus", "failure": "PoP CHI", "leaves_gbps": 10,
                                        "of_gbps": 20}
    assert (summary["violations"], summary["unsafe_changes"]) == (0, 0)
    assert "changes" not in plan_json and "review" not in plan_json
    assert all(s["unsafe_changes"] == [] for s in plan_json["stacks"])


def test_plan_json_carries_the_reference_cluster_figures(plan_json):
    eastus = next(s for s in plan_json["stacks"] if s["stack"] == "eastus")
    cap = eastus["capacity"]
    assert (cap["gpus"], cap["vms"], cap["cpu_sockets"]) == (5400, 675, 1350)
    (a100,) = cap["clusters"]
    assert a100["sku"] == "Standard_ND96amsr_A100_v4"
    assert (a100["ib_gbps_per_vm"], a100["ib_domains"]) == (1600, 3)


def test_plan_json_parents_are_resources_of_the_same_plan(plan_json):
    for stack in plan_json["stacks"]:
        urns = {r["urn"] for r in stack["resources"]}
        assert all(r["parent"] in urns for r in stack["resources"] if r["parent"])
        assert len(urns) == len(stack["resources"])


def test_plan_exits_1_with_the_violation_when_an_invariant_breaks(stacks, capsys):
    path = stacks / "Pulumi.eastus.yaml"
    path.write_text(path.read_text().replace("Standard_ND96amsr_A100_v4: 65000", "Standard_ND96amsr_A100_v4: 60000"))
    code, out, _ = _run(capsys, "plan", "--stack", "eastus", "--format", "json", "--stacks-dir", str(stacks))
    assert code == 1
    (stack,) = json.loads(out)["stacks"]
    (v,) = [v for v in stack["violations"] if v["invariant"] == "vcpu-quota"]
    assert v["resource"] is None and "64,800" in v["message"] and "60,000" in v["message"]


def test_plan_reports_a_resource_violation_with_its_urn(stacks, capsys):
    # Two 10 Gbps circuits behind a 1 Gbps gateway without FastPath: the gateway cannot carry them.
    path = stacks / "Pulumi.eastus.yaml"
    text = path.read_text().replace("sku: ErGw3AZ\n      fastpath: true", "sku: ErGw1AZ\n      fastpath: false")
    path.write_text(text)
    code, out, _ = _run(capsys, "plan", "--stack", "eastus", "--format", "json", "--stacks-dir", str(stacks))
    assert code == 1
    (stack,) = json.loads(out)["stacks"]
    with_urn = [v for v in stack["violations"] if v["resource"]]
    assert with_urn, stack["violations"]
    urns = {r["urn"] for r in stack["resources"]}
    assert all(v["resource"] in urns for v in with_urn)
    # The same broken claim caught by the capacity model and by the resource check is reported once,
    # with the resource's URN and the spec's key path.
    (throughput,) = [v for v in stack["violations"] if v["invariant"] == "gateway-throughput"]
    assert throughput["resource"] in urns and throughput["path"] == "interconnect.gateway.sku"


def test_plan_table_leads_with_the_summary_then_the_tree_and_capacity(capsys):
    code, out, _ = _run(capsys, "plan", "--stack", "eastus", "--stacks-dir", str(STACKS))
    assert code == 0
    assert out.startswith("ai-fabric plan: 1 stack: 5,400 GPUs on 675 VMs, 2 circuits (200 Gb/s)\n\nSummary\n")
    summary = out[: out.index("Violations")]
    assert re.search(r"eastus +eastus +5,400 +675 +2 +200 +PoP WDC +100 +0", summary)
    assert re.search(r"total +5,400 +675 +2 +200 +PoP WDC \(eastus\) +100 of 200 +0", summary)
    assert out.index("Summary") < out.index("Violations") < out.index("Detail") < out.index("Stack eastus: ")
    assert "pulumi:pulumi:Stack  ai-fabric-eastus" in out
    assert re.search(r"├─ ai-fabric:compute:GpuCluster  a100", out)
    assert "5,400 GPUs on 675 VMs, 1,350 CPU sockets" in out
    assert "worst single failure leaves 100 Gbps (PoP WDC)" in out
    # Without an earlier plan there is nothing to compare: no changes section, no unsafe count.
    assert "Changes against" not in out
    assert out.rstrip().endswith("1 stack planned, 76 resources: 0 violations -> exit 0")


def test_plan_reports_count_violations_as_the_exit_code_does(stacks, capsys):
    path = stacks / "Pulumi.westus3.yaml"
    path.write_text(path.read_text().replace("Standard_ND96isr_H200_v5: 14000", "Standard_ND96isr_H200_v5: 13000"))
    code, out, _ = _run(capsys, "plan", "--stack", "westus3", "--stacks-dir", str(stacks))
    assert code == 1
    assert re.search(r"  westus3: \S*Pulumi\.westus3\.yaml:\d+: \[vcpu-quota\]", out[out.index("Violations"): out.index("Detail")])
    assert out.rstrip().endswith("1 violation -> exit 1")
    code, md, _ = _run(capsys, "plan", "--stack", "westus3", "--format", "markdown", "--stacks-dir", str(stacks))
    assert code == 1 and "❌ **1 violation**" in md and "- **westus3** `vcpu-quota`" in md


def test_plan_markdown_is_a_pull_request_comment(capsys):
    code, out, _ = _run(capsys, "plan", "--all", "--format", "markdown", "--stacks-dir", str(STACKS))
    assert code == 0
    assert out.startswith("## ai-fabric plan\n\n✅ **0 violations**: 5 stacks: 12,088 GPUs on 1,547 VMs")
    assert "| eastus | eastus | 5,400 | 675 | 2 | 200 | PoP WDC | 100 | 0 | 0 |" in out
    assert "| **total** |  | **12,088** | **1,547** | **12** | **300** |" in out
    # One folded detail per stack; "in 1 domain", not "in 1 domains".
    assert out.count("<details>") == out.count("</details>") == 5
    assert "in 1 domain (72 VMs)" in out and "1 domains" not in out
    assert out.index("### Violations") < out.index("### Detail")


@pytest.mark.parametrize("command", ["plan", "graph"])
def test_fails_with_exit_2_on_bad_input_in_every_command(stacks, capsys, command):
    (stacks / "Pulumi.eastus.yaml").write_text("config:\n  ai-fabric:site: [unclosed\n")
    code, out, err = _run(capsys, command, "--all", "--stacks-dir", str(stacks))
    assert code == 2
    assert "Pulumi.eastus.yaml:" in err and "invalid YAML" in err
    assert "Traceback" not in err + out


@pytest.mark.parametrize("command", ["validate", "plan", "graph"])
def test_fails_with_exit_2_on_an_unknown_stack(capsys, command):
    code, _, err = _run(capsys, command, "--stack", "atlantis", "--stacks-dir", str(STACKS))
    assert code == 2
    assert "atlantis" in err and "unknown stack" in err


def test_fails_with_exit_2_on_bad_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["plan", "--format", "yaml"])
    assert exc.value.code == 2
    assert "bad usage" in capsys.readouterr().err


def test_graph_mermaid_draws_sites_locations_and_each_global_reach_link_once(capsys, shipped_fabric):
    code, out, _ = _run(capsys, "graph", "--all", "--stacks-dir", str(STACKS))
    assert code == 0
    assert out.startswith("flowchart LR\n")
    for name in shipped_fabric.stacks:
        assert f'subgraph site_{name}["{name} (' in out
    links = {frozenset({(s.stack, l.circuit), (l.peer_stack, l.peer_circuit)})
             for s in (x.spec for x in shipped_fabric.stacks.values()) for l in s.interconnect.global_reach.values()}
    assert out.count("Global Reach") == len(links) == 8
    assert "Washington DC" in out and "Amsterdam2" in out
    assert "5,400 x A100 80GB on 675 VMs, 3 InfiniBand domains" in out


def test_graph_dot_is_balanced_and_has_every_link(capsys):
    code, out, _ = _run(capsys, "graph", "--all", "--format", "dot", "--stacks-dir", str(STACKS))
    assert code == 0
    assert out.startswith("graph fabric {")
    assert out.count("{") == out.count("}")
    assert out.count("style=dashed") == 8
    assert "Global Reach 10 Gbps" in out


def test_graph_of_one_stack_keeps_its_links_to_peers_left_out(capsys):
    code, out, _ = _run(capsys, "graph", "--stack", "uksouth", "--stacks-dir", str(STACKS))
    assert code == 0
    assert "subgraph site_westeurope" not in out
    assert out.count("Global Reach") == 2
    assert 'westeurope/ams (not drawn)' in out and 'westeurope/fra (not drawn)' in out


def test_plan_reports_show_a_cost_column_once_stacks_carry_a_cost(plan_shipped, shipped_fabric):
    import dataclasses

    from infra import render
    from infra.plan import StackPlan

    @dataclasses.dataclass(frozen=True)
    class CostedPlan(StackPlan):
        cost: dict | None = None

    plain = StackPlan("uksouth", plan_shipped("uksouth"), shipped_fabric.assessment.capacity["uksouth"], ())
    assert "monthly USD" not in render.plan_markdown([plain])
    costed = CostedPlan(plain.stack, plain.inventory, plain.capacity, (), cost={"monthly_usd": 1234.5})
    md = render.plan_markdown([costed])
    assert "| unsafe changes | monthly USD |" in md and "| 1,234.50 |" in md
    assert "monthly USD" in render.plan_table([costed], {})


def test_plan_json_lists_a_removed_stacks_unsafe_changes(plan_shipped, shipped_fabric):
    from infra import plan
    from infra.review import review

    inv = plan_shipped("westus3")
    current = plan.StackPlan("westus3", inv, shipped_fabric.assessment.capacity["westus3"], ())
    gone = {"uksouth": tuple(plan_shipped("uksouth")), "westus3": tuple(inv)}
    doc = plan.to_json(plan.with_review([current], review("before.json", gone, {"westus3": tuple(inv)}, True)))
    (removed,) = doc["removed_stacks"]
    assert removed["stack"] == "uksouth" and doc["review"]["stacks_removed"] == ["uksouth"]
    assert {"kind", "resource", "message"} == set(removed["unsafe_changes"][0])
    assert {c["stack"] for c in doc["changes"]} == {"uksouth"} and doc["summary"]["unsafe_changes"] > 0


def test_a_long_change_list_stays_within_a_pull_request_comment(plan_shipped, shipped_fabric):
    import dataclasses

    from infra import plan, render
    from infra.review import review

    def moved(value):
        if isinstance(value, str):
            return value.replace("rg-ai-fabric-", "rg-elsewhere-with-a-long-name-")
        if isinstance(value, dict):
            return {k: moved(v) for k, v in value.items()}
        return [moved(v) for v in value] if isinstance(value, list) else value

    names = ("eastus", "southcentralus", "uksouth", "westeurope", "westus3")
    now = {n: tuple(plan_shipped(n)) for n in names}
    # Every resource group of the fabric renamed: every resource replaced, each with a long reason.
    before = {n: tuple(dataclasses.replace(r, inputs=moved(dict(r.inputs))) for r in rs) for n, rs in now.items()}
    plans = [plan.StackPlan(n, plan_shipped(n), shipped_fabric.assessment.capacity[n], ()) for n in names]
    md = render.plan_markdown(plan.with_review(plans, review("before.json", before, now, True)))
    assert len(md) < 60_000  # what the PR workflow posts of it (.github/workflows/pr.yml slices at 60,000)
    assert "more: see `fabric plan --format json`." in md
    assert md.count("<details>") == md.count("</details>")
