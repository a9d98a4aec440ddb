"""The carrier network's own rules (infra/carrier/model.py), one by one, on networks built in the test and
read through the loader's error path, so every rejection is checked as the user sees it (key path, value,
what is allowed) and never as a traceback: capacities in range and finite, a span joins two known PoPs,
new fibre has an in-service date and existing fibre none, upgrades are larger, one PoP per peering location."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from infra.carrier.loader import CarrierFile, spec_from_file
from infra.carrier.model import MAX_SPAN_GBPS, CarrierSpec, SpanSpec
from infra.stackfile import SpecError

DAY = dt.date(2027, 3, 1)


def network(spans: dict[str, dict[str, Any]] | None = None, pops: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"carrier": "Lumen",
            "pops": pops if pops is not None else {"ash": {"peering_location": "Washington DC"},
                                                   "chi": {"peering_location": "Chicago"}, "den": {}},
            "spans": spans or {}}


def span(**over: Any) -> dict[str, Any]:
    return {"a": "ash", "z": "chi", "gbps": 400, **over}


def load(data: dict[str, Any]) -> CarrierSpec:
    return spec_from_file(CarrierFile(Path("fabric.yaml"), "fabric.yaml", data, {}))


def issues(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as err:
        load(data)
    return [(i.path, i.message) for i in err.value.issues]


def one_span(**over: Any) -> SpanSpec:
    return load(network({"s": span(**over)})).spans["s"]


def rejects_span(**over: Any) -> list[tuple[str, str]]:
    return issues(network({"s": span(**over)}))


# Capacity of a span: 0 to MAX_SPAN_GBPS, finite.

def test_span_capacity_from_zero_up_to_the_sanity_bound_is_accepted():
    assert one_span(gbps=0).gbps == 0
    assert one_span(gbps=0.5).gbps == 0.5
    assert one_span(gbps=MAX_SPAN_GBPS).gbps == MAX_SPAN_GBPS


def test_fails_when_span_capacity_is_negative():
    assert rejects_span(gbps=-0.5) == [("spans.s.gbps", "capacity -0.5 Gb/s is negative; give 0 or more")]
    assert rejects_span(gbps=-1) == [("spans.s.gbps", "capacity -1 Gb/s is negative; give 0 or more")]


def test_fails_when_span_capacity_is_beyond_the_sanity_bound():
    [(path, msg)] = rejects_span(gbps=MAX_SPAN_GBPS + 1)
    assert path == "spans.s.gbps" and "beyond any span (at most 1,000,000)" in msg


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_fails_when_span_capacity_is_not_finite(value):
    [(path, msg)] = rejects_span(gbps=value)
    assert path == "spans.s.gbps" and "finite" in msg


# Ends.

def test_fails_when_a_span_joins_a_pop_to_itself():
    assert rejects_span(z="ash") == [("spans.s.z", "joins PoP 'ash' to itself; a span joins two PoPs")]


def test_fails_when_a_span_end_is_an_unknown_pop():
    assert rejects_span(z="nyc") == [("spans.s.z", "unknown PoP 'nyc'; known: ash, chi, den")]
    assert rejects_span(a="nyc") == [("spans.s.a", "unknown PoP 'nyc'; known: ash, chi, den")]


def test_spans_between_known_pops_are_left_alone():
    spec = load(network({"s": span(), "t": span(a="chi", z="den")}))
    assert sorted(spec.spans) == ["s", "t"]


# Status and in-service date.

def test_fails_when_new_fibre_has_no_in_service_date():
    [(path, msg)] = rejects_span(status="new")
    assert path == "spans.s.in_service" and msg.startswith("new fibre needs an in_service date")


def test_fails_when_an_existing_span_has_an_in_service_date():
    [(path, msg)] = rejects_span(in_service="2027-03-01")
    assert path == "spans.s.in_service" and msg.startswith("an existing span is in service already")
    [(path, msg)] = rejects_span(status="existing", in_service="2027-03-01")
    assert path == "spans.s.in_service"


def test_new_fibre_with_a_date_and_existing_fibre_without_one_are_accepted():
    assert one_span(status="new", in_service="2027-03-01").in_service == DAY
    assert one_span().status == "existing" and one_span().in_service is None


def test_new_fibre_counts_from_its_in_service_day_on():
    new = one_span(status="new", in_service="2027-03-01")
    assert not new.in_service_on(DAY - dt.timedelta(days=1))
    assert new.in_service_on(DAY)
    assert new.in_service_on(DAY + dt.timedelta(days=1))


def test_existing_fibre_is_in_service_on_any_day():
    assert one_span().in_service_on(dt.date(1990, 1, 1)) is True
    assert one_span().in_service_on(DAY) is True


# Optional figures.

def test_latency_defaults_to_one_ms_and_zero_or_more_is_kept():
    assert one_span().latency == 1.0
    assert one_span(latency_ms=0).latency == 0.0
    assert one_span(latency_ms=0.5).latency == 0.5


@pytest.mark.parametrize("value", [-0.5, math.inf])
def test_fails_when_latency_is_negative_or_infinite(value):
    [(path, _)] = rejects_span(latency_ms=value)
    assert path == "spans.s.latency_ms"


def test_wavelengths_are_a_whole_number_from_one():
    assert one_span(wavelengths=1).wavelengths == 1
    assert rejects_span(wavelengths=0)[0][0] == "spans.s.wavelengths"
    assert rejects_span(wavelengths=2.0)[0][0] == "spans.s.wavelengths"


def test_span_price_is_zero_or_more_and_finite():
    assert one_span(monthly_usd=0).monthly_usd == 0
    assert one_span(monthly_usd=0.5).monthly_usd == 0.5
    for bad in (-0.5, math.inf):
        [(path, _)] = rejects_span(monthly_usd=bad)
        assert path == "spans.s.monthly_usd"


def test_span_figures_are_not_illustrative_unless_said_so():
    assert one_span().illustrative is False
    assert one_span(illustrative=True).illustrative is True
    assert rejects_span(illustrative="yes")[0][0] == "spans.s.illustrative"


# Upgrades.

def test_an_upgrade_larger_than_the_span_is_accepted():
    s = one_span(gbps=0, upgrades=[{"gbps": 0.5, "monthly_usd": 0}])
    assert s.upgrades[0].gbps == 0.5 and s.upgrades[0].monthly_usd == 0
    assert one_span(upgrades=[{"gbps": MAX_SPAN_GBPS, "monthly_usd": 0.5}]).upgrades[0].gbps == MAX_SPAN_GBPS


def test_fails_when_an_upgrade_is_not_larger_than_the_span():
    assert rejects_span(upgrades=[{"gbps": 800, "monthly_usd": 1}, {"gbps": 400, "monthly_usd": 1}]) == [
        ("spans.s.upgrades.1.gbps", "400 Gb/s is no upgrade of 400 Gb/s")]
    assert rejects_span(upgrades=[{"gbps": 100, "monthly_usd": 1}]) == [
        ("spans.s.upgrades.0.gbps", "100 Gb/s is no upgrade of 400 Gb/s")]


@pytest.mark.parametrize("gbps", [0, -0.5, MAX_SPAN_GBPS + 1, math.inf, math.nan])
def test_fails_when_an_upgrade_capacity_is_out_of_range(gbps):
    [(path, msg)] = rejects_span(gbps=0, upgrades=[{"gbps": gbps, "monthly_usd": 1}])
    assert path == "spans.s.upgrades.0.gbps" and "no upgrade" not in msg


@pytest.mark.parametrize("gbps", [math.inf, math.nan])
def test_fails_when_an_upgrade_capacity_is_not_finite_saying_so(gbps):
    assert rejects_span(gbps=0, upgrades=[{"gbps": gbps, "monthly_usd": 1}]) == [
        ("spans.s.upgrades.0.gbps", "Input should be a finite number")]


@pytest.mark.parametrize("usd", [-0.5, math.inf, math.nan])
def test_fails_when_an_upgrade_price_is_negative_or_not_finite(usd):
    [(path, _)] = rejects_span(upgrades=[{"gbps": 800, "monthly_usd": usd}])
    assert path == "spans.s.upgrades.0.monthly_usd"


# PoPs and peering locations.

def test_fails_when_there_is_no_pop():
    [(path, _)] = issues(network(pops={}))
    assert path == "pops"


def test_a_single_pop_is_a_network():
    assert list(load(network(pops={"ash": {}})).pops) == ["ash"]


def test_fails_when_two_pops_serve_one_peering_location():
    pops = {"ash": {"peering_location": "Washington DC"}, "ash2": {"peering_location": "Washington DC"},
            "ash3": {"peering_location": "Washington DC"}}
    found = issues(network(pops=pops))
    assert [p for p, _ in found] == ["pops.ash2.peering_location", "pops.ash3.peering_location"]
    assert all("already served by PoP 'ash'" in m for _, m in found)


def test_transit_pops_without_a_peering_location_are_many_and_left_alone():
    spec = load(network(pops={"t1": {}, "t2": {"metro": "Denver"}, "ash": {"peering_location": "Washington DC"}}))
    assert sorted(spec.pops) == ["ash", "t1", "t2"]


def test_the_pop_at_a_location_is_the_one_serving_it_or_none():
    spec = load(network())
    assert spec.pop_at("Chicago") == "chi"
    assert spec.pop_at("Washington DC") == "ash"
    assert spec.pop_at("Dallas") is None


def test_shared_risk_groups_list_their_spans_in_file_order_sorted_by_group():
    spec = load(network({"s": span(srlgs=["trench", "bridge"]), "t": span(a="chi", z="den", srlgs=["trench"]),
                         "u": span(a="ash", z="den")}))
    assert spec.srlg_members() == {"bridge": ("s",), "trench": ("s", "t")}
    assert list(spec.srlg_members()) == ["bridge", "trench"]
    assert load(network({"u": span()})).srlg_members() == {}


def test_a_valid_network_is_a_carrier_spec():
    spec = load(network({"s": span()}))
    assert isinstance(spec, CarrierSpec) and isinstance(spec.spans["s"], SpanSpec)
    assert spec.carrier == "Lumen"
