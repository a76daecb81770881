"""Ship deadlines (发货时效): in-stock orders 24 h after payment, presale orders from the
presale ship date of their lines."""

from __future__ import annotations

from datetime import datetime, timedelta

from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.timezone import as_shanghai

IN_STOCK_SHIP_WINDOW = timedelta(hours=24)


def ship_deadline(order: CanonicalOrder, *, cleared_at: datetime) -> datetime:
    """When the order must have left the warehouse, in Asia/Shanghai time.

    An order with presale lines ships as one parcel, so the latest presale date governs (a
    mixed order waits for its presale part until split shipments exist). Otherwise 24 h after
    payment; `cleared_at` (when rules cleared it) stands in for a payment time the order lacks.
    """
    presale_dates = [i.presale_ship_date for i in order.items if i.presale and i.presale_ship_date is not None]
    if presale_dates:
        return max(as_shanghai(d) for d in presale_dates)
    return as_shanghai(order.paid_at or cleared_at) + IN_STOCK_SHIP_WINDOW
