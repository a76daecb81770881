"""Facts derived from an order: complete, typed, and right at the edges rules care about."""

from __future__ import annotations

from typing import Any

import pytest
from orderhub_contracts.order import CanonicalOrder, LineItem
from rules.engine.facts import BASELINE_ORDER, FACTS, ORDER_FACTS, conforms, order_facts, placement_facts, shown


def order(**changes: Any) -> CanonicalOrder:
    return BASELINE_ORDER.model_copy(update=changes)


def receiver(**changes: str) -> Any:
    return BASELINE_ORDER.receiver.model_copy(update=changes)


def line(sku: str = "KT-1001", quantity: int = 1, price: int = 19900, **extra: Any) -> LineItem:
    return LineItem(sku=sku, title="电水壶", quantity=quantity, unit_price_fen=price, **extra)


def test_every_catalogue_fact_is_derived_with_its_type() -> None:
    assert set(order_facts(BASELINE_ORDER)) == set(ORDER_FACTS)
    facts = placement_facts(BASELINE_ORDER)
    assert set(facts) == set(FACTS)
    assert all(conforms(name, value) for name, value in facts.items())


def test_baseline_order_is_clean() -> None:
    facts = order_facts(BASELINE_ORDER)
    assert facts["receiver_missing"] == []
    assert facts["is_paid"] is True
    assert facts["paid_total_fen"] == facts["list_total_fen"] == 19900
    assert facts["has_remark"] is False
    assert facts["phone_is_11_digits"] is True


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"name": ""}, ["name"]),
        ({"name": "   "}, ["name"]),
        ({"phone": ""}, ["phone"]),
        ({"street": "", "detail": ""}, ["address"]),
        ({"name": "", "phone": "", "street": "", "detail": ""}, ["name", "phone", "address"]),
        ({"street": ""}, []),  # the detail alone is deliverable
    ],
)
def test_receiver_missing(changes: dict[str, str], missing: list[str]) -> None:
    assert order_facts(order(receiver=receiver(**changes)))["receiver_missing"] == missing


def test_quantities_add_up_per_sku_across_lines() -> None:
    facts = order_facts(order(items=(line("A", 5), line("B", 3), line("A", 5))))
    assert facts["max_sku_quantity"] == 10
    assert facts["total_quantity"] == 13
    assert facts["line_count"] == 3
    assert facts["sku_count"] == 2
    assert facts["skus"] == ["A", "B"]


def test_amounts_follow_line_payments_and_order_discount() -> None:
    items = (line("A", 2, 10000, paid_fen=15000), line("B", 1, 5000))
    facts = order_facts(order(items=items, discount_fen=1000))
    assert facts["list_total_fen"] == 25000
    assert facts["paid_total_fen"] == 15000 + 5000 - 1000
    assert facts["discount_fen"] == 1000


def test_phone_is_normalised_and_classified() -> None:
    facts = order_facts(order(receiver=receiver(phone="+86 138-1234-5678")))
    assert facts["receiver_phone"] == "13812345678"
    assert facts["phone_is_11_digits"] and facts["phone_is_mainland_mobile"]
    landline = order_facts(order(receiver=receiver(phone="0571-8888666")))
    assert landline["phone_is_11_digits"] is True  # 11 digits, yet not a mobile number
    assert landline["phone_is_mainland_mobile"] is False
    assert order_facts(order(receiver=receiver(phone="5551234")))["phone_is_11_digits"] is False


def test_remarks_are_trimmed_and_joined() -> None:
    facts = order_facts(order(buyer_remark="  需要开发票 ", seller_memo="送赠品"))
    assert facts["buyer_remark"] == "需要开发票"
    assert facts["remark_text"] == "需要开发票\n送赠品"
    assert facts["has_remark"] is True
    assert order_facts(order(seller_memo="   "))["has_remark"] is False


def test_presale_and_in_stock_lines() -> None:
    mixed = order_facts(order(items=(line("A"), line("B", presale=True))))
    assert mixed["has_presale"] and mixed["has_in_stock"]
    presale_only = order_facts(order(items=(line("B", presale=True),)))
    assert presale_only["has_presale"] and not presale_only["has_in_stock"]


def test_unpaid_order() -> None:
    assert order_facts(order(paid_at=None))["is_paid"] is False


def test_phones_are_masked_when_shown() -> None:
    assert shown("receiver_phone", "13812345678") == "138****5678"
    assert shown("paid_total_fen", 100) == 100


def test_type_conformance_does_not_take_bool_for_int() -> None:
    assert not conforms("paid_total_fen", True)
    assert conforms("receiver_missing", ["name"])
    assert not conforms("receiver_missing", "name")
