"""Reading the carrier file (infra/carrier/loader.py), rule by rule, on small files written in the test: every
problem is a SpecError issue naming the file, the line, the key path, the value and what is allowed (exit 2
at the CLI), never a traceback; a good file loads whole."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from infra.carrier.loader import _MISSING, FABRIC_FILE, CarrierFile, LoadedCarrier, load, load_beside, read, spec_from_file
from infra.carrier.model import CarrierSpec
from infra.stackfile import SpecError

GOOD = """\
carrier: Lumen
pops:
  ash: {peering_location: Washington DC}
  chi: {peering_location: Chicago}
spans:
  ash-chi:
    a: ash
    z: chi
    gbps: 400
    upgrades:
      - {gbps: 800, monthly_usd: 10}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / FABRIC_FILE
    path.write_text(text)
    return path


def problems(path: Path) -> list[tuple[int | None, str, object, str]]:
    with pytest.raises(SpecError) as err:
        load(path)
    return [(i.line, i.path, i.value, i.message) for i in err.value.issues]


def shown(path: Path) -> list[str]:
    with pytest.raises(SpecError) as err:
        load(path)
    return [str(i) for i in err.value.issues]


def test_a_good_file_loads_whole(tmp_path):
    loaded = load(write(tmp_path, GOOD))
    assert isinstance(loaded, LoadedCarrier) and isinstance(loaded.spec, CarrierSpec)
    assert loaded.spec.spans["ash-chi"].upgrades[0].gbps == 800
    assert loaded.file.display.endswith(FABRIC_FILE) and loaded.file.data["carrier"] == "Lumen"


def test_the_carrier_file_beside_the_stacks_is_loaded_and_none_when_absent(tmp_path):
    assert load_beside(tmp_path) is None
    write(tmp_path, GOOD)
    assert load_beside(tmp_path).spec.carrier == "Lumen"


def test_loaded_files_are_frozen(tmp_path):
    loaded = load(write(tmp_path, GOOD))
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.spec = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.file.display = "x"  # type: ignore[misc]


def test_fails_when_the_file_is_empty_naming_the_required_keys(tmp_path):
    assert problems(write(tmp_path, "")) == [
        (None, "carrier", _MISSING, "required key is missing"),
        (None, "pops", _MISSING, "required key is missing")]


def test_fails_when_the_file_is_not_a_mapping(tmp_path):
    assert problems(write(tmp_path, "- a\n- b\n")) == [
        (1, "", "list", "the carrier file is a mapping with keys carrier, pops, spans (and srlgs)")]


def test_fails_on_invalid_yaml_at_the_line_of_the_problem(tmp_path):
    [(line, path, _, msg)] = problems(write(tmp_path, 'carrier: Lumen\npops:\n  ash: {metro: "Ash\n'))
    assert line == 4 and path == "" and msg.startswith("invalid YAML:")
    [(line, _, _, msg)] = problems(write(tmp_path, "carrier: Lumen\npops:\n  ash:\n    metro: x\n  - bad\n"))
    assert line == 5 and msg.startswith("invalid YAML:")


def test_fails_on_yaml_aliases_unreadable_and_non_utf8_files(tmp_path):
    [(line, _, _, msg)] = problems(write(tmp_path, "carrier: &x Lumen\npops:\n  ash: {metro: *x}\n"))
    assert "aliases" in msg
    bad = tmp_path / "bytes.yaml"
    bad.write_bytes(b"carrier: \xff\n")
    assert problems(bad)[0][3].startswith("not UTF-8 text")
    assert problems(tmp_path)[0][3].startswith("cannot read the carrier file")


def test_fails_on_unknown_keys_naming_what_is_allowed_at_each_level(tmp_path):
    text = ("carrier: Lumen\nfoo: 1\npops:\n  ash:\n    metro: x\n    bar: 2\nspans:\n  s:\n    a: ash\n"
            "    z: ash\n    gbps: 1\n    qux: 1\n    upgrades:\n      - {gbps: 2, monthly_usd: 1, zap: 3}\n"
            "srlgs:\n  g: {x: 1}\n")
    found = {path: (line, value, msg) for line, path, value, msg in problems(write(tmp_path, text))}
    assert found["foo"] == (2, 1, "unknown key; allowed here: carrier, pops, spans, srlgs")
    assert found["pops.ash.bar"] == (6, 2, "unknown key; allowed here: peering_location, metro")
    assert found["spans.s.qux"][:2] == (12, 1)
    assert found["spans.s.qux"][2].startswith("unknown key; allowed here: a, z, gbps, srlgs, status, in_service")
    assert found["spans.s.upgrades.0.zap"] == (14, 3, "unknown key; allowed here: gbps, monthly_usd")
    assert found["srlgs.g.x"] == (16, 1, "unknown key; allowed here: description")
    assert len(found) == 5


def test_an_upgrade_key_of_a_span_named_like_a_section_is_still_judged_against_the_upgrade(tmp_path):
    text = ("carrier: Lumen\npops:\n  ash: {}\n  chi: {}\nspans:\n  upgrades:\n    a: ash\n    z: chi\n    gbps: 1\n"
            "    upgrades:\n      - {gbps: 2, monthly_usd: 1, zap: 3}\n")
    [(line, path, _, msg)] = problems(write(tmp_path, text))
    assert (line, path, msg) == (11, "spans.upgrades.upgrades.0.zap", "unknown key; allowed here: gbps, monthly_usd")


def test_fails_on_a_missing_key_at_the_line_of_its_mapping_with_no_value(tmp_path):
    text = "carrier: Lumen\npops:\n  ash: {}\nspans:\n  s:\n    a: ash\n    gbps: 1\n"
    assert problems(write(tmp_path, text)) == [(5, "spans.s.z", _MISSING, "required key is missing")]
    [line] = shown(write(tmp_path, text))
    assert line.endswith("fabric.yaml:5: spans.s.z: required key is missing")


def test_a_rule_of_the_model_is_reported_at_its_key_with_its_value(tmp_path):
    text = GOOD.replace("gbps: 400", "gbps: -4").replace("gbps: 800", "gbps: 900")
    assert problems(write(tmp_path, text)) == [(9, "spans.ash-chi.gbps", -4, "capacity -4 Gb/s is negative; give 0 or more")]
    text = GOOD.replace("gbps: 800", "gbps: 300")
    assert problems(write(tmp_path, text)) == [(11, "spans.ash-chi.upgrades.0.gbps", 300, "300 Gb/s is no upgrade of 400 Gb/s")]


def test_a_field_error_names_the_value_inside_a_list_without_pydantics_prefix(tmp_path):
    text = GOOD.replace("monthly_usd: 10}", "monthly_usd: -1}")
    [(line, path, value, msg)] = problems(write(tmp_path, text))
    assert (line, path, value) == (11, "spans.ash-chi.upgrades.0.monthly_usd", -1)
    assert msg == "Input should be greater than or equal to 0"
    text = GOOD.replace("gbps: 400", "gbps: 400\n    srlgs: [a, 7]")
    [(_, path, value, msg)] = problems(write(tmp_path, text))
    assert (path, value, msg) == ("spans.ash-chi.srlgs.1", 7, "Input should be a valid string")


def test_a_value_error_of_a_model_loses_its_value_error_prefix():
    file = CarrierFile(Path("fabric.yaml"), "fabric.yaml", {"carrier": "L", "pops": {"a": {}},
                                                            "spans": {"s": {"a": "a", "z": "a", "gbps": 1}}}, {})
    with pytest.raises(SpecError) as err:
        spec_from_file(file)
    assert [i.message for i in err.value.issues] == ["joins PoP 'a' to itself; a span joins two PoPs"]


def test_the_line_of_a_path_is_its_own_or_its_nearest_ancestors():
    file = CarrierFile(Path("f"), "f", {}, {(): 1, ("spans",): 5, ("spans", "s"): 7})
    assert file.line_of(("spans", "s", "gbps")) == 7
    assert file.line_of(("spans", "s")) == 7
    assert file.line_of(("spans", "t", "gbps")) == 5
    assert file.line_of(("pops", "x")) == 1
    assert file.line_of(()) == 1
    assert CarrierFile(Path("f"), "f", {}, {}).line_of(("a",)) is None


def test_an_issue_names_file_line_dotted_path_value_and_message():
    file = CarrierFile(Path("f"), "fabric.yaml", {}, {("spans", "s"): 7})
    issue = file.issue(("spans", "s", "upgrades", 0), "bad", 3)
    assert (issue.file, issue.line, issue.path, issue.value, issue.message) == ("fabric.yaml", 7, "spans.s.upgrades.0", 3, "bad")


def test_read_keeps_the_data_and_lines_of_a_good_file(tmp_path):
    file = read(write(tmp_path, GOOD))
    assert file.data["spans"]["ash-chi"]["gbps"] == 400
    assert file.line_of(("spans", "ash-chi", "gbps")) == 9
