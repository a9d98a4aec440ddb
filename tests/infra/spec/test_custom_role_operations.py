"""Custom roles name only operations Azure publishes: anything else is bad input (exit 2) at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import rbac_operations
from infra.capacity import access
from infra.cli import main
from infra.stackfile import discover, load

STACKS = Path(__file__).resolve().parents[3] / "stacks"
READ = "Microsoft.Network/expressRouteCircuits/read"
ARP_READ = "Microsoft.Network/expressRouteCircuits/peerings/arpTables/read"
ROUTES_READ = "Microsoft.Network/expressRouteCircuits/peerings/routeTables/read"
BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
BLOB_TAGS_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/read"
ROLE = "access.custom_roles.circuit-read"


@pytest.fixture
def data(spec_data):
    spec_data["access"] = {"custom_roles": {"circuit-read": {"description": "read circuits", "actions": [READ]}}}
    return spec_data


def role(data):
    return data["access"]["custom_roles"]["circuit-read"]


# What the rule leaves alone -------------------------------------------------------------------


def test_every_role_of_every_shipped_stack_names_real_operations():
    roles = 0
    for path in discover(STACKS).values():
        for name, spec in load(path).spec.access.custom_roles.items():
            roles += 1
            for field, kind in (("actions", "action"), ("not_actions", "action"),
                                ("data_actions", "dataAction"), ("not_data_actions", "dataAction")):
                for op in getattr(spec, field):
                    assert rbac_operations.problem(op, kind) is None, (path.name, name, op)
    assert roles >= 15  # three roles in each of the five shipped stacks


def test_the_eastus_interconnect_operator_reads_arp_and_route_tables_with_the_published_operations():
    actions = load(STACKS / "Pulumi.eastus.yaml").spec.access.custom_roles["interconnect-operator"].actions
    assert {ARP_READ, ROUTES_READ} <= set(actions)
    assert not [op for op in actions if op.endswith(("arpTables/action", "routeTables/action"))]


def test_operations_compare_case_insensitively_as_azure_does(data, make_spec):
    role(data)["actions"] = [READ.lower(), ARP_READ.upper()]
    role(data)["data_actions"] = [BLOB_READ.lower()]
    spec = make_spec(data)
    assert spec.access.custom_roles["circuit-read"].actions == (READ.lower(), ARP_READ.upper())  # kept as written


def test_a_not_actions_wildcard_that_matches_published_operations_passes(data, make_spec):
    role(data)["actions"] = ["Microsoft.Network/expressRouteCircuits/read", ARP_READ]
    role(data)["not_actions"] = ["Microsoft.Network/expressRouteCircuits/peerings/*"]
    role(data)["data_actions"] = [BLOB_READ]
    role(data)["not_data_actions"] = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/*"]
    make_spec(data)


def test_a_wildcard_in_actions_is_left_to_the_least_privilege_rule(data, make_spec):
    role(data)["actions"].append("Microsoft.Network/*")
    spec = make_spec(data)  # not bad input ...
    violations = [v for v in access.check(spec) if v.invariant == "custom-role-least-privilege"]
    assert [v.path for v in violations] == [f"{ROLE}.actions.1"]  # ... a policy violation (exit 1)


# What it rejects, with the key path of the operation itself ------------------------------------


@pytest.mark.parametrize(("field", "bad", "nearest"), [
    ("actions", "Microsoft.Network/expressRouteCircuits/peerings/arpTables/action", ARP_READ),
    ("not_actions", "Microsoft.Network/expressRouteCircuits/peerings/routeTables/action", ROUTES_READ),
    ("data_actions", "Microsoft.Storage/storageAccounts/blobServices/containers/blob/read", BLOB_READ),
    ("not_data_actions", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tag/read",
     BLOB_TAGS_READ),
])
def test_fails_when_an_operation_is_not_published_and_names_the_nearest(data, spec_errors, field, bad, nearest):
    ops = role(data).setdefault(field, [])
    if field == "not_data_actions":
        role(data)["data_actions"] = [BLOB_READ]
    ops.append(bad)
    [err] = spec_errors(data)
    assert err.path == f"{ROLE}.{field}.{len(ops) - 1}"
    assert "Azure publishes for Microsoft." in err.msg
    assert f"did you mean {nearest!r}" in err.msg


def test_fails_when_a_data_action_is_among_actions(data, spec_errors):
    role(data)["actions"].append(BLOB_READ)
    [err] = spec_errors(data)
    assert err.path == f"{ROLE}.actions.1"
    assert "a data action of Microsoft.Storage, not a control-plane action: move it to data_actions" in err.msg


def test_fails_when_a_control_plane_action_is_among_data_actions(data, spec_errors):
    role(data)["data_actions"] = [BLOB_READ, ARP_READ]
    [err] = spec_errors(data)
    assert err.path == f"{ROLE}.data_actions.1"
    assert "a control-plane action of Microsoft.Network, not a data action: move it to actions" in err.msg


def test_fails_when_a_not_actions_wildcard_matches_nothing(data, spec_errors):
    role(data)["not_actions"] = ["Microsoft.Network/expressRouteCircuits/*/purge"]
    [err] = spec_errors(data)
    assert err.path == f"{ROLE}.not_actions.0"
    assert "pattern matches no control-plane action of Microsoft.Network" in err.msg


def test_fails_when_the_provider_is_not_vendored_and_names_the_vendored_ones(data, spec_errors):
    role(data)["actions"].append("Microsoft.KeyVault/vaults/read")
    [err] = spec_errors(data)
    assert err.path == f"{ROLE}.actions.1"
    assert "unknown resource provider 'Microsoft.KeyVault'" in err.msg
    assert "Microsoft.Network" in err.msg and "Microsoft.Storage" in err.msg


def test_reports_every_unknown_operation_of_a_role_at_once(data, spec_errors):
    role(data)["actions"] += ["Microsoft.Network/expressRouteCircuits/peerings/arpTables/action", READ,
                              "Microsoft.Network/expressRouteCircuits/peerings/routeTables/action"]
    assert [e.path for e in spec_errors(data)] == [f"{ROLE}.actions.1", f"{ROLE}.actions.3"]


# Through `fabric validate` on a copied stack file ----------------------------------------------


def test_fabric_validate_exits_2_at_the_line_of_an_unknown_operation(stack_file, stacks_dir, capsys):
    eastus = stack_file("eastus")
    line = eastus.replace(f"- {ROUTES_READ}\n", f"- {ROUTES_READ.replace('/read', '/action')}\n")
    code = main(["validate", "--stacks-dir", str(stacks_dir), "--stack", "eastus"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err
    assert (f"Pulumi.eastus.yaml:{line}: ai-fabric:access.custom_roles.interconnect-operator.actions.4: "
            "not a control-plane action Azure publishes for Microsoft.Network") in err
    assert f"did you mean {ROUTES_READ!r}" in err
    assert "(got 'Microsoft.Network/expressRouteCircuits/peerings/routeTables/action')" in err


def test_fabric_validate_reports_each_bad_operation_of_a_file_at_its_own_line(stack_file, stacks_dir, capsys):
    eastus = stack_file("eastus")
    first = eastus.replace(f"- {ARP_READ}\n", "- Microsoft.Network/expressRouteCircuits/peerings/arpTables/action\n")
    second = eastus.replace("- Microsoft.Compute/virtualMachineScaleSets/reimage/action\n",
                            f"- {BLOB_READ}\n")
    code = main(["validate", "--stacks-dir", str(stacks_dir), "--stack", "eastus"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "invalid input (2 problems)" in err
    assert f"Pulumi.eastus.yaml:{first}: ai-fabric:access.custom_roles.interconnect-operator.actions.3" in err
    assert f"Pulumi.eastus.yaml:{second}: ai-fabric:access.custom_roles.cluster-operator.actions.3" in err
