"""The capacity model: derived figures and the invariants they must satisfy, on plain specs (no Pulumi)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from infra.capacity import assess, stack_capacity
from infra.capacity.network import failure_domains

A100 = "Standard_ND96amsr_A100_v4"
H100 = "Standard_ND96isr_H100_v5"


def violations(spec):
    return stack_capacity(spec)[1]


def invariants(spec):
    return sorted(v.invariant for v in violations(spec))


def one(spec, invariant):
    found = [v for v in violations(spec) if v.invariant == invariant]
    assert len(found) == 1, f"expected one {invariant}, got {violations(spec)}"
    return found[0]


def link(circuit, peer_stack, peer_circuit, prefix):
    return {"circuit": circuit, "peer_stack": peer_stack, "peer_circuit": peer_circuit, "prefix": prefix}


@pytest.fixture
def other_site(spec_data, circuit):
    """Factory of a second valid site: its own region, VNet and peering prefixes."""

    def build(region="westus3", net=20, locations=("Silicon Valley", "Las Vegas"), tier="Standard"):
        data = {
            "site": {"region": region, "address_space": [f"10.{net}.0.0/16"], "vcpu_quota": {H100: 10_000}},
            "clusters": {"h100": {"sku": H100, "vm_count": 16, "subnet": f"10.{net}.0.0/24"}},
            "interconnect": {
                "circuits": {
                    "a": circuit(locations[0], net + 1, tier=tier),
                    "b": circuit(locations[1], net + 2, tier=tier),
                },
                "gateway": {"sku": "ErGw3AZ", "fastpath": True, "subnet": f"10.{net}.255.0/26"},
            },
        }
        return data

    return build


# --------------------------------------------------------------------------------------------
# Reference figures
# --------------------------------------------------------------------------------------------


def test_reference_site_is_5400_gpus_on_675_vms(shipped_specs):
    cap, found = stack_capacity(shipped_specs["eastus"])
    assert (cap.gpus, cap.vms, cap.cpu_sockets) == (5400, 675, 1350)
    (a100,) = cap.clusters
    assert (a100.sku, a100.ib_gbps_per_vm, a100.ib_domains, a100.ib_domain_sizes) == (A100, 1600, 3, (225, 225, 225))
    assert a100.vcpus == 64_800
    assert (a100.subnet_needed, a100.subnet_usable) == (675 + 5 + 68, 1024)
    ic = cap.interconnect
    # Two 100 Gb/s circuits on Direct ports at two locations; FastPath keeps the 10 Gb/s gateway off the data path.
    assert (ic.circuits, ic.circuit_gbps, ic.gateway_gbps, ic.fastpath, ic.n_minus_1_gbps) == (2, 200, 10, True, 100)
    assert ic.peering_locations == ("New York", "Washington DC")
    assert found == []


def test_shipped_fabric_holds_every_invariant(shipped_specs):
    result = assess(list(shipped_specs.values()))
    assert result.input_problems == []
    assert result.violations == []
    assert {s: c.gpus for s, c in result.capacity.items()} == {
        "eastus": 5400, "southcentralus": 2048, "uksouth": 288, "westeurope": 3200, "westus3": 1152,
    }


def test_capacity_json_keeps_figures_as_numbers(shipped_specs):
    cap, _ = stack_capacity(shipped_specs["eastus"])
    doc = cap.to_json()
    assert (doc["gpus"], doc["vms"], doc["cpu_sockets"]) == (5400, 675, 1350)
    cluster = doc["clusters"][0]
    assert (cluster["ib_gbps_per_vm"], cluster["ib_domains"], cluster["ib_domain_vms"]) == (1600, 3, [225, 225, 225])
    ic = doc["interconnect"]
    for key, value in {"circuits": 2, "circuit_gbps": 200, "gateway_gbps": 10, "n_minus_1_gbps": 100}.items():
        assert ic[key] == value and type(ic[key]) is int, key
    assert ic["fastpath"] is True


def test_capacity_model_imports_no_pulumi(repo_root):
    code = "import sys, infra.capacity, infra.stackfile, infra.cli; print('pulumi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_minimal_spec_holds_every_invariant(spec_data, make_spec):
    assert violations(make_spec(spec_data)) == []


def test_cpu_sockets_follow_a_socket_override(spec_data, make_spec):
    h200 = "Standard_ND96isr_H200_v5"
    spec_data["site"]["vcpu_quota"] = {h200: 10_000}
    spec_data["clusters"]["h100"]["sku"] = h200
    spec_data["catalog_overrides"] = {"gpu_cpu_sockets": {h200: 4}}
    cap, _ = stack_capacity(make_spec(spec_data))
    assert (cap.vms, cap.cpu_sockets) == (16, 64)


# --------------------------------------------------------------------------------------------
# Compute invariants
# --------------------------------------------------------------------------------------------


def test_clusters_fit_the_vcpu_quota(spec_data, make_spec):
    spec_data["site"]["vcpu_quota"][H100] = 1_535  # 16 VMs x 96 vCPUs = 1,536
    v = one(make_spec(spec_data), "vcpu-quota")
    assert v.path == f"site.vcpu_quota.{H100}"
    assert "need 1,536 vCPUs" in v.message and "quota of 1,535; request 1 more" in v.message


def test_vcpu_quota_sums_clusters_of_one_sku(spec_data, make_spec):
    spec_data["clusters"]["h100-b"] = {"sku": H100, "vm_count": 100, "subnet": "10.10.1.0/24"}
    spec_data["site"]["vcpu_quota"][H100] = 116 * 96
    assert violations(make_spec(spec_data)) == []
    spec_data["site"]["vcpu_quota"][H100] = 116 * 96 - 1
    assert "clusters h100, h100-b need 11,136 vCPUs" in one(make_spec(spec_data), "vcpu-quota").message


def test_subnet_holds_vms_reserved_and_headroom(spec_data, make_spec):
    spec_data["clusters"]["h100"]["subnet"] = "10.10.0.0/27"  # 32 >= 16 + 5 + 2
    assert violations(make_spec(spec_data)) == []
    spec_data["clusters"]["h100"]["subnet"] = "10.10.0.0/28"  # 16 < 23
    v = one(make_spec(spec_data), "subnet-room")
    assert v.path == "clusters.h100.subnet"
    assert "has 16 addresses; 16 VMs + 5 reserved by Azure + 10% headroom need 23 (a /27 at least)" in v.message


# --------------------------------------------------------------------------------------------
# Gateway
# --------------------------------------------------------------------------------------------


def test_gateway_covers_circuit_bandwidth(spec_data, make_spec):
    spec_data["interconnect"]["gateway"]["fastpath"] = False  # ErGw3AZ: 10 Gbps for 20 Gbps of circuits
    spec = make_spec(spec_data)
    v = one(spec, "gateway-throughput")
    assert v.path == "interconnect.gateway.sku"
    assert "ErGw3AZ carries 10 Gbps but its circuits add up to 20 Gbps" in v.message
    assert invariants(spec) == ["gateway-throughput"]


def test_ergwscale_units_cover_circuit_bandwidth(spec_data, make_spec):
    spec_data["interconnect"]["gateway"] = {"sku": "ErGwScale", "scale_units": 20, "subnet": "10.10.255.0/26"}
    assert violations(make_spec(spec_data)) == []
    spec_data["interconnect"]["gateway"]["scale_units"] = 19
    assert "ErGwScale carries 19 Gbps" in one(make_spec(spec_data), "gateway-throughput").message


def test_fails_when_fastpath_is_asked_of_a_gateway_without_it(spec_data, make_spec):
    spec_data["interconnect"]["gateway"]["sku"] = "ErGw2AZ"
    spec = make_spec(spec_data)
    assert invariants(spec) == ["fastpath-support", "gateway-throughput"]
    assert one(spec, "fastpath-support").message == "FastPath needs UltraPerformance or ErGw3AZ; ErGw2AZ does not support it"


def test_ergwscale_fastpath_needs_the_override(spec_data, make_spec):
    spec_data["interconnect"]["gateway"] = {
        "sku": "ErGwScale", "scale_units": 5, "fastpath": True, "subnet": "10.10.255.0/26",
    }
    spec = make_spec(spec_data)
    assert "catalog_overrides.ergwscale_fastpath" in one(spec, "fastpath-support").message
    assert "gateway-throughput" in invariants(spec)
    spec_data["catalog_overrides"] = {"ergwscale_fastpath": True}
    spec = make_spec(spec_data)
    assert violations(spec) == []
    assert stack_capacity(spec)[0].interconnect.fastpath is True


def test_fails_when_gateway_connects_more_circuits_than_its_sku_allows(spec_data, make_spec, circuit):
    locations = ["Washington DC", "New York", "Chicago", "Toronto", "Washington DC2"]
    spec_data["interconnect"]["circuits"] = {f"c{i}": circuit(loc, i, bandwidth_mbps=100) for i, loc in enumerate(locations)}
    spec_data["interconnect"]["gateway"] = {"sku": "Standard", "subnet": "10.10.255.0/26"}
    v = one(make_spec(spec_data), "gateway-circuits")
    assert v.message == "5 circuits connect to one Standard gateway; at most 4"


def test_fails_when_ergwscale_is_not_offered_in_the_region(spec_data, make_spec):
    spec_data["site"]["region"] = "westeurope"
    for c in spec_data["interconnect"]["circuits"].values():
        c["tier"] = "Premium"  # reach from North American locations; not what this test is about
    spec_data["interconnect"]["gateway"] = {"sku": "ErGwScale", "scale_units": 20, "subnet": "10.10.255.0/26"}
    spec = make_spec(spec_data)
    assert invariants(spec) == ["gateway-availability"]
    assert "ErGwScale is not offered in westeurope" in one(spec, "gateway-availability").message
    spec_data["catalog_overrides"] = {"ergwscale_unavailable_regions": []}
    assert violations(make_spec(spec_data)) == []


def test_fails_when_sixteen_circuits_share_a_slash_27_gateway_subnet(spec_data, make_spec, circuit):
    locations = ["Washington DC", "New York", "Chicago", "Toronto"]
    spec_data["interconnect"]["circuits"] = {
        f"c{i}": circuit(locations[i % 4], i, bandwidth_mbps=500) for i in range(16)
    }
    spec_data["interconnect"]["gateway"]["subnet"] = "10.10.255.0/27"
    assert invariants(make_spec(spec_data)) == ["gateway-subnet"]
    spec_data["interconnect"]["gateway"]["subnet"] = "10.10.255.0/26"
    assert violations(make_spec(spec_data)) == []


# --------------------------------------------------------------------------------------------
# Circuits and redundancy
# --------------------------------------------------------------------------------------------


def test_at_most_four_circuits_per_peering_location(spec_data, make_spec, circuit):
    spec_data["interconnect"]["circuits"] = {f"c{i}": circuit("Chicago", i, bandwidth_mbps=1000) for i in range(5)}
    spec = make_spec(spec_data)
    v = one(spec, "circuits-per-location")
    assert v.message == "5 circuits from peering location Chicago connect to one VNet; Azure allows at most 4"
    assert invariants(spec) == ["circuits-per-location", "location-redundancy"]


def test_fails_when_the_site_reaches_the_carrier_at_one_location(spec_data, make_spec):
    del spec_data["interconnect"]["circuits"]["nyc"]
    v = one(make_spec(spec_data), "location-redundancy")
    assert v.path == "interconnect.circuits"
    assert v.message.startswith("the site reaches the carrier only at Washington DC;")


def test_a_circuit_at_a_metro_location_is_location_redundant_on_its_own(spec_data, make_spec):
    del spec_data["interconnect"]["circuits"]["nyc"]
    spec_data["interconnect"]["circuits"]["wdc"]["peering_location"] = "Washington DC Metro"
    spec = make_spec(spec_data)
    assert violations(spec) == []
    assert failure_domains(spec) == {"circuit wdc": {"wdc"}}


def test_fails_when_one_ordinary_peering_location_is_all_a_site_has(spec_data, make_spec):
    del spec_data["interconnect"]["circuits"]["nyc"]
    v = one(make_spec(spec_data), "location-redundancy")
    assert "only at Washington DC" in v.message and "Metro" in v.message


def test_fails_when_metro_is_still_given_as_a_flag(spec_data, make_spec):
    spec_data["interconnect"]["circuits"]["wdc"]["metro"] = True
    with pytest.raises(ValidationError, match="no longer a flag; ExpressRoute Metro is a peering location"):
        make_spec(spec_data)


def test_circuits_on_a_direct_port_within_twice_its_size(spec_data, make_spec, direct):
    ic = spec_data["interconnect"]
    ic["ports"] = {"p": {"peering_location": "Washington DC", "bandwidth_gbps": 10}}
    ic["circuits"] = {"d1": direct("p", 1, 10), "d2": direct("p", 2, 10), "nyc": ic["circuits"]["nyc"]}
    assert "direct-port-oversubscription" not in invariants(make_spec(spec_data))
    ic["circuits"]["d3"] = direct("p", 3, 1)
    v = one(make_spec(spec_data), "direct-port-oversubscription")
    assert v.path == "interconnect.ports.p"
    assert v.message == "circuits on port p add up to 21 Gbps, over twice the 10G port (20 Gbps)"


def test_vlans_are_unique_on_a_direct_port(spec_data, make_spec, direct):
    ic = spec_data["interconnect"]
    ic["ports"] = {"p": {"peering_location": "Washington DC", "bandwidth_gbps": 10}}
    d2 = direct("p", 2, 1)
    d2["private_peering"]["vlan_id"] = 101  # same as d1
    ic["circuits"] = {"d1": direct("p", 1, 1), "d2": d2, "nyc": ic["circuits"]["nyc"]}
    assert one(make_spec(spec_data), "vlan-unique").message == "VLAN 101 is used by 2 circuits on port p"


def test_fails_when_a_standard_circuit_is_in_another_geopolitical_region(spec_data, make_spec):
    spec_data["interconnect"]["circuits"]["nyc"]["peering_location"] = "Amsterdam2"
    v = one(make_spec(spec_data), "circuit-reach")
    assert v.path == "interconnect.circuits.nyc.tier"
    assert v.message == "a Standard circuit at Amsterdam2 (Europe) cannot reach eastus (North America); use Premium"
    spec_data["interconnect"]["circuits"]["nyc"]["tier"] = "Premium"
    assert violations(make_spec(spec_data)) == []


# --------------------------------------------------------------------------------------------
# N-1
# --------------------------------------------------------------------------------------------


def test_n_minus_1_with_fastpath_is_what_survives_the_worst_location(spec_data, make_spec, circuit):
    ic = spec_data["interconnect"]
    ic["circuits"]["chi"] = circuit("Chicago", 3, bandwidth_mbps=5000)
    assert stack_capacity(make_spec(spec_data))[0].interconnect.n_minus_1_gbps == 15  # 25 - 10
    ic["circuits"]["chi"]["peering_location"] = "Washington DC"  # WDC now takes 15 of 25
    assert stack_capacity(make_spec(spec_data))[0].interconnect.n_minus_1_gbps == 10


def test_n_minus_1_without_fastpath_is_half_the_gateway(spec_data, make_spec):
    spec_data["interconnect"]["gateway"] = {"sku": "ErGwScale", "scale_units": 20, "subnet": "10.10.255.0/26"}
    ic = stack_capacity(make_spec(spec_data))[0].interconnect
    assert (ic.gateway_gbps, ic.fastpath, ic.n_minus_1_gbps) == (20, False, 10)
    spec_data["interconnect"]["gateway"] = {"sku": "ErGw1AZ", "subnet": "10.10.255.0/26"}
    assert stack_capacity(make_spec(spec_data))[0].interconnect.n_minus_1_gbps == 0.5


def test_n_minus_1_of_a_single_metro_circuit_is_zero(spec_data, make_spec):
    del spec_data["interconnect"]["circuits"]["nyc"]
    spec_data["interconnect"]["circuits"]["wdc"]["peering_location"] = "Washington DC Metro"
    assert stack_capacity(make_spec(spec_data))[0].interconnect.n_minus_1_gbps == 0


def test_demands_fit_after_the_worst_single_failure(spec_data, other_site, make_spec):
    spec_data["demands"] = {"sync": {"kind": "sustained", "to_stack": "westus3", "gbps": 15}}  # N-1 is 10
    result = assess([make_spec(spec_data), make_spec(other_site(), "westus3")])
    assert result.capacity["eastus"].interconnect.demands, "no demand figures"
    assert any("sync" in (v.path or "") + v.message for v in result.violations_of("eastus"))


# --------------------------------------------------------------------------------------------
# Across stacks
# --------------------------------------------------------------------------------------------


def test_fails_when_two_stacks_share_address_space(spec_data, other_site, make_spec):
    b = other_site()
    b["site"]["address_space"] = ["10.10.0.0/16"]
    b["clusters"]["h100"]["subnet"] = "10.10.0.0/24"
    b["interconnect"]["gateway"]["subnet"] = "10.10.255.0/26"
    result = assess([make_spec(spec_data), make_spec(b, "westus3")])
    problem = next(p for p in result.input_problems if p.loc == ("ai-fabric:site", "address_space", 0))
    assert problem.value == "10.10.0.0/16"
    other = {"eastus": "westus3", "westus3": "eastus"}[problem.stack]
    assert problem.message == (
        f"overlaps 10.10.0.0/16 ({other}: ai-fabric:site.address_space.0); every prefix of the fabric must be disjoint"
    )


def test_fails_when_two_circuits_of_one_stack_share_a_peering_prefix(spec_data, make_spec):
    nyc = spec_data["interconnect"]["circuits"]["nyc"]["private_peering"]
    nyc["primary_prefix"] = "172.16.1.0/30"  # wdc's primary
    (problem,) = assess([make_spec(spec_data)]).input_problems
    assert problem.stack == "eastus"
    assert problem.value == "172.16.1.0/30"
    assert "interconnect" in problem.loc[0] and "primary_prefix" in problem.loc
    assert "every prefix of the fabric must be disjoint" in problem.message


def test_fails_when_a_peering_prefix_lies_inside_an_address_space(spec_data, make_spec):
    spec_data["interconnect"]["circuits"]["nyc"]["private_peering"]["secondary_prefix"] = "10.10.200.0/30"
    (problem,) = assess([make_spec(spec_data)]).input_problems
    assert problem.loc[-1] == "secondary_prefix"
    assert "overlaps 10.10.0.0/16 (eastus: ai-fabric:site.address_space.0)" in problem.message


def test_a_global_reach_link_declared_on_both_sides_is_one_prefix(spec_data, other_site, make_spec):
    spec_data["interconnect"]["global_reach"] = {"w": link("wdc", "westus3", "a", "172.31.0.0/29")}
    b = other_site()
    b["interconnect"]["global_reach"] = {"e": link("a", "eastus", "wdc", "172.31.0.0/29")}
    result = assess([make_spec(spec_data), make_spec(b, "westus3")])
    assert result.input_problems == []
    assert result.violations == []
    assert result.capacity["eastus"].interconnect.global_reach == ("wdc->westus3/a",)


def test_fails_when_global_reach_names_an_unknown_stack(spec_data, make_spec):
    spec_data["interconnect"]["global_reach"] = {"w": link("wdc", "westus9", "a", "172.31.0.0/29")}
    (problem,) = assess([make_spec(spec_data)]).input_problems
    assert problem.loc == ("ai-fabric:interconnect", "global_reach", "w", "peer_stack")
    assert problem.message.startswith("no such stack; known: eastus.")


def test_fails_when_global_reach_is_declared_on_one_side_only(spec_data, other_site, make_spec):
    spec_data["interconnect"]["global_reach"] = {"w": link("wdc", "westus3", "a", "172.31.0.0/29")}
    result = assess([make_spec(spec_data), make_spec(other_site(), "westus3")])
    (v,) = result.violations
    assert (v.invariant, v.stack, v.path) == ("global-reach-pair", "eastus", "interconnect.global_reach.w")
    assert "declared only in eastus; declare it in westus3 too, with prefix 172.31.0.0/29" in v.message


def test_fails_when_the_two_sides_give_different_prefixes(spec_data, other_site, make_spec):
    spec_data["interconnect"]["global_reach"] = {"w": link("wdc", "westus3", "a", "172.31.0.0/29")}
    b = other_site()
    b["interconnect"]["global_reach"] = {"e": link("a", "eastus", "wdc", "172.31.0.8/29")}
    result = assess([make_spec(spec_data), make_spec(b, "westus3")])
    assert result.input_problems == []
    pair = [v for v in result.violations if v.invariant == "global-reach-pair"]
    assert {v.stack for v in pair} == {"eastus", "westus3"}
    east = next(v for v in pair if v.stack == "eastus")
    assert east.path == "interconnect.global_reach.w.prefix"
    assert east.message == "eastus gives the link prefix 172.31.0.0/29, westus3 gives 172.31.0.8/29; use one /29"


def test_fails_when_global_reach_joins_circuits_at_one_location(spec_data, other_site, make_spec):
    spec_data["interconnect"]["global_reach"] = {"w": link("wdc", "eastus2", "a", "172.31.0.0/29")}
    b = other_site(region="eastus2", locations=("Washington DC", "Chicago"))
    b["interconnect"]["global_reach"] = {"e": link("a", "eastus", "wdc", "172.31.0.0/29")}
    result = assess([make_spec(spec_data), make_spec(b, "eastus2")])
    (v,) = result.violations
    assert (v.invariant, v.stack) == ("global-reach-locations", "eastus")  # reported once, by the first stack
    assert "are both at Washington DC" in v.message


def test_global_reach_across_geopolitical_regions_needs_premium_on_both_ends(spec_data, other_site, make_spec):
    for c in spec_data["interconnect"]["circuits"].values():
        c["tier"] = "Premium"
    spec_data["interconnect"]["global_reach"] = {"w": link("wdc", "westeurope", "a", "172.31.0.0/29")}
    b = other_site(region="westeurope", locations=("Amsterdam2", "Frankfurt"))
    b["interconnect"]["global_reach"] = {"e": link("a", "eastus", "wdc", "172.31.0.0/29")}
    result = assess([make_spec(spec_data), make_spec(b, "westeurope")])
    (v,) = result.violations
    assert v.invariant == "global-reach-premium"
    assert v.message.startswith("eastus/wdc (North America, Premium) and westeurope/a (Europe, Standard)")
    for c in b["interconnect"]["circuits"].values():
        c["tier"] = "Premium"
    assert assess([make_spec(spec_data), make_spec(b, "westeurope")]).violations == []


def test_at_most_ten_circuits_per_region_across_stacks(spec_data, other_site, make_spec, circuit):
    na = ["Washington DC", "New York", "Chicago", "Toronto", "Washington DC2", "San Antonio"]
    spec_data["interconnect"]["circuits"] = {f"c{i}": circuit(loc, i, bandwidth_mbps=1000) for i, loc in enumerate(na)}
    b = other_site(region="eastus")
    b["interconnect"]["circuits"] = {f"c{i}": circuit(na[i], 30 + i, bandwidth_mbps=1000) for i in range(5)}
    result = assess([make_spec(spec_data), make_spec(b, "eastus-b")])
    (v,) = result.violations
    assert v.invariant == "circuits-per-region"
    assert v.message.startswith("stacks eastus, eastus-b declare 11 circuits in eastus; Azure allows 10")
