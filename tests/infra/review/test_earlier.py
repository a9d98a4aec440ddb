"""An earlier plan given to --against: read whole, or refused with every problem named (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.review import parse_plan
from infra.stackfile import SpecError

STACKS_DIR = Path(__file__).resolve().parents[3] / "stacks"


def _plan(*resources, stack="westus3"):
    return json.dumps({"stacks": [{"stack": stack, "resources": list(resources)}]})


GOOD = {"urn": "urn:pulumi:w::ai-fabric::azure-native:network:VirtualNetwork::vnet", "type":
        "azure-native:network:VirtualNetwork", "name": "vnet", "parent": None, "protect": False, "inputs": {}}


@pytest.mark.parametrize(("content", "path", "found"), [
    ("{", "", "not a JSON plan"),
    ('{"stacks": 3}', "stacks", "found a number"),
    ("[]", "", "found an array"),
    ('{"stacks": [7]}', "stacks[0]", "found a number"),
    ('{"stacks": [{"stack": "w", "resources": {}}]}', "stacks[0].resources", "found an object"),
    (_plan(5), "stacks[0].resources[0]", "found a number"),
    (_plan({**GOOD, "inputs": []}), "stacks[0].resources[0].inputs", "found an array"),
    (_plan({k: v for k, v in GOOD.items() if k != "urn"}), "stacks[0].resources[0].urn", "found null"),
    (_plan({k: v for k, v in GOOD.items() if k != "type"}), "stacks[0].resources[0].type", "found null"),
    (_plan({**GOOD, "protect": "yes"}), "stacks[0].resources[0].protect", "found a string"),
    (_plan({**GOOD, "parent": 3}), "stacks[0].resources[0].parent", "found a number"),
    (_plan(GOOD, GOOD), "stacks[0].resources", "found it twice"),
    ('{"stacks": [{"stack": "w", "resources": []}, {"stack": "w", "resources": []}]}', "stacks[1].stack",
     "found it twice"),
])
def test_fails_with_the_key_path_when_the_earlier_plan_has_the_wrong_shape(content, path, found):
    with pytest.raises(SpecError) as info:
        parse_plan(content, "before.json")
    (issue, *_) = info.value.issues
    assert issue.file == "before.json" and issue.path == path and found in issue.message


def test_every_problem_is_reported_at_once_up_to_a_limit():
    with pytest.raises(SpecError) as info:
        parse_plan(_plan(*range(50)), "before.json")
    issues = info.value.issues
    assert len(issues) == 21 and issues[-1].value == "30 more"


def test_fails_when_inputs_are_nested_absurdly_deep():
    deep: dict = {}
    node = deep
    for _ in range(100):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(SpecError) as info:
        parse_plan(_plan({**GOOD, "inputs": deep}), "before.json")
    assert "nested at most" in info.value.issues[0].message


def test_a_plan_with_extra_keys_and_missing_optional_ones_is_read():
    minimal = {"urn": GOOD["urn"], "type": GOOD["type"]}
    plan = parse_plan(json.dumps({"stacks": [{"stack": "w", "resources": [minimal], "capacity": {}}], "more": 1}),
                      "before.json")
    (r,) = plan["w"]
    assert (r.name, r.parent, r.protect, dict(r.inputs)) == ("vnet", None, False, {})


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=10,
)
resource_like = st.fixed_dictionaries({}, optional={k: json_values for k in ("urn", "type", "name", "parent",
                                                                             "protect", "inputs")})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, st.lists(st.one_of(resource_like, json_values), max_size=5).map(
    lambda rs: {"stacks": [{"stack": "w", "resources": rs}]})))
def test_any_json_is_read_or_refused_never_crashes(doc):
    try:
        parse_plan(json.dumps(doc), "before.json")
    except SpecError as exc:
        assert exc.issues and all(i.file == "before.json" for i in exc.issues)


def test_fails_with_exit_2_and_no_traceback_on_a_malformed_plan(fabric, tmp_path):
    bad = tmp_path / "before.json"
    bad.write_text(_plan({"urn": 1, "inputs": "x"}))
    code, out, err = fabric("plan", "--stack", "westus3", "--stacks-dir", str(STACKS_DIR), "--against", str(bad))
    assert code == 2 and out == ""
    assert "before.json: stacks[0].resources[0].urn" in err and "Traceback" not in err


def test_fails_with_exit_2_when_the_earlier_plan_is_missing(fabric, tmp_path):
    code, _, err = fabric("plan", "--stack", "westus3", "--stacks-dir", str(STACKS_DIR),
                          "--against", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read" in err


def test_fails_with_exit_2_when_both_against_options_are_given(fabric):
    with pytest.raises(SystemExit) as exc:
        fabric("plan", "--against", "a.json", "--against-ref", "main")
    assert exc.value.code == 2
