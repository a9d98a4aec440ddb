"""`fabric plan --against`: changes that would cost an outage or the carrier's provisioning."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from infra import cli, safe_change

STACKS = Path(__file__).resolve().parents[2] / "stacks"


@pytest.fixture
def fabric_dir(tmp_path) -> Path:
    d = tmp_path / "stacks"
    shutil.copytree(STACKS, d)
    return d


@pytest.fixture
def baseline(fabric_dir, tmp_path, capsys) -> Path:
    assert cli.main(["plan", "--stack", "westus3", "--format", "json", "--stacks-dir", str(fabric_dir)]) == 0
    path = tmp_path / "before.json"
    path.write_text(capsys.readouterr().out)
    return path


def _replan(fabric_dir: Path, baseline: Path, capsys, edit: tuple[str, str]) -> tuple[int, list[dict]]:
    f = fabric_dir / "Pulumi.westus3.yaml"
    text = f.read_text()
    assert edit[0] in text
    f.write_text(text.replace(edit[0], edit[1], 1))
    code = cli.main(["plan", "--stack", "westus3", "--format", "json", "--stacks-dir", str(fabric_dir),
                     "--against", str(baseline)])
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    return code, stack["unsafe_changes"]


def test_an_unchanged_fabric_has_no_unsafe_change(fabric_dir, baseline, capsys):
    code = cli.main(["plan", "--stack", "westus3", "--format", "json", "--stacks-dir", str(fabric_dir),
                     "--against", str(baseline)])
    assert code == 0
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    assert stack["unsafe_changes"] == []


def test_fails_when_a_circuit_bandwidth_goes_down(fabric_dir, baseline, capsys):
    code, changes = _replan(fabric_dir, baseline, capsys,
                            ("peering_location: Las Vegas\n        bandwidth_mbps: 10000",
                             "peering_location: Las Vegas\n        bandwidth_mbps: 5000"))
    assert code == 1
    (c,) = [c for c in changes if c["kind"] == "circuit-bandwidth-down"]
    assert c["resource"].endswith("::interconnect-circuit-lv")
    assert "10000 Mbps -> 5000 Mbps" in c["message"]


def test_fails_when_a_circuit_moves_to_another_peering_location(fabric_dir, baseline, capsys):
    code, changes = _replan(fabric_dir, baseline, capsys, ("peering_location: Las Vegas", "peering_location: Chicago"))
    assert code == 1
    (c,) = [c for c in changes if c["kind"] == "circuit-replaced"]
    assert "'Las Vegas' -> 'Chicago'" in c["message"] and c["resource"].endswith("::interconnect-circuit-lv")


def test_fails_when_a_gateway_sku_change_cannot_happen_in_place(fabric_dir, baseline, capsys):
    code, changes = _replan(fabric_dir, baseline, capsys,
                            ("sku: ErGwScale\n      scale_units: 20", "sku: ErGw3AZ"))
    assert code == 1
    (c,) = [c for c in changes if c["kind"] == "gateway-recreated"]
    assert "ErGwScale -> ErGw3AZ" in c["message"]


def test_fails_when_a_protected_circuit_disappears():
    before = {"urn:c": {"urn": "urn:c", "type": safe_change.CIRCUIT, "name": "c", "protect": True, "inputs": {}}}
    (c,) = safe_change.compare(before, [])
    assert c.kind == "protected-removed"


def test_a_bandwidth_increase_and_an_in_place_resize_are_safe():
    def circuit(mbps):
        return {"urn": "urn:c", "type": safe_change.CIRCUIT, "name": "c", "protect": True,
                "inputs": {"serviceProviderProperties": {"bandwidthInMbps": mbps, "peeringLocation": "Chicago",
                                                         "serviceProviderName": "CenturyLink Cloud Connect"}}}

    def gateway(sku):
        return {"urn": "urn:g", "type": safe_change.GATEWAY, "name": "g", "protect": False, "inputs": {"sku": {"name": sku}}}

    before = {"urn:c": circuit(1000), "urn:g": gateway("ErGw1AZ")}
    assert safe_change.compare(before, [circuit(10000), gateway("ErGw2AZ")]) == []
    (c,) = safe_change.compare(before, [circuit(10000), gateway("ErGwScale")])
    assert c.kind == "gateway-recreated"


@pytest.mark.parametrize("content", ["{", '{"stacks": 3}', "[]"])
def test_fails_with_exit_2_when_the_earlier_plan_is_not_a_plan(tmp_path, capsys, content):
    bad = tmp_path / "before.json"
    bad.write_text(content)
    code = cli.main(["plan", "--stack", "westus3", "--stacks-dir", str(STACKS), "--against", str(bad)])
    assert code == 2
    err = capsys.readouterr().err
    assert "before.json" in err and "fabric plan --format json" in err


def test_fails_when_a_whole_stack_with_protected_circuits_disappears(fabric_dir, tmp_path, capsys):
    assert cli.main(["plan", "--all", "--format", "json", "--stacks-dir", str(fabric_dir)]) == 0
    before = tmp_path / "all.json"
    before.write_text(capsys.readouterr().out)
    # uksouth's links to westeurope go with it: drop them on the westeurope side too.
    (fabric_dir / "Pulumi.uksouth.yaml").unlink()
    we = fabric_dir / "Pulumi.westeurope.yaml"
    text = we.read_text()
    start = text.index("      to-uksouth-lon:")
    end = text.index("  ai-fabric:demands:")
    text = text[:start] + text[end:]
    # Its only demand goes to uksouth: the demands block becomes empty.
    demands, access = text.index("  ai-fabric:demands:"), text.index("  ai-fabric:access:")
    we.write_text(text[:demands] + "  ai-fabric:demands: {}\n" + text[access:])
    code = cli.main(["plan", "--all", "--format", "json", "--stacks-dir", str(fabric_dir), "--against", str(before)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1, out.get("removed_stacks")
    (gone,) = out["removed_stacks"]
    assert gone["stack"] == "uksouth"
    kinds = {(c["kind"], c["resource"].rsplit("::", 1)[1]) for c in gone["unsafe_changes"]}
    assert ("protected-removed", "interconnect-circuit-lon") in kinds
    assert ("protected-removed", "interconnect-peering-dub") in kinds
