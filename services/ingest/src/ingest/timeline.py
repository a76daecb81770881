"""Turning events into timeline entries: a Chinese one-line summary for people and the few
fields worth keeping, with every phone number masked (events such as shipment.created carry the
full receiver, which the timeline never stores)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orderhub_contracts.carriers import carrier_name
from orderhub_contracts.events import (
    AnomalyRaised,
    DomainEvent,
    NotificationFailed,
    NotificationSent,
    OrderHeld,
    OrderPlaced,
    OrderShipped,
    OrderValidated,
    OutboundStatusChanged,
    ShipmentCreated,
    ShipmentDispatched,
    ShipmentIntercepted,
    ShipmentReleased,
    StockShortage,
)
from orderhub_contracts.money import format_yuan
from orderhub_contracts.phone import mask_phones_in_text

from ingest.aftersales import AFTERSALES_SUMMARIES
from ingest.tracking import TRACKING_SUMMARIES

LEVEL_NAMES = {1: "提醒", 2: "复核", 3: "拦截"}
CHANNEL_NAMES = {"sms": "短信", "wecom": "企业微信"}
SALES_CHANNEL_NAMES = {
    "phone": "电话下单",
    "taobao": "淘宝",
    "pinduoduo": "拼多多",
    "douyin": "抖音",
    "shopee": "Shopee",
    "miniprogram": "小程序",
}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    summary: str
    data: dict[str, Any]


def mask_deep(value: Any) -> Any:
    """Mask mobile numbers in every string of a JSON-like value."""
    if isinstance(value, str):
        return mask_phones_in_text(value)
    if isinstance(value, dict):
        return {k: mask_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_deep(v) for v in value]
    return value


def placed_entry(event: OrderPlaced, *, entered_by: str = "") -> TimelineEntry:
    order = event.order
    pieces = sum(item.quantity for item in order.items)
    payment = f"已付 ¥{format_yuan(order.paid_total_fen)}" if order.is_paid else "未支付"
    channel = SALES_CHANNEL_NAMES.get(order.channel.value, order.channel.value)
    total = format_yuan(order.list_total_fen)
    summary = f"订单已创建: {channel} {order.channel_order_no}, 共 {pieces} 件, 应付 ¥{total}, {payment}"
    if entered_by:
        summary += f", 录入人 {entered_by}"
    data = {
        "channel": order.channel.value,
        "channel_order_no": order.channel_order_no,
        "item_count": pieces,
        "list_total_fen": order.list_total_fen,
        "paid_total_fen": order.paid_total_fen,
        "paid": order.is_paid,
        "entered_by": entered_by,
    }
    return TimelineEntry(summary, data)


def _anomaly(e: AnomalyRaised) -> TimelineEntry:
    level = LEVEL_NAMES.get(e.level, str(e.level))
    hold = ", 订单暂停" if e.holds else ""
    data = {
        "anomaly_id": e.anomaly_id,
        "rule_id": e.rule_id,
        "rule_name": e.rule_name,
        "level": e.level,
        "holds": e.holds,
        "evidence": mask_deep(e.evidence),
        "actions": [mask_deep(a.model_dump(mode="json")) for a in e.actions],
    }
    return TimelineEntry(f"异常 {e.rule_id} {e.rule_name} (级别 {e.level} {level}{hold})", data)


def _validated(e: OrderValidated) -> TimelineEntry:
    return TimelineEntry(f"校验通过 (规则集版本 {e.rule_set_version})", {"rule_set_version": e.rule_set_version})


def _held(e: OrderHeld) -> TimelineEntry:
    reasons = "; ".join(e.reasons) or ", ".join(e.rule_ids)
    data = {"rule_ids": list(e.rule_ids), "reasons": [mask_phones_in_text(r) for r in e.reasons]}
    return TimelineEntry(mask_phones_in_text(f"订单暂停: {reasons}"), data)


def _shortage(e: StockShortage) -> TimelineEntry:
    lines = ", ".join(f"{line.sku} 需 {line.requested} 件, 可用 {line.available} 件" for line in e.lines)
    return TimelineEntry(f"缺货: {lines}", {"lines": [line.model_dump(mode="json") for line in e.lines]})


def _shipment(e: ShipmentCreated) -> TimelineEntry:
    data = {
        "outbound_id": e.outbound_id,
        "carrier": e.carrier,
        "waybill_no": e.waybill_no,
        "ship_deadline": e.ship_deadline.isoformat() if e.ship_deadline else None,
    }
    return TimelineEntry(f"已生成出库单 {e.outbound_id}, {carrier_name(e.carrier)} 运单号 {e.waybill_no}", data)


def _dispatched(e: ShipmentDispatched) -> TimelineEntry:
    data = {"outbound_id": e.outbound_id, "zone": e.zone, "carrier": e.carrier, "waybill_no": e.waybill_no}
    part = "预售包裹" if e.zone == "presale" else "包裹"
    return TimelineEntry(f"{part}已交快递: {carrier_name(e.carrier)} 运单号 {e.waybill_no}", data)


def _order_shipped(e: OrderShipped) -> TimelineEntry:
    waybills = "、".join(e.waybill_nos)
    return TimelineEntry(f"全部包裹已发出 (运单号 {waybills})", {"waybill_nos": list(e.waybill_nos)})


def _intercepted(e: ShipmentIntercepted) -> TimelineEntry:
    data = {"outbound_id": e.outbound_id, "waybill_no": e.waybill_no, "reason": e.reason}
    return TimelineEntry(f"出库单 {e.outbound_id} 已拦截 (运单号 {e.waybill_no}): {e.reason}", data)


def _released(e: ShipmentReleased) -> TimelineEntry:
    data = {"outbound_id": e.outbound_id, "waybill_no": e.waybill_no}
    return TimelineEntry(f"出库单 {e.outbound_id} 已放行, 运单号 {e.waybill_no} 照常发货", data)


def _sent(e: NotificationSent) -> TimelineEntry:
    channel = CHANNEL_NAMES.get(e.channel, e.channel)
    text = mask_phones_in_text(e.text)
    data = {
        "message_id": e.message_id,
        "channel": e.channel,
        "template": e.template,
        "recipient": mask_phones_in_text(e.recipient_masked),
        "text": text,
        "provider": e.provider,
    }
    return TimelineEntry(f"{channel}已发送: {text}", data)


def _failed(e: NotificationFailed) -> TimelineEntry:
    channel = CHANNEL_NAMES.get(e.channel, e.channel)
    final = ", 不再重试" if e.permanent else ""
    data = {
        "message_id": e.message_id,
        "channel": e.channel,
        "template": e.template,
        "recipient": mask_phones_in_text(e.recipient_masked),
        "provider": e.provider,
        "error_code": e.error_code,
        "permanent": e.permanent,
    }
    return TimelineEntry(f"{channel}发送失败: 模板 {e.template}, 错误 {e.error_code}{final}", data)


OUTBOUND_STATUS_NAMES = {"picking": "拣货中（拣货单已打印）", "created": "回到待拣货"}


def _outbound_status(e: OutboundStatusChanged) -> TimelineEntry:
    status = OUTBOUND_STATUS_NAMES.get(e.status, e.status)
    wave = f"，拣货单 {e.picklist_id}" if e.picklist_id else ""
    data = {
        "outbound_id": e.outbound_id,
        "status": e.status,
        "waybill_no": e.waybill_no,
        "picklist_id": e.picklist_id,
        "at": e.at.isoformat(),
    }
    return TimelineEntry(f"包裹 {e.waybill_no or e.outbound_id} {status}{wave}", data)


_BUILDERS: dict[type[DomainEvent], Callable[[Any], TimelineEntry]] = {
    AnomalyRaised: _anomaly,
    OrderValidated: _validated,
    OrderHeld: _held,
    StockShortage: _shortage,
    ShipmentCreated: _shipment,
    ShipmentDispatched: _dispatched,
    OrderShipped: _order_shipped,
    ShipmentIntercepted: _intercepted,
    ShipmentReleased: _released,
    OutboundStatusChanged: _outbound_status,
    NotificationSent: _sent,
    NotificationFailed: _failed,
}


def entry_for(event: DomainEvent) -> TimelineEntry:
    """The timeline entry of a consumed event (order.placed is written by intake itself)."""
    builder = _BUILDERS.get(type(event))
    if builder is None and type(event) in TRACKING_SUMMARIES:
        return TimelineEntry(*TRACKING_SUMMARIES[type(event)](event))
    if builder is None and type(event) in AFTERSALES_SUMMARIES:
        return TimelineEntry(*AFTERSALES_SUMMARIES[type(event)](event))
    if builder is None:
        return TimelineEntry(f"事件 {event.event_type}", {})
    return builder(event)
