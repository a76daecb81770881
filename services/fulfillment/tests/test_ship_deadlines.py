"""Ship deadlines (Asia/Shanghai): 24 h after payment in stock (configurable), the presale date for
presale orders; an order's parcels: presale by the end of its ship date, a mixed order split in
two, in-stock first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fulfillment.deadlines import end_of_business_day, plan_parcels, ship_deadline
from fulfillment.outbound.model import Zone
from orderhub_contracts.address import Receiver
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.timezone import SHANGHAI

PAID = datetime(2026, 2, 18, 6, 22, tzinfo=UTC)  # 14:22 in Shanghai
CLEARED = datetime(2026, 2, 18, 6, 25, tzinfo=UTC)
# 23:40 on 2026-02-18 in Shanghai: the in-stock deadline falls on the next Shanghai day.
PAID_LATE = datetime(2026, 2, 18, 15, 40, tzinfo=UTC)
CLEARED_LATE = PAID_LATE + timedelta(seconds=3)


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


def test_in_stock_parcel_is_due_24_hours_after_payment_across_midnight() -> None:
    [parcel] = plan_parcels(_order(_line("A"), _line("B"), paid_at=PAID_LATE), {}, cleared_at=CLEARED)
    assert parcel.zone is Zone.IN_STOCK
    assert parcel.ship_deadline == datetime(2026, 2, 19, 23, 40, tzinfo=SHANGHAI)
    assert parcel.ship_deadline.tzinfo == SHANGHAI
    assert [i.sku for i in parcel.items] == ["A", "B"]


def test_the_in_stock_window_is_configurable() -> None:
    [parcel] = plan_parcels(
        _order(_line("A"), paid_at=PAID_LATE), {}, cleared_at=CLEARED_LATE, in_stock_window=timedelta(hours=48)
    )
    assert parcel.ship_deadline == datetime(2026, 2, 20, 23, 40, tzinfo=SHANGHAI)


def test_presale_sku_from_the_catalogue_is_due_at_the_end_of_its_ship_date() -> None:
    [parcel] = plan_parcels(_order(_line("P"), paid_at=PAID_LATE), {"P": date(2026, 3, 1)}, cleared_at=CLEARED_LATE)
    assert parcel.zone is Zone.PRESALE
    # The end of 2026-03-01 in Shanghai is 16:00 UTC that day.
    assert parcel.ship_deadline == datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI)
    assert parcel.ship_deadline == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


def test_end_of_business_day_is_shanghai_midnight() -> None:
    assert end_of_business_day(date(2026, 12, 31)) == datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)


def test_mixed_order_is_split_in_stock_first() -> None:
    presale_on = datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)
    order = _order(_line("P1", presale_on=presale_on), _line("A"), _line("P2"), paid_at=PAID_LATE)
    in_stock, presale = plan_parcels(order, {"P2": date(2026, 3, 1)}, cleared_at=CLEARED_LATE)
    assert (in_stock.zone, [i.sku for i in in_stock.items]) == (Zone.IN_STOCK, ["A"])
    assert in_stock.ship_deadline == datetime(2026, 2, 19, 23, 40, tzinfo=SHANGHAI)
    assert (presale.zone, [i.sku for i in presale.items]) == (Zone.PRESALE, ["P1", "P2"])
    assert presale.ship_deadline == presale_on  # the latest of its lines' dates


def test_an_unknown_sku_is_in_stock() -> None:
    [parcel] = plan_parcels(_order(_line("NOT-IN-CATALOGUE")), {"OTHER": date(2026, 3, 1)}, cleared_at=CLEARED)
    assert parcel.zone is Zone.IN_STOCK


def test_a_parcel_without_a_payment_time_counts_from_its_clearance() -> None:
    [parcel] = plan_parcels(_order(_line("A"), paid_at=None), {}, cleared_at=CLEARED_LATE)
    assert parcel.ship_deadline == datetime(2026, 2, 19, 23, 40, 3, tzinfo=SHANGHAI)
