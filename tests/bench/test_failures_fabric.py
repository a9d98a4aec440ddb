"""The synthetic carrier fabric of `make bench` has the sizes the issue asks for (the timing is the bench's)."""

from __future__ import annotations

from bench import failures


def test_synthetic_carrier_has_the_full_sizes():
    net = failures.carrier(400, 1000, 300)
    assert (len(net.pops), len(net.spans), len(net.srlg_members())) == (400, 1000, 300)
    assert all(len(m) >= 2 for m in net.srlg_members().values())
    served = {p.peering_location for p in net.pops.values() if p.peering_location}
    assert len(served) == 200


def test_synthetic_sites_have_ten_circuits_and_twenty_five_demands():
    site = failures._site(3, 200, 200, 10, 25, 100)
    assert len(site.interconnect.circuits) == 10 and len(site.demands) == 25
    assert len({c.peering_location for c in site.interconnect.circuits.values()}) == 10
