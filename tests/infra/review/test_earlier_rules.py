"""The shape rules for an earlier plan given to --against (infra/review/earlier.py), at their edges: what is
read, what is refused (SpecError, exit 2) with the key path, the value and what was expected, and
how many problems one refusal names."""

from __future__ import annotations

import json

import pytest

from infra.review import load_plan, parse_plan
from infra.stackfile import SpecError

# The limits earlier.py documents, written out: read from the module, a test would follow any change to them.
MAX_DEPTH = 64
MAX_ISSUES = 20
URN = "urn:pulumi:w::ai-fabric::azure-native:network:VirtualNetwork::vnet"
GOOD = {"urn": URN, "type": "azure-native:network:VirtualNetwork", "name": "vnet", "parent": None,
        "protect": False, "inputs": {}}


def _plan(*resources, stack="w"):
    return json.dumps({"stacks": [{"stack": stack, "resources": list(resources)}]})


def _issues(text):
    with pytest.raises(SpecError) as info:
        parse_plan(text, "before.json")
    return [(i.path, i.value, i.message) for i in info.value.issues]


def _nested(depth: int) -> dict:
    """A map nested `depth` levels deep, counting itself: _nested(1) == {}."""
    node: dict = {}
    for _ in range(depth - 1):
        node = {"x": node}
    return node


def test_parse_plan_reads_every_field_of_a_resource():
    child = {**GOOD, "urn": URN + "-child", "name": "child", "parent": URN, "protect": True,
             "inputs": {"virtualNetworkName": "vnet-a"}}
    component = {"urn": "urn:pulumi:w::ai-fabric::ai-fabric:compute:GpuCluster::a100",
                 "type": "ai-fabric:compute:GpuCluster"}
    plan = parse_plan(_plan(GOOD, child, component), "before.json")
    vnet, sub, comp = plan["w"]
    assert (vnet.urn, vnet.name, vnet.parent, vnet.protect, vnet.custom) == (URN, "vnet", None, False, True)
    assert (sub.parent, sub.protect, dict(sub.inputs)) == (URN, True, {"virtualNetworkName": "vnet-a"})
    assert (comp.name, comp.custom) == ("a100", False)


def test_parse_plan_reads_several_stacks_and_an_empty_one():
    text = json.dumps({"stacks": [{"stack": "a", "resources": [GOOD]}, {"stack": "b", "resources": []}]})
    plan = parse_plan(text, "before.json")
    assert list(plan) == ["a", "b"] and len(plan["a"]) == 1 and plan["b"] == ()


def test_inputs_nested_exactly_to_the_limit_are_read_and_one_level_more_is_refused():
    (r,) = parse_plan(_plan({**GOOD, "inputs": _nested(MAX_DEPTH)}), "before.json")["w"]
    assert r.inputs
    assert _issues(_plan({**GOOD, "inputs": _nested(MAX_DEPTH + 1)})) == [
        ("stacks[0].resources[0].inputs", "...",
         f"expected inputs nested at most {MAX_DEPTH} levels deep, found deeper nesting")]


def test_fails_naming_exactly_the_one_problem_there_is():
    assert _issues(_plan({**GOOD, "protect": 1})) == [
        ("stacks[0].resources[0].protect", 1, "expected true or false, found a number")]


def test_fails_listing_every_problem_up_to_the_limit_and_counting_the_rest():
    assert len(_issues(_plan(*range(MAX_ISSUES)))) == MAX_ISSUES
    issues = _issues(_plan(*range(MAX_ISSUES + 1)))
    assert len(issues) == MAX_ISSUES + 1 and issues[-1] == ("", "1 more", "problems of the same kind not listed")


@pytest.mark.parametrize(("text", "value"), [
    ("{", "<end of file>"),
    ('{"stacks": nope}', "nope}"),
    ("{" + "x" * 50, "x" * 20),
])
def test_fails_quoting_what_stands_where_the_json_breaks(text, value):
    ((path, found, message),) = _issues(text)
    assert path == "" and found == value and message.startswith("not a JSON plan")


def test_fails_on_json_nested_too_deeply_to_read():
    ((path, found, message),) = _issues("[" * 100_000)
    assert found == "<nesting>" and "nested too deeply" in message


@pytest.mark.parametrize(("stack", "found"), [(5, "found a number"), ("", "found a string"), (None, "found null")])
def test_fails_when_a_stack_has_no_name(stack, found):
    ((path, value, message),) = _issues(json.dumps({"stacks": [{"stack": stack, "resources": []}]}))
    assert path == "stacks[0].stack" and value == stack and found in message


@pytest.mark.parametrize("resources", [5, None, "r"])
def test_fails_when_a_stacks_resources_are_not_a_list(resources):
    stack = {"stack": "w"} if resources is None else {"stack": "w", "resources": resources}
    ((path, value, _),) = _issues(json.dumps({"stacks": [stack]}))
    assert path == "stacks[0].resources" and value == resources


@pytest.mark.parametrize(("field", "value", "found"), [
    ("urn", "", "found a string"), ("urn", 5, "found a number"), ("type", "", "found a string"),
    ("name", 5, "found a number"), ("parent", ["x"], "found an array"),
])
def test_fails_naming_a_field_of_the_wrong_kind(field, value, found):
    ((path, got, message),) = _issues(_plan({**GOOD, field: value}))
    assert path == f"stacks[0].resources[0].{field}" and got == value and found in message


@pytest.mark.parametrize(("field", "value"), [
    ("name", 5), ("parent", 3), ("protect", "yes"), ("inputs", []), ("inputs", _nested(MAX_DEPTH + 1)),
])
def test_fails_naming_every_wrong_field_of_a_resource_without_a_type(field, value):
    paths = [p for p, _, _ in _issues(_plan({"urn": URN, field: value}))]
    assert paths == ["stacks[0].resources[0].type", f"stacks[0].resources[0].{field}"]


def test_a_plan_naming_the_same_urn_twice_in_two_stacks_is_read():
    text = json.dumps({"stacks": [{"stack": "a", "resources": [GOOD]}, {"stack": "b", "resources": [GOOD]}]})
    assert set(parse_plan(text, "before.json")) == {"a", "b"}


def test_load_plan_reads_a_file_and_refuses_one_that_is_not_utf8(tmp_path):
    good = tmp_path / "before.json"
    good.write_text(_plan(GOOD))
    assert list(load_plan(good)) == ["w"]
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"stacks": "\xe9"}')
    with pytest.raises(SpecError) as info:
        load_plan(bad)
    (issue,) = info.value.issues
    assert issue.path == "--against" and "not UTF-8" in issue.message
    with pytest.raises(SpecError) as info:
        load_plan(tmp_path)
    assert "cannot read" in info.value.issues[0].message
