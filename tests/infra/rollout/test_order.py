"""Deployment order: a stack that reads another stack's outputs is in a later wave than that stack."""

from __future__ import annotations

import json

import pytest

from infra import cli, offline
from infra.rollout import order
from infra.workspace import load_fabric

def test_global_reach_owner_deploys_after_the_peers_it_reads(shipped_specs):
    waves = order.waves(sorted(shipped_specs), order.dependencies(shipped_specs))
    assert waves == [["southcentralus", "westeurope", "westus3"], ["eastus", "uksouth"]]


@pytest.mark.parametrize(("carrier_state", "reads_all"), [("provisioned", True), ("pending", False)])
def test_dependencies_are_the_stack_references_the_program_declares(rollout_stacks, carrier_state, reads_all):
    """Once the carrier provisioned both ends of every link, the program reads exactly the peers the order
    puts first; before, it reads none (a link that cannot be made yet needs no peer output)."""
    fabric = load_fabric(rollout_stacks)
    specs = {n: s.spec for n, s in fabric.stacks.items()}
    deps = order.dependencies(specs)
    for name, stack in fabric.stacks.items():
        read: list[str] = []

        def peer_outputs(peer: str) -> dict:
            read.append(peer)
            return {"circuit_peering_ids": {c: f"/peerings/{peer}/{c}" for c in specs[peer].interconnect.circuits}}

        offline.run(name, stack.file.config, peer_outputs=peer_outputs, peer_specs=specs,
                    options=offline.RunOptions(carrier_state=carrier_state))
        expected = {d.reads for d in deps if d.stack == name} if reads_all else set()
        assert set(read) == expected, name
    assert {(d.stack, d.reads) for d in deps} == {("alpha", "beta")}


def test_a_link_makes_one_read_by_its_owner_only(shipped_specs):
    deps = order.dependencies(shipped_specs)
    assert ("eastus", "westus3", "to-westus3-svl") in {(d.stack, d.reads, d.link) for d in deps}
    assert not [d for d in deps if d.stack == "westus3"]  # westus3 sorts after eastus: it never reads it
    assert all(d.stack < d.reads for d in deps)


def test_stacks_that_read_nothing_share_the_first_wave():
    assert order.waves(["b", "a", "c"], []) == [["a", "b", "c"]]


def test_a_dependency_outside_the_selection_counts_as_deployed():
    deps = [order.Dependency("a", "b", "x"), order.Dependency("b", "c", "y")]
    assert order.waves(["a", "b"], deps) == [["b"], ["a"]]
    assert order.waves(["a"], deps) == [["a"]]


def test_fails_when_stacks_depend_on_themselves_through_references():
    deps = [order.Dependency("a", "b", "x"), order.Dependency("b", "c", "y"), order.Dependency("c", "a", "z")]
    with pytest.raises(order.DependencyCycle) as exc:
        order.waves(["a", "b", "c"], deps)
    cycle = exc.value.cycle
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    # Said in read order: each stack reads the next.
    reads = {(d.stack, d.reads) for d in deps}
    assert all(pair in reads for pair in zip(cycle, cycle[1:]))
    assert {d.why for d in exc.value.edges} == {"x", "y", "z"}


def test_fails_with_exit_2_naming_the_cycle_and_the_file(monkeypatch, capsys, repo_root):
    real = order.dependencies

    def with_back_reference(specs):
        # A second kind of stack reference that reads back would close a loop with Global Reach.
        return real(specs) + [order.Dependency("westus3", "eastus", "a back reference", link=None)]

    monkeypatch.setattr(order, "dependencies", with_back_reference)
    code = cli.main(["rollout", "--dry-run", "--stacks-dir", str(repo_root / "stacks")])
    err = capsys.readouterr().err
    assert code == 2
    assert "depends on itself" in err and "eastus -> westus3 -> eastus" in err.replace("westus3 -> eastus -> westus3",
                                                                                         "eastus -> westus3 -> eastus")
    assert "Pulumi.eastus.yaml:" in err and "global_reach" in err
    assert "Traceback" not in err


def test_fails_with_exit_2_when_rollout_names_an_unknown_stack(capsys, repo_root):
    code = cli.main(["rollout", "--dry-run", "--stack", "mars", "--stacks-dir", str(repo_root / "stacks")])
    err = capsys.readouterr().err
    assert code == 2 and "mars" in err and "unknown stack" in err and "eastus" in err


def _no_cli_and_no_credentials(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    for var in ("ARM_CLIENT_ID", "ARM_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SUBSCRIPTION_ID"):
        monkeypatch.delenv(var, raising=False)


def test_dry_run_json_follows_the_contract(capsys, fresh_stacks, monkeypatch, shipped_counts):
    _no_cli_and_no_credentials(monkeypatch)
    code = cli.main(["rollout", "--dry-run", "--format", "json", "--stacks-dir", str(fresh_stacks)])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["waves"] == [["southcentralus", "westeurope", "westus3"], ["eastus", "uksouth"]]
    assert all({"stack", "circuit", "waits_for"} <= set(g) for g in doc["gates"])
    wave_of = {s: i for i, w in enumerate(doc["waves"]) for s in w}
    for d in doc["dependencies"]:
        assert wave_of[d["stack"]] > wave_of[d["reads"]]
    # Nothing recorded: every provider circuit waits for the carrier, every Direct circuit for its port's
    # cross-connects, and every link for both of its circuits.
    kinds = [g["kind"] for g in doc["gates"]]
    assert kinds.count("carrier") == shipped_counts.provider_circuits
    assert kinds.count("cross-connect") == shipped_counts.direct_circuits
    assert kinds.count("global-reach") == shipped_counts.links
    (chi,) = [g for g in doc["gates"] if (g["stack"], g["circuit"], g["kind"]) == ("southcentralus", "chi", "carrier")]
    assert chi["deferred"] == ["interconnect-peering-chi", "interconnect-connection-chi",
                               "interconnect-lock-connection-chi"]
    assert chi["port"] is None
    (wdc,) = [g for g in doc["gates"] if (g["stack"], g["circuit"], g["kind"]) == ("eastus", "wdc", "cross-connect")]
    assert wdc["port"] == "wdc" and wdc["deferred"] == ["interconnect-peering-wdc", "interconnect-connection-wdc",
                                                        "interconnect-lock-connection-wdc"]


def test_dry_run_of_the_shipped_stacks_has_no_gates(capsys, repo_root, monkeypatch):
    # The shipped stack files record every circuit as provisioned.
    _no_cli_and_no_credentials(monkeypatch)
    code = cli.main(["rollout", "--dry-run", "--format", "json", "--stacks-dir", str(repo_root / "stacks")])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["gates"] == []
    assert doc["waves"] == [["southcentralus", "westeurope", "westus3"], ["eastus", "uksouth"]]
    assert cli.main(["rollout", "--dry-run", "--stacks-dir", str(repo_root / "stacks")]) == 0
    out = capsys.readouterr().out
    assert "no gates: by the recorded carrier state, every circuit and port is provisioned" in out
    assert "  eastus reads westus3: circuit_peering_ids['svl'] for Global Reach link to-westus3-svl\n" in out


def test_dry_run_text_lists_waves_reads_and_what_the_carrier_must_do(capsys, fresh_stacks):
    code = cli.main(["rollout", "--dry-run", "--stack", "eastus", "--stack", "southcentralus",
                     "--stacks-dir", str(fresh_stacks)])
    out = capsys.readouterr().out
    assert code == 0
    assert "wave 1: southcentralus\nwave 2: eastus\n" in out
    assert ("eastus reads westus3: circuit_peering_ids['svl'] for Global Reach link to-westus3-svl (westus3 is not in "
            "this rollout: taken as deployed)") in out
    assert "eastus reads southcentralus: circuit_peering_ids['chi'] for Global Reach link to-southcentralus-chi\n" in out
    # A provider circuit: the service key goes to the carrier.
    assert ("give service key <output circuit_service_keys.chi of stack southcentralus>" in out
            and "to CenturyLink Cloud Connect to provision erc-southcentralus-chi" in out
            and "at Chicago, 10 Gbps, VLAN 220, peer ASN 64620" in out)
    assert ("held back until then: interconnect-peering-chi, interconnect-connection-chi, "
            "interconnect-lock-connection-chi") in out
    # A Direct circuit: the port's letter of authorization goes to the colocation provider.
    assert "eastus/wdc waits for the colocation provider at Washington DC to make the cross-connects of erd-eastus-wdc" in out
    assert ("send the letter of authorization of erd-eastus-wdc (`az network express-route port generate-loa --name "
            "erd-eastus-wdc --resource-group rg-ai-fabric-eastus-network --customer-name <your company> --file "
            "erd-eastus-wdc-loa.pdf`) to the colocation provider at Washington DC") in out
    assert "MACsec (GcmAesXpn256): your edge routers need the CAK and CKN of secret config macsecCakWdc and macsecCknWdc" in out
    assert "circuit erc-eastus-wdc (100 Gbps, VLAN 110, peer ASN 64610" in out
    assert ("held back until then: interconnect-peering-wdc, interconnect-connection-wdc, "
            "interconnect-lock-connection-wdc") in out
    assert "service key <output circuit_service_keys.wdc" not in out  # no carrier provisions a Direct circuit


def test_dry_run_shows_the_fabric_as_the_carrier_state_override_would(capsys, repo_root, monkeypatch, shipped_counts):
    monkeypatch.setenv("AI_FABRIC_CARRIER_STATE", "pending")
    code = cli.main(["rollout", "--dry-run", "--format", "json", "--stacks-dir", str(repo_root / "stacks")])
    assert code == 0
    kinds = [g["kind"] for g in json.loads(capsys.readouterr().out)["gates"]]
    assert kinds.count("carrier") == shipped_counts.provider_circuits
    assert kinds.count("cross-connect") == shipped_counts.direct_circuits
    cli.main(["rollout", "--dry-run", "--stacks-dir", str(repo_root / "stacks")])
    assert "AI_FABRIC_CARRIER_STATE=pending: every circuit and port is taken as pending" in capsys.readouterr().out


def test_fails_with_exit_2_when_the_carrier_state_override_is_neither_state(capsys, repo_root, monkeypatch):
    monkeypatch.setenv("AI_FABRIC_CARRIER_STATE", "done")
    code = cli.main(["rollout", "--dry-run", "--stacks-dir", str(repo_root / "stacks")])
    err = capsys.readouterr().err
    assert code == 2 and "AI_FABRIC_CARRIER_STATE" in err and "'done'" in err and "Traceback" not in err
