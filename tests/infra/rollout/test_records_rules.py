"""Recording carrier states in a stack file (infra/rollout/records.py), rule by rule, on small files written in
the test and compared whole: a new block goes right after the interconnect (or at the end), with its comment;
only the states given are touched and a section is made only when it gets a state; the comment lines above
the next key stay above that key whatever the previous block ends in (a block mapping, a block sequence, a
flow collection); quotes, layout and long lines stay as written; writing what is there changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.rollout import records

NEW_BLOCK = "  ai-fabric:carrier_state:  # what the carrier has provisioned; `fabric rollout` records it from Azure\n"
WDC = "    circuits:\n      wdc: provisioned\n"


def written(tmp_path: Path, text: str, circuits=None, ports=None) -> tuple[bool, str]:
    path = tmp_path / "Pulumi.a.yaml"
    path.write_text(text)
    changed = records.write(path, circuits or {}, ports or {})
    return changed, path.read_text()


def test_the_config_key_is_the_projects_carrier_state():
    assert records.CONFIG_KEY == "ai-fabric:carrier_state"


def test_a_new_block_goes_right_after_the_interconnect_and_the_next_keys_comment_stays_above_it(tmp_path):
    text = "config:\n  ai-fabric:interconnect:\n    x: 1\n  # who may do what\n  ai-fabric:access:\n    y: 2\n"
    assert written(tmp_path, text, {"wdc": "provisioned"}) == (True, (
        "config:\n  ai-fabric:interconnect:\n    x: 1\n" + NEW_BLOCK + WDC
        + "  # who may do what\n  ai-fabric:access:\n    y: 2\n"))


def test_a_new_block_goes_at_the_end_without_an_interconnect_key(tmp_path):
    text = "config:\n  azure-native:location: eastus\n  ai-fabric:site:\n    region: eastus\n"
    assert written(tmp_path, text, {"wdc": "provisioned"})[1] == text + NEW_BLOCK + WDC


def test_a_new_block_after_a_last_interconnect_gets_only_the_sections_given(tmp_path):
    text = "config:\n  ai-fabric:interconnect:\n    x: 1\n"
    assert written(tmp_path, text, ports={"p1": "provisioned"})[1] == (
        text + NEW_BLOCK + "    ports:\n      p1: provisioned\n")


@pytest.mark.parametrize("tail", [
    "    wdc:\n      a: 1  # own comment\n",
    "    wdc:\n    - 1\n    - 2\n",
    "    wdc:\n      - 1\n      - 2\n",
    "    wdc:\n      list:\n      - a: 1\n",
    "    wdc: {a: 1}  # own comment\n",
    "    wdc: [1, 2]\n",
])
def test_the_next_keys_comment_stays_above_it_whatever_the_interconnect_ends_in(tmp_path, tail):
    text = f"config:\n  ai-fabric:interconnect:\n{tail}  # who may do what\n  ai-fabric:access:\n    y: 2\n"
    assert written(tmp_path, text, {"wdc": "provisioned"})[1] == (
        f"config:\n  ai-fabric:interconnect:\n{tail}" + NEW_BLOCK + WDC
        + "  # who may do what\n  ai-fabric:access:\n    y: 2\n")


def test_an_empty_block_is_filled_in_and_the_next_keys_comment_stays_above_it(tmp_path):
    text = "config:\n  ai-fabric:interconnect:\n    x: 1\n  ai-fabric:carrier_state:\n  # who\n  ai-fabric:access:\n    y: 2\n"
    assert written(tmp_path, text, {"wdc": "provisioned"})[1] == (
        "config:\n  ai-fabric:interconnect:\n    x: 1\n  ai-fabric:carrier_state:\n" + WDC
        + "  # who\n  ai-fabric:access:\n    y: 2\n")


def test_an_empty_last_block_is_filled_in(tmp_path):
    assert written(tmp_path, "config:\n  ai-fabric:carrier_state:\n", {"wdc": "provisioned"})[1] == (
        "config:\n  ai-fabric:carrier_state:\n" + WDC)


def test_a_state_is_updated_in_place_added_after_the_others_and_a_new_section_made(tmp_path):
    text = ("config:\n  ai-fabric:carrier_state:\n    circuits:\n      chi: pending  # ticket 4711\n      nyc: pending\n"
            "  # who\n  ai-fabric:access:\n    y: 2\n")
    assert written(tmp_path, text, {"chi": "provisioned", "sat": "provisioned"}, {"p1": "provisioned"}) == (True, (
        "config:\n  ai-fabric:carrier_state:\n    circuits:\n      chi: provisioned # ticket 4711\n      nyc: pending\n"
        "      sat: provisioned\n    ports:\n      p1: provisioned\n  # who\n  ai-fabric:access:\n    y: 2\n"))


def test_a_section_without_states_is_not_made(tmp_path):
    text = "config:\n  ai-fabric:carrier_state:\n    ports:\n      p1: pending\n"
    assert written(tmp_path, text, {}, {"p1": "provisioned"})[1] == (
        "config:\n  ai-fabric:carrier_state:\n    ports:\n      p1: provisioned\n")
    text = "config:\n  ai-fabric:carrier_state:\n    circuits:\n"
    assert written(tmp_path, text, {"wdc": "provisioned"})[1] == "config:\n  ai-fabric:carrier_state:\n" + WDC


def test_writing_what_is_recorded_changes_nothing(tmp_path):
    text = "config:\n  ai-fabric:carrier_state:\n    circuits:\n      wdc: provisioned\n"
    assert written(tmp_path, text, {"wdc": "provisioned"}) == (False, text)


@pytest.mark.parametrize("seq", ["    list:\n    - a\n    - b\n", "    list:\n      - a\n      - b\n", "    list:\n      -   a\n"])
def test_quotes_nulls_and_sequence_layout_stay_as_written(tmp_path, seq):
    text = f"config:\n  ai-fabric:site:\n    name: 'x'\n    other: \"y\"\n    none: null\n{seq}  ai-fabric:interconnect:\n    z: 1\n"
    assert written(tmp_path, text, {"wdc": "provisioned"})[1] == text + NEW_BLOCK + WDC


def test_a_long_line_is_never_rewrapped(tmp_path):
    words = " ".join(["word"] * 822)  # 4,109 characters on one line, just over the 4096 a YAML width once was
    text = f"config:\n  ai-fabric:site:\n    note: {words}\n"
    assert written(tmp_path, text, {"wdc": "provisioned"})[1] == text + NEW_BLOCK + WDC


@pytest.mark.parametrize(("head", "tail"), [("config:\n  ai-fabric:interconnect:\n    x: 1\n", "# end of file\n"),
                                          ("config:\n  ai-fabric:site:\n    x:\n    - 1\n", "  # the last words\n")])
def test_comment_lines_at_the_end_of_the_file_stay_at_the_end(tmp_path, head, tail):
    assert written(tmp_path, head + tail, {"wdc": "provisioned"})[1] == head + NEW_BLOCK + WDC + tail


def test_an_empty_config_gets_the_block(tmp_path):
    assert written(tmp_path, "config: {}\n", {"wdc": "provisioned"})[1] == "config:\n" + NEW_BLOCK + WDC
