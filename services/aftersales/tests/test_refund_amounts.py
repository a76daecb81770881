"""Refund amounts from the returned lines, with their share of the order discount (pure)."""

from __future__ import annotations

from aftersales.receiving.model import compare, image_type
from aftersales.refunds.model import line_nets, refund_amount, units_to_refund
from orderhub_contracts.returns import Condition, ReceivedLine, ReturnLine, ReturnType

ITEMS = [
    {"sku": "KETTLE", "quantity": 3, "unit_price_fen": 10_000, "paid_fen": None},
    {"sku": "CUP", "quantity": 1, "unit_price_fen": 5_000, "paid_fen": None},
]


def test_the_discount_is_shared_by_what_each_line_paid() -> None:
    nets = line_nets(ITEMS, discount_fen=1_001)
    assert nets["KETTLE"].net_fen == 30_000 - 858  # 1001 * 30000 // 35000
    assert nets["CUP"].net_fen == 5_000 - 143  # the remainder
    assert sum(n.net_fen for n in nets.values()) == 35_000 - 1_001


def test_units_one_by_one_add_up_to_the_line_exactly() -> None:
    nets = line_nets(ITEMS, discount_fen=1_001)
    first = refund_amount(nets, [ReturnLine(sku="KETTLE", quantity=1)], {})
    second = refund_amount(nets, [ReturnLine(sku="KETTLE", quantity=1)], {"KETTLE": 1})
    third = refund_amount(nets, [ReturnLine(sku="KETTLE", quantity=1)], {"KETTLE": 2})
    assert first + second + third == nets["KETTLE"].net_fen
    assert refund_amount(nets, [ReturnLine(sku="KETTLE", quantity=1)], {"KETTLE": 3}) == 0  # nothing left
    whole = [ReturnLine(sku="KETTLE", quantity=3), ReturnLine(sku="CUP", quantity=1)]
    assert refund_amount(nets, whole, {}) == 35_000 - 1_001


def test_line_paid_amounts_win_over_list_prices() -> None:
    nets = line_nets([{"sku": "A", "quantity": 2, "unit_price_fen": 9_900, "paid_fen": 15_000}], discount_fen=0)
    assert refund_amount(nets, [ReturnLine(sku="A", quantity=1)], {}) == 7_500


def test_a_return_refunds_what_came_back_of_what_was_asked() -> None:
    asked = [ReturnLine(sku="A", quantity=2), ReturnLine(sku="B", quantity=1)]
    received = [
        ReceivedLine(sku="A", quantity=1),
        ReceivedLine(sku="A", quantity=5, condition=Condition.DAMAGED),
        ReceivedLine(sku="C", quantity=1),
    ]
    assert units_to_refund(ReturnType.RETURN_REFUND, asked, received) == (ReturnLine(sku="A", quantity=2),)
    assert units_to_refund(ReturnType.REFUND_ONLY, asked, None) == tuple(asked)


def test_receipt_comparison_and_image_sniffing() -> None:
    asked = [ReturnLine(sku="A", quantity=2)]
    assert compare(asked, [ReceivedLine(sku="A", quantity=2)]) == []
    assert compare(asked, [ReceivedLine(sku="A", quantity=1), ReceivedLine(sku="A", quantity=1)]) == []
    assert compare(asked, []) == ["A 少 2 件"]
    assert image_type(b"\xff\xd8\xff\xdb....") == "image/jpeg"
    assert image_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert image_type(b"GIF89a") is None and image_type(b"") is None
