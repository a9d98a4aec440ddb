"""infra.conformance.check rule by rule (issue 17), against a small spec library written in the test: one
resource type whose schema has every shape the check reads (flattened containers, required properties
inside and outside them, references by ID, closed, extensible and number enums, maps, string sets,
free-form and partly vendored objects, query and SDK parameters, provider-supplied body properties).

Both sides of each finding: what is reported, what is left alone, and the exact path and message."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from infra.conformance import check
from infra.conformance.check import Finding, check_resource
from infra.conformance.specs import SpecLibrary
from infra.inventory import SECRET, UNKNOWN

WIDGET = "test:widgets:Widget"
LOCK = "test:widgets:Lock"
NS = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Widgets"
WIDGET_PATH = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Widgets/widgets/{widgetName}"
LOCK_PATH = "/{scope}/providers/Microsoft.Widgets/locks/{lockName}"

MODE = {"type": "string", "enum": ["On", "Off"], "x-ms-enum": {"name": "Mode", "modelAsString": False}}
DEFINITIONS: dict[str, Any] = {
    "Widget": {
        "required": ["location", "properties", "sku", "kind"],
        "properties": {
            "id": {"type": "string", "readOnly": True},
            "etag": {"type": "string"},
            "location": {"type": "string"},
            "kind": {"type": "string"},
            "sku": {"$ref": "#/definitions/Sku"},
            "tags": {"type": "object", "additionalProperties": {"type": "string"}},
            "identity": {"$ref": "#/definitions/Identity"},
            "properties": {"x-ms-client-flatten": True, "$ref": "#/definitions/WidgetProperties"},
        },
    },
    "Sku": {"properties": {"name": {"type": "string"}}},
    "WidgetProperties": {
        "required": ["size"],
        "properties": {
            "size": {"type": "integer"},
            "ratio": {"type": "number"},
            "enabled": {"type": "boolean"},
            "label": {"type": "string"},
            "note": {"description": "no type given"},
            "mode": MODE,
            "tier": {"type": "string", "enum": ["Basic", "Premium"], "x-ms-enum": {"name": "Tier", "modelAsString": True}},
            "level": {"type": "number", "enum": [1.5, 2.5]},
            "rules": {"type": "array", "items": {"$ref": "#/definitions/Rule"}},
            "names": {"type": "array"},
            "settings": {"type": "object"},
            "target": {"$ref": "#/definitions/SubResource"},
            "opaque": {"x-unvendored": "elsewhere.json#/definitions/Opaque"},
            "limits": {"type": "object", "additionalProperties": {"type": "integer"}},
            "anything": {"type": "object", "additionalProperties": True},
            "state": {"type": "string", "readOnly": True},
            "palette": {"$ref": "#/definitions/Palette"},
            "partial": {"$ref": "#/definitions/Partial"},
            "options": {"x-ms-client-flatten": True, "$ref": "#/definitions/Options"},
            "displayName": {"type": "string", "x-ms-client-name": "title"},
        },
    },
    "Options": {"required": ["color"], "properties": {"color": {"type": "string"}, "shade": {"type": "string"}}},
    "Rule": {"required": ["name", "priority"],
             "properties": {"name": {"type": "string"}, "priority": {"type": "integer"}, "mode": MODE}},
    "SubResource": {"required": ["name"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
    "Identity": {"properties": {"type": {"type": "string"},
                                "userAssignedIdentities": {"type": "object",
                                                           "additionalProperties": {"$ref": "#/definitions/UserIdentity"}}}},
    "UserIdentity": {"properties": {"principalId": {"type": "string", "readOnly": True}}},
    "Palette": {"properties": {f"color{c}": {"type": "string"} for c in "ABCD"}},
    "Partial": {"allOf": [{"x-unvendored": "base.json#/definitions/Base"}], "properties": {"own": {"type": "string"}}},
    "Lock": {"properties": {"level": {"type": "string"}}},
}
SPEC = {
    "x-origin": {"repository": "Azure/azure-rest-api-specs", "path": "specification/widgets/w.json", "commit": "c0ffee",
                 "apiVersion": "2024-01-01"},
    "paths": {
        WIDGET_PATH: {"put": {"body": {"$ref": "#/definitions/Widget"}, "query": {"force": {"type": "boolean"}}}},
        f"{WIDGET_PATH}/parts/{{partName}}": {"put": {"body": {"$ref": "#/definitions/Sku"}}},
        LOCK_PATH: {"put": {"body": {"$ref": "#/definitions/Lock"}}},
    },
    "definitions": DEFINITIONS,
}
INDEX = {
    "resources": {
        WIDGET: {"apiVersion": "2024-01-01", "spec": "w.json", "path": WIDGET_PATH,
                 "x-provider-supplied": {"body": {"kind": "Widget"}, "source": "the provider sets kind"},
                 "x-sdk-parameters": {"parameters": {"apiVersion": {"type": "string"}}}},
        LOCK: {"apiVersion": "2024-01-01", "spec": "w.json", "path": LOCK_PATH},
    },
    "x-extensible-enum-values": {WIDGET: {"tier": {"values": ["Gold"]}, "rules[].name": {"values": []}}},
}


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> SpecLibrary:
    root: Path = tmp_path_factory.mktemp("specs")
    (root / "index.json").write_text(json.dumps(INDEX))
    (root / "w.json").write_text(json.dumps(SPEC))
    return SpecLibrary(root)


def widget(**props: Any) -> dict[str, Any]:
    """A widget Azure accepts, with `props` changed (None removes one)."""
    inputs: dict[str, Any] = {"resourceGroupName": "rg", "widgetName": "w1", "location": "eastus",
                              "sku": {"name": "S1"}, "size": 3}
    inputs.update(props)
    return {k: v for k, v in inputs.items() if v is not None}


def found(lib: SpecLibrary, token: str = WIDGET, **props: Any) -> list[tuple[str, str]]:
    return [(f.kind, f.path) for f in check_resource(token, widget(**props) if token == WIDGET else props, lib)]


def messages(lib: SpecLibrary, **props: Any) -> list[str]:
    return [f"{f.kind} {f.path}: {f.message}" for f in check_resource(WIDGET, widget(**props), lib)]


# -- the resource as a whole -------------------------------------------------------------------------


def test_leaves_a_conforming_resource_alone(lib):
    assert found(lib) == []
    full = dict(ratio=1.5, enabled=False, label="x", note=["anything"], mode="On", tier="Premium", level=2.5,
                rules=[{"name": "r", "priority": 1, "mode": "Off"}], names=["a", 1], settings={"free": {"form": 1}},
                target={"id": f"{NS}/widgets/w2"}, opaque={"whatever": 1}, limits={"cpu": 4}, anything={"k": [1]},
                palette={"colorA": "red"}, partial={"own": "x", "inherited": 1}, color="c", shade="s",
                title="t", tags={"a": "b"}, force=True, apiVersion="2024-01-01",
                identity={"type": "UserAssigned", "userAssignedIdentities": [f"{NS}/widgets/w2", UNKNOWN]})
    assert found(lib, **full) == []


def test_fails_naming_the_type_without_a_vendored_spec(lib):
    assert check_resource("test:widgets:Gadget", {}, lib) == [Finding(
        "no-spec", "", "no vendored REST spec for test:widgets:Gadget: vendor its API version's spec "
                       "(infra/conformance/README.md) so it can be checked")]


def test_uses_the_process_library_when_none_is_given():
    assert [f.kind for f in check_resource(WIDGET, widget())] == ["no-spec"]


def test_a_finding_is_an_immutable_value():
    f = Finding("type", "size", "is string")
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.kind = "enum"  # type: ignore[misc]
    assert {f, Finding("type", "size", "is string")} == {f}


# -- URL, query and SDK parameters ---------------------------------------------------------------


def test_fails_on_a_missing_url_parameter_but_not_the_auto_named_resource_name(lib):
    assert messages(lib, resourceGroupName=None) == [
        f"missing-required resourceGroupName: URL parameter of {WIDGET_PATH} is not set"]
    assert found(lib, widgetName=None) == []


@pytest.mark.parametrize("value", [5, ["rg"], True])
def test_fails_when_a_url_parameter_is_not_a_string(lib, value):
    assert found(lib, resourceGroupName=value) == [("type", "resourceGroupName")]


@pytest.mark.parametrize("value", [UNKNOWN, SECRET])
def test_never_judges_an_unknown_or_secret_url_parameter(lib, value):
    assert found(lib, resourceGroupName=value) == []


def test_checks_an_id_given_as_a_url_parameter(lib):
    assert found(lib, LOCK, scope=f"{NS}/widgets/w1", lockName="l") == []
    assert found(lib, LOCK, scope=f"{NS}/widgetz/w1", lockName="l") == [("arm-id", "scope")]
    assert found(lib, LOCK, scope=UNKNOWN, lockName="l") == []


def test_judges_query_and_sdk_parameters_by_their_own_schema_not_the_body(lib):
    assert found(lib, force=False, apiVersion="v") == []
    assert found(lib, force="yes") == [("type", "force")]
    assert found(lib, apiVersion=5) == [("type", "apiVersion")]


# -- the body: properties ---------------------------------------------------------------------------


def test_fails_on_an_unknown_property_naming_the_three_nearest(lib):
    assert messages(lib, palette={"colorE": "x"}) == [
        "unknown-property palette.colorE: is not a property of Palette (nearest: colorD, colorC, colorB)"]
    assert messages(lib, bogus=1) == [
        "unknown-property bogus: is not a property of Widget (nearest: none close)"]


def test_reads_a_property_under_its_sdk_name(lib):
    assert found(lib, title="t") == []
    assert found(lib, displayName="t") == [("unknown-property", "displayName")]


def test_an_input_set_to_none_is_not_sent(lib):
    assert check_resource(WIDGET, {**widget(), "bogus": None, "mode": None}, lib) == []


def test_fails_on_a_read_only_property(lib):
    assert messages(lib, state="Running") == [
        "read-only state: is read-only in Widget: Azure sets it, a request may not"]


def test_leaves_unknown_names_alone_where_part_of_the_schema_is_not_vendored(lib):
    assert found(lib, partial={"own": "x", "fromBase": 1}) == []
    assert found(lib, partial={"own": 5}) == [("type", "partial.own")]


def test_etag_is_no_input_of_a_resource_body(lib):
    assert found(lib, etag="abc") == [("unknown-property", "etag")]


def test_the_provider_supplied_body_property_is_neither_required_nor_judged(lib):
    assert found(lib) == []  # 'kind' is required, and the provider sets it
    assert found(lib, kind="Anything") == []


# -- the body: required properties ------------------------------------------------------------------


def test_fails_on_a_missing_required_top_level_property(lib):
    assert messages(lib, sku=None) == ["missing-required sku: is required by Widget and not set"]


def test_location_may_be_left_to_the_provider_at_the_top_only(lib):
    assert found(lib, location=None) == []


def test_a_required_container_counts_as_sent(lib):
    assert messages(lib, size=None) == [
        "missing-required size: is required by Widget (inside 'properties') and not set"]


def test_an_optional_container_is_judged_only_once_one_of_its_properties_is_set(lib):
    # 'options' is flattened too: its properties are inputs of the resource itself.
    assert messages(lib, shade="s") == [
        "missing-required color: is required by Widget (inside 'properties.options') and not set"]
    assert found(lib, color="c") == []
    assert found(lib) == []
    assert found(lib, label="x", tags={"a": "b"}) == []


def test_fails_on_a_missing_required_property_of_a_nested_object(lib):
    assert messages(lib, rules=[{"name": "r"}]) == ["missing-required rules[0].priority: is required by Rule and not set"]


def test_an_object_holding_only_an_id_is_a_reference_and_only_its_id_is_judged(lib):
    assert found(lib, target={"id": f"{NS}/widgets/w2"}) == []
    assert found(lib, target={"id": f"{NS}/widgetz/w2"}) == [("arm-id", "target.id")]
    assert found(lib, target={"id": f"{NS}/widgets/w2", "extra": 1}) == [
        ("unknown-property", "target.extra"), ("missing-required", "target.name")]
    assert found(lib, target={"name": "n"}) == []


# -- values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key, value, actual", [
    ("size", "3", "string"), ("size", True, "boolean"), ("size", 1.5, "number"), ("ratio", "1", "string"),
    ("ratio", False, "boolean"), ("enabled", 1, "integer"), ("enabled", "true", "string"), ("label", 5, "integer"),
    ("label", ["x"], "array"), ("label", {"a": 1}, "object"), ("label", datetime.date(2026, 1, 1), "date"),
])
def test_fails_on_a_wrong_json_type_naming_both(lib, key, value, actual):
    kind = {"size": "integer", "ratio": "number", "enabled": "boolean", "label": "string"}[key]
    assert messages(lib, **{key: value}) == [f"type {key}: is {actual} {value!r}, the spec says {kind}"]


def test_an_integer_is_a_number(lib):
    assert found(lib, ratio=2) == []


def test_a_property_without_a_type_takes_any_value(lib):
    assert found(lib, note="x") == [] and found(lib, note=5) == []


@pytest.mark.parametrize("value", [UNKNOWN, SECRET])
def test_never_judges_an_unknown_or_secret_value(lib, value):
    assert found(lib, mode=value, size=value, rules=[value], limits={"a": value}) == []


def test_leaves_an_unvendored_schema_alone(lib):
    assert found(lib, opaque="anything") == [] and found(lib, opaque=5) == []


def test_checks_ids_in_plain_strings(lib):
    assert found(lib, label=f"{NS}/widgetz/w1") == [("arm-id", "label")]
    assert found(lib, label=f"{NS}/widgets/w1/parts/p") == []


# -- arrays and objects ------------------------------------------------------------------------------


def test_fails_once_when_an_array_is_not_a_list(lib):
    assert messages(lib, rules="abc") == ["type rules: is string, the spec says array (WidgetProperties)"]
    assert found(lib, names={"a": 1}) == [("type", "names")]


def test_judges_each_array_item_at_its_index(lib):
    assert found(lib, rules=[{"name": "r", "priority": 1}, {"name": "s", "priority": "2", "mode": "on"}]) == [
        ("enum", "rules[1].mode"), ("type", "rules[1].priority")]


def test_fails_once_when_an_object_is_not_a_mapping(lib):
    assert messages(lib, sku="S1") == ["type sku: is string, the spec says object (Sku)"]


def test_judges_a_nested_object_property_by_property(lib):
    assert found(lib, sku={"name": 5, "size": 1}) == [("type", "sku.name"), ("unknown-property", "sku.size")]


def test_a_free_form_object_takes_any_keys_but_must_be_an_object(lib):
    assert found(lib, settings={"x": 1, "y": [2]}) == []
    assert found(lib, settings="x") == [("type", "settings")]


# -- maps and string sets ------------------------------------------------------------------------------


def test_judges_each_value_of_a_map_under_its_key(lib):
    assert found(lib, limits={"cpu": 4, "gpu": "8"}) == [("type", "limits['gpu']")]
    assert found(lib, anything={"k": object()}) == []


@pytest.mark.parametrize("value", ["a=b", ["a"], 5])
def test_fails_once_when_a_map_is_not_an_object(lib, value):
    assert found(lib, limits=value) == [("type", "limits")]
    assert messages(lib, tags=value)[0].endswith("the spec says object (a map)")


def test_takes_a_map_of_read_only_values_as_a_list_of_keys(lib):
    ok = [f"{NS}/widgets/w2", SECRET, None]
    assert found(lib, identity={"userAssignedIdentities": ok}) == []
    assert messages(lib, identity={"userAssignedIdentities": {"id": {}}}) == [
        "type identity.userAssignedIdentities: is object, azure-native takes a list of keys here (array of string)"]
    assert found(lib, identity={"userAssignedIdentities": 5}) == [("type", "identity.userAssignedIdentities")]


def test_judges_each_key_of_a_string_set(lib):
    assert messages(lib, identity={"userAssignedIdentities": ["ok", 5]}) == [
        "type identity.userAssignedIdentities[1]: is integer, the spec says string"]
    assert found(lib, identity={"userAssignedIdentities": [f"{NS}/widgetz/x"]}) == [
        ("arm-id", "identity.userAssignedIdentities[0]")]


# -- enums --------------------------------------------------------------------------------------------


def test_fails_on_a_value_outside_a_closed_enum(lib):
    assert messages(lib, mode="on") == [
        "enum mode: 'on' is not one of ['On', 'Off'] (Mode, a closed enum: Azure rejects it)"]


def test_fails_on_a_value_outside_an_extensible_enum_unless_index_json_allows_it(lib):
    (message,) = messages(lib, tier="Platinum")
    assert message.startswith("enum tier: 'Platinum' is not one of ['Basic', 'Premium'] (Tier, an extensible enum: ")
    assert "x-extensible-enum-values" in message
    assert found(lib, tier="Gold") == []


def test_an_extensible_value_is_allowed_only_at_its_own_path(lib):
    assert found(lib, rules=[{"name": "r", "priority": 1, "mode": "Gold"}]) == [("enum", "rules[0].mode")]


def test_fails_once_on_an_enum_value_of_the_wrong_type(lib):
    assert messages(lib, mode=5) == [
        "type mode: is integer 5, the spec says string (one of ['On', 'Off'])"]
    assert messages(lib, level="1.5") == ["type level: is string '1.5', the spec says number (one of [1.5, 2.5])"]


def test_an_integer_may_stand_in_a_number_enum_and_is_judged_by_value(lib):
    assert messages(lib, level=2) == ["enum level: 2 is not one of [1.5, 2.5] (enum, a closed enum: Azure rejects it)"]
    assert found(lib, level=1.5) == []


def test_enum_keys_drop_list_indexes():
    assert check._enum_key("rules[12].mode") == "rules[].mode"
    assert check._enum_key("limits['a'].x") == "limits[].x"
