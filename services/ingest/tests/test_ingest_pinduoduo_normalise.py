"""Pinduoduo order_info -> PlaceOrder, from documented-shape payloads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from ingest.channels.pinduoduo.fields import OrderFormatError, is_encrypted, when
from ingest.channels.pinduoduo.normalise import encrypted_values, normalise, normalise_order, with_plaintexts
from orderhub_contracts.order import Channel
from orderhub_contracts.timezone import SHANGHAI


def info(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_sn": "261120-123456789012345",
        "order_status": 1,
        "confirm_status": 1,
        "refund_status": 1,
        "created_time": "2026-11-20 14:22:05",
        "confirm_time": "2026-11-20 14:23:00",
        "pay_time": "2026-11-20 14:22:59",
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
        "remark": "加急",
        "item_list": [
            {
                "goods_id": 1,
                "sku_id": 2,
                "outer_id": "FAN-02",
                "outer_goods_id": "FAN",
                "goods_name": "落地扇",
                "goods_spec": "白色,大号",
                "goods_count": 2,
                "goods_price": Decimal("94.0"),
            }
        ],
    }
    body.update(overrides)
    return body


def test_an_order_is_normalised() -> None:
    cmd = normalise_order(info(), shop_id="pdd-1")
    assert cmd.channel is Channel.PINDUODUO and cmd.channel_order_no == "261120-123456789012345"
    assert cmd.created_at == datetime(2026, 11, 20, 14, 22, 5, tzinfo=SHANGHAI)
    assert cmd.paid_at == datetime(2026, 11, 20, 14, 22, 59, tzinfo=SHANGHAI)
    r = cmd.receiver
    assert (r.province, r.city, r.district, r.street) == ("广东省", "潮州市", "潮安区", "")
    assert r.detail == "彩塘镇王厝宫路8号"
    assert (r.name, r.phone) == ("林小坤", "13912345678")
    (line,) = cmd.items
    assert (line.sku, line.title, line.quantity, line.unit_price_fen) == ("FAN-02", "落地扇 (白色,大号)", 2, 9400)
    assert line.paid_fen == 16800 and cmd.discount_fen == 0
    assert (cmd.buyer_remark, cmd.seller_memo) == ("放门口", "加急")


def test_unix_second_and_millisecond_times() -> None:
    cmd = normalise_order(info(created_time=1763619725, pay_time="1763619779000"), shop_id="s")
    assert cmd.created_at == datetime(2025, 11, 20, 14, 22, 5, tzinfo=SHANGHAI)
    assert cmd.paid_at == datetime(2025, 11, 20, 14, 22, 59, tzinfo=SHANGHAI)
    assert when("") is None and when(0) is None


def test_region_prefix_is_stripped_when_only_the_full_address_is_given() -> None:
    r = normalise_order(info(receiver_address=None), shop_id="s").receiver
    assert r.detail == "彩塘镇王厝宫路8号"


def test_ciphertexts_left_in_place_fall_back_to_the_masked_copies() -> None:
    r = normalise_order(
        info(
            receiver_name="~AgAAAAKj5K0F~e3T2WeW7~0~~",
            receiver_name_mask="林*坤",
            receiver_phone="$Y/YKpKSij9Re$AgAAAA$0$$",
            receiver_phone_mask="1*********5",
        ),
        shop_id="s",
    ).receiver
    assert (r.name, r.phone) == ("林*坤", "1*********5")
    assert is_encrypted("~a~b~0~~") and is_encrypted("$a$b$0$$") and not is_encrypted("林小坤")


def test_several_lines_carry_the_discount_at_order_level() -> None:
    items = [
        {"sku_id": 1, "outer_id": "A", "goods_name": "a", "goods_count": 1, "goods_price": "100.00"},
        {"sku_id": 2, "outer_id": "", "goods_name": "b", "goods_count": 2, "goods_price": 44},
    ]
    cmd = normalise_order(info(item_list=items), shop_id="s")
    assert [i.sku for i in cmd.items] == ["A", "2"]
    assert all(i.paid_fen is None for i in cmd.items)
    assert cmd.discount_fen == 2000 and cmd.to_order("X").paid_total_fen == 16800


def test_presale_order_marks_lines_with_the_ship_date() -> None:
    cmd = normalise_order(info(is_pre_sale=1, pre_sale_time="2026-12-01 00:00:00"), shop_id="s")
    assert cmd.items[0].presale and cmd.items[0].presale_ship_date == datetime(2026, 12, 1, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "overrides", [{"order_sn": ""}, {"created_time": None}, {"item_list": []}, {"created_time": "yesterday"}]
)
def test_unreadable_orders_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(OrderFormatError):
        normalise_order(info(**overrides), shop_id="s")


def test_platform_state_comes_with_the_order() -> None:
    order = normalise(info(updated_at="2026-11-20 16:00:00"), shop_id="s")
    assert order.updated_at == datetime(2026, 11, 20, 16, tzinfo=SHANGHAI)
    assert not order.cancelled and order.refunded_fen == 0 and "order_status=1" in order.platform_status


def test_cancelled_and_refunded_orders() -> None:
    cancelled = normalise(info(confirm_status=2), shop_id="s")
    assert cancelled.cancelled and cancelled.refunded_fen == 0
    refunded_unshipped = normalise(info(refund_status=4), shop_id="s")
    assert refunded_unshipped.cancelled and refunded_unshipped.refunded_fen == 17800
    refunded_shipped = normalise(info(refund_status=4, order_status=2), shop_id="s")
    assert not refunded_shipped.cancelled and refunded_shipped.refunded_fen == 17800


def test_decrypted_plaintexts_replace_the_ciphertexts() -> None:
    enc = info(receiver_name="~n~01~0~~", receiver_phone="$p$06$0$$", receiver_address="~a~08~0~~", address="~f~07~0~~")
    assert sorted(encrypted_values(enc)) == ["$p$06$0$$", "~a~08~0~~", "~f~07~0~~", "~n~01~0~~"]
    plain = with_plaintexts(
        enc,
        {
            "~n~01~0~~": "林小坤",
            "$p$06$0$$": "13912345678",
            "~a~08~0~~": "彩塘镇8号",
            "~f~07~0~~": "广东省潮州市潮安区彩塘镇8号",
        },
    )
    r = normalise(plain, shop_id="s").command.receiver
    assert (r.name, r.phone, r.district, r.detail) == ("林小坤", "13912345678", "潮安区", "彩塘镇8号")
    assert encrypted_values(plain) == []


def test_yuan_strings_and_numbers_are_converted_exactly() -> None:
    cmd = normalise_order(
        info(
            pay_amount="0.30",
            postage="0.01",
            item_list=[
                {"sku_id": 1, "outer_id": "A", "goods_name": "a", "goods_count": 3, "goods_price": Decimal("0.1")}
            ],
        ),
        shop_id="s",
    )
    assert (cmd.items[0].unit_price_fen, cmd.items[0].paid_fen) == (10, 29)
