"""Orders as each marketplace platform holds them (receivers in plaintext: the simulators encrypt
them), shared by the parametrised channel stack suite and the per-platform tests."""

from __future__ import annotations

import itertools
import random
import time
from datetime import datetime
from typing import Any

from ingest_pdd_orders import at, order_info
from orderhub_contracts.timezone import SHANGHAI
from orderhub_simulators.channels.pinduoduo.state import PddState
from orderhub_simulators.channels.taobao.state import TaobaoState

DOUYIN_SHOP = "local-douyin-shop"
_numbers = itertools.count(int(time.time()) * 1000)


def douyin_order(status: int = 2, **overrides: Any) -> dict[str, Any]:
    """A Douyin shop order as the platform holds it, receiver in plaintext (the simulator encrypts it)."""
    number = str(6921000000000000000 + random.randrange(10**15))
    now = int(time.time())
    order: dict[str, Any] = {
        "order_id": number,
        "shop_id": DOUYIN_SHOP,
        "order_status": status,
        "main_status": status,
        "create_time": now - 120,
        "update_time": now,
        "pay_time": now - 60 if status != 1 else 0,
        "order_amount": 39800,
        "pay_amount": 37800,
        "post_amount": 0,
        "buyer_words": "放门口",
        "seller_words": "",
        "post_receiver": "张三",
        "post_tel": "13812345678",
        "post_addr": {
            "province": {"name": "浙江省"},
            "city": {"name": "杭州市"},
            "town": {"name": "西湖区"},
            "street": {"name": "文新街道"},
            "detail": "文三路 100 号",
        },
        "sku_order_list": [
            {
                "order_id": str(int(number) + 1),
                "product_name": "加湿器 3L",
                "out_sku_id": "HUM-3L",
                "item_num": 2,
                "goods_price": 19900,
                "pay_amount": 37800,
                "pre_sale_type": 0,
            }
        ],
    }
    order.update(overrides)
    return order


def shopee_order(status: str = "READY_TO_SHIP", **overrides: Any) -> dict[str, Any]:
    """A Shopee order as get_order_detail returns it; amounts are MYR decimals."""
    number = "2411" + "".join(random.choices("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", k=10))
    now = int(time.time())
    order: dict[str, Any] = {
        "order_sn": number,
        "region": "MY",
        "currency": "MYR",
        "cod": False,
        "order_status": status,
        "create_time": now - 120,
        "update_time": now,
        "total_amount": 100.07,
        "message_to_seller": "call first",
        "note": "",
        "recipient_address": {
            "name": "Tan Mei Ling",
            "phone": "60123456789",
            "town": "TTDI",
            "district": "Kuala Lumpur",
            "city": "Kuala Lumpur",
            "state": "Wilayah Persekutuan Kuala Lumpur",
            "zipcode": "60000",
            "full_address": "12, Jalan Tun Mohd Fuad 3, 60000 Kuala Lumpur",
        },
        "item_list": [
            {
                "item_id": 101,
                "item_name": "Humidifier 3L",
                "item_sku": "HUM-3L",
                "model_id": 9,
                "model_name": "White",
                "model_sku": "HUM-3L-W",
                "model_quantity_purchased": 3,
                "model_original_price": 33.37,
                "model_discounted_price": 31.99,
            }
        ],
    }
    if status != "UNPAID":
        order["pay_time"] = now - 60
    order.update(overrides)
    return order


def taobao_trade(tid: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tid": int(tid),
        "tid_str": tid,
        "status": "WAIT_SELLER_SEND_GOODS",
        "type": "fixed",
        "created": at(-10),
        "pay_time": at(-9),
        "modified": at(-9),
        "payment": "210.07",
        "post_fee": "10.00",
        "oaid": f"OAID-{tid}",
        "receiver_name": "张**",
        "receiver_mobile": "138****5678",
        "receiver_state": "浙江省",
        "receiver_city": "杭州市",
        "receiver_district": "西湖区",
        "receiver_town": "文新街道",
        "receiver_address": "文三路**",
        "buyer_message": "周末送货",
        "seller_memo": "",
        "orders": {
            "order": [
                {
                    "oid": int(tid) + 1,
                    "outer_sku_id": "HUM-01",
                    "title": "加湿器",
                    "num": 1,
                    "price": "200.07",
                    "payment": "200.07",
                    "refund_status": "NO_REFUND",
                }
            ]
        },
    }
    body.update(overrides)
    return body


def taobao_receiver(**overrides: str) -> dict[str, str]:
    return {
        "name": "张三",
        "mobile": "13812345678",
        "state": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "town": "文新街道",
        "address_detail": "文三路100号3幢502室",
        **overrides,
    }


def new_taobao_trade(sim: TaobaoState, topic: str = "taobao_trade_TradeBuyerPay", **overrides: Any) -> dict[str, Any]:
    """A trade put on the simulated Taobao (its receiver behind an OAID), pushed over TMC."""
    tid = str(next(_numbers))
    body = taobao_trade(tid, **overrides)
    sim.receivers[body["oaid"]] = taobao_receiver()
    sim.put_trade(dict(body), topic)
    return body


def new_pdd_order(sim: PddState, kind: str = "pdd_trade_TradeConfirmed", **overrides: Any) -> dict[str, Any]:
    """An order put on the simulated Pinduoduo, pushed over its message service."""
    body = order_info(f"261125-{next(_numbers)}", created_min=-10, paid_min=-9, is_pre_sale=0, **overrides)
    sim.put_order(dict(body), kind)
    return body


def platform_time(text: str) -> float:
    """A platform's GMT+8 text time as epoch seconds."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI).timestamp()
