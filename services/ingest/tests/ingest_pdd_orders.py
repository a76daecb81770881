"""A Pinduoduo order as pdd.order.information.get returns it, receiver in plaintext (the simulator
encrypts it), shared by the adapter tests and the stack tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.channels.taobao.client import top_time  # the same GMT+8 text format


def at(minutes: float) -> str:
    return top_time(datetime.now(UTC) + timedelta(minutes=minutes))


def order_info(order_sn: str, *, created_min: float, paid_min: float, **overrides: Any) -> dict[str, Any]:
    """Created and paid (and last updated at payment) that many minutes from now; keywords override."""
    body: dict[str, Any] = {
        "order_sn": order_sn,
        "order_status": 1,
        "confirm_status": 1,
        "refund_status": 1,
        "created_time": at(created_min),
        "confirm_time": at(paid_min),
        "pay_time": at(paid_min),
        "updated_at": at(paid_min),
        "pay_amount": "178.00",
        "goods_amount": "188.00",
        "discount_amount": "20.00",
        "postage": "10.00",
        "receiver_name": "林小坤",
        "receiver_phone": "13912345678",
        "province": "广东省",
        "city": "潮州市",
        "town": "潮安区",
        "address": "广东省潮州市潮安区彩塘镇王厝宫路8号",
        "receiver_address": "彩塘镇王厝宫路8号",
        "buyer_memo": "放门口",
        "remark": "",
        "item_list": [
            {
                "goods_id": 1,
                "sku_id": 2,
                "outer_id": "FAN-02",
                "goods_name": "落地扇",
                "goods_spec": "白色",
                "goods_count": 2,
                "goods_price": "94.00",
            }
        ],
    }
    body.update(overrides)
    return body
