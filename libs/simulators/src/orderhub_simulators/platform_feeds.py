"""The built-in feeds: a SampleOrder shaped as each platform's API returns it, put into that
platform's simulator through its `/_sim` controls (see `orderhub_simulators.feed`)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import httpx

from orderhub_simulators.feed import GMT8, Feed, SampleOrder, yuan_text

_MY_PLACES = (
    ("Kuala Lumpur", "Wilayah Persekutuan Kuala Lumpur", "60000", "Jalan Tun Mohd Fuad {n}"),
    ("Petaling Jaya", "Selangor", "46000", "Jalan SS2/{n}"),
    ("George Town", "Penang", "10250", "Lebuh Pantai {n}"),
)
_ENGLISH = {
    "HUM-4L": "Midea Humidifier 4L Silent",
    "KET-17": "Supor Electric Kettle 1.7L",
    "FRY-5L": "Xiaomi Air Fryer 5L",
    "FAN-02": "Airmate Stand Fan with Remote",
    "HTR-20": "Gree Fan Heater",
    "RICE-4": "Joyoung Rice Cooker 4L",
    "PUR-01": "Philips Air Purifier",
    "EGG-1": "Bear Egg Cooker",
}
_MY_REMARKS = ("", "", "please call before delivery", "leave at the guardhouse")


def _top(t: datetime) -> str:
    return t.astimezone(GMT8).strftime("%Y-%m-%d %H:%M:%S")


_TAOBAO_TOPICS = {
    "created": "taobao_trade_TradeCreate",
    "paid": "taobao_trade_TradeBuyerPay",
    "address": "taobao_trade_TradeLogisticsAddressChanged",
    "memo": "taobao_trade_TradeMemoModified",
    "cancelled": "taobao_trade_TradeClose",
}


async def feed_taobao(client: httpx.AsyncClient, o: SampleOrder, event: str) -> str:
    tid = str(3_900_000_000_000_000 + o.seq)
    province, city, district, town, detail = o.place
    trade = {
        "tid": int(tid),
        "tid_str": tid,
        "type": "fixed",
        "created": _top(o.created),
        "modified": _top(o.modified),
        "status": "TRADE_CLOSED_BY_TAOBAO"
        if o.cancelled
        else ("WAIT_SELLER_SEND_GOODS" if o.paid else "WAIT_BUYER_PAY"),
        "pay_time": _top(o.created + timedelta(minutes=1)) if o.paid else "",
        "payment": yuan_text(o.total_fen),
        "post_fee": "0.00",
        "oaid": f"OAID-{tid}-{o.phone[-4:]}",
        "receiver_name": o.name[0] + "**",
        "receiver_mobile": f"{o.phone[:3]}****{o.phone[-4:]}",
        "receiver_state": province,
        "receiver_city": city,
        "receiver_district": district,
        "receiver_town": town,
        "receiver_address": detail[:3] + "**",
        "buyer_message": o.remark,
        "seller_memo": o.memo,
        "orders": {
            "order": [
                {
                    "oid": int(tid) * 10 + i,
                    "outer_sku_id": sku,
                    "title": title,
                    "num": qty,
                    "price": yuan_text(price),
                    "payment": yuan_text(qty * price),
                    "refund_status": "NO_REFUND",
                }
                for i, (sku, title, qty, price) in enumerate(o.items, 1)
            ]
        },
    }
    receiver = {
        "name": o.name,
        "mobile": o.phone,
        "state": province,
        "city": city,
        "district": district,
        "town": town,
        "address_detail": detail,
    }
    response = await client.post(
        "/_sim/trades", json={"trade": trade, "topic": _TAOBAO_TOPICS[event], "receiver": receiver}
    )
    response.raise_for_status()
    return tid


async def feed_pinduoduo(client: httpx.AsyncClient, o: SampleOrder, event: str) -> str:
    order_sn = f"{o.created:%y%m%d}-{560_000_000_000_000 + o.seq}"
    province, city, district, _, detail = o.place
    paid = _top(o.created + timedelta(minutes=1)) if o.paid else ""
    info = {
        "order_sn": order_sn,
        "order_status": 1,
        "confirm_status": 2 if o.cancelled else (1 if o.paid else 0),
        "refund_status": 1,
        "created_time": _top(o.created),
        "confirm_time": paid,
        "pay_time": paid,
        "updated_at": _top(o.modified),
        "pay_amount": yuan_text(o.total_fen),
        "goods_amount": yuan_text(o.total_fen),
        "discount_amount": "0.00",
        "postage": "0.00",
        "receiver_name": o.name,
        "receiver_phone": o.phone,
        "province": province,
        "city": city,
        "town": district,
        "address": f"{province}{city}{district}{detail}",
        "receiver_address": detail,
        "buyer_memo": o.remark,
        "remark": o.memo,
        "is_pre_sale": 0,
        "item_list": [
            {
                "goods_id": 1000 + i,
                "sku_id": 2000 + i,
                "outer_id": sku,
                "goods_name": title,
                "goods_spec": "",
                "goods_count": qty,
                "goods_price": yuan_text(price),
            }
            for i, (sku, title, qty, price) in enumerate(o.items)
        ],
    }
    kind = {
        "created": "pdd_trade_TradeConfirmed",
        "paid": "pdd_trade_TradeConfirmed",
        "cancelled": "pdd_trade_TradeClose",
    }.get(event, "pdd_trade_TradeModified")
    response = await client.post("/_sim/orders", json={"order_info": info, "message_type": kind})
    response.raise_for_status()
    return order_sn


async def feed_douyin(client: httpx.AsyncClient, o: SampleOrder, event: str) -> str:
    number = str(6_930_000_000_000_000_000 + o.seq * 10)
    province, city, district, street, detail = o.place
    status = 4 if o.cancelled else (2 if o.paid else 1)
    order = {
        "order_id": number,
        "shop_id": "local-douyin-shop",
        "order_status": status,
        "main_status": status,
        "create_time": int(o.created.timestamp()),
        "update_time": int(o.modified.timestamp()),
        "pay_time": int(o.created.timestamp()) + 60 if o.paid else 0,
        "order_amount": o.total_fen,
        "pay_amount": o.total_fen,
        "post_amount": 0,
        "buyer_words": o.remark,
        "seller_words": o.memo,
        "post_receiver": o.name,
        "post_tel": o.phone,
        "post_addr": {
            "province": {"name": province},
            "city": {"name": city},
            "town": {"name": district},
            "street": {"name": street},
            "detail": detail,
        },
        "sku_order_list": [
            {
                "order_id": str(int(number) + i),
                "product_name": title,
                "out_sku_id": sku,
                "item_num": qty,
                "goods_price": price,
                "pay_amount": qty * price,
                "pre_sale_type": 0,
            }
            for i, (sku, title, qty, price) in enumerate(o.items, 1)
        ],
    }
    douyin_event = {"created": "create", "paid": "paid", "cancelled": "cancel"}.get(event, event)
    response = await client.post("/_sim/orders", json={"order": order, "event": douyin_event})
    response.raise_for_status()
    return number


async def feed_shopee(client: httpx.AsyncClient, o: SampleOrder, event: str) -> str:
    order_sn = f"{o.created:%y%m%d}{o.seq:08d}MY"
    rng = random.Random(o.seq)
    town, state, zipcode, street = rng.choice(_MY_PLACES)
    # Prices in MYR, about a thirtieth of the yuan price, as JSON numbers with two decimals.
    lines = [(sku, _ENGLISH.get(sku, title), qty, round(price / 3000, 2)) for sku, title, qty, price in o.items]
    order = {
        "order_sn": order_sn,
        "region": "MY",
        "currency": "MYR",
        "cod": False,
        "order_status": "CANCELLED" if o.cancelled else ("READY_TO_SHIP" if o.paid else "UNPAID"),
        "create_time": int(o.created.timestamp()),
        "update_time": int(o.modified.timestamp()),
        "pay_time": int(o.created.timestamp()) + 60 if o.paid else 0,
        "total_amount": round(sum(q * p for _, _, q, p in lines), 2),
        "note": "VIP" if o.memo else "",
        "message_to_seller": _MY_REMARKS[o.seq % len(_MY_REMARKS)],
        "recipient_address": {
            "name": "Tan Mei Ling",
            "phone": f"601{o.phone[-8:]}",
            "town": town,
            "district": town,
            "city": town,
            "state": state,
            "zipcode": zipcode,
            "full_address": f"{street.format(n=o.seq % 90 + 1)}, {zipcode} {town}",
        },
        "item_list": [
            {
                "item_id": 100 + i,
                "item_name": title,
                "item_sku": sku,
                "model_id": i,
                "model_name": "",
                "model_sku": sku,
                "model_quantity_purchased": qty,
                "model_original_price": price,
                "model_discounted_price": price,
            }
            for i, (sku, title, qty, price) in enumerate(lines)
        ],
    }
    response = await client.post("/_sim/orders", json={"order": order})
    response.raise_for_status()
    return order_sn


FEEDS: dict[str, Feed] = {
    "taobao": feed_taobao,
    "pinduoduo": feed_pinduoduo,
    "douyin": feed_douyin,
    "shopee": feed_shopee,
}
