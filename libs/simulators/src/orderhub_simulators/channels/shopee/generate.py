"""Random Shopee MY orders, shaped like v2.order.get_order_detail (MYR decimals, unix-second
times, Malaysian addresses), for `/_sim/generate` and the background stream."""

from __future__ import annotations

import random
import string
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

NAMES = ["Tan Mei Ling", "Muhammad Hafiz", "Lim Wei Jie", "Nurul Aina", "Rajesh Kumar", "Siti Aisyah", "Ong Kah Hui"]
PLACES = [  # town, district, city, state, zipcode
    ("Taman Tun Dr Ismail", "Kuala Lumpur", "Kuala Lumpur", "Wilayah Persekutuan Kuala Lumpur", "60000"),
    ("Bandar Sunway", "Petaling", "Subang Jaya", "Selangor", "47500"),
    ("Georgetown", "Timur Laut", "George Town", "Pulau Pinang", "10200"),
    ("Taman Molek", "Johor Bahru", "Johor Bahru", "Johor", "81100"),
]
PRODUCTS = [
    ("HUM-3L", "Humidifier 3L Silent", "89.90"),
    ("HUM-FLT", "Humidifier Filter 2pcs", "19.99"),
    ("FAN-02", "Stand Fan Remote", "129.00"),
    ("KET-17", "Electric Kettle 1.7L", "45.50"),
]
MY = timezone(timedelta(hours=8))


def _number(rng: random.Random) -> str:
    day = datetime.now(MY).strftime("%y%m%d")
    return day + "".join(rng.choices(string.digits + string.ascii_uppercase, k=8))


def random_order(rng: random.Random, *, paid: bool = True) -> dict[str, Any]:
    now = int(time.time())
    town, district, city, state, zipcode = rng.choice(PLACES)
    items: list[dict[str, Any]] = []
    total = Decimal(0)
    for sku, title, price in rng.sample(PRODUCTS, rng.randint(1, 2)):
        discounted = Decimal(price) - rng.choice([Decimal("0"), Decimal("0"), Decimal("2.50")])
        quantity = rng.randint(1, 3)
        total += discounted * quantity
        items.append(
            {
                "item_id": rng.randrange(10**9),
                "item_name": title,
                "item_sku": sku,
                "model_id": 0,
                "model_name": "",
                "model_sku": sku,
                "model_quantity_purchased": quantity,
                # floats whose shortest repr is the 2-decimal price: the JSON carries 89.9, 87.4, ...
                "model_original_price": float(price),
                "model_discounted_price": float(discounted),
            }
        )
    order: dict[str, Any] = {
        "order_sn": _number(rng),
        "region": "MY",
        "currency": "MYR",
        "cod": False,
        "order_status": "READY_TO_SHIP" if paid else "UNPAID",
        "create_time": now,
        "update_time": now,
        "message_to_seller": rng.choice(["", "", "Please call before delivery", "Leave at guardhouse"]),
        "note": "",
        "recipient_address": {
            "name": rng.choice(NAMES),
            "phone": f"601{rng.randrange(10**8):08d}",
            "town": town,
            "district": district,
            "city": city,
            "state": state,
            "region": "MY",
            "zipcode": zipcode,
            "full_address": f"{rng.randint(1, 99)}, Jalan {rng.randint(1, 20)}, {town}, {zipcode} {city}, {state}",
        },
        "item_list": items,
        "total_amount": float(total),
    }
    if paid:
        order["pay_time"] = now
    return order


def paid_version(order: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    return {**order, "order_status": "READY_TO_SHIP", "pay_time": now, "update_time": now}
