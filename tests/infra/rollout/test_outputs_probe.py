"""`--carrier-probe outputs`: the program exports what Azure says of each circuit and port, and the probe
reads it back from the stack outputs."""

from __future__ import annotations

import pytest
import yaml

from infra import offline
from infra.rollout.engine import circuit_targets, port_targets
from infra.rollout.probe import CircuitTarget, OutputsProbe
from infra.spec import from_config
from infra.stackfile import load


def _circuit(stack: str = "eastus", key: str = "wdc") -> CircuitTarget:
    return CircuitTarget(stack=stack, key=key, name=f"erc-{stack}-{key}", resource_group="rg-net")


def test_the_program_exports_each_owned_circuits_provider_state(plan_shipped, shipped_fabric):
    for name, stack in shipped_fabric.stacks.items():
        exported = plan_shipped(name).exports["circuit_provider_states"]
        # The mock answers as Azure does for a circuit no provider has touched yet.
        assert exported == {k: "NotProvisioned" for k in stack.spec.interconnect.circuits}, name


def test_the_program_exports_each_ports_link_admin_states(plan_shipped, shipped_fabric):
    # The shipped files record eastus's ports as provisioned: the program enabled both links of each.
    for name, stack in shipped_fabric.stacks.items():
        spec = stack.spec
        expected = {k: ["Enabled" if spec.port_state(k) == "provisioned" else "Disabled"] * 2
                    for k in spec.interconnect.ports}
        assert plan_shipped(name).exports["port_link_admin_states"] == expected, name
    assert plan_shipped("eastus").exports["port_link_admin_states"] == {"wdc": ["Enabled", "Enabled"],
                                                                       "nyc": ["Enabled", "Enabled"]}
    probe = OutputsProbe(lambda stack: plan_shipped(stack).exports)
    for key, target in port_targets(shipped_fabric.stacks["eastus"]).items():
        seen = probe.port(target)
        assert seen.state == "provisioned" and "Enabled, Enabled (stack output)" in seen.detail, key
    assert port_targets(shipped_fabric.stacks["westus3"]) == {}  # provider circuits only: no port to read


def test_outputs_probe_reads_what_the_program_exported(plan_shipped, shipped_fabric):
    probe = OutputsProbe(lambda stack: plan_shipped(stack).exports)
    for key, target in circuit_targets(shipped_fabric.stacks["westus3"]).items():
        seen = probe.circuit(target)
        assert seen.state == "pending" and "NotProvisioned (stack output)" in seen.detail, key


@pytest.mark.parametrize(("recorded", "links", "state"), [
    ({}, ["Disabled", "Disabled"], "pending"),
    ({"ports": {"p1": "provisioned"}}, ["Enabled", "Enabled"], "provisioned"),
])
def test_outputs_probe_reads_the_exported_port_links(spec_data, direct, tmp_path, recorded, links, state):
    spec_data["interconnect"]["ports"] = {"p1": {"peering_location": "Washington DC", "bandwidth_gbps": 10}}
    spec_data["interconnect"]["circuits"]["wdc"] = direct("p1", 1, 5)
    spec_data["carrier_state"] = recorded
    spec = from_config("eastus", spec_data)
    inv = offline.run("eastus", offline.config_from_spec(spec), peer_specs={"eastus": spec})
    assert inv.exports["port_link_admin_states"] == {"p1": links}
    # The Direct circuit has no provider: its gate is its port's.
    assert set(inv.exports["circuit_provider_states"]) == {"wdc", "nyc"}
    (target,) = port_targets(_as_stack_file(spec, tmp_path)).values()
    seen = OutputsProbe(lambda stack: inv.exports).port(target)
    assert seen.state == state and ", ".join(links) in seen.detail


def _as_stack_file(spec, directory):
    """The spec as a stack file on disk (what the engine's targets are made from)."""
    path = directory / f"Pulumi.{spec.stack}.yaml"
    path.write_text(yaml.safe_dump({"config": offline.config_from_spec(spec)}, sort_keys=False))
    return load(path)


def test_outputs_probe_reads_the_exported_provider_states():
    outputs = {"eastus": {"circuit_provider_states": {"wdc": "Provisioned", "nyc": "NotProvisioned"}}}
    probe = OutputsProbe(lambda stack: outputs.get(stack, {}))
    assert probe.circuit(_circuit()).state == "provisioned"
    assert probe.circuit(_circuit(key="nyc")).state == "pending"


def test_a_stack_not_yet_deployed_leaves_the_recorded_state():
    seen = OutputsProbe(lambda stack: {}).circuit(_circuit(stack="westus3", key="svl"))
    assert seen.state is None and "exports no circuit_provider_states['svl'] yet" in seen.detail
