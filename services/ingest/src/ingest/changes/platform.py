"""An address change the platform reports (Taobao, Pinduoduo, Douyin, Shopee) goes through the
same decision as one asked for here, except that a platform order cannot be voided and placed
again: after the freeze window, or once the label is printed, it is an intercept (R15 holds the
order: a task for customer service)."""

from __future__ import annotations

from datetime import timedelta

from orderhub_contracts.events import OrderAddressChanged
from orderhub_contracts.state_machine import OrderStatus
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.changes.model import LEFT_THE_WAREHOUSE, AddressOutcome
from ingest.changes.repository import label_printed
from ingest.orders.repository import get_order_row

DEFAULT_FREEZE_WINDOW = timedelta(minutes=15)


async def decide_platform_change(
    conn: AsyncConnection, event: OrderAddressChanged, *, freeze_window: timedelta = DEFAULT_FREEZE_WINDOW
) -> OrderAddressChanged:
    row = await get_order_row(conn, event.order_id)
    if row is None or OrderStatus(row["status"]) in LEFT_THE_WAREHOUSE | {OrderStatus.CANCELLED}:
        return event  # recorded as the platform says; nothing to re-address
    within = event.changed_at - row["created_at"] <= freeze_window
    printed = await label_printed(conn, event.order_id)
    outcome = AddressOutcome.CHANGED if within and not printed else AddressOutcome.INTERCEPTED
    return event.model_copy(update={"outcome": outcome.value, "reason": "平台改地址"})
