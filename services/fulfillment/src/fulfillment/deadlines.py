"""Ship deadlines (发货时效): in-stock orders 24 h after payment (configurable), presale orders from
the presale ship date of their lines or of their SKUs in the catalogue; a mixed order is split."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from orderhub_contracts.order import CanonicalOrder, LineItem
from orderhub_contracts.timezone import SHANGHAI, as_shanghai

from fulfillment.outbound.model import Zone

IN_STOCK_SHIP_WINDOW = timedelta(hours=24)


def ship_deadline(order: CanonicalOrder, *, cleared_at: datetime) -> datetime:
    """When the order must have left the warehouse, in Asia/Shanghai time.

    The order taken as one parcel: with presale lines the latest presale date governs.
    Allocation splits a mixed order with plan_parcels (below). Otherwise 24 h after
    payment; `cleared_at` (when rules cleared it) stands in for a payment time the order lacks.
    """
    presale_dates = [i.presale_ship_date for i in order.items if i.presale and i.presale_ship_date is not None]
    if presale_dates:
        return max(as_shanghai(d) for d in presale_dates)
    return as_shanghai(order.paid_at or cleared_at) + IN_STOCK_SHIP_WINDOW


@dataclass(frozen=True)
class Parcel:
    """One outbound order's share of an order: its zone, its lines and its ship deadline."""

    zone: Zone
    items: tuple[LineItem, ...]
    ship_deadline: datetime


def end_of_business_day(day: date) -> datetime:
    """The end of an Asia/Shanghai day (the next day's 00:00 there): a presale SKU whose ship
    date is 2026-03-01 must have left by 2026-03-02 00:00 Shanghai time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def plan_parcels(
    order: CanonicalOrder,
    presale_dates: Mapping[str, date],
    *,
    cleared_at: datetime,
    in_stock_window: timedelta = IN_STOCK_SHIP_WINDOW,
) -> list[Parcel]:
    """The order's parcels, in-stock first: one when all its lines are alike, two for a mixed
    order (R14: split shipment, the in-stock part first).

    A line is presale when the order says so with a date, or when the catalogue gives its SKU a
    presale ship date (`presale_dates`); the presale parcel must leave by the end of its latest
    line's ship date (a date from the order is used as it is). The in-stock parcel must leave
    `in_stock_window` after payment (the clearance time stands in for a missing payment time).
    """
    in_stock: list[LineItem] = []
    presale: list[tuple[LineItem, datetime]] = []
    for item in order.items:
        due = _presale_due(item, presale_dates)
        if due is None:
            in_stock.append(item)
        else:
            presale.append((item, due))
    parcels: list[Parcel] = []
    if in_stock:
        due_in_stock = as_shanghai(order.paid_at or cleared_at) + in_stock_window
        parcels.append(Parcel(Zone.IN_STOCK, tuple(in_stock), due_in_stock))
    if presale:
        parcels.append(Parcel(Zone.PRESALE, tuple(i for i, _ in presale), max(d for _, d in presale)))
    return parcels


def _presale_due(item: LineItem, presale_dates: Mapping[str, date]) -> datetime | None:
    if item.presale and item.presale_ship_date is not None:
        return as_shanghai(item.presale_ship_date)
    catalogue_date = presale_dates.get(item.sku)
    return None if catalogue_date is None else end_of_business_day(catalogue_date)
