"""After-sales on the order's timeline and status: every ticket transition (aftersales.v1) is a
Chinese line on the timeline; the order is in after-sales (售后中) while a ticket is open and back
to delivered when its last one ends; a refund of a ticket is published as the order's
order.refunded (with the ticket), which notify turns into the refund SMS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from orderhub_contracts.carriers import carrier_name
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AfterSalesCaseClosed,
    AfterSalesCaseOpened,
    DomainEvent,
    OrderCancelled,
    OrderRefunded,
)
from orderhub_contracts.money import format_yuan
from orderhub_contracts.return_events import (
    AfterSalesSettled,
    ReturnApproved,
    ReturnCancelled,
    ReturnClosed,
    ReturnDiscrepancyFound,
    ReturnEvent,
    ReturnExchanged,
    ReturnOrderCancelRequested,
    ReturnReassigned,
    ReturnReceived,
    ReturnRefunded,
    ReturnRejected,
    ReturnRequested,
    ReturnWaybillSent,
)
from orderhub_contracts.returns import RETURN_TYPE_NAMES, ReturnType
from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.db import Tx

Summary = tuple[str, dict[str, Any]]

# What moves the order's status (the rest only adds to the timeline).
AFTERSALES_TARGETS: dict[str, OrderStatus] = {
    AfterSalesCaseOpened.event_type: OrderStatus.AFTER_SALES,
    AfterSalesSettled.event_type: OrderStatus.DELIVERED,
    # refund-only before shipping: cancelled if the order still can be (refused once it has shipped)
    ReturnOrderCancelRequested.event_type: OrderStatus.CANCELLED,
}


def _lines(e: ReturnEvent) -> str:
    lines = getattr(e, "lines", ()) or getattr(e, "received", ())
    return "、".join(f"{line.sku}×{line.quantity}" for line in lines)


def _ticket(e: ReturnEvent, text: str, **data: Any) -> Summary:
    kind = RETURN_TYPE_NAMES.get(ReturnType(e.return_type), e.return_type)
    return f"售后 {e.ticket_id}（{kind}）{text}", {"ticket_id": e.ticket_id, "status": e.status, **data}


_SUMMARIES: dict[type[DomainEvent], Callable[[Any], Summary]] = {
    ReturnRequested: lambda e: _ticket(e, f"已申请: {_lines(e)}，原因: {e.note}", assignee=e.assignee),
    ReturnReassigned: lambda e: _ticket(e, f"改派给 {e.assignee or '公共队列'}: {e.note}", assignee=e.assignee),
    ReturnApproved: lambda e: _ticket(e, f"已同意（{e.actor}）"),
    ReturnOrderCancelRequested: lambda e: _ticket(e, "订单未发货，申请取消订单并全额退款"),
    ReturnRejected: lambda e: _ticket(e, f"已拒绝（{e.actor}）: {e.note}"),
    ReturnWaybillSent: lambda e: _ticket(
        e, f"退货运单 {carrier_name(e.carrier)} {e.waybill_no}", waybill_no=e.waybill_no
    ),
    ReturnReceived: lambda e: _ticket(e, f"仓库已收货: {_lines(e)}"),
    ReturnDiscrepancyFound: lambda e: _ticket(e, f"收货差异: {'；'.join(e.problems)}", problems=list(e.problems)),
    ReturnRefunded: lambda e: _ticket(e, f"已退款 ¥{format_yuan(e.refund_fen)}", refund_fen=e.refund_fen),
    ReturnExchanged: lambda e: _ticket(e, "已换货，补发中"),
    ReturnClosed: lambda e: _ticket(e, "已关闭"),
    ReturnCancelled: lambda e: _ticket(e, "顾客已撤销"),
    AfterSalesCaseOpened: lambda e: ("进入售后", {"case_id": e.case_id, "kind": e.kind}),
    AfterSalesCaseClosed: lambda e: (f"售后 {e.case_id} 结束: {e.outcome}", {"case_id": e.case_id}),
    AfterSalesSettled: lambda e: ("售后全部结束", {"ticket_id": e.ticket_id}),
}
AFTERSALES_SUMMARIES: dict[type[DomainEvent], Callable[[Any], Summary]] = _SUMMARIES
PROJECTED_AFTERSALES: tuple[type[DomainEvent], ...] = tuple(_SUMMARIES)


async def publish_refunds(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
    """A ticket's refund is the order's refund: order.refunded, with the amount and the ticket."""
    for _, event in items:
        # a platform's refund already came as order.refunded from the channel; only ours are news
        if isinstance(event, ReturnRefunded) and event.method != "platform":
            await tx.publish(
                OrderRefunded(
                    order_id=event.order_id,
                    refund_fen=event.refund_fen,
                    reason=f"售后 {event.ticket_id} 退款",
                    ticket_id=event.ticket_id,
                )
            )


async def cancel_for_refunds(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]], cancelled: set[str]) -> None:
    """The orders a refund-only request cancelled (`cancelled`: now cancelled, not before) get their
    order.cancelled, which releases the stock and lets aftersales refund them."""
    for _, event in items:
        if isinstance(event, ReturnOrderCancelRequested) and event.order_id in cancelled:
            cancelled.discard(event.order_id)
            await tx.publish(OrderCancelled(order_id=event.order_id, reason=f"售后 {event.ticket_id}：未发货仅退款"))
