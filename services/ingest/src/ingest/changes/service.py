"""The order-change use cases. Ingest owns the order, so ingest decides what an address change
becomes (docs in the service README):

- within the freeze window and the label not on paper: `changed` (order.address_changed with
  outcome changed; fulfillment re-issues a waybill already issued, the rules re-check the address);
- within the window, label printed (picking or packed, not yet left): `intercepted` (outcome
  intercepted: R15 holds the order and tells the warehouse lead, fulfillment holds the outbound);
- after the window, not shipped: `reordered` on our own channels (the order is voided and placed
  again under a new ID; order.reordered makes aftersales issue one compensation coupon), and
  `intercepted` on a platform order (no void-and-reorder there: a task for customer service);
- shipped: the carrier is asked to re-address the parcel where it allows that (changes/carrier.py),
  otherwise refused saying why; delivered: refused (a return).

Every use case takes the caller's transaction and locks the order's status row first."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from orderhub_contracts.address import Receiver
from orderhub_contracts.events import OrderAddressChanged, OrderCancelled, OrderReordered
from orderhub_contracts.order import CanonicalOrder, Channel
from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import NotFound
from orderhub_runtime.logging import get_logger
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.changes import repository
from ingest.changes.carrier import intercept_at_carrier
from ingest.changes.model import (
    DELIVERED,
    LEFT_THE_WAREHOUSE,
    AddressChanged,
    AddressNotChangeable,
    AddressOutcome,
    Cancelled,
    CancelOrder,
    ChangeAddress,
    NotCancellable,
)
from ingest.channels.miniprogram import repository as mp
from ingest.channels.service import apply_change
from ingest.orders.model import PlaceOrder
from ingest.orders.repository import TimelineRecord, add_timeline, get_order_row, lock_status
from ingest.orders.service import accept_order
from ingest.projection.rules import Outcome
from ingest.timeline import TimelineEntry

log = get_logger(__name__)
OWN_CHANNELS = frozenset({Channel.PHONE, Channel.MINIPROGRAM})
RECEIVER_PARTS = ("name", "phone", "province", "city", "district", "street", "detail")


async def _locked(conn: AsyncConnection, order_id: str) -> OrderStatus:
    locked = await lock_status(conn, order_id)
    if locked is None:
        raise NotFound(f"没有订单 {order_id}", details={"order_id": order_id})
    return locked[0]


async def cancel_order(tx: Tx, command: CancelOrder) -> Cancelled:
    """Cancel an order that has not left the warehouse: order.cancelled makes fulfillment release
    its reservation (the freed units go to waiting orders) and cancel its outbound order and
    waybill, rules stop clearing it, notify tells the customer. Cancelling twice does nothing."""
    status = await _locked(tx.conn, command.order_id)
    if status is OrderStatus.CANCELLED:
        return Cancelled(command.order_id, already=True)
    if status in LEFT_THE_WAREHOUSE:
        raise NotCancellable(
            f"订单 {command.order_id} 已发货，不能取消；请走退货流程",
            details={"order_id": command.order_id, "status": status.value},
        )
    reason = command.reason.strip() or "已取消"
    event = OrderCancelled(
        order_id=command.order_id, reason=f"{reason} ({command.by})", replaced_by=command.replaced_by
    )
    await apply_change(tx, command.order_id, event)
    log.info("order.cancelled", order_id=command.order_id, by=command.by)
    return Cancelled(command.order_id, already=False)


async def cancel_from_anomaly(tx: Tx, order_id: str, by: str) -> None:
    """Customer service cancelled an anomaly in the queue (anomaly.resolved, cancelled): the order
    is cancelled too, unless it has left the warehouse meanwhile (recorded, nothing cancelled)."""
    status = await _locked(tx.conn, order_id)
    if status in LEFT_THE_WAREHOUSE:
        log.warning("order.cancel_refused", order_id=order_id, status=status.value, by=by)
        return
    await cancel_order(tx, CancelOrder(order_id, "客服在异常队列中取消", by or "customer_service"))


async def close_unpaid(tx: Tx, order_id: str) -> bool:
    """Close a mini-program order nobody paid in time (the payment row is locked first, as a
    payment does, so a payment and the closing never both win). True when it was closed."""
    if not await repository.lock_unpaid(tx.conn, order_id):
        return False
    if await _locked(tx.conn, order_id) is not OrderStatus.CREATED:
        return False
    await cancel_order(tx, CancelOrder(order_id, "超时未支付，订单已自动关闭", "system"))
    return True


async def change_address(
    tx: Tx, command: ChangeAddress, *, freeze_window: timedelta, intercept_carriers: Collection[str] = ()
) -> AddressChanged:
    order_id = command.order_id
    status = await _locked(tx.conn, order_id)
    row = await get_order_row(tx.conn, order_id)
    assert row is not None  # locked above
    order = CanonicalOrder.model_validate(row["snapshot"])
    if status is OrderStatus.CANCELLED:
        raise AddressNotChangeable(f"订单 {order_id} 已取消，不能改地址", details={"order_id": order_id})
    if status in DELIVERED:
        raise AddressNotChangeable(
            f"订单 {order_id} 已签收，不能改地址；请走退货流程", details={"order_id": order_id, "status": status.value}
        )
    if status is OrderStatus.SHIPPED:
        return await intercept_at_carrier(tx, command, allowed=intercept_carriers)
    within = command.now - row["created_at"] <= freeze_window
    printed = await repository.label_printed(tx.conn, order_id)
    if within:
        outcome = AddressOutcome.INTERCEPTED if printed else AddressOutcome.CHANGED
    elif order.channel in OWN_CHANNELS:
        outcome = AddressOutcome.REORDERED
    else:
        outcome = AddressOutcome.INTERCEPTED
    if outcome is AddressOutcome.REORDERED:
        return await _reorder(tx, order, row, command)
    event = OrderAddressChanged(
        order_id=order_id,
        receiver=command.receiver,
        previous=_receiver_of(row),
        changed_by=command.by,
        changed_at=command.now,
        outcome=outcome.value,
        reason=command.reason,
    )
    await apply_change(tx, order_id, event)
    log.info("order.address_changed", order_id=order_id, outcome=outcome.value, by=command.by)
    message = (
        "地址已修改"
        if outcome is AddressOutcome.CHANGED
        else "面单已打印，已通知仓库拦截包裹，放行后按新地址重新打单"
        if printed
        else "平台订单已过改址时限，已拦截并交由客服处理"
    )
    return AddressChanged(order_id, outcome, message=message)


def _receiver_of(row: RowMapping) -> Receiver:
    """The receiver as it stands now (the row follows every change; the snapshot is as placed)."""
    return Receiver(**{part: row[f"receiver_{part}"] for part in RECEIVER_PARTS})


async def _reorder(tx: Tx, order: CanonicalOrder, row: RowMapping, command: ChangeAddress) -> AddressChanged:
    """Void the order and place it again, same items, new receiver, under a new global ID; both
    timelines link to each other and order.reordered asks aftersales for the coupon. Payment and
    remarks are taken as they stand now (the row), the items as placed (the snapshot)."""
    old_id = order.order_id
    n = await repository.reorder_count(tx.conn, order.channel.value, order.channel_order_no) + 1
    again = PlaceOrder(
        channel=order.channel,
        channel_order_no=f"{order.channel_order_no}-R{n}",
        created_at=command.now,
        receiver=command.receiver,
        items=order.items,
        paid_at=row["paid_at"],
        shop_id=order.shop_id,
        currency=order.currency,
        buyer_remark=row["buyer_remark"],
        seller_memo=row["seller_memo"],
        discount_fen=order.discount_fen,
        discounts=order.discounts,
        entered_by=command.by,
    )
    accepted = await accept_order(tx, again)
    new_id = accepted.order_id
    reason = f"改地址作废重下: {command.reason}".rstrip(": ")
    await cancel_order(tx, CancelOrder(old_id, reason, command.by, replaced_by=new_id))
    await _carry_payment(tx.conn, old_id, new_id, again)
    event = OrderReordered(
        order_id=old_id,
        new_order_id=new_id,
        customer_phone=command.receiver.phone,
        channel=order.channel.value,
        reason=command.reason,
        voided_at=command.now,
    )
    event_id = await tx.publish(event)
    data = {"voided_order_id": old_id, "new_order_id": new_id, "reason": command.reason}
    for oid, summary, suffix in (
        (old_id, f"改地址已作废重下，新订单 {new_id}", ""),
        (new_id, f"由订单 {old_id} 改地址作废重下", ":new"),
    ):
        await add_timeline(
            tx.conn,
            TimelineRecord(
                order_id=oid,
                event_id=event_id + suffix,
                event_type=OrderReordered.event_type,
                occurred_at=datetime.now(UTC),
                entry=TimelineEntry(summary, data),
                outcome=Outcome.INFO,
            ),
        )
    log.info("order.reordered", order_id=old_id, new_order_id=new_id, by=command.by)
    return AddressChanged(
        old_id,
        AddressOutcome.REORDERED,
        new_order_id=new_id,
        message=f"原订单已作废，已按新地址重新下单 {new_id}，并补偿一张优惠券",
    )


async def _carry_payment(conn: AsyncConnection, old_id: str, new_id: str, again: PlaceOrder) -> None:
    """A mini-program order placed again stays the customer's, paid by the original payment."""
    paid = await mp.mp_order(conn, old_id)
    if paid is None:
        return
    await mp.add_order(
        conn,
        order_id=new_id,
        openid=paid["openid"],
        out_trade_no=again.channel_order_no,
        amount_fen=int(paid["amount_fen"]),
        request_key=None,
    )
    if paid["paid_at"] is not None:
        await mp.mark_paid(conn, new_id, transaction_id=str(paid["transaction_id"] or ""), paid_at=paid["paid_at"])
