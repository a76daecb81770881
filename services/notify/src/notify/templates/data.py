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
        "code": "order_cancelled",
        "channel": "sms",
        "event": "order.cancelled",
        "text": "【订单中枢】您的订单{order_id}已取消（{reason}）。如已付款，款项将原路退回。",
    },
    {
        # The void-and-reorder compensation (改地址作废重下), drawn from the marketing budget pool.
        "code": "coupon_issued",
        "channel": "sms",
        "event": "coupon.issued",
        "text": "【订单中枢】您的订单{order_id}已按新地址重新下单，送您一张{amount}无门槛优惠券（券码{coupon_code}），"
        "{valid_until}前在小程序下单可用。",
    },
    {
        "code": "coupon_refused_wecom",
        "channel": "wecom",
        "event": "coupon.draw_refused",
        "text": "【预算池不足】订单{order_id}的改址补偿券（{amount}）未能发放：预算池{pool}余额{balance}。"
        "请客服联系客户，并补充预算池。",
    },
    {
        # To the warehouse group when the WMS export could not be read (fulfillment's WMS bridge).
        "code": "wms_bridge_failed",
        "channel": "wecom",
        "event": "wms_bridge.failed",
        "text": "【WMS 发货单】{business_date} 的 {file_name} 无法读取：{reason}\n"
        "文件已移到 rejected/{moved_to}，带备注发货单未打印。请重新导出后放入收件夹。",
    },
    {
        # The return waybill fulfillment issued for an approved return (aftersales.v1).
        "code": "return_waybill",
        "channel": "sms",
        "event": "return.waybill_issued",
        "text": "【订单中枢】您的售后申请{ticket_id}已同意，请使用{carrier}退货运单号{waybill_no}"
        "寄回商品（订单号{order_id}）。",
    },
    {
        "code": "return_rejected",
        "channel": "sms",
        "event": "return.rejected",
        "text": "【订单中枢】很抱歉，您的售后申请{ticket_id}未通过：{reason}（订单号{order_id}）",
    },
    {
        # A return parcel that does not match the request: the warehouse lead, on WeCom.
        "code": "return_discrepancy",
        "channel": "wecom",
        "event": "return.discrepancy",
        "text": "【退货收货差异】售后单{ticket_id}（订单{order_id}）\n{problems}\n"
        "收货人：{actor}，请拍照上传后再完成收货。",
    },
]
