"""Status nodes, and the pure comparison of what the customer sees with what the carrier says.

Both sides are reduced to the node a person would name: 未发货 (not yet with the carrier), 已发货
(揽收, 在途, 派件, 转投), 已签收 (签收, 代签, 投柜或驿站签收; completed and after-sales orders were
delivered too), 物流异常 (疑难, 拒签, 退签, 退回). They agree when the nodes are the same, or within
`tolerance` nodes along 未发货 → 已发货 → 已签收 (0 by default: the node itself)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fulfillment.carriers.tracking import ParcelStatus


class Node(StrEnum):
    NOT_SHIPPED = "未发货"
    SHIPPED = "已发货"
    DELIVERED = "已签收"
    EXCEPTION = "物流异常"
    UNKNOWN = "未知"


_LINE = (Node.NOT_SHIPPED, Node.SHIPPED, Node.DELIVERED)
_DELIVERED_STATUSES = {"delivered", "completed", "after_sales"}


def customer_node(order_status: str, tracking_status: str | None) -> Node:
    """The node the customer sees: the order's status, and the latest checkpoint shown with it."""
    if tracking_status in ("returned", "exception") and order_status == "shipped":
        return Node.EXCEPTION
    if order_status in _DELIVERED_STATUSES:
        return Node.DELIVERED
    if order_status == "shipped":
        return Node.SHIPPED
    if order_status in ("created", "validated", "allocated", "on_hold"):
        return Node.NOT_SHIPPED
    return Node.UNKNOWN


def carrier_node(status: ParcelStatus | None) -> Node:
    """The carrier's node from its latest checkpoint; no record yet means it has not been picked up."""
    if status is None:
        return Node.NOT_SHIPPED
    return {
        ParcelStatus.IN_TRANSIT: Node.SHIPPED,
        ParcelStatus.DELIVERED: Node.DELIVERED,
        ParcelStatus.EXCEPTION: Node.EXCEPTION,
    }[status]


def agree(customer: Node, carrier: Node, tolerance: int = 0) -> bool:
    if customer == carrier:
        return True
    if tolerance > 0 and customer in _LINE and carrier in _LINE:
        return abs(_LINE.index(customer) - _LINE.index(carrier)) <= tolerance
    return False


@dataclass(frozen=True, slots=True)
class Sampled:
    order_id: str
    waybill_no: str
    carrier: str
    phone_tail: str


@dataclass(frozen=True, slots=True)
class Compared:
    order_id: str
    waybill_no: str
    customer_status: str  # ingest's order status ("" when it could not be read)
    customer_tracking: str  # the checkpoint text the customer sees
    customer_node: Node
    carrier_state: str  # the carrier's state code of its latest checkpoint ("" if none)
    carrier_context: str
    carrier_node: Node
    agrees: bool


@dataclass(frozen=True, slots=True)
class AccuracyReport:
    first_day: date
    last_day: date
    population: int  # orders shipped or delivered in the period
    sampled: int
    agreed: int
    mismatches: tuple[Compared, ...]
    unreadable: int  # samples whose customer view or carrier track could not be read (not counted)

    @property
    def accuracy(self) -> float | None:
        counted = self.sampled - self.unreadable
        return round(self.agreed / counted, 4) if counted else None
