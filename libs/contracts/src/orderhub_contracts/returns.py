"""After-sales tickets (售后工单): their types, statuses and the transition table, and the line
values their events carry. Every transition is an event on `aftersales.v1`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ReturnType(StrEnum):
    RETURN_REFUND = "return_refund"  # 退货退款
    REFUND_ONLY = "refund_only"  # 仅退款
    EXCHANGE = "exchange"  # 换货


RETURN_TYPE_NAMES: dict[ReturnType, str] = {
    ReturnType.RETURN_REFUND: "退货退款",
    ReturnType.REFUND_ONLY: "仅退款",
    ReturnType.EXCHANGE: "换货",
}


class ReturnStatus(StrEnum):
    REQUESTED = "requested"  # 待审核
    APPROVED = "approved"  # 已同意
    REJECTED = "rejected"  # 已拒绝
    WAYBILL_ISSUED = "waybill_issued"  # 已生成退货运单
    RECEIVED = "received"  # 仓库已收货（与申请一致）
    DISCREPANCY = "discrepancy"  # 收货差异
    REFUNDED = "refunded"  # 已退款
    EXCHANGED = "exchanged"  # 已换货（补发出库）
    CLOSED = "closed"  # 已关闭
    CANCELLED = "cancelled"  # 顾客已撤销


RETURN_STATUS_NAMES: dict[ReturnStatus, str] = {
    ReturnStatus.REQUESTED: "待审核",
    ReturnStatus.APPROVED: "已同意",
    ReturnStatus.REJECTED: "已拒绝",
    ReturnStatus.WAYBILL_ISSUED: "待寄回",
    ReturnStatus.RECEIVED: "仓库已收货",
    ReturnStatus.DISCREPANCY: "收货差异待处理",
    ReturnStatus.REFUNDED: "已退款",
    ReturnStatus.EXCHANGED: "已换货",
    ReturnStatus.CLOSED: "已关闭",
    ReturnStatus.CANCELLED: "已撤销",
}

R = ReturnStatus
RETURN_TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    R.REQUESTED: frozenset({R.APPROVED, R.REJECTED, R.CANCELLED}),
    # refund-only: approved goes straight to the refund; the others wait for the return waybill
    R.APPROVED: frozenset({R.WAYBILL_ISSUED, R.REFUNDED, R.CANCELLED}),
    R.WAYBILL_ISSUED: frozenset({R.RECEIVED, R.DISCREPANCY, R.CANCELLED}),
    # a discrepancy is settled (with its photo) into a receipt of what actually arrived
    R.DISCREPANCY: frozenset({R.RECEIVED}),
    R.RECEIVED: frozenset({R.REFUNDED, R.EXCHANGED}),
    R.REJECTED: frozenset({R.CLOSED}),
    R.REFUNDED: frozenset({R.CLOSED}),
    R.EXCHANGED: frozenset({R.CLOSED}),
    R.CLOSED: frozenset(),
    R.CANCELLED: frozenset(),
}

# A ticket in one of these holds its order in after-sales (售后中).
OPEN_RETURN_STATUSES: frozenset[ReturnStatus] = frozenset(
    {R.REQUESTED, R.APPROVED, R.WAYBILL_ISSUED, R.RECEIVED, R.DISCREPANCY, R.REFUNDED, R.EXCHANGED}
)
# Quantities of tickets in these count against what may still be asked back.
CLAIMING_RETURN_STATUSES: frozenset[ReturnStatus] = OPEN_RETURN_STATUSES | {R.CLOSED}


class IllegalReturnTransition(ValueError):
    def __init__(self, current: ReturnStatus, target: ReturnStatus) -> None:
        super().__init__(f"return ticket cannot go from {current} to {target}")
        self.current = current
        self.target = target


def can_return_transition(current: ReturnStatus, target: ReturnStatus) -> bool:
    return target in RETURN_TRANSITIONS[current]


def return_transition(current: ReturnStatus, target: ReturnStatus) -> ReturnStatus:
    if not can_return_transition(current, target):
        raise IllegalReturnTransition(current, target)
    return target


class Condition(StrEnum):
    GOOD = "good"  # 完好：回库
    DAMAGED = "damaged"  # 破损：报损


class ReturnLine(BaseModel):
    """A line asked back: the SKU and how many."""

    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=100_000)


class ReceivedLine(BaseModel):
    """What the warehouse found in the parcel for one SKU, in one condition."""

    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=100_000)
    condition: Condition = Condition.GOOD
