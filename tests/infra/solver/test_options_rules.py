"""Rules of infra/solver/options.py: what `fabric solve` may change, read from specs built in the test, the
catalog, a small carrier and the illustrative prices (no solve)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from infra.capacity import flows
from infra.solver.options import Limits, _grouped, build
from infra.solver.prices import ILLUSTRATIVE, IllustrativePrices

ON = dt.date(2026, 6, 1)
PRICES = ILLUSTRATIVE
NA = {"WDC": "Washington DC", "NYC": "New York", "SVL": "Silicon Valley", "DEN": None, "LON": "London2", "ZZZ": "Atlantis"}
SPANS = {"wdc-nyc": ("WDC", "NYC", 100, {"monthly_usd": 1000, "upgrades": [{"gbps": 400, "monthly_usd": 2500}]}),
         "nyc-svl": ("NYC", "SVL", 100, {"upgrades": [{"gbps": 400, "monthly_usd": 2}]}),
         "svl-lon": ("SVL", "LON", 100, {"status": "new", "in_service": "2027-01-01", "monthly_usd": 1,
                                         "upgrades": [{"gbps": 400, "monthly_usd": 2}]})}


def price(mbps: int, tier: str = "Standard") -> float:
    return PRICES.circuit("s", "", tier, "UnlimitedData", mbps)


def gateway(sku: str, fastpath: bool = False, subnet: str = "10.10.255.0/26", units: int | None = None) -> dict:
    out = {"sku": sku, "fastpath": fastpath, "subnet": subnet}
    if units is not None:
        out["scale_units"] = units
    return out


def build_for(kit, east, west=None, carrier=True, prices=PRICES, **limits):
    west = west or kit.site("westus3", "westus3", 30, {"svl": ("Silicon Valley", 10000), "nyc": ("New York", 10000)})
    c = kit.carrier(SPANS, NA) if carrier else None
    return build([east, west], c, prices, ON, Limits(**limits))


# ------------------------------------------------------------------------------------ existing circuits


def test_an_existing_circuit_is_offered_the_larger_bandwidths_priced_by_what_they_add(kit):
    east = kit.site("eastus", "eastus", 10, {"wdc": ("Washington DC", 1000), "nyc": ("New York", 10000)})
    sp = build_for(kit, east)
    c = sp.circuit("eastus", "wdc")
    assert (c.current.gbps, c.current.value, c.current.monthly_usd) == (1.0, 1000, 0.0)
    assert [(s.gbps, s.value) for s in c.steps] == [(2.0, 2000), (5.0, 5000), (10.0, 10000)]
    assert [s.monthly_usd for s in c.steps] == [price(m) - price(1000) for m in (2000, 5000, 10000)]
    assert c.max_gbps == 10.0 and c.pop == "WDC" and c.location == "Washington DC" and not c.metro
    top = sp.circuit("eastus", "nyc")
    assert top.steps == () and top.max_gbps == 10.0
    with pytest.raises(KeyError):
        sp.circuit("eastus", "chi")


# ------------------------------------------------------------------------------------ new circuits


def test_new_circuits_are_offered_where_the_carrier_serves_within_four_per_location(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("Washington DC", 1000),
                                             "c": ("Washington DC", 1000), "d": ("Washington DC", 1000),
                                             "n": ("New York", 1000)})
    sp = build_for(kit, east)
    new = {n.location: n for n in sp.sites["eastus"].new}
    assert set(new) == {"New York", "Silicon Valley", "London2"}  # Washington DC is full; DEN serves none
    assert (new["New York"].room, new["Silicon Valley"].room) == (3, 4)
    assert new["New York"].pop == "NYC" and new["New York"].tier == "Standard" and new["London2"].tier == "Premium"
    assert [(s.value, s.monthly_usd) for s in new["New York"].provider] == [(m, price(m)) for m in
                                                                            (50, 100, 200, 500, 1000, 2000, 5000, 10000)]
    assert [s.gbps for s in new["New York"].provider] == [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]
    assert new["London2"].provider[0].monthly_usd == price(50, "Premium")
    assert {n.provider_name for n in new.values()} == {east.interconnect.circuits["a"].provider}  # as today's
    assert [p.gbps for p in new["New York"].ports] == [10, 100]
    port = new["New York"].ports[0]
    assert port.monthly_usd == PRICES.direct_port("s", "", 10, "UnlimitedData")
    assert [(s.gbps, s.monthly_usd) for s in port.carved] == [(1.0, 0.0), (2.0, 0.0), (5.0, 0.0), (10.0, 0.0)]
    assert [s.monthly_usd for s in new["London2"].ports[0].carved] == [250.0 * g for g in (1, 2, 5, 10)]
    opts = sp.sites["eastus"]
    assert opts.existing_per_location == {"Washington DC": 4, "New York": 1}
    assert opts.locations() == ["London2", "New York", "Silicon Valley", "Washington DC"]
    assert opts.pop("Washington DC") == "WDC" and opts.pop("London2") == "LON"
    assert not opts.is_metro("New York")


def test_without_a_carrier_new_circuits_are_offered_at_every_location_of_the_region(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)})
    sp = build_for(kit, east, carrier=False)
    new = {n.location: n for n in sp.sites["eastus"].new}
    assert {"Washington DC", "New York", "Chicago", "Silicon Valley"} <= set(new) and "London2" not in new
    assert {n.pop for n in new.values()} == {flows.VIRTUAL_POP} and all(n.tier == "Standard" for n in new.values())
    assert sp.pops == {flows.VIRTUAL_POP: None} and not sp.carrier and sp.spans == {}


def test_limits_leave_out_new_circuits_ports_spans_and_other_sites(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)})
    sp = build_for(kit, east, new_circuits=False)
    assert sp.sites["eastus"].new == () and sp.sites["eastus"].circuits[0].steps
    sp = build_for(kit, east, direct_ports=False)
    assert sp.sites["eastus"].new and all(n.ports == () for n in sp.sites["eastus"].new)
    assert all(n.provider for n in sp.sites["eastus"].new)
    sp = build_for(kit, east, spans=False)
    assert set(sp.spans) == {"wdc-nyc", "nyc-svl"} and all(s.offers == () for s in sp.spans.values())
    sp = build_for(kit, east, sites=frozenset({"westus3"}))
    frozen = sp.sites["eastus"]
    assert frozen.new == () and frozen.port_rooms == () and all(c.steps == () for c in frozen.circuits)
    assert [g.current for g in frozen.gateways] == [True]
    assert sp.sites["westus3"].new


def test_spans_in_service_are_offered_their_upgrades_and_new_fibre_is_said(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)})
    sp = build_for(kit, east)
    assert set(sp.spans) == {"wdc-nyc", "nyc-svl"}
    s = sp.spans["wdc-nyc"]
    assert (s.a, s.z, s.gbps) == ("WDC", "NYC", 100) and [(o.gbps, o.delta_usd) for o in s.offers] == [(400, 1500)]
    assert sp.spans["nyc-svl"].offers == ()  # no monthly_usd today: what an upgrade adds is unknown
    assert any(n.startswith("span nyc-svl offers upgrades but gives no monthly_usd") for n in sp.notes)
    assert any("span svl-lon is not in service on 2026-06-01" in n for n in sp.notes)
    assert sp.size == {"sites": 2, "circuits": 4, "locations_offered": 8, "span_offers": 1, "demands": 0}


# ------------------------------------------------------------------------------------ Direct ports


def with_direct_circuit(kit, more: int = 0):
    """eastus with a 10G Direct port at Washington DC and a 5 Gb/s circuit 'd' carved from it (`more`: circuits
    at Washington DC besides 'a' and 'd')."""
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)}
                    | {f"w{i}": ("Washington DC", 1000) for i in range(more)})
    data = east.model_dump(mode="json", exclude_defaults=True)
    data["interconnect"]["ports"] = {"wdc-port": {"peering_location": "Washington DC", "bandwidth_gbps": 10}}
    data["interconnect"]["circuits"]["d"] = {**data["interconnect"]["circuits"]["a"], "kind": "direct",
                                             "port": "wdc-port", "bandwidth_gbps": 5}
    for k in ("bandwidth_mbps", "peering_location", "provider"):
        data["interconnect"]["circuits"]["d"].pop(k, None)
    data["interconnect"]["circuits"]["d"]["private_peering"] = {
        **data["interconnect"]["circuits"]["a"]["private_peering"], "vlan_id": 300,
        "primary_prefix": "172.16.99.0/30", "secondary_prefix": "172.16.99.4/30", "bgp_key_secret": "bgpKeyD"}
    return type(east).model_validate(data)


def test_an_existing_port_with_room_is_offered_more_circuits(kit):
    east = with_direct_circuit(kit)
    sp = build_for(kit, east)
    (room,) = sp.sites["eastus"].port_rooms
    assert (room.port, room.location, room.gbps, room.tier) == ("wdc-port", "Washington DC", 10, "Standard")
    assert [s.gbps for s in room.carved] == [1.0, 2.0, 5.0, 10.0]
    d = sp.circuit("eastus", "d")
    assert d.kind == "direct" and d.port == "wdc-port" and [s.gbps for s in d.steps] == [10.0]
    assert sp.size["circuits"] == 5
    assert build_for(kit, east, direct_ports=False).sites["eastus"].port_rooms == ()
    assert build_for(kit, east, new_circuits=False).sites["eastus"].port_rooms == ()


def test_an_existing_port_at_a_location_with_four_circuits_is_offered_none(kit):
    assert [r.port for r in build_for(kit, with_direct_circuit(kit, more=1)).sites["eastus"].port_rooms] == ["wdc-port"]
    assert build_for(kit, with_direct_circuit(kit, more=2)).sites["eastus"].port_rooms == ()


def test_a_location_is_metro_when_a_circuit_or_an_offer_there_is():
    from infra.solver.options import CircuitOption, NewAt, SiteOptions, Step

    def at(*new: tuple[str, bool], circuits=()) -> SiteOptions:
        offers = tuple(NewAt("s", loc, "P", metro, "Standard", 4, (), ()) for loc, metro in new)
        have = tuple(CircuitOption("s", loc, "provider", loc, "P", metro, "Standard", "UnlimitedData",
                                   Step(1.0, 1000, 0.0), ()) for loc, metro in circuits)
        return SiteOptions("s", "eastus", "United States", have, offers, (), (), 0.0, 16, {}, False)

    assert at(("Amsterdam Metro", True)).is_metro("Amsterdam Metro")
    assert not at(("Amsterdam Metro", True), ("London", False)).is_metro("London")
    assert not at(("London", False)).is_metro("London")
    assert at(circuits=[("Amsterdam Metro", True)]).is_metro("Amsterdam Metro")
    assert not at(circuits=[("Amsterdam Metro", True), ("London", False)]).is_metro("London")


# ------------------------------------------------------------------------------------ gateways


def skus(sp, site="eastus"):
    return {(g.sku, g.fastpath): g for g in sp.sites[site].gateways}


def test_a_gateway_is_offered_only_what_carries_more_and_stays_zone_redundant(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("ErGw2AZ"))
    sp = build_for(kit, east)
    got = skus(sp)
    assert set(got) == {("ErGw2AZ", False), ("ErGw3AZ", False), ("ErGw3AZ", True), ("ErGwScale", False)}
    assert got[("ErGw2AZ", False)].current and not got[("ErGw3AZ", False)].current
    assert got[("ErGw3AZ", True)].in_place and not got[("ErGwScale", False)].in_place
    scale = got[("ErGwScale", False)]
    assert (scale.min_units, scale.max_units, scale.gbps, scale.monthly_usd) == (3, 40, 1.0, 200.0)
    assert got[("ErGw3AZ", False)].monthly_usd == 1900.0 and sp.sites["eastus"].current_gateway_usd == 750.0
    assert got[("ErGw2AZ", False)].max_circuits == 8 and got[("ErGw3AZ", True)].max_circuits == 16
    fixed = [o for o in got.values() if not o.scalable]
    assert len(fixed) == 3 and {(o.min_units, o.max_units) for o in fixed} == {(0, 0)}  # no scale units to choose
    in_place = skus(build_for(kit, east, in_place_only=True))
    assert set(in_place) == {("ErGw2AZ", False), ("ErGw3AZ", False), ("ErGw3AZ", True)}


def test_a_gateway_that_is_not_zone_redundant_may_become_so(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("HighPerformance"))
    got = skus(build_for(kit, east))
    assert set(got) == {("HighPerformance", False), ("UltraPerformance", False), ("UltraPerformance", True),
                        ("ErGw3AZ", False), ("ErGw3AZ", True), ("ErGwScale", False)}
    assert got[("ErGwScale", False)].min_units == 3


def test_with_fastpath_in_effect_the_gateway_stays(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)})
    assert [(g.sku, g.fastpath, g.current) for g in build_for(kit, east).sites["eastus"].gateways] == [
        ("ErGw3AZ", True, True)]


def test_more_scale_units_are_offered_from_those_of_today(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("ErGwScale", units=4))
    got = skus(build_for(kit, east))
    scale = got[("ErGwScale", False)]
    assert scale.current and (scale.min_units, scale.max_units) == (4, 40)
    assert ("ErGw3AZ", True) in got and ("ErGw2AZ", False) not in got  # 2 Gb/s < 4 today
    assert build_for(kit, east).sites["eastus"].current_gateway_usd == 800.0


def test_no_scale_units_where_the_region_has_none(kit):
    east = kit.site("eastus2", "eastus2", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("ErGw1AZ"))
    assert ("ErGwScale", False) not in skus(build_for(kit, east), "eastus2")


@dataclasses.dataclass(frozen=True)
class Unpriced(IllustrativePrices):
    source: str = "test"
    no_gateway: tuple[str, ...] = ()
    no_circuit: tuple[int, ...] = ()

    def gateway(self, stack, sku, scale_units):
        return None if sku in self.no_gateway else super().gateway(stack, sku, scale_units)

    def circuit(self, stack, location, tier, data_plan, mbps):
        return None if mbps in self.no_circuit else super().circuit(stack, location, tier, data_plan, mbps)

    def direct_port(self, stack, location, gbps, billing_type):
        return None if gbps == 100 else super().direct_port(stack, location, gbps, billing_type)


def test_an_unpriced_gateway_today_keeps_the_gateway_as_it_is(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("ErGw2AZ"))
    sp = build_for(kit, east, prices=Unpriced(no_gateway=("ErGw2AZ",)))
    (only,) = sp.sites["eastus"].gateways
    assert (only.sku, only.fastpath, only.gbps, only.max_circuits, only.monthly_usd, only.current) == (
        "ErGw2AZ", False, 2.0, 8, 0.0, True)
    assert (only.min_units, only.max_units, only.in_place) == (0, 0, True)
    assert sp.sites["eastus"].current_gateway_usd == 0.0
    assert any("no price for its gateway" in n for n in sp.notes)
    fast_capable = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                            gateway=gateway("ErGw3AZ"))
    (only,) = build_for(kit, fast_capable, prices=Unpriced(no_gateway=("ErGw3AZ",))).sites["eastus"].gateways
    assert (only.sku, only.fastpath) == ("ErGw3AZ", False)  # FastPath only where it is on today
    sp = build_for(kit, east, prices=Unpriced(no_gateway=("ErGw3AZ", "ErGwScale")))
    assert set(skus(sp)) == {("ErGw2AZ", False)}
    assert "eastus: no price for gateway ErGw3AZ; not offered" in sp.notes
    assert "eastus: no price for ErGwScale; not offered" in sp.notes


def test_unpriced_bandwidths_are_left_out_and_said_once_per_kind_with_their_locations(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)})
    sp = build_for(kit, east, prices=Unpriced(no_circuit=(2000,)))
    assert [s.value for s in sp.circuit("eastus", "a").steps] == [5000, 10000]
    assert all(2000 not in [s.value for s in n.provider] for n in sp.sites["eastus"].new)
    assert ("eastus: no price for a Standard circuit of 2000 Mbps at Washington DC, New York, Silicon Valley; "
            "not offered") in sp.notes
    assert "eastus: no price for a 100G Direct port at Washington DC, New York, Silicon Valley, London2; not offered" in sp.notes
    assert {z.gbps for n in sp.sites["eastus"].new for z in n.ports} == {10}  # the unpriced 100G ports are not
    assert _grouped(["x at @A; y", "x at @B; y", "x at @A; y", "plain"]) == ("x at A, B; y", "plain")


# ------------------------------------------------------------------------------------ limits of the site


def test_a_gateway_subnet_smaller_than_26_connects_15_circuits(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway={"sku": "ErGw3AZ", "fastpath": True, "subnet": "10.10.255.0/27"})
    assert build_for(kit, east).sites["eastus"].max_circuits == 15
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)})
    assert build_for(kit, east).sites["eastus"].max_circuits == 16


def test_a_site_at_one_location_is_marked_so(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("Washington DC", 1000)})
    sp = build_for(kit, east)
    assert sp.sites["eastus"].single_location and not sp.sites["westus3"].single_location
    assert sp.regions == {"eastus": ("eastus",), "westus3": ("westus3",)}
    assert sp.region_existing == {"eastus": 2, "westus3": 2}
    assert sp.sites["eastus"].geo == "North America" and sp.sites["eastus"].region == "eastus"


def test_a_gateway_that_cannot_stay_as_it_is_is_said_to_change(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("ErGw2AZ", fastpath=True))
    sp = build_for(kit, east)
    assert not any(g.current for g in sp.sites["eastus"].gateways)
    assert "eastus: the gateway must change: FastPath is on but ErGw2AZ does not support it" in sp.notes
    assert ("ErGw3AZ", True) in skus(sp)
    east = kit.site("eastus2", "eastus2", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("ErGwScale", units=2))
    sp = build_for(kit, east)
    assert "eastus2: the gateway must change: ErGwScale is not offered in eastus2" in sp.notes
    assert not any(n.startswith("eastus: the gateway") or n.startswith("westus3: the gateway") for n in sp.notes)



def test_a_location_at_or_over_four_circuits_offers_no_new_one(kit):
    five = {f"c{i}": ("Washington DC", 1000) for i in range(5)} | {"n": ("New York", 1000)}
    sp = build_for(kit, kit.site("eastus", "eastus", 10, five))
    assert "Washington DC" not in {n.location for n in sp.sites["eastus"].new}


def test_a_site_at_one_metro_location_is_not_at_one_location(kit):
    pops = {"WDM": "Washington DC Metro", "SVL": "Silicon Valley", "NYC": "New York"}
    carrier = kit.carrier({"wdm-svl": ("WDM", "SVL", 100, {}), "svl-nyc": ("SVL", "NYC", 100, {})}, pops)
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC Metro", 1000), "b": ("Washington DC Metro", 1000)})
    west = kit.site("westus3", "westus3", 30, {"s": ("Silicon Valley", 1000), "t": ("Silicon Valley", 1000)})
    sp = build([east, west], carrier, PRICES, ON)
    assert not sp.sites["eastus"].single_location and sp.sites["westus3"].single_location
    assert sp.sites["eastus"].is_metro("Washington DC Metro") and sp.circuit("eastus", "a").metro


def test_scale_units_at_the_most_today_stay_offered(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("ErGwScale", units=40))
    scale = skus(build_for(kit, east))[("ErGwScale", False)]
    assert scale.current and (scale.min_units, scale.max_units) == (40, 40)


def test_option_values_are_frozen(kit):
    east = kit.site("eastus", "eastus", 10, {"a": ("Washington DC", 1000), "b": ("New York", 1000)},
                    gateway=gateway("ErGw2AZ"))
    sp = build_for(kit, east)
    opts = sp.sites["eastus"]
    for value in (sp, opts, opts.circuits[0], opts.circuits[0].current, opts.new[0], opts.new[0].ports[0],
                  opts.gateways[0], sp.spans["wdc-nyc"], Limits()):
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.site = "x"
    assert len(set(opts.gateways)) == len(opts.gateways)  # hashable values, as frozen dataclasses are


@dataclasses.dataclass(frozen=True)
class NoDirectAt(IllustrativePrices):
    source: str = "test"
    gbps: int = 10

    def direct_circuit(self, stack, tier, gbps):
        return None if gbps == self.gbps else super().direct_circuit(stack, tier, gbps)


def test_an_unpriced_direct_bandwidth_is_left_out_and_said(kit):
    east = with_direct_circuit(kit)
    sp = build_for(kit, east, prices=NoDirectAt(gbps=10))
    assert sp.circuit("eastus", "d").steps == ()
    assert "eastus: no price for Direct circuit d at 10 Gbps; not offered" in sp.notes
    assert [s.gbps for s in sp.sites["eastus"].port_rooms[0].carved] == [1.0, 2.0, 5.0]
    assert "eastus: no price for a Standard Direct circuit of 10 Gbps; not offered" in sp.notes
    sp = build_for(kit, east, prices=NoDirectAt(gbps=5))  # today's bandwidth unpriced: no upgrade can be
    assert sp.circuit("eastus", "d").steps == ()
    assert "eastus: no price for Direct circuit d at 10 Gbps; not offered" in sp.notes
