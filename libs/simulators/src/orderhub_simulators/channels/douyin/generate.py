"""Random Douyin shop orders, shaped like order.orderDetail (amounts in fen, unix-second times,
`town` = district), for `/_sim/generate` and the background stream."""

from __future__ import annotations

import random
import time
from typing import Any

from orderhub_simulators.channels.douyin import samples

PAID, UNPAID = 2, 1


def random_order(rng: random.Random, shop_id: str, *, paid: bool = True) -> dict[str, Any]:
    now = int(time.time())
    number = str(6_920_000_000_000_000_000 + rng.randrange(10**16))
    province, city, district, street, detail = samples.address(rng)
    skus: list[dict[str, Any]] = []
    origin = pay = 0
    for n, (sku, title, price, qty) in enumerate(samples.lines(rng), start=1):
        discount = rng.choice([0, 0, 100, 500]) * qty
        origin, pay = origin + price * qty, pay + price * qty - discount
        skus.append(
            {
                "order_id": str(int(number) + n),
                "sku_id": rng.randrange(10**9),
                "product_name": title,
                "out_sku_id": sku,
                "item_num": qty,
                "goods_price": price,
                "origin_amount": price * qty,
                "pay_amount": price * qty - discount,
                "pre_sale_type": 0,
            }
        )
    return {
        "order_id": number,
        "shop_id": shop_id,
        "order_status": PAID if paid else UNPAID,
        "main_status": PAID if paid else UNPAID,
        "create_time": now,
        "update_time": now,
        "pay_time": now if paid else 0,
        "order_amount": origin,
        "pay_amount": pay,
        "post_amount": 0,
        "promotion_amount": origin - pay,
        "buyer_words": rng.choice(samples.REMARKS),
        "seller_words": "",
        "post_receiver": samples.name(rng),
        "post_tel": samples.mobile(rng),
        "post_addr": {
            "province": {"name": province},
            "city": {"name": city},
            "town": {"name": district},
            "street": {"name": street},
            "detail": detail,
        },
        "sku_order_list": skus,
    }


def paid_version(order: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    return {**order, "order_status": PAID, "main_status": PAID, "pay_time": now, "update_time": now}
