"""Interconnect rules of one site, rule by rule (infra/capacity/network.py), on specs built in the test:
each rule on both sides and exactly at its limit (circuits equal to the gateway's maximum, four circuits
at one location, sixteen circuits on a /26 against a /27, a port carved to exactly twice its size), and
the site's figures (gateway throughput, failure domains with Metro locations, N-1 with and without FastPath)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.capacity import network

WDC, NYC, CHI, LAS = "Washington DC", "New York", "Chicago", "Las Vegas"


def circuits(spec_data: dict, provider_circuit, *locations: str, mbps: int = 10000, tier: str = "Standard") -> None:
    spec_data["interconnect"]["circuits"] = {
        f"c{i}": provider_circuit(loc, i, bandwidth_mbps=mbps, tier=tier) for i, loc in enumerate(locations)}


def gateway(spec_data: dict, sku: str, fastpath: bool = False, **extra: Any) -> None:
    spec_data["interconnect"]["gateway"].update({"sku": sku, "fastpath": fastpath, **extra})


def found(spec) -> list[tuple[str, str]]:
    return [(v.invariant, v.path) for v in network.check(spec)]


def test_the_minimal_site_holds_every_rule(spec_data, make_spec):
    assert found(make_spec(spec_data)) == []


# figures ----------------------------------------------------------------------------------------


def test_gateway_throughput_is_the_skus_or_one_gbps_per_scale_unit(spec_data, make_spec):
    assert network.gateway_gbps(make_spec(spec_data)) == 10
    gateway(spec_data, "ErGwScale", scale_units=7)
    cap = network.interconnect_capacity(make_spec(spec_data))
    assert (cap.gateway_gbps, cap.gateway_sku, cap.circuit_gbps, cap.circuits) == (7, "ErGwScale x7", 20, 2)
    assert cap.peering_locations == (NYC, WDC) and cap.fastpath is False


def test_a_metro_location_is_no_single_failure_but_an_ordinary_location_takes_all_its_circuits(
        spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, WDC, "Washington DC Metro")
    assert network.failure_domains(make_spec(spec_data)) == {
        "circuit c0": {"c0"}, "circuit c1": {"c1"}, "circuit c2": {"c2"}, f"peering location {WDC}": {"c0", "c1"}}


def test_n_minus_1_with_fastpath_is_the_circuits_left_after_the_worst_loss(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, NYC, CHI)
    gateway(spec_data, "ErGw3AZ", fastpath=True)
    assert network.n_minus_1_gbps(make_spec(spec_data)) == 20  # 30 less one 10G circuit, not capped at the 10G gateway


def test_n_minus_1_without_fastpath_is_half_the_gateway_at_most(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, NYC, mbps=1000)
    gateway(spec_data, "ErGw3AZ", fastpath=False)
    assert network.n_minus_1_gbps(make_spec(spec_data)) == 1  # one 1G circuit left; half the 10G gateway is 5
    gateway(spec_data, "ErGw1AZ")
    assert network.n_minus_1_gbps(make_spec(spec_data)) == 0.5  # one instance of the 1 Gbps gateway


# fastpath-support / gateway-throughput ----------------------------------------------------------


def test_fails_when_fastpath_is_asked_of_a_gateway_without_it(spec_data, make_spec):
    gateway(spec_data, "ErGw2AZ", fastpath=True)
    violations = network.check(make_spec(spec_data))
    assert [(v.invariant, v.path) for v in violations][:1] == [("fastpath-support", "interconnect.gateway.fastpath")]
    assert "unverified for ErGwScale" not in violations[0].message


def test_fastpath_on_ergwscale_says_it_is_unverified(spec_data, make_spec):
    gateway(spec_data, "ErGwScale", fastpath=True, scale_units=40)
    violations = network.check(make_spec(spec_data))
    assert [v.invariant for v in violations] == ["fastpath-support"]
    assert "unverified for ErGwScale" in violations[0].message


def test_no_fastpath_asked_of_a_gateway_without_it_is_left_alone(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, NYC, mbps=1000)
    gateway(spec_data, "ErGw2AZ")
    assert found(make_spec(spec_data)) == []


def test_fails_when_circuits_exceed_the_gateway_without_fastpath(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, NYC, mbps=1000)
    gateway(spec_data, "ErGw1AZ")
    assert found(make_spec(spec_data)) == [("gateway-throughput", "interconnect.gateway.sku")]


def test_circuits_adding_up_to_exactly_the_gateway_are_left_alone(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, NYC, mbps=500)
    gateway(spec_data, "ErGw1AZ")
    assert found(make_spec(spec_data)) == []


def test_circuits_over_the_gateway_are_left_alone_when_fastpath_carries_them(spec_data, make_spec):
    assert network.circuit_gbps(make_spec(spec_data)) > network.gateway_gbps(make_spec(spec_data))
    assert found(make_spec(spec_data)) == []


# gateway-circuits / circuits-per-location / gateway-subnet ----------------------------------------


def test_fails_when_more_circuits_than_the_gateway_connects(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, NYC, CHI, LAS, WDC, mbps=200)
    gateway(spec_data, "ErGw1AZ")
    assert found(make_spec(spec_data)) == [("gateway-circuits", "interconnect.circuits")]


def test_exactly_as_many_circuits_as_the_gateway_connects_are_left_alone(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, NYC, CHI, LAS, mbps=200)
    gateway(spec_data, "ErGw1AZ")
    assert found(make_spec(spec_data)) == []


def test_fails_when_five_circuits_at_one_location_connect_to_one_vnet(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, *[WDC] * 5, NYC)
    violations = network.check(make_spec(spec_data))
    assert [(v.invariant, v.path) for v in violations] == [("circuits-per-location", "interconnect.circuits")]
    assert "5 circuits from peering location Washington DC" in violations[0].message


def test_four_circuits_at_one_location_are_left_alone(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, *[WDC] * 4, NYC)
    assert found(make_spec(spec_data)) == []


SIXTEEN = [loc for loc in (WDC, NYC, CHI, LAS) for _ in range(4)]


def test_fails_when_sixteen_circuits_share_a_gateway_subnet_smaller_than_a_26(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, *SIXTEEN)
    gateway(spec_data, "ErGw3AZ", fastpath=True, subnet="10.10.255.0/27")
    assert found(make_spec(spec_data)) == [("gateway-subnet", "interconnect.gateway.subnet")]


def test_sixteen_circuits_on_a_26_and_fifteen_on_a_27_are_left_alone(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, *SIXTEEN)
    assert found(make_spec(spec_data)) == []
    circuits(spec_data, circuit, *SIXTEEN[:15])
    gateway(spec_data, "ErGw3AZ", fastpath=True, subnet="10.10.255.0/27")
    assert found(make_spec(spec_data)) == []


def test_fails_when_seventeen_circuits_connect_to_one_vnet(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, *SIXTEEN, "Silicon Valley")
    assert ("gateway-circuits", "interconnect.circuits") in found(make_spec(spec_data))


# location-redundancy / gateway-availability ---------------------------------------------------------


def test_fails_when_every_circuit_is_at_one_ordinary_location(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, WDC)
    violations = network.check(make_spec(spec_data))
    assert [(v.invariant, v.path) for v in violations] == [("location-redundancy", "interconnect.circuits")]
    assert "ExpressRoute Metro location (Amsterdam Metro, Atlanta Metro, Chicago Metro, ...)" in violations[0].message


def test_one_metro_location_or_two_ordinary_ones_are_redundant(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, "Washington DC Metro")
    assert found(make_spec(spec_data)) == []
    circuits(spec_data, circuit, WDC, NYC)
    assert found(make_spec(spec_data)) == []


def test_fails_when_ergwscale_is_planned_where_it_is_not_offered(spec_data, make_spec):
    spec_data["site"]["region"] = "eastus2"
    gateway(spec_data, "ErGwScale", scale_units=40)
    assert found(make_spec(spec_data)) == [("gateway-availability", "interconnect.gateway.sku")]


def test_ergwscale_where_offered_and_other_skus_where_it_is_not_are_left_alone(spec_data, make_spec):
    gateway(spec_data, "ErGwScale", scale_units=40)
    assert found(make_spec(spec_data)) == []
    spec_data["site"]["region"] = "eastus2"
    gateway(spec_data, "ErGw3AZ", fastpath=True)
    del spec_data["interconnect"]["gateway"]["scale_units"]
    assert found(make_spec(spec_data)) == []


# direct-port-oversubscription / vlan-unique ---------------------------------------------------------


def ports(spec_data: dict, direct, circuits_by_port: dict[str, list[int]], vlans: dict[str, list[int]] | None = None):
    spec_data["interconnect"]["ports"] = {
        p: {"peering_location": loc, "bandwidth_gbps": 10} for p, loc in (("p1", WDC), ("p2", NYC))}
    out = {}
    n = 10
    for port, sizes in circuits_by_port.items():
        for i, gbps in enumerate(sizes):
            c = direct(port, n, gbps)
            if vlans:
                c["private_peering"]["vlan_id"] = vlans[port][i]
            out[f"{port}-{i}"] = c
            n += 1
    spec_data["interconnect"]["circuits"].update(out)


def test_fails_when_circuits_on_a_port_add_up_to_more_than_twice_it(spec_data, make_spec, direct):
    ports(spec_data, direct, {"p1": [10, 10, 1], "p2": [10]})
    violations = [v for v in network.check(make_spec(spec_data)) if v.invariant == "direct-port-oversubscription"]
    assert [v.path for v in violations] == ["interconnect.ports.p1"]


def test_circuits_carving_exactly_twice_the_port_are_left_alone(spec_data, make_spec, direct):
    ports(spec_data, direct, {"p1": [10, 10], "p2": [10, 10]})
    assert [v for v in found(make_spec(spec_data)) if v[0] == "direct-port-oversubscription"] == []


def test_fails_once_when_two_circuits_on_one_port_share_a_vlan(spec_data, make_spec, direct):
    ports(spec_data, direct, {"p1": [1, 1, 1], "p2": [1]}, vlans={"p1": [300, 300, 301], "p2": [300]})
    violations = [v for v in network.check(make_spec(spec_data)) if v.invariant == "vlan-unique"]
    assert [v.path for v in violations] == ["interconnect.ports.p1"]
    assert "VLAN 300 is used by 2 circuits on port p1" in violations[0].message


def test_one_vlan_per_circuit_on_a_port_is_left_alone(spec_data, make_spec, direct):
    ports(spec_data, direct, {"p1": [1, 1], "p2": [1]}, vlans={"p1": [300, 301], "p2": [300]})
    assert [v for v in found(make_spec(spec_data)) if v[0] == "vlan-unique"] == []


# circuit-reach ----------------------------------------------------------------------------------


def test_fails_when_a_standard_circuit_is_outside_the_sites_geopolitical_region(spec_data, make_spec, circuit):
    circuits(spec_data, circuit, WDC, "London2")
    violations = network.check(make_spec(spec_data))
    assert [(v.invariant, v.path) for v in violations] == [("circuit-reach", "interconnect.circuits.c1.tier")]
    assert "at London2 (Europe) cannot reach eastus (North America)" in violations[0].message


@pytest.mark.parametrize(("location", "tier"), [("London2", "Premium"), (NYC, "Standard"), (NYC, "Premium")])
def test_a_premium_circuit_anywhere_or_a_standard_one_in_the_region_is_left_alone(
        spec_data, make_spec, circuit, location, tier):
    circuits(spec_data, circuit, WDC, location, tier=tier)
    assert found(make_spec(spec_data)) == []
