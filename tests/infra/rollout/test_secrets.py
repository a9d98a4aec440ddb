"""`fabric secrets`: the keys a stack needs, and the commands that give a new stack its own."""

from __future__ import annotations

import json

from infra import cli


def test_lists_each_key_the_spec_names_with_the_command_that_sets_it(capsys, repo_root):
    code = cli.main(["secrets", "--stack", "eastus", "--format", "json", "--stacks-dir", str(repo_root / "stacks")])
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    assert code == 0
    assert [k["key"] for k in stack["keys"]] == ["bgpKeyNyc", "bgpKeyWdc"]
    assert all(k["set_in_file"] for k in stack["keys"])
    assert "circuit wdc" in stack["keys"][1]["purpose"] and "Washington DC" in stack["keys"][1]["purpose"]
    # The shipped files name no secrets provider: their secure: values are placeholders.
    assert stack["provider_recorded"] is False
    assert stack["commands"][0].startswith("pulumi stack init eastus")
    assert "pulumi config set --secret --stack eastus bgpKeyWdc   # prompts for it" in stack["commands"][2]


def test_a_stack_file_with_its_secrets_provider_needs_no_init(capsys, rollout_stacks):
    path = rollout_stacks / "Pulumi.alpha.yaml"
    path.write_text("encryptionsalt: v1:abcdEFGH:v1:xyz\n" + path.read_text())
    assert cli.main(["secrets", "--stack", "alpha", "--stacks-dir", str(rollout_stacks)]) == 0
    out = capsys.readouterr().out
    assert "pulumi stack init" not in out and "shipped placeholders" not in out
    assert "pulumi config set --secret --stack alpha bgpKeyWdc" in out


def test_every_shipped_stack_lists_its_keys(capsys, repo_root, shipped_specs, shipped_counts):
    assert cli.main(["secrets", "--all", "--stacks-dir", str(repo_root / "stacks")]) == 0
    out = capsys.readouterr().out
    for stack in shipped_specs:
        assert f"{stack}:" in out
    assert out.count("pulumi config set --secret") == shipped_counts.secret_keys > 0


def test_readme_path_sets_every_key_fabric_secrets_names(capsys, repo_root):
    assert cli.main(["secrets", "--stack", "eastus", "--format", "json", "--stacks-dir", str(repo_root / "stacks")]) == 0
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    readme = (repo_root / "README.md").read_text()
    assert "pulumi stack init eastus" in readme and "fabric secrets --stack eastus" in readme
    for key in stack["keys"]:
        assert f"pulumi config set --secret --stack eastus {key['key']}" in readme
    assert readme.index("pulumi stack init eastus") < readme.index("pulumi preview --stack eastus")
