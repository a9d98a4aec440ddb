"""The offline engine runs the real program like the language host and records what it declares."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from infra import offline
from infra.inventory import SECRET


def _program(tmp_path: Path, body: str) -> offline.RunOptions:
    path = tmp_path / "__main__.py"
    path.write_text(textwrap.dedent(body))
    return offline.RunOptions(program=path)


def test_every_shipped_stack_plans_under_the_engine(shipped_fabric, plan_shipped):
    for name in shipped_fabric.stacks:
        inv = plan_shipped(name)
        assert len(inv) > 0
        assert inv.exports["stack"] == name
        assert inv.exports["capacity"]["gpus"] == shipped_fabric.assessment.capacity[name].gpus


def test_config_objects_are_json_encoded_and_secure_values_become_marked_secrets():
    values, secret_keys = offline.to_pulumi_config({
        "ai-fabric:site": {"region": "eastus"},
        "ai-fabric:bgpKey": {"secure": "v1:abc"},
        "azure-native:location": "eastus",
    })
    assert values["ai-fabric:site"] == '{"region": "eastus"}'
    assert values["azure-native:location"] == "eastus"
    assert values["ai-fabric:bgpKey"] == "[offline secret ai-fabric:bgpKey]"
    assert "v1:abc" not in "".join(values.values())
    assert secret_keys == ["ai-fabric:bgpKey"]


def test_program_runs_with_its_directory_as_cwd_and_sees_the_stack_config(tmp_path):
    opts = _program(tmp_path, """
        import os
        import pulumi
        cfg = pulumi.Config("ai-fabric")
        pulumi.export("cwd", os.getcwd())
        pulumi.export("site", cfg.require_object("site"))
        pulumi.export("stack", pulumi.get_stack())
        pulumi.export("project", pulumi.get_project())
    """)
    inv = offline.run("teststack", {"ai-fabric:site": {"region": "eastus", "n": 3}}, options=opts)
    assert inv.exports == {"cwd": str(tmp_path), "site": {"region": "eastus", "n": 3},
                           "stack": "teststack", "project": "ai-fabric"}


def test_recorder_keeps_type_name_parent_protect_dependencies_and_inputs(tmp_path):
    opts = _program(tmp_path, """
        import pulumi
        class Box(pulumi.ComponentResource):
            def __init__(self, name, opts=None):
                super().__init__("ai-fabric:test:Box", name, None, opts)
                self.a = pulumi.CustomResource("test:index:Thing", f"{name}-a", {"sizeGb": 10, "tags": {"k": "v"}},
                                               pulumi.ResourceOptions(parent=self, protect=True))
                self.b = pulumi.CustomResource("test:index:Thing", f"{name}-b", {"ref": self.a.id},
                                               pulumi.ResourceOptions(parent=self, depends_on=[self.a]))
                self.register_outputs({})
        Box("box")
    """)
    inv = offline.run("s", {}, options=opts)
    box = inv.named("box")
    a, b = inv.named("box-a"), inv.named("box-b")
    assert box.type == "ai-fabric:test:Box" and box.parent is None and not box.custom
    assert a.urn == "urn:pulumi:s::ai-fabric::ai-fabric:test:Box$test:index:Thing::box-a"
    assert a.parent == box.urn and b.parent == box.urn
    assert a.protect is True and b.protect is False
    assert a.inputs == {"sizeGb": 10, "tags": {"k": "v"}}
    assert isinstance(a.inputs["sizeGb"], int)  # wire floats come back as the integers they were
    assert a.urn in b.dependencies
    assert b.inputs["ref"] == "box-a-id"


def test_fails_when_two_resources_share_a_urn(tmp_path):
    opts = _program(tmp_path, """
        import pulumi
        pulumi.CustomResource("test:index:Thing", "same", {})
        pulumi.CustomResource("test:index:Thing", "same", {})
    """)
    with pytest.raises(Exception, match="Duplicate resource URN"):
        offline.run("s", {}, options=opts)


def test_secret_inputs_and_exports_are_never_recorded_in_clear(tmp_path):
    opts = _program(tmp_path, """
        import pulumi
        key = pulumi.Config("ai-fabric").require_secret("bgpKey")
        pulumi.CustomResource("test:index:Peering", "p", {"sharedKey": key, "vlanId": 100})
        pulumi.export("key", key)
        pulumi.export("plain", "visible")
    """)
    inv = offline.run("s", {"ai-fabric:bgpKey": {"secure": "v1:cipher"}}, options=opts)
    peering = inv.named("p")
    assert peering.inputs["sharedKey"] == SECRET
    assert peering.secret_inputs == {"sharedKey"}
    assert peering.inputs["vlanId"] == 100
    assert inv.exports == {"key": SECRET, "plain": "visible"}
    assert "offline secret" not in repr(inv)


def test_runs_never_leak_into_each_other(tmp_path):
    first = _program(tmp_path, """
        import pulumi
        pulumi.CustomResource("test:index:Thing", "only-in-first", {})
        pulumi.export("n", 1)
    """)
    inv1 = offline.run("one", {"ai-fabric:x": "1"}, options=first)
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    second = _program(second_dir, """
        import pulumi
        assert pulumi.Config("ai-fabric").get("x") is None, "config leaked from the previous run"
        pulumi.CustomResource("test:index:Thing", "only-in-second", {})
    """)
    inv2 = offline.run("two", {}, options=second)
    assert [r.name for r in inv1] == ["only-in-first"]
    assert [r.name for r in inv2] == ["only-in-second"]
    assert inv2.exports == {}


def test_a_failing_program_reports_its_own_message(tmp_path):
    opts = _program(tmp_path, """
        import pulumi
        raise pulumi.RunError("the spec says no")
    """)
    with pytest.raises(offline.PlanError, match="the spec says no"):
        offline.run("s", {}, options=opts)


def test_mocks_answer_client_config_and_give_arm_shaped_ids(plan_shipped):
    inv = plan_shipped("eastus")
    rg = inv.named("network-rg")
    assert rg.id == f"/subscriptions/{offline.MOCK_SUBSCRIPTION}/resourceGroups/rg-ai-fabric-eastus-network"
    vnet = inv.named("vnet")
    assert vnet.id.endswith("/providers/Microsoft.Network/virtualNetworks/vnet-ai-fabric-eastus")


def test_alias_transformation_changes_speed_not_what_is_declared(shipped_fabric, plan_shipped):
    # plan_shipped plans with the default options (aliases dropped, fast=True).
    specs = {n: s.spec for n, s in shipped_fabric.stacks.items()}
    configs = {n: s.file.config for n, s in shipped_fabric.stacks.items()}
    planner_slow = offline.FabricPlanner(specs, configs, offline.RunOptions(fast=False))
    fast, slow = plan_shipped("uksouth"), planner_slow.inventory("uksouth")
    assert [(r.urn, r.inputs, r.protect, r.parent) for r in fast] == [(r.urn, r.inputs, r.protect, r.parent) for r in slow]


def test_fails_clearly_when_a_provisioned_peer_has_not_exported_its_peering_ids(shipped_fabric):
    # westeurope's stack file records its circuits as provisioned, but it has not been deployed since.
    specs = {n: s.spec for n, s in shipped_fabric.stacks.items()}
    with pytest.raises(offline.PlanError, match=r"peer stack westeurope exports no circuit_peering_ids\['ams'\]: "
                                                r"its stack file records the circuit as provisioned"):
        offline.run("uksouth", shipped_fabric.stacks["uksouth"].file.config, peer_outputs=lambda name: {},
                    peer_specs=specs)


def test_a_global_reach_link_waits_while_the_peer_circuit_is_pending(shipped_fabric):
    # The peer's file records nothing (pending): the owner defers its links instead of failing.
    specs = {n: s.spec for n, s in shipped_fabric.stacks.items()}
    specs["westeurope"] = specs["westeurope"].model_copy(update={"carrier_state": type(specs["westeurope"].carrier_state)()})
    inv = offline.run("uksouth", shipped_fabric.stacks["uksouth"].file.config, peer_outputs=lambda name: {},
                      peer_specs=specs)
    assert inv.of_type("azure-native:network:ExpressRouteCircuitConnection") == []
    (component,) = inv.of_type("ai-fabric:network:PrivateInterconnect")
    assert {"interconnect-global-reach-to-westeurope-ams", "interconnect-global-reach-to-westeurope-fra"} <= set(
        component.inputs["deferred"])
    own = shipped_fabric.stacks["uksouth"].spec.interconnect.circuits
    assert len(inv.of_type("azure-native:network:VirtualNetworkGatewayConnection")) == len(own)  # its circuits are up


def test_peer_outputs_answer_stack_references_from_the_peer_run(tmp_path):
    opts = _program(tmp_path, """
        import pulumi
        if pulumi.get_stack() == "a":
            ref = pulumi.StackReference("peer", stack_name="organization/ai-fabric/b")
            pulumi.export("from_b", ref.get_output("greeting"))
        else:
            pulumi.export("greeting", "hello from b")
    """)
    inv_b = offline.run("b", {}, options=opts)
    inv_a = offline.run("a", {}, peer_outputs=lambda name: inv_b.exports if name == "b" else {}, options=opts)
    assert inv_a.exports["from_b"] == "hello from b"
