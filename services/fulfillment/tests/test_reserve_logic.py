"""The pure part of reservation: quantities per SKU and which lines are short."""

from __future__ import annotations

from fulfillment.stock.model import line_quantities, shortages
from orderhub_contracts.events import ShortLine
from orderhub_contracts.order import LineItem


def _line(sku: str, qty: int) -> LineItem:
    return LineItem(sku=sku, title=sku, quantity=qty, unit_price_fen=100)


def test_lines_of_one_sku_are_added_up() -> None:
    assert line_quantities((_line("B", 2), _line("A", 1), _line("B", 3))) == {"A": 1, "B": 5}


def test_short_lines_report_requested_and_available_sorted_by_sku() -> None:
    short = shortages({"C": 2, "A": 5, "B": 1}, {"A": 3, "B": 1})
    assert short == [ShortLine(sku="A", requested=5, available=3), ShortLine(sku="C", requested=2, available=0)]


def test_nothing_short_when_every_line_is_covered() -> None:
    assert shortages({"A": 3}, {"A": 3}) == []


def test_negative_availability_is_reported_as_zero() -> None:
    assert shortages({"A": 1}, {"A": -2}) == [ShortLine(sku="A", requested=1, available=0)]
