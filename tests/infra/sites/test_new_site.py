"""`fabric new-site`: a new stack that takes free prefixes and VLANs, keeps its model's comments, and
writes nothing when the result would not validate."""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

import pytest

from infra.cli import main
from infra.sites.allocate import Exhausted, free_vlan, take
from infra.workspace import load_fabric

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    out = tmp_path / "stacks"
    shutil.copytree(ROOT / "stacks", out)
    return out


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_a_new_site_takes_free_prefixes_and_vlans_and_validates_with_its_peers(stacks, capsys):
    code, out, _ = run(capsys, "new-site", "northeu", "--region", "northeurope", "--like", "westeurope",
                       "--stacks-dir", str(stacks), "--apply")
    assert code == 0 and "wrote" in out and "pulumi config set --secret --stack northeu bgpKeyNortheuAms" in out
    fabric = load_fabric(stacks)  # no overlap anywhere: that would be SpecError
    new, model = fabric.stacks["northeu"].spec, fabric.stacks["westeurope"].spec
    assert new.site.region == "northeurope" and fabric.stacks["northeu"].file.config["azure-native:location"] == "northeurope"
    assert not new.site.address_space[0].overlaps(model.site.address_space[0])
    assert new.clusters["mi300x"].subnet.subnet_of(new.site.address_space[0])
    # Same offsets inside the new space as the model's subnets inside its own.
    offset = lambda spec, net: int(net.network_address) - int(spec.site.address_space[0].network_address)  # noqa: E731
    assert offset(new, new.interconnect.gateway.subnet) == offset(model, model.interconnect.gateway.subnet)
    assert new.demands == {} and new.carrier_state.circuits == {}
    for key in new.interconnect.circuits:
        assert new.interconnect.circuits[key].private_peering.vlan_id != model.interconnect.circuits[key].private_peering.vlan_id
    # With --apply the peers declare the mirror links: the Global Reach pairs hold.
    assert [v for v in fabric.assessment.violations if v.invariant == "global-reach-pair"] == []


def test_without_apply_the_peers_entries_are_printed_and_their_files_untouched(stacks, capsys):
    before = (stacks / "Pulumi.eastus.yaml").read_text()
    code, out, _ = run(capsys, "new-site", "northeu", "--region", "northeurope", "--like", "westeurope",
                       "--stacks-dir", str(stacks))
    assert code == 0 and "# stacks/Pulumi.eastus.yaml, under ai-fabric:interconnect.global_reach:" in out
    assert "peer_stack: northeu" in out
    assert (stacks / "Pulumi.eastus.yaml").read_text() == before


def test_the_new_file_keeps_the_model_sites_comments(stacks, capsys):
    run(capsys, "new-site", "northeu", "--region", "northeurope", "--like", "eastus", "--stacks-dir", str(stacks))
    text = (stacks / "Pulumi.northeu.yaml").read_text()
    assert text.startswith("# northeu: a site in northeurope, made by `fabric new-site")
    assert "# Azure raised this subscription's single-placement-group limit to 300 VMs" in text


@pytest.mark.parametrize("args, expected", [
    (("eastus", "--region", "eastus2", "--like", "westus3"), "stack eastus exists already"),
    (("newsite", "--region", "eastus2", "--like", "westus"), "no such stack; known:"),
    (("newsite", "--region", "eastus9", "--like", "westus3"), "Did you mean 'eastus'?"),
    (("New_Site", "--region", "eastus2", "--like", "westus3"), "invalid name"),
])
def test_fails_with_exit_2_and_writes_nothing_on_bad_input(stacks, capsys, args, expected):
    before = sorted(p.name for p in stacks.iterdir())
    code, _, err = run(capsys, "new-site", *args, "--stacks-dir", str(stacks))
    assert code == 2 and expected in err
    assert sorted(p.name for p in stacks.iterdir()) == before


def test_take_returns_the_first_free_block_and_records_it():
    used = [ipaddress.IPv4Network("10.0.0.0/16"), ipaddress.IPv4Network("10.2.0.0/16")]
    assert str(take(ipaddress.IPv4Network("10.0.0.0/8"), 16, used)) == "10.1.0.0/16"
    assert str(take(ipaddress.IPv4Network("10.0.0.0/8"), 16, used)) == "10.3.0.0/16"


def test_take_fails_when_the_pool_is_full():
    pool = ipaddress.IPv4Network("10.0.0.0/30")
    with pytest.raises(Exhausted, match="no free /30"):
        take(pool, 30, [pool])


def test_a_vlan_is_free_at_its_location_across_every_stack(shipped_fabric):
    specs = [s.spec for s in shipped_fabric.stacks.values()]
    used_at_wdc = {c.private_peering.vlan_id for s in specs for k, c in s.interconnect.circuits.items()
                   if s.interconnect.peering_location_of(k) == "Washington DC"}
    vlan = free_vlan(specs, "Washington DC", set())
    assert vlan >= 100 and vlan not in used_at_wdc
    assert free_vlan(specs, "Washington DC", {vlan}) != vlan
