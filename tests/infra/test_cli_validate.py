"""`fabric validate`: exit 0 when all holds, 1 on violated invariants, 2 on bad input, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cli import main

SHIPPED = ["eastus", "southcentralus", "uksouth", "westeurope", "westus3"]


@pytest.fixture
def validate(stacks_dir, capsys):
    """Run `fabric validate --stacks-dir <copy> ARGS...` in-process: (exit code, stdout, stderr)."""

    def run(*args: str):
        code = main(["validate", "--stacks-dir", str(stacks_dir), *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


def test_validate_all_passes_on_the_shipped_stacks(validate):
    code, out, err = validate("--all")
    assert code == 0
    assert err == ""
    assert "eastus (eastus): 5,400 GPUs on 675 VMs, 1,350 CPU sockets" in out
    assert (
        "cluster a100: Standard_ND96amsr_A100_v4, 675 VMs x 8 = 5,400 GPUs, 1,350 CPU sockets, "
        "InfiniBand 1,600 Gb/s per VM in 3 domains (225, 225, 225 VMs)"
    ) in out
    assert "worst single failure leaves 10 Gbps" in out
    assert out.count("invariants: all hold") == len(SHIPPED)
    for stack in SHIPPED:
        assert f"\n{stack} (" in f"\n{out}"


def test_validate_one_stack_reports_only_that_stack(validate):
    code, out, _ = validate("--stack", "uksouth")
    assert code == 0
    assert out.startswith("uksouth (uksouth): 288 GPUs on 72 VMs, 144 CPU sockets")
    assert "eastus (" not in out
    assert "InfiniBand 1,600 Gb/s per VM in 1 domain (72 VMs)" in out


def test_fails_with_exit_2_on_an_unknown_stack(validate):
    code, out, err = validate("--stack", "eastus9")
    assert code == 2
    assert out == ""
    assert "fabric validate: invalid input (1 problem)" in err
    assert ("--stack: unknown stack; available: eastus, southcentralus, uksouth, westeurope, westus3. "
            "Did you mean 'eastus'? (got 'eastus9')") in err


def test_fails_with_exit_2_when_a_copied_stack_overlaps_its_original(validate, stack_file, stacks_dir):
    original = stack_file("eastus")
    (stacks_dir / "Pulumi.eastus-copy.yaml").write_text(original.text)
    code, out, err = validate("--all")
    assert code == 2
    assert out == ""
    line = original.line("address_space: [10.10.0.0/16]")
    overlap = [l for l in err.splitlines() if "ai-fabric:site.address_space.0: 10.10.0.0/16 overlaps 10.10.0.0/16" in l]
    assert len(overlap) == 1
    # The copy, the file being added, is blamed first; the original is named with its own file and line.
    assert f"Pulumi.eastus-copy.yaml:{line}: " in overlap[0]
    assert f"at {stacks_dir / 'Pulumi.eastus.yaml'}:{line} (ai-fabric:site.address_space.0)" in overlap[0] or (
        f"Pulumi.eastus.yaml:{line} (ai-fabric:site.address_space.0)" in overlap[0])
    assert "every prefix of the fabric must be disjoint" in overlap[0]


def test_fails_with_exit_2_on_malformed_yaml(validate, stack_file):
    f = stack_file("westus3")
    line = f.replace("address_space: [10.30.0.0/16]", "address_space: [10.30.0.0/16")
    code, out, err = validate("--all")
    assert code == 2
    assert out == ""
    assert "invalid input (1 problem)" in err
    found = re.search(r"Pulumi\.westus3\.yaml:(\d+): invalid YAML: ", err)
    assert found, err
    assert line <= int(found.group(1)) <= line + 1


def test_fails_with_exit_1_when_an_invariant_is_violated(validate, stack_file):
    stack_file("eastus").replace("Standard_ND96amsr_A100_v4: 65000", "Standard_ND96amsr_A100_v4: 60000")
    code, out, err = validate("--all")
    assert code == 1
    assert err == ""
    line = stack_file("eastus").line("Standard_ND96amsr_A100_v4: 60000")
    assert (
        f"Pulumi.eastus.yaml:{line}: [vcpu-quota] eastus: site.vcpu_quota.Standard_ND96amsr_A100_v4: clusters a100 "
        "need 64,800 vCPUs of Standard_ND96amsr_A100_v4 in eastus, over the declared quota of 60,000; request 4,800 more"
    ) in out  # a violation names the file and line of the entry it comes from
    assert out.count("invariants: all hold") == len(SHIPPED) - 1


def test_violations_of_other_stacks_do_not_fail_a_selected_stack(validate, stack_file):
    stack_file("eastus").replace("Standard_ND96amsr_A100_v4: 65000", "Standard_ND96amsr_A100_v4: 60000")
    code, out, _ = validate("--stack", "westus3")
    assert code == 0
    assert "VIOLATION" not in out


def test_fails_with_exit_2_on_a_plain_text_secret_without_printing_it(validate, stack_file):
    f = stack_file("eastus")
    f.replace("  ai-fabric:bgpKeyWdc:\n    secure: v1:3kQ9cF1xZq0pLwAa:Zb9m2oC5yN1RkW0q8T7uXf4sHjG6vE3dPaLi\n",
              "  ai-fabric:bgpKeyWdc: s3cr3t-md5-Key-Value\n")
    code, out, err = validate("--all")
    assert code == 2
    assert "s3cr3t-md5-Key-Value" not in out + err
    assert f"Pulumi.eastus.yaml:{f.line('ai-fabric:bgpKeyWdc:')}: ai-fabric:bgpKeyWdc: this key holds key material: plain text is refused" in err
    assert "(got '<plain text, not shown>')" in err


def test_fails_with_exit_2_on_a_duplicate_yaml_key(validate, stack_file):
    f = stack_file("uksouth")
    line = f.insert_after("vm_count: 72", "      vm_count: 90")
    code, _, err = validate("--all")
    assert code == 2
    assert f"Pulumi.uksouth.yaml:{line}: " in err
    assert f"duplicate key 'vm_count' (first at line {line - 1})" in err


def test_every_error_of_a_file_is_reported_at_once(validate, stack_file):
    f = stack_file("southcentralus")
    quota_line = f.replace("vcpu_quota:\n      Standard_ND96isr_H100_v5: 25000",
                           "vcpu_quota:\n      Standard_ND96isr_H100_v5: -1")
    gw_line = f.replace("sku: ErGw3AZ", "sku: ErGw4AZ")
    code, _, err = validate("--all")
    assert code == 2
    assert "invalid input (2 problems)" in err
    assert f"Pulumi.southcentralus.yaml:{quota_line + 1}: ai-fabric:site.vcpu_quota.Standard_ND96isr_H100_v5: " in err
    assert f"Pulumi.southcentralus.yaml:{gw_line}: ai-fabric:interconnect.gateway.sku: " in err


def test_fails_with_exit_2_when_azure_location_differs_from_the_region(validate, stack_file):
    f = stack_file("westeurope")
    line = f.replace("azure-native:location: westeurope", "azure-native:location: northeurope")
    code, _, err = validate("--stack", "westeurope")
    assert code == 2
    assert (
        f"Pulumi.westeurope.yaml:{line}: azure-native:location: must equal ai-fabric:site.region ('westeurope') "
        "(got 'northeurope')"
    ) in err


def test_fails_with_exit_2_when_the_stacks_directory_is_missing_or_empty(tmp_path, capsys):
    assert main(["validate", "--all", "--stacks-dir", str(tmp_path / "nowhere")]) == 2
    assert "stacks directory not found" in capsys.readouterr().err
    assert main(["validate", "--all", "--stacks-dir", str(tmp_path)]) == 2
    assert "no Pulumi.<stack>.yaml files in this directory" in capsys.readouterr().err


def test_fails_with_exit_2_on_bad_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", "--format", "yaml"])
    assert info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_console_script_validates_the_shipped_stacks(repo_root):
    fabric = Path(sys.executable).parent / "fabric"
    assert fabric.is_file(), f"console script not installed next to {sys.executable}"
    done = subprocess.run([str(fabric), "validate", "--all"], cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "eastus (eastus): 5,400 GPUs on 675 VMs, 1,350 CPU sockets" in done.stdout


# ------------------------------------------------------------------------------------------------
# Messages in the stack file's words, not the validation library's
# ------------------------------------------------------------------------------------------------


def _problems(stack_file, validate, old: str, new: str, stack: str = "eastus") -> str:
    f = stack_file(stack)
    f.replace(old, new)
    code, _, err = validate("--stack", stack)
    assert code == 2
    return err


def test_a_bandwidth_with_a_unit_says_the_unit_and_the_number_to_write(stack_file, validate):
    # southcentralus has provider circuits (eastus reaches the carrier over Direct ports).
    err = _problems(stack_file, validate, "bandwidth_mbps: 10000\n        tier: Standard\n        private_peering:\n"
                    "          peer_asn: 64620\n          vlan_id: 210",
                    "bandwidth_mbps: 10Gbps\n        tier: Standard\n        private_peering:\n"
                    "          peer_asn: 64620\n          vlan_id: 210", stack="southcentralus")
    assert "ai-fabric:interconnect.circuits.sat.bandwidth_mbps: must be a whole number of megabits per second" in err
    assert "Write 10000 for '10Gbps'." in err and "Input should" not in err


def test_a_zone_written_as_a_number_says_to_quote_it(stack_file, validate):
    err = _problems(stack_file, validate, 'zone: "1"', "zone: 1")
    assert "ai-fabric:clusters.a100.zone: must be one of '1', '2', '3', written as text" in err
    assert 'zone: "1"' in err


def test_a_circuit_without_kind_lists_the_kinds_it_can_be(stack_file, validate):
    err = _problems(stack_file, validate, "      chi:\n        kind: provider\n", "      chi:\n", stack="southcentralus")
    assert "ai-fabric:interconnect.circuits.chi: needs `kind`" in err
    assert "'provider' (A circuit bought from a connectivity provider" in err and "'direct'" in err
    assert "discriminator" not in err


def test_a_misspelt_key_is_one_problem_with_a_suggestion(stack_file, validate):
    err = _problems(stack_file, validate, "      vm_count: 675\n", "      vm_cout: 675\n")
    assert "invalid input (1 problem)" in err
    assert "ai-fabric:clusters.a100.vm_cout: unknown key. Did you mean 'vm_count'?" in err


def test_an_unknown_peering_location_suggests_the_nearest(stack_file, validate):
    err = _problems(stack_file, validate, "peering_location: New York", "peering_location: New Yrok")
    assert "Did you mean 'New York'?" in err


def test_an_indentation_error_gets_a_hint(stack_file, validate):
    err = _problems(stack_file, validate, "    address_space: [10.10.0.0/16]", "   address_space: [10.10.0.0/16]")
    assert "invalid YAML" in err and "usually the indentation" in err
