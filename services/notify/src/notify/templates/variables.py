"""The variables each event offers to templates, and how they are taken from the event.
`PROVIDED` is what template validation checks against; the builders must fill exactly those."""

from __future__ import annotations

from orderhub_contracts.carriers import carrier_name
from orderhub_contracts.events import (
    AnomalyAction,
    AnomalyRaised,
    CouponDrawRefused,
    CouponIssued,
    OrderCancelled,
    OrderRefunded,
    ShipmentDispatched,
    WmsBridgeFailed,
)
from orderhub_contracts.timezone import SHANGHAI

# Rules' response levels (design brief): 1 提醒, 2 复核, 3 拦截.
LEVEL_NAMES = {1: "提醒", 2: "复核", 3: "拦截"}

ANOMALY_VARIABLES = frozenset({"order_id", "rule_id", "rule_name", "level", "level_name", "text", "province"})
REFUND_VARIABLES = frozenset({"order_id", "amount", "reason"})
DISPATCH_VARIABLES = frozenset({"order_id", "carrier", "waybill_no", "receiver_name"})
CANCELLED_VARIABLES = frozenset({"order_id", "reason"})
COUPON_VARIABLES = frozenset({"order_id", "amount", "coupon_code", "valid_until"})
REFUSED_VARIABLES = frozenset({"order_id", "amount", "pool", "balance"})
WMS_FAILED_VARIABLES = frozenset({"file_name", "reason", "moved_to", "business_date"})
# After-sales (notify.returns): the return waybill and a refusal to the customer, a discrepancy to the
# warehouse lead.
RETURN_PROVIDED: dict[str, frozenset[str]] = {
    "return.waybill_issued": frozenset({"order_id", "ticket_id", "carrier", "waybill_no"}),
    "return.rejected": frozenset({"order_id", "ticket_id", "reason"}),
    "return.discrepancy": frozenset({"order_id", "ticket_id", "problems", "actor"}),
}
PROVIDED: dict[str, frozenset[str]] = {
    OrderCancelled.event_type: CANCELLED_VARIABLES,
    CouponIssued.event_type: COUPON_VARIABLES,
    CouponDrawRefused.event_type: REFUSED_VARIABLES,
    AnomalyRaised.event_type: ANOMALY_VARIABLES,
    OrderRefunded.event_type: REFUND_VARIABLES,
    ShipmentDispatched.event_type: DISPATCH_VARIABLES,
    WmsBridgeFailed.event_type: WMS_FAILED_VARIABLES,
    **RETURN_PROVIDED,
}
# How an amount is shown to the customer, by the order's currency (amounts are in minor units).
CURRENCY_SIGNS = {"CNY": "¥", "MYR": "RM"}


def dispatch_variables(event: ShipmentDispatched) -> dict[str, str]:
    return {
        "order_id": event.order_id,
        "carrier": carrier_name(event.carrier),
        "waybill_no": event.waybill_no,
        "receiver_name": event.receiver.name if event.receiver is not None else "",
    }


def anomaly_variables(event: AnomalyRaised, action: AnomalyAction) -> dict[str, str]:
    return {
        "order_id": event.order_id,
        "rule_id": event.rule_id,
        "rule_name": event.rule_name,
        "level": str(event.level),
        "level_name": LEVEL_NAMES.get(event.level, str(event.level)),
        "text": action.text.strip() or event.rule_name,
        "province": event.province,
    }


def amount_text(minor_units: int, currency: str) -> str:
    """¥1,299.00 / RM31.99; an unknown currency is shown by its code."""
    sign = CURRENCY_SIGNS.get(currency.upper(), f"{currency.upper()} ")
    return f"{sign}{minor_units // 100:,}.{minor_units % 100:02d}"


def refund_variables(event: OrderRefunded, currency: str) -> dict[str, str]:
    return {
        "order_id": event.order_id,
        "amount": amount_text(event.refund_fen, currency),
        "reason": event.reason.strip() or "售后退款",
    }


def cancelled_variables(event: OrderCancelled) -> dict[str, str]:
    return {"order_id": event.order_id, "reason": event.reason.strip() or "订单已取消"}


def coupon_variables(event: CouponIssued) -> dict[str, str]:
    return {
        "order_id": event.order_id,
        "amount": amount_text(event.amount_fen, event.currency),
        "coupon_code": event.coupon_code,
        "valid_until": event.valid_until.astimezone(SHANGHAI).strftime("%Y-%m-%d"),
    }


def refused_variables(event: CouponDrawRefused) -> dict[str, str]:
    return {
        "order_id": event.order_id,
        "amount": amount_text(event.amount_fen, "CNY"),
        "pool": event.pool,
        "balance": amount_text(event.balance_fen, "CNY"),
    }


def wms_failed_variables(event: WmsBridgeFailed) -> dict[str, str]:
    return {
        "file_name": event.file_name,
        "reason": event.reason,
        "moved_to": event.moved_to,
        "business_date": f"{event.business_date:%Y-%m-%d}",
    }
