"""`fabric secrets`: every secret key a stack needs (FabricSpec.secret_keys, the list the program reads), what
each holds, and the commands that give a new stack its own."""

from __future__ import annotations

import json

import pytest
import yaml

from infra import cli, offline
from infra.rollout import secrets
from infra.stackfile import load

EASTUS_KEYS = ["bgpKeyNyc", "bgpKeyWdc", "macsecCakNyc", "macsecCakWdc", "macsecCknNyc", "macsecCknWdc",
               "pagerWebhookUrl"]


def _secure_keys(path):
    """The keys a stack file holds as `secure:` values."""
    config = yaml.safe_load(path.read_text())["config"]
    return sorted(k.split(":", 1)[1] for k, v in config.items() if isinstance(v, dict) and set(v) == {"secure"})


def test_lists_every_key_of_a_direct_site_with_what_it_holds_and_its_command(capsys, repo_root, shipped_specs):
    code = cli.main(["secrets", "--stack", "eastus", "--format", "json", "--stacks-dir", str(repo_root / "stacks")])
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    assert code == 0
    # BGP keys, the MACsec CAK and CKN of both Direct ports, the pager's webhook URL.
    assert [k["key"] for k in stack["keys"]] == EASTUS_KEYS
    keys = {k["key"]: k for k in stack["keys"]}
    wanted = shipped_specs["eastus"].secret_keys()
    assert {k: v["purpose"] for k, v in keys.items()} == wanted  # what each holds, as the spec says it
    assert keys["macsecCakWdc"]["purpose"].startswith("MACsec CAK of Direct port wdc (GcmAesXpn256)")
    assert keys["macsecCknNyc"]["purpose"] == "MACsec CKN of Direct port nyc"
    assert keys["pagerWebhookUrl"]["purpose"] == "https URL of webhook receiver pager of the site's action group"
    assert keys["bgpKeyWdc"]["purpose"] == "BGP MD5 key of circuit wdc's private peering"
    assert all(k["set_in_file"] for k in stack["keys"])
    assert keys["macsecCknWdc"]["command"] == "pulumi config set --secret --stack eastus macsecCknWdc"
    # The shipped files name no secrets provider: their secure: values are placeholders.
    assert stack["provider_recorded"] is False
    assert stack["commands"][0].startswith("pulumi stack init eastus")
    assert stack["commands"][1:] == [f"pulumi config set --secret --stack eastus {k}   # prompts for it; {wanted[k]}"
                                     for k in EASTUS_KEYS]


def test_a_site_without_direct_ports_needs_its_bgp_keys_and_no_macsec(capsys, repo_root):
    assert cli.main(["secrets", "--stack", "southcentralus", "--format", "json",
                     "--stacks-dir", str(repo_root / "stacks")]) == 0
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    assert [k["key"] for k in stack["keys"]] == ["bgpKeyChi", "bgpKeySat"]
    assert not [c for c in stack["commands"] if "macsec" in c.lower() or "Webhook" in c]


def test_every_shipped_stack_lists_exactly_the_keys_its_file_holds_as_secure(repo_root, shipped_counts):
    # The shipped files are complete examples: each secure: value is a key the spec names, and the reverse.
    for path in sorted((repo_root / "stacks").glob("Pulumi.*.yaml")):
        found = secrets.stack_secrets(load(path))
        assert [k.key for k in found.keys] == _secure_keys(path), path.name
    assert sum(len(secrets.stack_secrets(load(p)).keys) for p in (repo_root / "stacks").glob("Pulumi.*.yaml")) \
        == shipped_counts.secret_keys


def test_every_shipped_stack_lists_its_keys(capsys, repo_root, shipped_specs, shipped_counts):
    assert cli.main(["secrets", "--all", "--stacks-dir", str(repo_root / "stacks")]) == 0
    out = capsys.readouterr().out
    for stack in shipped_specs:
        assert f"{stack}:" in out
    assert out.count("pulumi config set --secret") == shipped_counts.secret_keys > 0


def test_a_direct_site_lists_its_ports_macsec_keys_and_the_program_requires_them(direct_stacks):
    stack = load(direct_stacks / "Pulumi.gamma.yaml")
    found = secrets.stack_secrets(stack)
    assert [k.key for k in found.keys] == ["bgpKeyNyc", "bgpKeyWdc", "macsecCakP1", "macsecCknP1"]
    # The program reads every key listed: without one, it stops and names it.
    without = {k: v for k, v in stack.file.config.items() if k != "ai-fabric:macsecCknP1"}
    with pytest.raises(offline.PlanError, match="macsecCknP1"):
        offline.run("gamma", without, peer_specs={"gamma": stack.spec})


def test_a_linked_circuits_authorization_key_is_listed(tmp_path, spec_data, make_spec, write_spec):
    owner = ("/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-owner/providers/"
             "Microsoft.Network/expressRouteCircuits/erc-owned-elsewhere")
    spec_data["interconnect"]["circuits"]["nyc"].update(owner_circuit_id=owner, authorization_key_secret="authNyc")
    found = {k.key: k for k in secrets.stack_secrets(write_spec(make_spec(spec_data))).keys}
    assert found["authNyc"].purpose == f"authorization key the owner of {owner} issued for circuit nyc"
    assert found["authNyc"].command == "pulumi config set --secret --stack eastus authNyc"


def test_a_stack_file_with_its_secrets_provider_needs_no_init(capsys, rollout_stacks):
    path = rollout_stacks / "Pulumi.alpha.yaml"
    path.write_text("encryptionsalt: v1:abcdEFGH:v1:xyz\n" + path.read_text())
    assert cli.main(["secrets", "--stack", "alpha", "--stacks-dir", str(rollout_stacks)]) == 0
    out = capsys.readouterr().out
    assert "pulumi stack init" not in out and "shipped placeholders" not in out
    assert "pulumi config set --secret --stack alpha bgpKeyWdc" in out


def test_readme_path_sets_every_key_fabric_secrets_names(capsys, repo_root):
    assert cli.main(["secrets", "--stack", "eastus", "--format", "json", "--stacks-dir", str(repo_root / "stacks")]) == 0
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    readme = (repo_root / "README.md").read_text()
    assert "pulumi stack init eastus" in readme and "fabric secrets --stack eastus" in readme
    for key in stack["keys"]:
        assert f"{key['command']}" in readme, key["key"]
    assert readme.index("pulumi stack init eastus") < readme.index("pulumi preview --stack eastus")
