"""Orders and events for the insights tests, with IDs that never repeat across tests."""

from __future__ import annotations

import uuid
from datetime import datetime

from orderhub_contracts.address import Receiver
from orderhub_contracts.events import AnomalyRaised, AnomalyResolved, NotificationSent
from orderhub_contracts.order import CanonicalOrder, Channel, Discount, LineItem


def new_id() -> str:
    return f"DABE{uuid.uuid4().hex[:16]}"


def order(phone: str, created_at: datetime, *, coupons: tuple[str, ...] = (), order_id: str = "") -> CanonicalOrder:
    return CanonicalOrder(
        order_id=order_id or new_id(),
        channel=Channel.TAOBAO,
        channel_order_no=uuid.uuid4().hex[:18],
        created_at=created_at,
        receiver=Receiver(name="王小明", phone=phone, province="江苏省", city="苏州市", detail="星湖街328号"),
        items=(LineItem(sku="HUM-01", title="桌面加湿器", quantity=1, unit_price_fen=19900),),
        discounts=tuple(Discount(source="shop", name=c, amount_fen=2000) for c in coupons),
    )


def raised(order_id: str, rule_id: str, level: int) -> AnomalyRaised:
    return AnomalyRaised(
        anomaly_id=uuid.uuid4().hex,
        order_id=order_id,
        rule_id=rule_id,
        rule_name=rule_id,
        level=level,
        holds=level >= 2,
        evidence={},
    )


def sms(order_id: str) -> NotificationSent:
    return NotificationSent(
        message_id=uuid.uuid4().hex,
        order_id=order_id,
        channel="sms",
        template="anomaly_customer",
        recipient_masked="138****5678",
        text="您的订单需要核实",
        provider="recording",
    )


def wecom(order_id: str) -> NotificationSent:
    return sms(order_id).model_copy(update={"channel": "wecom", "recipient_masked": "华东大区"})


def resolved(order_id: str, by: str, resolution: str = "released") -> AnomalyResolved:
    return AnomalyResolved(
        anomaly_id=uuid.uuid4().hex,
        order_id=order_id,
        rule_id="R11",
        resolution=resolution,
        resolved_by=by,
        order_still_held=False,
    )
