"""The vendored lists of Azure's resource provider operations and the lookups custom roles rely on."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from infra import rbac_operations as ops
from infra.spec.access import _OPERATION

REPO = Path(__file__).resolve().parents[2]
VENDORED = {"Microsoft.Network", "Microsoft.Compute", "Microsoft.Storage", "Microsoft.Authorization",
            "Microsoft.Resources", "Microsoft.ManagedIdentity", "Microsoft.Insights"}
ARP_READ = "Microsoft.Network/expressRouteCircuits/peerings/arpTables/read"
BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"


# The data files and their provenance ---------------------------------------------------------


def test_vendors_every_provider_a_fabric_role_uses():
    assert set(ops.vendored_namespaces()) == VENDORED


def test_every_list_names_its_source_page_commit_and_dates():
    for p in ops.providers().values():
        assert re.fullmatch(r"MicrosoftDocs/azure-docs articles/role-based-access-control/permissions/[a-z-]+\.md",
                            p.source), p.source
        assert re.fullmatch(r"[0-9a-f]{40}", p.commit), p.file
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.page_date), p.file
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.read), p.file
    assert "MicrosoftDocs/azure-docs articles/role-based-access-control/permissions/" in ops.SOURCE


def test_every_vendored_operation_is_well_formed_and_of_its_own_provider():
    for p in ops.providers().values():
        for kind in ops.KINDS:
            for spelled in p.operations[kind].values():
                assert _OPERATION.match(spelled), spelled
                assert spelled.split("/", 1)[0].lower() == p.namespace.lower(), spelled


def test_no_operation_is_both_a_control_plane_and_a_data_action():
    for p in ops.providers().values():
        assert not set(p.operations["action"]) & set(p.operations["dataAction"]), p.namespace


def test_only_insights_is_a_subset_and_its_header_says_what_is_left_out():
    incomplete = {p.namespace: p.completeness for p in ops.providers().values() if not p.complete}
    assert list(incomplete) == ["Microsoft.Insights"]
    assert "Left out: Components/*" in incomplete["Microsoft.Insights"]


def test_the_data_files_are_package_data_so_an_installed_fabric_finds_them():
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    files = sorted((REPO / "infra").glob("data/operations/*"))
    assert files
    for f in files:
        rel = f.relative_to(REPO / "infra").as_posix()
        assert any(fnmatch(rel, pattern) for pattern in package_data["infra"]), rel


def test_importing_the_spec_reads_no_operation_list():
    code = ("import infra.spec, infra.rbac_operations as r; "
            "assert r.providers.cache_info().currsize == 0; print('lazy')")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "lazy"


def test_fails_on_a_data_file_without_its_source():
    with pytest.raises(ValueError, match="header lacks source, commit"):
        ops._parse("microsoft.example.txt", "# provider: Microsoft.Example\n# read: 2026-11-29\n"
                                             "# complete: yes\n[actions]\nMicrosoft.Example/things/read\n")


# Lookups --------------------------------------------------------------------------------------


def test_a_published_operation_passes_in_any_case():
    assert ops.problem(ARP_READ, "action") is None
    assert ops.problem(ARP_READ.lower(), "action") is None
    assert ops.problem(ARP_READ.upper(), "action") is None
    assert ops.problem(BLOB_READ, "dataAction") is None


@pytest.mark.parametrize(("unknown", "nearest"), [
    ("Microsoft.Network/expressRouteCircuits/peerings/arpTables/action", ARP_READ),
    ("Microsoft.Network/expressRouteCircuits/peerings/routeTables/action",
     "Microsoft.Network/expressRouteCircuits/peerings/routeTables/read"),
    ("Microsoft.Network/expressRouteCircuit/read", "Microsoft.Network/expressRouteCircuits/read"),
    ("Microsoft.Compute/virtualMachineScaleSets/reboot/action",
     "Microsoft.Compute/virtualMachineScaleSets/restart/action"),
])
def test_fails_on_an_unpublished_operation_and_names_the_nearest_first(unknown, nearest):
    why = ops.problem(unknown, "action")
    assert why is not None and why.startswith("not a control-plane action Azure publishes")
    assert ops.nearest(unknown, "action")[0] == nearest
    assert f"did you mean {nearest!r}" in why


def test_nearest_stays_within_the_provider_and_kind():
    for suggestion in ops.nearest("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/list", "dataAction"):
        assert suggestion in ops.providers()["microsoft.storage"].operations["dataAction"].values()


def test_fails_when_a_data_action_is_used_as_a_control_plane_action_and_the_reverse():
    assert "a data action of Microsoft.Storage, not a control-plane action" in ops.problem(BLOB_READ, "action")
    assert "a control-plane action of Microsoft.Network, not a data action" in ops.problem(ARP_READ, "dataAction")


def test_fails_on_an_unvendored_provider_and_names_the_vendored_ones():
    why = ops.problem("Microsoft.KeyVault/vaults/read", "action")
    assert "unknown resource provider 'Microsoft.KeyVault'" in why
    for namespace in VENDORED:
        assert namespace in why


def test_an_unknown_insights_operation_says_the_list_may_be_a_subset():
    why = ops.problem("Microsoft.Insights/Components/Read", "action")
    assert "Microsoft.Insights list is a subset" in why
    assert "infra/data/operations/microsoft.insights.txt" in why
    assert "subset" not in ops.problem("Microsoft.Network/natGateway/read", "action")


def test_a_known_omission_of_the_page_is_accepted_with_its_source():
    assert ops.problem("Microsoft.Network/natGateways/read", "action") is None
    text = (REPO / "infra/data/operations/microsoft.network.txt").read_text()
    assert "built-in-roles/identity.md" in text.split("Microsoft.Network/natGateways/read")[0].rsplit("[actions]", 1)[1]


@pytest.mark.parametrize("pattern", [
    "Microsoft.Network/expressRouteCircuits/*",
    "microsoft.network/EXPRESSROUTECIRCUITS/*/read",
    "Microsoft.Network/*/delete",
    "*/read",
])
def test_a_wildcard_that_matches_a_published_operation_passes(pattern):
    assert ops.problem(pattern, "action") is None


def test_a_wildcard_spans_slashes_as_azure_matches_it():
    matched = ops.providers()["microsoft.network"].matching("Microsoft.Network/expressRouteCircuits/*/read", "action")
    assert ARP_READ in matched
    assert "Microsoft.Network/expressRouteCircuits/read" not in matched  # '*' needs its two slashes around it


@pytest.mark.parametrize(("pattern", "kind"), [
    ("Microsoft.Network/expressRouteCircuits/*/purge", "action"),
    ("Microsoft.Network/*", "dataAction"),
    ("*/nothing-like-this", "action"),
])
def test_fails_when_a_wildcard_matches_nothing(pattern, kind):
    assert "pattern matches no" in ops.problem(pattern, kind)
