"""The vendored specs are those of the API versions the pinned azure-native sends; drift fails clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra import conformance
from infra.conformance import sdk
from infra.inventory import Inventory, Resource
from infra.invariants import conformance as conformance_invariant

REPO = Path(__file__).resolve().parents[3]


def test_every_vendored_type_matches_the_installed_sdk_api_version():
    lib = conformance.library()
    stated = {t: sdk.sdk_api_version(t) for t in lib.tokens()}
    assert all(stated.values()), f"the SDK states no API version for {[t for t, v in stated.items() if not v]}"
    assert conformance.api_version_drift() == []


def test_pyproject_pins_the_azure_native_release_the_specs_were_vendored_for():
    pinned = re.search(r'"pulumi-azure-native==([\d.]+)"', (REPO / "pyproject.toml").read_text())
    assert pinned, "pulumi-azure-native must be pinned with =="
    assert pinned.group(1) == conformance.library().index["azure-native"] == sdk.sdk_version()


def test_fails_naming_type_versions_and_refresh_when_the_sdk_moves(monkeypatch):
    token = "azure-native:network:VirtualNetworkGateway"
    real = sdk.sdk_api_version
    monkeypatch.setattr(sdk, "sdk_api_version", lambda t: "2025-01-01" if t == token else real(t))
    drift = conformance.api_version_drift()
    assert [d.token for d in drift] == [token]
    message = drift[0].message()
    for part in (token, "2025-01-01", "2024-05-01", "virtualNetworkGateway.json", "infra/conformance/README.md"):
        assert part in message
    inv = Inventory("eastus", (Resource("urn:gw", token, "gw", None, {"resourceGroupName": "rg", "location": "eastus"}),))
    found = conformance_invariant.azure_api_conformance(inv)
    assert [v.resource for v in found if "2025-01-01" in v.message] == ["urn:gw"]


def test_leaves_a_type_alone_when_the_sdk_states_no_version(monkeypatch):
    monkeypatch.setattr(sdk, "sdk_api_version", lambda t: None)
    assert conformance.api_version_drift() == []


@pytest.mark.parametrize("token", ["azure-native:network:VirtualNetworkGateway",
                                   "azure-native:authorization:PimRoleEligibilitySchedule"])
def test_reads_the_version_from_the_sdk_source(token):
    # A generated class states it in its docstring; the PIM custom resource only in its versioned alias.
    assert sdk.sdk_api_version(token) == conformance.library().resource(token).api_version


SDK_ONLY = {
    # Vendored partially: the allOf parent (common-types v2 TrackedResource) is not vendored.
    "azure-native:operationalinsights:Workspace": {"location", "tags"},
}


def _sdk_inputs(token: str) -> set[str]:
    text = sdk._module_file(token).read_text()
    typ = token.split(":")[2]
    body = re.search(rf"class {typ}(?:Init)?Args:(.*?)(?=\nclass |\Z)", text, re.S).group(1)
    return {g or py.rstrip("_") for g, py in re.findall(r'@pulumi\.getter(?:\(name="(\w+)"\))?\n    def (\w+)\(self\)', body)}


@pytest.mark.parametrize("token", conformance.library().tokens())
def test_the_vendored_spec_yields_exactly_the_sdk_inputs(token):
    """A transcription check of the vendoring: azure-native's flattening rules applied to the vendored
    spec give the same input names as the SDK's Args class (which azure-native generated from the full
    spec). Differences are only where the vendored subset is documented as partial."""
    lib = conformance.library()
    spec = lib.resource(token)
    view = lib.sdk_object(spec.body, resource_body=True)
    ours = ({n for n in view.writable if n not in spec.provider_body} | set(spec.input_parameters)
            | set(spec.query) | set(spec.sdk_parameters))
    theirs = _sdk_inputs(token)
    assert ours <= theirs, f"vendored but not in the SDK: {sorted(ours - theirs)}"
    assert theirs - ours == SDK_ONLY.get(token, set())
