"""Yuan thresholds on orders in other currencies (R11 for Shopee Malaysia's MYR orders)."""

from __future__ import annotations

import pytest
from orderhub_contracts.order import CanonicalOrder, LineItem
from rules.default_rules import DEFAULT_RULES
from rules.deps import RulesDeps
from rules.engine.evaluate import evaluate
from rules.engine.facts import BASELINE_ORDER, placement_facts
from rules.engine.money import DEFAULT_RATES, ReferenceRates, UnknownCurrency, reference_rates, to_cny_fen
from rules.engine.ruleset import compile_rule_set
from rules.settings import RulesSettings


def myr_order(sen: int) -> CanonicalOrder:
    item = LineItem(sku="AF-MY", title="Air fryer", quantity=1, unit_price_fen=sen)
    return BASELINE_ORDER.model_copy(update={"currency": "MYR", "items": (item,)})


def r11_hits(order: CanonicalOrder, rates: ReferenceRates = DEFAULT_RATES) -> list[str]:
    rule_set = compile_rule_set(1, [r for r in DEFAULT_RULES if r["id"] == "R11"])
    return [h.rule.id for h in evaluate(rule_set, placement_facts(order, rates=rates))]


def test_cny_is_unchanged_and_myr_is_converted_half_up() -> None:
    assert to_cny_fen(199_999, "CNY") == 199_999
    assert to_cny_fen(100, "MYR") == 155
    assert to_cny_fen(1, "myr") == 2  # 1.55 fen rounds half up


def test_r11_compares_an_myr_order_in_yuan() -> None:
    rates = reference_rates({"MYR": 1.5})
    assert r11_hits(myr_order(133_334), rates) == ["R11"], "MYR 1,333.34 is ¥2,000.01"
    assert r11_hits(myr_order(133_332), rates) == [], (
        "MYR 1,333.32 is ¥1,999.98, though 133,332 sen > 2,000 yuan in fen"
    )
    assert r11_hits(myr_order(150_000).model_copy(update={"currency": "CNY"}), rates) == [], "¥1,500 stays ¥1,500"


def test_an_unknown_currency_is_refused_with_the_setting_to_fix_it() -> None:
    with pytest.raises(UnknownCurrency, match="RULES_CNY_REFERENCE_RATES"):
        to_cny_fen(100, "SGD")


@pytest.mark.parametrize("rates", [{"MYR": 0.0}, {"MYR": -1.0}, {"CNY": 7.0}])
def test_bad_rates_are_refused(rates: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        reference_rates(rates)


def test_the_configured_rates_belong_to_the_app_that_was_given_them() -> None:
    deps = RulesDeps.build(RulesSettings(cny_reference_rates={"MYR": 1.5}))
    assert deps.rates.to_cny_fen(100, "MYR") == 150
    assert to_cny_fen(100, "MYR") == 155, "nothing process-wide changed"
