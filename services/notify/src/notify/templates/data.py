"""The message templates, as data. Each names the event whose variables it may use; the loader
(`templates.book.load_templates`) refuses a template that refers to anything its event lacks.
SMS text starts with the approved signature (签名) in 【】, as the SMS providers require."""

from __future__ import annotations

from typing import Any

TEMPLATES: list[dict[str, Any]] = [
    {
        # The customer's one 「已发货」 SMS: sent when the parcel is scanned out at the warehouse
        # door (POST /v1/scans/ship), not at allocation (shipment.created sends nothing).
        "code": "shipment_dispatched",
        "channel": "sms",
        "event": "shipment.dispatched",
        "text": "【订单中枢】您的订单{order_id}已发货，{carrier}运单号{waybill_no}，请注意查收。",
    },
    {
        "code": "order_refunded",
        "channel": "sms",
        "event": "order.refunded",
        "text": "【订单中枢】您的订单{order_id}已退款{amount}（{reason}），款项将原路退回，请注意查收。",
    },
    {
        # Customers see the rule's own wording and their order, not internal rule names or levels.
        "code": "anomaly_sms",
        "channel": "sms",
        "event": "anomaly.raised",
        "text": "【订单中枢】{text}（订单号{order_id}）",
    },
    {
        "code": "anomaly_wecom",
        "channel": "wecom",
        "event": "anomaly.raised",
        "text": "【订单异常·{level_name}】{rule_name}（{rule_id}，{level}级）\n订单：{order_id}\n{text}",
    },
    {
        # To the warehouse group when the WMS export could not be read (fulfillment's WMS bridge).
        "code": "wms_bridge_failed",
        "channel": "wecom",
        "event": "wms_bridge.failed",
        "text": "【WMS 发货单】{business_date} 的 {file_name} 无法读取：{reason}\n"
        "文件已移到 rejected/{moved_to}，带备注发货单未打印。请重新导出后放入收件夹。",
    },
]
