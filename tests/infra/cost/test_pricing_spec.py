"""`ai-fabric:pricing`: bad settings are bad input (exit 2) naming the file, the line and the key path."""

from __future__ import annotations

import pytest

from infra.cli import main

@pytest.fixture
def validate(stacks_dir, capsys):
    def run():
        code = main(["validate", "--all", "--stacks-dir", str(stacks_dir)])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


def _set_pricing(editor, body: str) -> int:
    """Replace westus3's pricing (it has none) with `body`; returns the line of its first entry."""
    text = editor.text
    block = "  ai-fabric:pricing:\n" + "".join(f"    {line}\n" for line in body.splitlines())
    editor.path.write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")
    return len(text.rstrip("\n").splitlines()) + 2


def test_the_shipped_pricing_example_validates_and_is_priced(validate):
    code, out, err = validate()
    assert code == 0, err
    assert "fabric cost: $" in out


@pytest.mark.parametrize("body,path,words", [
    ("discount_pct:\n  gpu: 100", "pricing.discount_pct.gpu", "less than 100"),
    ("discount_pct:\n  coffee: 5", "pricing.discount_pct.coffee", "gpu"),
    ("prices:\n  vm:Standard_Nope:westus3: 10", "pricing.prices", "is not one of"),
    ("prices:\n  gateway:ErGw3AZ: -1", "pricing.prices.gateway:ErGw3AZ", "at least 0"),
    ("reservations:\n  h100: 3-year", "pricing.reservations.h100", "not a GPU cluster of this stack"),
    ("reservations:\n  h200: 5-year", "pricing.reservations.h200", "1-year"),
    ("demand_runs_per_month:\n  nope: 4", "pricing.demand_runs_per_month.nope", "not a demand of this stack"),
    ("gbp_to_usd: 0", "pricing.gbp_to_usd", "greater than 0"),
])
def test_fails_when_a_pricing_setting_is_malformed(validate, stack_file, body, path, words):
    westus3 = stack_file("westus3")
    line = _set_pricing(westus3, body)
    code, _, err = validate()
    assert code == 2
    hits = [ln for ln in err.splitlines() if "Pulumi.westus3.yaml" in ln and path in ln]
    assert hits, err
    assert words in hits[0]
    assert f"Pulumi.westus3.yaml:{line}" in hits[0] or f"Pulumi.westus3.yaml:{line + 1}" in hits[0]


def test_fails_when_a_reservation_has_no_price_and_says_which_key_gives_one(validate, stack_file):
    westeurope = stack_file("westeurope")
    _set_pricing(westeurope, "reservations:\n  mi300x: 1-year")
    code, _, err = validate()
    assert code == 2
    assert "pricing.reservations.mi300x" in err
    assert "pricing.prices['vm-1y:Standard_ND96isr_MI300X_v5:westeurope']" in err


def test_a_reservation_with_its_price_given_validates(validate, stack_file):
    westeurope = stack_file("westeurope")
    _set_pricing(westeurope, "reservations:\n  mi300x: 1-year\nprices:\n  vm-1y:Standard_ND96isr_MI300X_v5:westeurope: 250000")
    code, out, err = validate()
    assert code == 0, err
    block = out.split("westeurope (westeurope)")[1].split("invariants: ")[0]
    unpriced = [line for line in block.splitlines() if "no published price" in line]
    assert unpriced and "mi300x" not in unpriced[0], "the reserved MI300X VMs are priced now"


def test_fails_when_runs_per_month_names_a_sustained_demand(validate, stack_file):
    uksouth = stack_file("uksouth")
    line = _set_pricing(uksouth, "demand_runs_per_month:\n  results-to-westeurope: 4")
    code, _, err = validate()
    assert code == 2
    assert "only replication demands run in batches" in err
    assert f"Pulumi.uksouth.yaml:{line + 1}" in err


def test_runs_per_month_of_a_replication_demand_validate(validate, stack_file):
    _set_pricing(stack_file("westus3"), "demand_runs_per_month:\n  evals-to-eastus: 4")
    code, out, err = validate()
    assert code == 0, err
    assert "4 runs a month" in out
