"""The cost rules (infra/cost/model.py) on both sides and at their edges: which resources are priced and at
what quantity, which are left out, how a demand's data is billed over mixed circuits, when a break-even
exists, and how items and totals round. Specs are built in the test (tests/infra/conftest.py)."""

from __future__ import annotations

import pytest

from infra import tokens
from infra.cost.model import CostItem, DemandCost, StackCost, circuit_break_even_gb, data_plan_monthly_usd, stack_cost
from infra.cost.prices import GB_PER_TB, HOURS_PER_MONTH, PriceBook
from infra.inventory import Inventory, Resource

OWNER_ID = ("/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-owner/providers/"
            "Microsoft.Network/expressRouteCircuits/erc-owner")
BOOK = PriceBook()
RATE = BOOK.quote("data-out:zone1").usd


def _items(cost, prefix):
    return [i for i in cost.items if i.item.startswith(prefix)]


def _item(cost, prefix):
    (found,) = _items(cost, prefix)
    return found


def _resource(typ, name):
    return Resource(urn=f"urn:pulumi:eastus::ai-fabric::{typ}::{name}", type=typ, name=name, parent=None, inputs={})


def _replication(tb=100, hours=73.0):
    return {"kind": "replication", "to_stack": "westus3", "dataset_tb": tb, "within_hours": hours}


# ------------------------------------------------------------------------------------------------
# What is priced, at which quantity, and which resource each item points at
# ------------------------------------------------------------------------------------------------


def test_every_item_points_at_its_one_resource_and_at_none_when_two_could_be_it(make_spec, spec_data):
    spec_data["clusters"]["h100"]["vm_count"] = 200  # two InfiniBand domains: h100-ib-0, h100-ib-1
    spec = make_spec(spec_data)
    inventory = Inventory("eastus", tuple(_resource(t, n) for t, n in (
        (tokens.SCALE_SET, "h100-ib-0"), (tokens.SCALE_SET, "h100-ib-1"),
        (tokens.CIRCUIT, "interconnect-circuit-wdc"), (tokens.CIRCUIT, "interconnect-circuit-nyc"),
        (tokens.GATEWAY, "interconnect-gateway"), (tokens.GATEWAY, "interconnect-gateway-spare"),
        (tokens.PUBLIC_IP, "interconnect-gateway-ip"))))
    cost = stack_cost(spec, inventory)
    urn = {r.name: r.urn for r in inventory}
    assert _item(cost, "h100-ib-0:").resource == urn["h100-ib-0"]
    assert _item(cost, "h100-ib-1:").resource == urn["h100-ib-1"]
    assert _item(cost, "circuit wdc:").resource == urn["interconnect-circuit-wdc"]
    assert _item(cost, "gateway public IP").resource == urn["interconnect-gateway-ip"]
    assert _item(cost, "gateway: ErGw3AZ").resource is None  # two gateways: neither is known to be it
    assert all(i.resource is None for i in stack_cost(spec).items)  # no inventory: no resources


def test_gpu_vms_are_priced_per_infiniband_scale_set_at_their_vm_count(make_spec, spec_data):
    spec_data["clusters"]["h100"]["vm_count"] = 200
    gpu = [i for i in stack_cost(make_spec(spec_data)).items if i.category == "gpu"]
    assert sum(i.quantity for i in gpu) == 200 * HOURS_PER_MONTH and len(gpu) == 2
    assert all(i.unit == "VM-hour" and i.unit_usd == pytest.approx(98.32) for i in gpu)


def test_a_gateway_and_its_public_ip_are_priced_for_730_hours(make_spec, spec_data):
    cost = stack_cost(make_spec(spec_data))
    gateway, ip = _item(cost, "gateway: ErGw3AZ"), _item(cost, "gateway public IP")
    assert (gateway.quantity, gateway.unit, gateway.category) == (HOURS_PER_MONTH, "hour", "gateway")
    assert (ip.quantity, ip.monthly_usd) == (HOURS_PER_MONTH, round(HOURS_PER_MONTH * 0.005, 2))


def test_an_ergwscale_gateway_is_priced_per_scale_unit_hour(make_spec, spec_data):
    spec_data["interconnect"]["gateway"] = {**spec_data["interconnect"]["gateway"], "sku": "ErGwScale",
                                            "scale_units": 4}
    gateway = _item(stack_cost(make_spec(spec_data)), "gateway: ErGwScale x 4 scale units")
    assert (gateway.quantity, gateway.unit) == (4 * HOURS_PER_MONTH, "unit-hour")


def test_a_provider_circuit_is_one_month_of_its_fee_named_by_its_bandwidth(make_spec, spec_data, circuit):
    spec_data["interconnect"]["circuits"]["nyc"] = circuit("New York", 2, bandwidth_mbps=1000)
    cost = stack_cost(make_spec(spec_data))
    nyc = _item(cost, "circuit nyc:")
    assert nyc.item == "circuit nyc: Standard UnlimitedData 1 Gbps at New York" and nyc.quantity == 1
    assert _item(cost, "circuit wdc:").item.endswith("10 Gbps at Washington DC")
    spec_data["interconnect"]["circuits"]["nyc"] = circuit("New York", 2, bandwidth_mbps=500)
    assert _item(stack_cost(make_spec(spec_data)), "circuit nyc:").item.endswith("500 Mbps at New York")


def test_a_circuit_linked_from_another_subscription_is_not_priced_here(make_spec, spec_data):
    spec_data["interconnect"]["circuits"]["nyc"].update(owner_circuit_id=OWNER_ID, authorization_key_secret="authNyc")
    cost = stack_cost(make_spec(spec_data))
    assert not _items(cost, "circuit nyc") and _items(cost, "circuit wdc")


def _direct_site(spec_data, direct, tier="Standard", billing="UnlimitedData"):
    spec_data["interconnect"]["ports"] = {"p1": {"peering_location": "Washington DC", "bandwidth_gbps": 10,
                                                 "billing_type": billing}}
    spec_data["interconnect"]["circuits"] = {"wdc": direct("p1", 1, 10, tier=tier)}
    return spec_data


def test_a_premium_circuit_on_a_direct_port_costs_the_premium_add_on_once(make_spec, spec_data, direct):
    data = _direct_site(spec_data, direct, tier="Premium")
    data["pricing"] = {"prices": {"direct-premium:10": 1000.0, "port:10:UnlimitedData": 5000.0}}
    cost = stack_cost(make_spec(data))
    wdc = _item(cost, "circuit wdc:")
    assert (wdc.monthly_usd, wdc.quantity, wdc.status) == (1000.0, 1, "override")
    port = _item(cost, "Direct port p1:")
    assert (port.monthly_usd, port.quantity, port.category) == (5000.0, 1, "port")


# ------------------------------------------------------------------------------------------------
# Discounts and rounding
# ------------------------------------------------------------------------------------------------


def test_a_discount_is_named_in_the_items_source_and_an_undiscounted_category_is_not(make_spec, spec_data):
    spec_data["pricing"] = {"discount_pct": {"gateway": 10}}
    cost = stack_cost(make_spec(spec_data))
    gateway = _item(cost, "gateway: ErGw3AZ")
    assert gateway.source.endswith("; less 10% negotiated (ai-fabric:pricing.discount_pct.gateway)")
    assert gateway.monthly_usd == round(HOURS_PER_MONTH * gateway.unit_usd * 0.9, 2)
    assert "negotiated" not in _item(cost, "gateway public IP").source


def test_an_item_rounds_to_cents(make_spec, spec_data):
    spec_data["pricing"] = {"prices": {"gateway:ErGw3AZ": 0.123456}}
    gateway = _item(stack_cost(make_spec(spec_data)), "gateway: ErGw3AZ")
    assert gateway.monthly_usd == 90.12 and gateway.unit_usd == 0.123456


def _item_of(usd, category="gpu", status="verified", quantity=1.0, unit_usd=None):
    return CostItem("x", None, usd, "s", category, quantity, "u", unit_usd, status)


def test_a_stacks_total_and_categories_round_to_cents_and_unpriced_items_make_it_incomplete():
    cost = StackCost("s", (_item_of(0.004), _item_of(0.05, "data"), _item_of(0, status="unpriced")),
                     gbp_to_usd=1.23456789)
    assert cost.monthly_usd == 0.05 and cost.by_category() == {"gpu": 0.0, "data": 0.05}
    assert [i.status for i in cost.unpriced] == ["unpriced"] and not cost.complete
    doc = cost.to_json()
    assert doc["gbp_to_usd"] == 1.234568 and doc["unpriced"] == ["x"] and doc["complete"] is False
    priced = StackCost("s", (_item_of(1.0),))
    assert priced.complete and priced.unpriced == () and priced.to_json()["complete"] is True


def test_an_items_json_rounds_quantity_to_3_and_unit_price_to_6_decimals():
    doc = _item_of(1.0, quantity=1.23456, unit_usd=0.123456789).to_json()
    assert (doc["quantity"], doc["unit_usd"]) == (1.235, 0.123457)
    assert _item_of(1.0, quantity=2.0).to_json()["quantity"] == 2
    assert _item_of(1.0).to_json()["unit_usd"] is None


def test_a_demands_json_rounds_money_to_cents_runs_to_3_decimals_and_break_even_to_whole_gb():
    d = DemandCost("copy", "westus3", "replication", 1234.5678, "basis", "MeteredData", 12.3456, 7.891, None,
                   98765.4321, gb_per_run=100.00049, runs_per_month=9.87654)
    doc = d.to_json()
    assert (doc["gb_per_month"], doc["gb_per_run"], doc["runs_per_month"]) == (1234.568, 100.0, 9.877)
    assert (doc["data_out_monthly_usd"], doc["if_metered_monthly_usd"], doc["global_reach_monthly_usd"]) == (
        12.35, 7.89, None)
    assert doc["if_unlimited_monthly_usd"] == 0 and doc["break_even_gb_per_month"] == 98765
    sustained = DemandCost("s", "w", "sustained", 1.0, "b", "mixed", None, None, None, None).to_json()
    assert (sustained["gb_per_run"], sustained["runs_per_month"], sustained["break_even_gb_per_month"]) == (
        None, None, None)
    assert sustained["data_out_monthly_usd"] is None


# ------------------------------------------------------------------------------------------------
# Demands: volume, the circuits that carry them, and their data plans
# ------------------------------------------------------------------------------------------------


def test_a_sustained_demand_moves_its_rate_for_every_second_of_the_month(make_spec, spec_data):
    spec_data["demands"] = {"feed": {"kind": "sustained", "to_stack": "westus3", "gbps": 8}}
    (demand,) = stack_cost(make_spec(spec_data)).demands
    assert demand.gb_per_month == 8 * HOURS_PER_MONTH * 3600 / 8 and demand.gb_per_run is None
    assert demand.runs_per_month is None and demand.volume_basis == f"8 Gb/s for {HOURS_PER_MONTH} h"


def test_a_replication_demand_names_its_back_to_back_runs(make_spec, spec_data):
    spec_data["demands"] = {"copy": _replication(tb=2, hours=73)}
    (demand,) = stack_cost(make_spec(spec_data)).demands
    assert demand.gb_per_run == 2 * GB_PER_TB and demand.runs_per_month == 10
    assert demand.volume_basis.startswith(f"back to back: {HOURS_PER_MONTH} h / 73 h = 10 runs a month")


def test_the_data_plan_of_a_demand_is_the_circuits_one_or_mixed(make_spec, spec_data):
    spec_data["demands"] = {"copy": _replication()}
    assert stack_cost(make_spec(spec_data)).demands[0].data_plan == "UnlimitedData"
    spec_data["interconnect"]["circuits"]["nyc"]["data_plan"] = "MeteredData"
    assert stack_cost(make_spec(spec_data)).demands[0].data_plan == "mixed"
    spec_data["interconnect"]["circuits"]["wdc"]["data_plan"] = "MeteredData"
    assert stack_cost(make_spec(spec_data)).demands[0].data_plan == "MeteredData"


def test_only_the_share_over_metered_circuits_is_billed_in_proportion_to_bandwidth(make_spec, spec_data, circuit):
    spec_data["interconnect"]["circuits"]["nyc"] = circuit("New York", 2, bandwidth_mbps=5000,
                                                           data_plan="MeteredData")
    spec_data["demands"] = {"copy": _replication(tb=150, hours=HOURS_PER_MONTH)}  # one run: 150,000 GB
    cost = stack_cost(make_spec(spec_data))
    (demand,) = cost.demands
    line = _item(cost, "data out for demand copy")
    assert line.quantity == pytest.approx(50_000) and line.unit_usd == pytest.approx(RATE)
    assert demand.data_out_usd == line.monthly_usd == round(50_000 * RATE, 2)
    assert demand.if_metered_usd == round(150_000 * RATE, 2)


def test_the_metered_rate_is_the_average_over_circuits_of_different_rates(make_spec, spec_data, circuit):
    spec_data["interconnect"]["circuits"]["nyc"] = circuit("New York", 2, bandwidth_mbps=5000,
                                                           data_plan="MeteredData")
    spec_data["interconnect"]["circuits"]["wdc"]["data_plan"] = "MeteredData"
    spec_data["interconnect"]["circuits"]["tyo"] = circuit("Tokyo", 3, tier="Premium", data_plan="MeteredData",
                                                           bandwidth_mbps=5000)
    spec_data["demands"] = {"copy": _replication(tb=200, hours=HOURS_PER_MONTH)}
    spec_data["pricing"] = {"prices": {"data-out:zone1": 0.02, "data-out:zone2": 0.05}}
    cost = stack_cost(make_spec(spec_data))
    # 10 + 5 Gb/s in zone 1, 5 Gb/s in zone 2: 150,000 GB at 0.02 and 50,000 GB at 0.05.
    line = _item(cost, "data out for demand copy")
    assert line.monthly_usd == 3000 + 2500 and line.unit_usd == pytest.approx(5500 / 200_000)
    assert "data-out:zone1" in line.source  # the first circuit's rate names the source
    assert cost.demands[0].break_even_gb_per_month is None  # two rates: no single break-even


def test_data_over_a_metered_circuit_without_a_rate_is_unpriced_not_guessed(make_spec, spec_data, circuit):
    spec_data["interconnect"]["circuits"]["wdc"]["data_plan"] = "MeteredData"
    spec_data["interconnect"]["circuits"]["tyo"] = circuit("Tokyo", 3, tier="Premium", data_plan="MeteredData")
    spec_data["demands"] = {"copy": _replication(tb=90, hours=HOURS_PER_MONTH)}  # 30,000 GB over each circuit
    cost = stack_cost(make_spec(spec_data))
    (demand,) = cost.demands
    assert demand.data_out_usd is None and demand.if_metered_usd is None
    priced, unpriced = _items(cost, "data out for demand copy")
    assert priced.quantity == pytest.approx(30_000) and priced.monthly_usd == round(30_000 * RATE, 2)
    assert priced.status != "unpriced" and "Zone 1" in priced.source
    assert unpriced.quantity == pytest.approx(30_000) and unpriced.status == "unpriced" and unpriced.monthly_usd == 0
    assert "without a data-out rate" in unpriced.item and "data-out:zone2" in unpriced.source
    assert unpriced in cost.unpriced and not cost.complete


def test_data_over_circuits_of_two_zones_without_a_rate_names_the_first_missing_rate(make_spec, spec_data, circuit):
    spec_data["catalog_overrides"] = {"peering_locations": {"Sao Paulo": {"metro": "Sao Paulo",
                                                                          "geopolitical_region": "South America"}}}
    spec_data["interconnect"]["circuits"] = {
        "tyo": circuit("Tokyo", 1, tier="Premium", data_plan="MeteredData"),
        "gru": circuit("Sao Paulo", 2, tier="Premium", data_plan="MeteredData")}
    spec_data["demands"] = {"copy": _replication(tb=20, hours=HOURS_PER_MONTH)}
    cost = stack_cost(make_spec(spec_data))
    (unpriced,) = _items(cost, "data out for demand copy")
    assert unpriced.quantity == pytest.approx(20_000) and unpriced.status == "unpriced"
    assert "data-out:zone2" in unpriced.source and cost.demands[0].data_out_usd is None


def test_data_over_an_unlimited_circuit_without_a_rate_costs_nothing_and_its_metered_price_is_unknown(
        make_spec, spec_data, circuit):
    spec_data["interconnect"]["circuits"]["tyo"] = circuit("Tokyo", 3, tier="Premium")
    spec_data["demands"] = {"copy": _replication()}
    (demand,) = stack_cost(make_spec(spec_data)).demands
    assert demand.data_out_usd == 0 and demand.if_metered_usd is None


def test_global_reach_is_billed_at_the_first_circuits_zone_for_both_directions(make_spec, spec_data, circuit):
    spec_data["interconnect"]["circuits"]["tyo"] = circuit("Tokyo", 3, tier="Premium")
    spec_data["demands"] = {"copy": _replication(tb=10, hours=HOURS_PER_MONTH)}
    spec_data["pricing"] = {"prices": {"global-reach:zone1": 0.01}}
    cost = stack_cost(make_spec(spec_data))
    gr = _item(cost, "Global Reach data for demand copy")
    assert (gr.quantity, gr.monthly_usd) == (20_000, 200.0)
    assert cost.demands[0].global_reach_usd == 200.0


def test_a_demand_over_a_direct_port_follows_the_ports_billing_and_location(make_spec, spec_data, direct):
    data = _direct_site(spec_data, direct, billing="MeteredData")
    data["demands"] = {"copy": _replication(tb=10, hours=HOURS_PER_MONTH)}
    cost = stack_cost(make_spec(data))
    (demand,) = cost.demands
    assert demand.data_plan == "MeteredData" and demand.data_out_usd == round(10_000 * RATE, 2)
    assert demand.break_even_gb_per_month is None  # a Direct circuit follows its port's fee


# ------------------------------------------------------------------------------------------------
# Break-even of the site's circuits
# ------------------------------------------------------------------------------------------------


def test_break_even_of_a_single_circuit(make_spec, spec_data):
    del spec_data["interconnect"]["circuits"]["nyc"]
    spec_data["demands"] = {"copy": _replication()}
    (demand,) = stack_cost(make_spec(spec_data)).demands
    assert demand.break_even_gb_per_month == pytest.approx(circuit_break_even_gb(BOOK, "zone1", "Standard", 10000))


def test_no_break_even_for_a_local_circuit_even_with_prices_given(make_spec, spec_data, circuit):
    spec_data["interconnect"]["circuits"] = {"wdc": circuit("Washington DC", 1, tier="Local")}
    spec_data["demands"] = {"copy": _replication()}
    spec_data["pricing"] = {"prices": {"circuit:zone1:Local:UnlimitedData:10000": 1000.0,
                                       "circuit:zone1:Local:MeteredData:10000": 100.0}}
    assert stack_cost(make_spec(spec_data)).demands[0].break_even_gb_per_month is None


def test_no_break_even_when_a_price_is_missing_or_the_rate_is_zero(make_spec, spec_data, circuit):
    spec_data["demands"] = {"copy": _replication()}
    spec_data["interconnect"]["circuits"]["nyc"] = circuit("New York", 2, bandwidth_mbps=5000)  # no Unlimited 5G
    assert stack_cost(make_spec(spec_data)).demands[0].break_even_gb_per_month is None
    del spec_data["interconnect"]["circuits"]["nyc"]
    spec_data["pricing"] = {"prices": {"data-out:zone1": 0}}
    assert stack_cost(make_spec(spec_data)).demands[0].break_even_gb_per_month is None


def test_a_circuits_bill_and_break_even_are_unknown_without_its_fee_or_rate():
    assert data_plan_monthly_usd(BOOK, "zone1", "Standard", 5000, "UnlimitedData", 10) is None
    assert data_plan_monthly_usd(BOOK, "zone1", "Standard", 5000, "MeteredData", 10) is not None
    assert data_plan_monthly_usd(BOOK, "zone2", "Standard", 10000, "MeteredData", 10) is None
    assert data_plan_monthly_usd(BOOK, "zone1", "Premium", 1000, "MeteredData", 10) is None  # a rate, no fee
    no_rate = PriceBook({"circuit:zone2:Standard:MeteredData:10000": 100.0})
    assert data_plan_monthly_usd(no_rate, "zone2", "Standard", 10000, "MeteredData", 10) is None
    assert data_plan_monthly_usd(no_rate, "zone2", "Standard", 10000, "UnlimitedData", 10) is None
    assert circuit_break_even_gb(BOOK, "zone1", "Standard", 5000) is None  # no Unlimited fee
    assert circuit_break_even_gb(BOOK, "zone1", "Premium", 1000) is None  # no Metered fee
    assert circuit_break_even_gb(PriceBook({"data-out:zone1": 0}), "zone1", "Standard", 10000) is None
