"""What changed on the platform since we last applied a channel order: a pure diff from the
known state to a fresh fetch, as the contract events to publish. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.events import (
    DomainEvent,
    OrderAddressChanged,
    OrderCancelled,
    OrderPaid,
    OrderRefunded,
    OrderRemarksChanged,
)
from orderhub_contracts.money import format_yuan

from ingest.channels.base import ChannelOrder
from ingest.timeline import TimelineEntry


@dataclass(frozen=True, slots=True)
class KnownState:
    """A channel order as last applied (order row + platform state)."""

    order_id: str
    paid_at: datetime | None
    receiver: Receiver
    buyer_remark: str
    seller_memo: str
    cancelled: bool = False
    refunded_fen: int = 0
    platform_updated_at: datetime | None = None


def is_stale(known: KnownState, incoming: ChannelOrder) -> bool:
    """A fetch older than what was applied (a slow fetch overtaken by a newer one) changes nothing."""
    return known.platform_updated_at is not None and incoming.updated_at < known.platform_updated_at


def diff(known: KnownState, incoming: ChannelOrder, *, now: datetime) -> list[DomainEvent]:
    """The events that take `known` to `incoming`, in the order they happen on a platform."""
    order = incoming.command
    events: list[DomainEvent] = []
    oid = known.order_id
    if known.paid_at is None and order.paid_at is not None:
        paid_total = order.to_order(oid).paid_total_fen
        events.append(OrderPaid(order_id=oid, paid_at=order.paid_at, paid_total_fen=paid_total))
    if order.receiver != known.receiver:
        events.append(
            OrderAddressChanged(
                order_id=oid,
                receiver=order.receiver,
                previous=known.receiver,
                changed_by="platform",
                changed_at=incoming.updated_at or now,
            )
        )
    if (order.buyer_remark, order.seller_memo) != (known.buyer_remark, known.seller_memo):
        events.append(OrderRemarksChanged(order_id=oid, buyer_remark=order.buyer_remark, seller_memo=order.seller_memo))
    if incoming.refunded_fen > known.refunded_fen:
        # The event carries the newly refunded amount; the platform state keeps the running total.
        events.append(
            OrderRefunded(
                order_id=oid,
                refund_fen=incoming.refunded_fen - known.refunded_fen,
                reason=f"platform status {incoming.platform_status}",
                platform_case_no=f"{order.channel.value}:{order.channel_order_no}:{incoming.refunded_fen}",
                platform_status=incoming.platform_status,
            )
        )
    if incoming.cancelled and not known.cancelled:
        events.append(OrderCancelled(order_id=oid, reason=incoming.cancel_reason or "cancelled on the platform"))
    return events


def _paid(e: OrderPaid) -> TimelineEntry:
    return TimelineEntry(
        f"已付款 ¥{format_yuan(e.paid_total_fen)}",
        {"paid_at": e.paid_at.isoformat(), "paid_total_fen": e.paid_total_fen},
    )


def _cancelled(e: OrderCancelled) -> TimelineEntry:
    return TimelineEntry(f"订单已取消: {e.reason}", {"reason": e.reason})


def _refunded(e: OrderRefunded) -> TimelineEntry:
    return TimelineEntry(f"平台退款 ¥{format_yuan(e.refund_fen)}", {"refund_fen": e.refund_fen, "reason": e.reason})


_ADDRESS_OUTCOMES = {"changed": "，已直接改址", "intercepted": "，面单已打印：拦截包裹后按新地址重新打单"}


def _address(e: OrderAddressChanged) -> TimelineEntry:
    r, p = e.receiver, e.previous
    outcome = _ADDRESS_OUTCOMES.get(e.outcome, "")
    summary = f"收货信息已修改 ({e.changed_by}){outcome}: {r.full_address}, {r.name} {r.masked_phone}"
    data = {
        "changed_by": e.changed_by,
        "outcome": e.outcome,
        "reason": e.reason,
        "address": r.full_address,
        "previous_address": p.full_address,
        "phone": r.masked_phone,
        "previous_phone": p.masked_phone,
    }
    return TimelineEntry(summary, data)


def _remarks(e: OrderRemarksChanged) -> TimelineEntry:
    return TimelineEntry(
        f"备注已修改: 买家留言「{e.buyer_remark}」, 卖家备注「{e.seller_memo}」",
        {"buyer_remark": e.buyer_remark, "seller_memo": e.seller_memo},
    )


_ENTRIES: dict[type[DomainEvent], Callable[[Any], TimelineEntry]] = {
    OrderPaid: _paid,
    OrderCancelled: _cancelled,
    OrderRefunded: _refunded,
    OrderAddressChanged: _address,
    OrderRemarksChanged: _remarks,
}


def change_entry(event: DomainEvent) -> TimelineEntry:
    """Timeline entry of a change event (phone numbers masked)."""
    return _ENTRIES[type(event)](event)
