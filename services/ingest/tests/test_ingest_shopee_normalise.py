"""Shopee order detail normalisation: MYR decimals converted exactly with the currency kept,
unix-second times, Malaysian address levels, remarks, cancellation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from ingest.channels.convert import loads_exact
from ingest.channels.shopee.normalise import minor_units, normalise
from orderhub_contracts.money import InvalidAmount
from orderhub_contracts.order import Channel

RAW = b"""{"order_sn": "2411240ABCDE12", "region": "MY", "currency": "MYR", "cod": false,
 "total_amount": 100.07, "order_status": "READY_TO_SHIP", "create_time": 1732420800, "update_time": 1732424400,
 "pay_time": 1732420900, "message_to_seller": "Please call before delivery", "note": "gift wrap",
 "recipient_address": {"name": "Tan Mei Ling", "phone": "60123456789", "town": "Taman Tun Dr Ismail",
   "district": "Kuala Lumpur", "city": "Kuala Lumpur", "state": "Wilayah Persekutuan Kuala Lumpur",
   "region": "MY", "zipcode": "60000", "full_address": "12, Jalan Tun Mohd Fuad 3, 60000 Kuala Lumpur"},
 "item_list": [
   {"item_id": 101, "item_name": "Humidifier 3L", "item_sku": "HUM-3L", "model_id": 9, "model_name": "White",
    "model_sku": "HUM-3L-W", "model_quantity_purchased": 3, "model_original_price": 33.37,
    "model_discounted_price": 31.99},
   {"item_id": 102, "item_name": "Filter", "item_sku": "", "model_id": 0, "model_name": "", "model_sku": "",
    "model_quantity_purchased": 1, "model_original_price": 4.1, "model_discounted_price": 4}
 ]}"""


def order(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = loads_exact(RAW)
    data.update(overrides)
    return data


def test_myr_decimals_are_exact_minor_units_with_currency_kept() -> None:
    c = normalise(order(), "200001").command
    assert c.channel is Channel.SHOPEE and c.currency == "MYR" and c.shop_id == "200001"
    first, second = c.items
    assert (first.sku, first.unit_price_fen, first.paid_fen, first.quantity) == ("HUM-3L-W", 3337, 9597, 3)
    assert (second.sku, second.unit_price_fen, second.paid_fen) == ("102-0", 410, 400)
    assert first.title == "Humidifier 3L White"


def test_amounts_parsed_as_float_are_refused_rather_than_rounded() -> None:
    floats = json.loads(RAW)
    with pytest.raises(TypeError, match="exactly"):
        normalise(floats, "200001")
    with pytest.raises(InvalidAmount):
        minor_units("31.999")
    assert minor_units("0.29") == 29 and minor_units(None) == 0


def test_unix_second_times_are_aware() -> None:
    o = normalise(order(), "200001")
    assert o.command.created_at == datetime(2024, 11, 24, 4, 0, tzinfo=UTC)
    assert o.command.paid_at == datetime(2024, 11, 24, 4, 1, 40, tzinfo=UTC)
    assert o.updated_at == datetime(2024, 11, 24, 5, 0, tzinfo=UTC) and o.platform_status == "READY_TO_SHIP"


def test_unpaid_order() -> None:
    data = order(order_status="UNPAID")
    del data["pay_time"]
    assert normalise(data, "200001").command.paid_at is None


def test_address_levels_and_remarks() -> None:
    c = normalise(order(), "200001").command
    r = c.receiver
    assert (r.province, r.city, r.district, r.street) == (
        "Wilayah Persekutuan Kuala Lumpur",
        "Kuala Lumpur",
        "Kuala Lumpur",
        "Taman Tun Dr Ismail",
    )
    assert r.detail.startswith("12, Jalan Tun Mohd Fuad 3") and r.phone == "60123456789"
    assert (c.buyer_remark, c.seller_memo) == ("Please call before delivery", "gift wrap")


def test_masked_recipient_is_kept_as_given() -> None:
    data = order()
    data["recipient_address"] = {**data["recipient_address"], "name": "T******g", "phone": "******89"}
    r = normalise(data, "200001").command.receiver
    assert r.name == "T******g" and r.phone == "******89"


def test_cancelled_order_carries_the_reason() -> None:
    o = normalise(order(order_status="CANCELLED", cancel_reason="BUYER_REQUEST"), "200001")
    assert o.cancelled and o.cancel_reason == "Shopee: BUYER_REQUEST"
