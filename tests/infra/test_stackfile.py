"""The stack-file loader: YAML to spec, and every problem of a file reported at once with file:line."""

from __future__ import annotations

import pytest

from infra.stackfile import SpecError, discover, load, read_stack_file
from infra.workspace import load_fabric


def issues_of(path):
    with pytest.raises(SpecError) as info:
        load(path)
    return info.value.issues


def only(issues, path):
    hits = [i for i in issues if i.path == path]
    assert len(hits) == 1, f"expected one issue at {path}, got {[str(i) for i in issues]}"
    return hits[0]


def test_discover_finds_every_shipped_stack(stacks_dir):
    assert list(discover(stacks_dir)) == ["eastus", "southcentralus", "uksouth", "westeurope", "westus3"]


def test_reference_stack_loads_into_its_spec(stacks_dir):
    loaded = load(stacks_dir / "Pulumi.eastus.yaml")
    assert loaded.name == "eastus"
    spec = loaded.spec
    assert spec.site.region == "eastus"
    assert spec.clusters["a100"].vms == 675
    assert set(spec.interconnect.circuits) == {"wdc", "nyc"}
    assert loaded.file.is_secure("bgpKeyWdc")
    assert not loaded.file.is_secure("site")


def test_lines_of_keys_are_kept(stack_file):
    f = stack_file("eastus")
    sf = read_stack_file(f.path)
    assert sf.line_of(("ai-fabric:clusters", "a100", "vm_count")) == f.line("vm_count: 675")
    # A path below a scalar falls back to the nearest key that exists.
    assert sf.line_of(("ai-fabric:clusters", "a100", "vm_count", "nope")) == f.line("vm_count: 675")


def test_error_names_file_line_key_path_and_value(stack_file):
    f = stack_file("eastus")
    f.replace("gpu_count: 5400", "gpu_count: 5392")
    issue = only(issues_of(f.path), "ai-fabric:clusters.a100")
    # A rule between fields of the cluster points at the cluster.
    assert issue.line == f.line("    a100:")
    assert issue.file.endswith("Pulumi.eastus.yaml")
    assert "gpu_count says 5392" in issue.message
    assert str(issue).startswith(f"{issue.file}:{issue.line}: ai-fabric:clusters.a100: vm_count 675 x 8 GPUs")


def test_field_error_points_at_the_field_line(stack_file):
    f = stack_file("eastus")
    line = f.replace("placement_group_max_vms: 300", "placement_group_max_vms: 301")
    issue = only(issues_of(f.path), "ai-fabric:clusters.a100.placement_group_max_vms")
    assert issue.line == line
    assert issue.value == 301
    assert str(issue).startswith(f"{issue.file}:{line}: ai-fabric:clusters.a100.placement_group_max_vms: ")
    assert str(issue).endswith("(got 301)")


def test_fails_when_a_key_is_unknown_and_lists_what_is_allowed_here(stack_file):
    f = stack_file("eastus")
    line = f.replace("      subnet: 10.10.0.0/22", "      subnt: 10.10.0.0/22")
    issues = issues_of(f.path)
    unknown = only(issues, "ai-fabric:clusters.a100.subnt")
    assert unknown.line == line
    assert unknown.message == (
        "unknown key. Did you mean 'subnet'? Allowed here: sku, vm_count, gpu_count, placement_group_max_vms, subnet, "
        "subnet_headroom_pct, zone, datasets, image_version, admin_ssh_public_key"
    )
    # One mistake, one problem: the missing 'subnet' is the misspelt key, not a second problem.
    assert [i for i in issues if i.path == "ai-fabric:clusters.a100.subnet"] == []


def test_a_missing_key_with_no_near_misspelling_is_still_reported(stack_file):
    f = stack_file("eastus")
    f.replace("      subnet: 10.10.0.0/22\n", "")
    missing = only(issues_of(f.path), "ai-fabric:clusters.a100.subnet")
    assert missing.message.startswith("required key is missing. It is: The cluster's subnet")


def test_gateway_error_points_at_the_gateway(stack_file):
    f = stack_file("eastus")
    f.replace("subnet: 10.10.255.0/26", "subnet: 10.10.255.0/28")
    issue = only(issues_of(f.path), "ai-fabric:interconnect.gateway")
    assert issue.line == f.line("    gateway:")
    assert "GatewaySubnet 10.10.255.0/28 is smaller than the minimum /27" in issue.message


def test_circuit_error_points_at_the_circuit_field(stack_file):
    f = stack_file("eastus")
    line = f.replace("vlan_id: 110", "vlan_id: 0")
    issue = only(issues_of(f.path), "ai-fabric:interconnect.circuits.wdc.private_peering.vlan_id")
    assert issue.line == line
    assert issue.value == 0


def test_unknown_key_in_a_provider_circuit_lists_allowed_keys(stack_file):
    f = stack_file("southcentralus")
    line = f.replace("        peering_location: Chicago\n        bandwidth_mbps: 10000\n",
                     "        peering_location: Chicago\n        bandwdith_mbps: 10000\n") + 1
    issue = only(issues_of(f.path), "ai-fabric:interconnect.circuits.chi.bandwdith_mbps")
    assert issue.line == line
    assert issue.message.startswith("unknown key. Did you mean 'bandwidth_mbps'? Allowed here: ")


def test_provider_circuit_without_an_explicit_provider_key_points_at_the_field(stack_file):
    # The same error as above is placed right when the circuit leaves 'provider' to its default.
    f = stack_file("southcentralus")
    f.replace("      chi:\n        kind: provider\n        provider: CenturyLink Cloud Connect\n",
              "      chi:\n        kind: provider\n")
    line = f.replace("vlan_id: 220", "vlan_id: 0")
    issue = only(issues_of(f.path), "ai-fabric:interconnect.circuits.chi.private_peering.vlan_id")
    assert issue.line == line
    assert issue.value == 0


def test_fails_when_a_yaml_key_is_duplicated(stack_file):
    f = stack_file("eastus")
    line = f.insert_after("gpu_count: 5400", "      gpu_count: 5392")
    with pytest.raises(SpecError) as info:
        read_stack_file(f.path)
    (issue,) = info.value.issues
    assert issue.line == line
    assert issue.path.endswith("ai-fabric:clusters.a100.gpu_count")
    assert issue.message.startswith(f"duplicate key 'gpu_count' (first at line {line - 1})")


def test_fails_when_yaml_is_malformed(stack_file):
    f = stack_file("eastus")
    line = f.replace("address_space: [10.10.0.0/16]", "address_space: [10.10.0.0/16")
    with pytest.raises(SpecError) as info:
        read_stack_file(f.path)
    (issue,) = info.value.issues
    assert issue.message.startswith("invalid YAML: ")
    assert line <= issue.line <= line + 1
    assert str(issue).startswith(f"{issue.file}:{issue.line}: invalid YAML")


def test_fails_when_a_top_level_key_is_unknown(stack_file):
    f = stack_file("eastus")
    f.replace("config:\n", "confg:\n")
    with pytest.raises(SpecError) as info:
        read_stack_file(f.path)
    (issue,) = info.value.issues
    assert (issue.path, issue.line) == ("confg", f.line("confg:"))
    assert "unknown top-level key; allowed: config" in issue.message


def test_fails_when_a_file_is_not_named_like_a_stack(tmp_path):
    path = tmp_path / "eastus.yaml"
    path.write_text("config: {}\n")
    with pytest.raises(SpecError, match=r"a stack file is named Pulumi\.<stack>\.yaml"):
        read_stack_file(path)


def test_fails_when_a_secret_key_holds_plain_text(stack_file):
    f = stack_file("eastus")
    f.replace("  ai-fabric:bgpKeyWdc:\n    secure: v1:3kQ9cF1xZq0pLwAa:Zb9m2oC5yN1RkW0q8T7uXf4sHjG6vE3dPaLi\n",
              "  ai-fabric:bgpKeyWdc: hunter2-md5-key\n")
    (issue,) = issues_of(f.path)
    assert (issue.path, issue.line) == ("ai-fabric:bgpKeyWdc", f.line("ai-fabric:bgpKeyWdc:"))
    assert "plain text is refused" in issue.message
    assert "pulumi config set --secret bgpKeyWdc" in issue.message
    assert "hunter2" not in str(issue) and "hunter2" not in str(issue.to_json())


def test_fails_when_a_named_secret_is_not_set(stack_file):
    f = stack_file("eastus")
    f.replace("  ai-fabric:bgpKeyNyc:\n    secure: v1:Qm5Hf8sT2nVw0XcB:Lr4e7UyK1pZa9GdW6jC3oN0tHqS5vB8fEmIx\n", "")
    (issue,) = issues_of(f.path)
    assert issue.path == "ai-fabric:interconnect.circuits.nyc.private_peering.bgp_key_secret"
    assert issue.line == f.line("bgp_key_secret: bgpKeyNyc")
    assert issue.message.startswith("secret config key 'ai-fabric:bgpKeyNyc' is not set")


def test_fails_when_a_config_key_is_unknown(stack_file):
    f = stack_file("eastus")
    line = f.replace("  ai-fabric:demands:\n", "  ai-fabric:demand:\n")
    (issue,) = issues_of(f.path)
    assert (issue.path, issue.line) == ("ai-fabric:demand", line)
    assert issue.message.startswith("unknown config key; allowed: ai-fabric:site, ai-fabric:clusters")


def test_fails_when_a_spec_key_is_secret(stack_file):
    f = stack_file("eastus")
    f.path.write_text(f.text + "  ai-fabric:catalog_overrides:\n    secure: v1:abc\n")
    issue = only(issues_of(f.path), "ai-fabric:catalog_overrides")
    assert issue.line == f.line("ai-fabric:catalog_overrides:")
    assert issue.message == "the spec is not secret; only key material is"


def test_fails_when_azure_location_differs_from_the_site_region(stack_file):
    f = stack_file("eastus")
    line = f.replace("azure-native:location: eastus", "azure-native:location: westus")
    (issue,) = issues_of(f.path)
    assert (issue.path, issue.line, issue.value) == ("azure-native:location", line, "westus")
    assert issue.message == "must equal ai-fabric:site.region ('eastus')"


def test_all_independent_errors_of_a_file_are_reported_at_once(stack_file):
    f = stack_file("eastus")
    sku_line = f.replace("sku: Standard_ND96amsr_A100_v4", "sku: Standard_ND96amsr_A100_v9")
    gw_line = f.replace("sku: ErGw3AZ", "sku: ErGw9AZ")
    issues = issues_of(f.path)
    assert only(issues, "ai-fabric:clusters.a100.sku").line == sku_line
    assert only(issues, "ai-fabric:interconnect.gateway.sku").line == gw_line


def test_a_config_key_typo_is_reported_alongside_the_errors_it_causes(stack_file):
    f = stack_file("eastus")
    line = f.replace("  ai-fabric:clusters:\n", "  ai-fabric:clustres:\n")
    issue = only(issues_of(f.path), "ai-fabric:clustres")
    assert issue.line == line
    assert issue.message.startswith("unknown config key")


def test_location_mismatch_is_reported_with_a_spec_error(stack_file):
    f = stack_file("eastus")
    f.replace("azure-native:location: eastus", "azure-native:location: westus")
    f.replace("sku: Standard_ND96amsr_A100_v4", "sku: Standard_ND96amsr_A100_v9")
    issues = issues_of(f.path)
    assert {"azure-native:location", "ai-fabric:clusters.a100.sku"} <= {i.path for i in issues}


def test_errors_of_every_file_are_reported_together(stack_file, stacks_dir):
    east, west = stack_file("eastus"), stack_file("westus3")
    east.replace("azure-native:location: eastus", "azure-native:location: westus")
    west.replace("vm_count: 144", "vm_count: 0")
    with pytest.raises(SpecError) as info:
        load_fabric(stacks_dir)
    where = {(i.file.rsplit("/", 1)[-1], i.path) for i in info.value.issues}
    assert where == {
        ("Pulumi.eastus.yaml", "azure-native:location"),
        ("Pulumi.westus3.yaml", "ai-fabric:clusters.h200.vm_count"),
    }


def test_cross_stack_overlap_names_both_files_stacks_and_lines(stack_file, stacks_dir):
    original = stack_file("eastus")
    (stacks_dir / "Pulumi.eastus-copy.yaml").write_text(original.text)
    with pytest.raises(SpecError) as info:
        load_fabric(stacks_dir)
    space = [i for i in info.value.issues if i.path == "ai-fabric:site.address_space.0"]
    assert len(space) == 1
    (issue,) = space
    assert issue.line == original.line("address_space: [10.10.0.0/16]")
    assert issue.value == "10.10.0.0/16"
    # The copy (the newer file) is blamed first; the message names the original's file and line.
    assert issue.file.endswith("Pulumi.eastus-copy.yaml")
    assert f"Pulumi.eastus.yaml:{issue.line} (ai-fabric:site.address_space.0)" in issue.message


def test_fails_when_a_stack_file_uses_yaml_aliases(stack_file):
    from infra.stackfile import SpecError, read_stack_file

    f = stack_file("eastus")
    f.path.write_text("config: &a\n  x: [*a]\n", encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        read_stack_file(f.path)
    (issue,) = exc.value.issues
    assert issue.line == 1 and "anchors and aliases" in issue.message


def test_fails_cleanly_on_an_alias_bomb(stack_file):
    from infra.stackfile import SpecError, read_stack_file

    lines = ["  a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    f = stack_file("eastus")
    f.path.write_text("config:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SpecError, match="anchors and aliases"):
        read_stack_file(f.path)


def test_fails_when_the_file_name_is_not_a_valid_stack_name(stacks_dir):
    from infra.stackfile import SpecError, load

    bad = stacks_dir / "Pulumi.UKSouth.yaml"
    bad.write_text((stacks_dir / "Pulumi.uksouth.yaml").read_text())
    with pytest.raises(SpecError) as exc:
        load(bad)
    (issue,) = exc.value.issues
    assert issue.line is None and issue.path == "" and "UKSouth" in issue.message

