"""Key material comes only from secret config, stays secret through outputs, and is never printed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from infra import cli, offline
from infra.inventory import SECRET

STACKS = Path(__file__).resolve().parents[2] / "stacks"
CIPHERTEXT = re.compile(r"v1:[A-Za-z0-9+/=]{8,}")


@pytest.mark.usefixtures("memoized_plans")
@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_plan_output_carries_no_secret_value(capsys, fmt):
    assert cli.main(["plan", "--all", "--format", fmt, "--stacks-dir", str(STACKS)]) == 0
    out = capsys.readouterr().out
    assert not CIPHERTEXT.search(out)
    assert "offline secret" not in out


def test_bgp_keys_reach_the_peering_as_secrets(plan_shipped):
    inv = plan_shipped("eastus")
    peerings = inv.of_type("azure-native:network:ExpressRouteCircuitPeering")
    assert len(peerings) == 2
    for p in peerings:
        assert p.inputs["sharedKey"] == SECRET
        assert "sharedKey" in p.secret_inputs


def test_service_keys_are_secret_in_the_stack_outputs(plan_shipped):
    exports = plan_shipped("eastus").exports
    secret_exports = [k for k, v in exports.items() if v == SECRET]
    assert secret_exports, exports.keys()
    assert not any(re.fullmatch(r"[0-9a-f-]{36}", str(v)) for k, v in exports.items() if "service" in k.lower())


def test_fails_when_the_program_is_given_a_plain_text_key(shipped_fabric):
    stack = shipped_fabric.stacks["westus3"]
    config = dict(stack.file.config)
    config["ai-fabric:bgpKeySvl"] = "plain-md5-key"
    with pytest.raises(offline.PlanError, match=r"ai-fabric:bgpKeySvl must be a secret") as exc:
        offline.run("westus3", config)
    assert "plain-md5-key" not in str(exc.value)


def test_fails_with_exit_2_when_a_stack_file_holds_a_key_in_plain_text(tmp_path, capsys):
    d = tmp_path / "stacks"
    shutil.copytree(STACKS, d)
    f = d / "Pulumi.westus3.yaml"
    text = f.read_text()
    start = text.index("  ai-fabric:bgpKeySvl:")
    end = text.index("\n", text.index("secure:", start))
    f.write_text(text[:start] + "  ai-fabric:bgpKeySvl: plain-md5-key" + text[end:])
    for command in ("validate", "plan", "graph"):
        code = cli.main([command, "--all", "--stacks-dir", str(d)])
        out, err = capsys.readouterr()
        assert code == 2, command
        assert "Pulumi.westus3.yaml" in err and "ai-fabric:bgpKeySvl" in err and "--secret" in err
        assert "plain-md5-key" not in out + err
