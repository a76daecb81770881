"""Ship deadlines: 24 h after payment in stock, the presale date for presale orders."""

from __future__ import annotations

from datetime import UTC, datetime

from fulfillment.deadlines import ship_deadline
from orderhub_contracts.address import Receiver
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.timezone import SHANGHAI

PAID = datetime(2026, 2, 18, 6, 22, tzinfo=UTC)  # 14:22 in Shanghai
CLEARED = datetime(2026, 2, 18, 6, 25, tzinfo=UTC)


def _order(*items: LineItem, paid_at: datetime | None = PAID) -> CanonicalOrder:
    return CanonicalOrder(
        order_id="DABE20260218142278901",
        channel=Channel.DOUYIN,
        channel_order_no="DY20260218142278901",
        created_at=PAID,
        paid_at=paid_at,
        receiver=Receiver(name="张三", phone="13812345678"),
        items=items,
    )


def _line(sku: str, *, presale_on: datetime | None = None) -> LineItem:
    return LineItem(
        sku=sku, title=sku, quantity=1, unit_price_fen=100, presale=presale_on is not None, presale_ship_date=presale_on
    )


def test_in_stock_order_ships_within_24_hours_of_payment() -> None:
    deadline = ship_deadline(_order(_line("A"), _line("B")), cleared_at=CLEARED)
    assert deadline == datetime(2026, 2, 19, 14, 22, tzinfo=SHANGHAI)
    assert deadline.tzinfo == SHANGHAI


def test_presale_order_ships_by_its_latest_presale_date() -> None:
    early = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
    late = datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)
    order = _order(_line("A", presale_on=late), _line("B", presale_on=early))
    assert ship_deadline(order, cleared_at=CLEARED) == late


def test_mixed_order_waits_for_its_presale_part() -> None:
    presale = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
    assert ship_deadline(_order(_line("A"), _line("B", presale_on=presale)), cleared_at=CLEARED) == presale


def test_naive_presale_date_is_read_as_shanghai_wall_time() -> None:
    order = _order(_line("A", presale_on=datetime(2026, 3, 1, 10, 0)))
    assert ship_deadline(order, cleared_at=CLEARED) == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def test_presale_flag_without_a_date_counts_as_in_stock() -> None:
    line = LineItem(sku="A", title="A", quantity=1, unit_price_fen=100, presale=True)
    assert ship_deadline(_order(line), cleared_at=CLEARED) == datetime(2026, 2, 19, 14, 22, tzinfo=SHANGHAI)


def test_clearance_time_stands_in_for_a_missing_payment_time() -> None:
    deadline = ship_deadline(_order(_line("A"), paid_at=None), cleared_at=CLEARED)
    assert deadline == datetime(2026, 2, 19, 14, 25, tzinfo=SHANGHAI)
