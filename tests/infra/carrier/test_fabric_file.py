"""stacks/fabric.yaml: loaded with file and line errors, cross-checked against the stacks, exit 2 on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra import cli
from infra.carrier import load

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def stacks(tmp_path) -> Path:
    """A copy of the shipped stacks and carrier file, free to break."""
    out = tmp_path / "stacks"
    shutil.copytree(REPO / "stacks", out)
    return out


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` (once) and return the 1-based line where it was."""
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return text[: text.index(old)].count("\n") + 1


def validate(capsys, stacks: Path, *extra: str) -> tuple[int, str]:
    code = cli.main(["validate", "--all", "--stacks-dir", str(stacks), *extra])
    return code, capsys.readouterr().err


def test_shipped_carrier_network_is_realistic_and_valid(repo_root):
    spec = load(repo_root / "stacks" / "fabric.yaml").spec
    assert spec.carrier == "Lumen" and len(spec.pops) >= 6 and len(spec.spans) >= 8
    groups = spec.srlg_members()
    assert len(groups) >= 3 and any(len(m) >= 2 for m in groups.values())
    assert any(s.status == "new" and s.in_service for s in spec.spans.values())
    assert all(s.illustrative for s in spec.spans.values())
    transatlantic = {n for n, s in spec.spans.items() if {s.a, s.z} & {"NYC", "WDC"} and {s.a, s.z} & {"LON", "DUB", "PAR"}}
    assert len(transatlantic) >= 3


def test_fails_when_a_span_names_an_unknown_pop(capsys, stacks):
    line = edit(stacks / "fabric.yaml", "wdc-chi: {a: WDC, z: CHI,", "wdc-chi: {a: WDC, z: ORD,")
    code, err = validate(capsys, stacks)
    assert code == 2
    assert f"fabric.yaml:{line}: spans.wdc-chi.z: unknown PoP 'ORD'; known: WDC, NYC" in err
    assert "(got 'ORD')" in err


def test_fails_when_a_pop_is_at_an_unknown_peering_location(capsys, stacks):
    line = edit(stacks / "fabric.yaml", "DAL: {peering_location: null,", "DAL: {peering_location: Dallas,")
    code, err = validate(capsys, stacks)
    assert code == 2
    assert f"fabric.yaml:{line}: pops.DAL.peering_location: not a peering location of the provider" in err
    assert "(got 'Dallas')" in err


def test_fails_when_a_circuit_is_at_a_location_no_pop_serves(capsys, stacks):
    edit(stacks / "fabric.yaml", "SAT: {peering_location: San Antonio,", "SAT: {peering_location: null,")
    code, err = validate(capsys, stacks)
    assert code == 2
    text = (stacks / "Pulumi.southcentralus.yaml").read_text().splitlines()
    line = next(i for i, l in enumerate(text, 1) if "peering_location: San Antonio" in l)
    assert f"Pulumi.southcentralus.yaml:{line}: ai-fabric:interconnect.circuits.sat.peering_location: circuit 'sat' " \
           "is at 'San Antonio', which no PoP of" in err


def test_fails_when_a_span_capacity_is_negative(capsys, stacks):
    line = edit(stacks / "fabric.yaml", "dal-sat: {a: DAL, z: SAT, gbps: 400,", "dal-sat: {a: DAL, z: SAT, gbps: -400,")
    code, err = validate(capsys, stacks)
    assert code == 2
    assert f"fabric.yaml:{line}: spans.dal-sat.gbps: capacity -400 Gb/s is negative; give 0 or more (got -400)" in err


def test_fails_when_new_fibre_has_no_in_service_date_and_reports_every_problem(capsys, stacks):
    edit(stacks / "fabric.yaml", "status: new, in_service: 2027-06-01,", "status: new,")
    edit(stacks / "fabric.yaml", "lon-dub: {a: LON, z: DUB, gbps: 200,", "lon-dub: {a: LON, z: DUB, gbps: 200, colour: red,")
    code, err = validate(capsys, stacks)
    assert code == 2
    assert "spans.wdc-par.in_service: new fibre needs an in_service date" in err
    assert "spans.lon-dub.colour: unknown key; allowed here: a, z, gbps, srlgs, status, in_service" in err


def test_fails_when_the_plan_date_is_not_a_date(capsys, stacks):
    with pytest.raises(SystemExit) as exit_:
        validate(capsys, stacks, "--on", "next-june")
    assert exit_.value.code == 2
    assert "'next-june' is not a date; use YYYY-MM-DD" in capsys.readouterr().err


def test_a_fabric_without_a_carrier_file_plans_circuits_only(capsys, stacks):
    (stacks / "fabric.yaml").unlink()
    code, _ = validate(capsys, stacks)
    assert code == 0
