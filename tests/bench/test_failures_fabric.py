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
    site = failures._site(3, 200, 200, 25, 100, tight=False)
    assert len(site.interconnect.circuits) == 10 and len(site.demands) == 25
    assert len({c.peering_location for c in site.interconnect.circuits.values()}) == 10


def test_designed_fabric_survives_every_single_failure_and_tight_one_does_not():
    """The bench measures a fabric a real design would have, and a tight one for the shortfall path."""
    from infra.capacity import flows

    designed = flows.analyse(*failures.fabric(0.05, "designed"))
    assert designed.shortfalls == [] and designed.stats["rerouted"] > 0
    assert designed.critical_immune == designed.critical_pairs > 0
    tight = flows.analyse(*failures.fabric(0.05, "tight"))
    assert [s for s in tight.shortfalls if s.second is not None] and tight.pairs > 0
