"""Douyin shop_order_detail normalisation: fen amounts kept exact, unix-second times, `town` as the
district level, decrypted receiver (privacy numbers keep their extension), presale, status mapping."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from ingest.channels.douyin.normalise import encrypted_fields, normalise
from orderhub_contracts.order import Channel
from orderhub_contracts.timezone import SHANGHAI

NAME_C, TEL_C, ADDR_C = "#name#c1==*CgwI#1##", "#tel#c2==*CgwI#1##", "#addr#c3==*CgwI#1##"
PLAIN = {NAME_C: "李四", TEL_C: "18400913965-7576", ADDR_C: "文一西路 969 号 3 号楼"}

DETAIL: dict[str, Any] = {
    "order_id": "6921543212345678901",
    "shop_id": 77881,
    "order_status": 2,
    "order_status_desc": "备货中",
    "main_status": 2,
    "create_time": 1771395720,  # 2026-02-18 14:22:00 +08:00
    "pay_time": 1771395780,
    "update_time": 1771395800,
    "order_amount": 40007,
    "pay_amount": 38007,
    "post_amount": 0,
    "promotion_amount": 2000,
    "buyer_words": "请周末送货",
    "seller_words": "送小样",
    "seller_remark_stars": 2,
    "encrypt_post_receiver": NAME_C,
    "mask_post_receiver": "李*",
    "encrypt_post_tel": TEL_C,
    "mask_post_tel": "184****3965",
    "post_addr": {
        "province": {"name": "浙江省", "id": "33"},
        "city": {"name": "杭州市", "id": "3301"},
        "town": {"name": "余杭区", "id": "330110"},
        "street": {"name": "五常街道", "id": "330110005"},
        "encrypt_detail": ADDR_C,
    },
    "sku_order_list": [
        {
            "order_id": "6921543212345678902",
            "sku_id": 1,
            "product_name": "加湿器 3L 静音",
            "out_sku_id": "HUM-3L",
            "item_num": 2,
            "goods_price": 19900,
            "origin_amount": 39800,
            "pay_amount": 37807,
            "pre_sale_type": 0,
        },
        {
            "order_id": "6921543212345678903",
            "sku_id": 2,
            "product_name": "滤芯",
            "out_sku_id": "",
            "code": "FLT-01",
            "item_num": 1,
            "goods_price": 207,
            "origin_amount": 207,
            "pay_amount": 200,
            "pre_sale_type": 0,
        },
    ],
}


def detail(**overrides: Any) -> dict[str, Any]:
    d = copy.deepcopy(DETAIL)
    d.update(overrides)
    return d


def test_amounts_are_fen_and_times_are_aware() -> None:
    order = normalise(detail(), PLAIN)
    c = order.command
    assert c.channel is Channel.DOUYIN and c.channel_order_no == "6921543212345678901" and c.shop_id == "77881"
    assert c.created_at == datetime(2026, 2, 18, 14, 22, tzinfo=SHANGHAI)
    assert c.created_at.tzinfo is not None and c.paid_at == datetime(2026, 2, 18, 6, 23, tzinfo=UTC)
    assert [(i.sku, i.quantity, i.unit_price_fen, i.paid_fen) for i in c.items] == [
        ("HUM-3L", 2, 19900, 37807),
        ("FLT-01", 1, 207, 200),
    ]
    assert c.to_order("X").paid_total_fen == 38007 and c.currency == "CNY"
    assert order.updated_at == datetime(2026, 2, 18, 6, 23, 20, tzinfo=UTC) and not order.cancelled


def test_town_is_the_district_and_street_the_street() -> None:
    r = normalise(detail(), PLAIN).command.receiver
    assert (r.province, r.city, r.district, r.street) == ("浙江省", "杭州市", "余杭区", "五常街道")
    assert r.detail == "文一西路 969 号 3 号楼" and r.name == "李四"


def test_privacy_number_keeps_its_extension_and_is_masked() -> None:
    r = normalise(detail(), PLAIN).command.receiver
    assert r.phone == "18400913965-7576"
    assert r.masked_phone.startswith("184****")


def test_the_three_ciphertexts_are_asked_for_and_an_undecrypted_one_is_not_guessed() -> None:
    assert encrypted_fields(detail()) == [NAME_C, TEL_C, ADDR_C]
    with pytest.raises(KeyError):
        normalise(detail(), {NAME_C: "李四"})


def test_plain_fields_are_used_when_not_encrypted() -> None:
    d = detail(post_receiver="王五", post_tel="+86 138-0013-8000")
    del d["encrypt_post_receiver"], d["encrypt_post_tel"]
    d["post_addr"] = {**d["post_addr"], "detail": "莲花街 1 号"}
    del d["post_addr"]["encrypt_detail"]
    assert encrypted_fields(d) == []
    r = normalise(d, {}).command.receiver
    assert (r.name, r.phone, r.detail) == ("王五", "13800138000", "莲花街 1 号")


def test_unpaid_order_has_no_paid_time() -> None:
    assert normalise(detail(order_status=1, pay_time=0), PLAIN).command.paid_at is None


def test_presale_line_carries_the_promised_ship_date() -> None:
    skus = [dict(DETAIL["sku_order_list"][0], pre_sale_type=1)]
    order = normalise(detail(sku_order_list=skus, exp_ship_time=1772035200), PLAIN)
    (item,) = order.command.items
    assert item.presale and item.presale_ship_date == datetime(2026, 2, 26, tzinfo=SHANGHAI)


def test_cancel_and_refund_statuses() -> None:
    cancelled = normalise(detail(order_status=4, cancel_reason="买家取消"), PLAIN)
    assert cancelled.cancelled and cancelled.cancel_reason == "买家取消" and cancelled.refunded_fen == 0
    refunded = normalise(detail(order_status=21), PLAIN)
    assert refunded.cancelled and refunded.refunded_fen == 38007
    after_ship = normalise(detail(order_status=22), PLAIN)
    assert not after_ship.cancelled and after_ship.refunded_fen == 38007


def test_remarks_are_both_kept() -> None:
    c = normalise(detail(), PLAIN).command
    assert (c.buyer_remark, c.seller_memo) == ("请周末送货", "送小样")
