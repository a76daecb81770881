"""Taobao trade -> PlaceOrder, from documented-shape fullinfo payloads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from ingest.channels.taobao.fields import TradeFormatError
from ingest.channels.taobao.normalise import normalise, normalise_trade, with_receiver
from orderhub_contracts.money import InvalidAmount
from orderhub_contracts.order import Channel
from orderhub_contracts.timezone import SHANGHAI


def trade(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tid": 3456789012345678901,
        "tid_str": "3456789012345678901",
        "status": "WAIT_SELLER_SEND_GOODS",
        "created": "2026-11-20 14:22:05",
        "pay_time": "2026-11-20 14:25:00",
        "payment": "210.07",
        "post_fee": "10.00",
        "total_fee": "220.00",
        "discount_fee": "10.00",
        "receiver_name": "张三",
        "receiver_mobile": "+86 138-1234-5678",
        "receiver_state": "浙江省",
        "receiver_city": "杭州市",
        "receiver_district": "西湖区",
        "receiver_town": "文新街道",
        "receiver_address": "文三路100号3幢502室",
        "buyer_message": "周末送货",
        "seller_memo": "送小样",
        "seller_flag": 1,
        "orders": {
            "order": [
                {
                    "oid": 3456789012345678902,
                    "num_iid": 61234,
                    "sku_id": "4567",
                    "outer_iid": "AC",
                    "outer_sku_id": "AC-1001",
                    "title": "变频空调",
                    "sku_properties_name": "颜色:白色",
                    "num": 2,
                    "price": "110.00",
                    "payment": "200.07",
                    "divide_order_fee": "200.07",
                }
            ]
        },
    }
    body.update(overrides)
    return body


def test_a_paid_trade_is_normalised() -> None:
    cmd = normalise_trade(trade(), shop_id="tb-shop-1")
    assert cmd.channel is Channel.TAOBAO and cmd.channel_order_no == "3456789012345678901"
    assert cmd.shop_id == "tb-shop-1"
    assert cmd.created_at == datetime(2026, 11, 20, 14, 22, 5, tzinfo=SHANGHAI)
    assert cmd.created_at.utcoffset() == timedelta(hours=8)
    assert cmd.paid_at == datetime(2026, 11, 20, 14, 25, tzinfo=SHANGHAI)
    r = cmd.receiver
    assert (r.name, r.phone) == ("张三", "13812345678")
    assert (r.province, r.city, r.district, r.street) == ("浙江省", "杭州市", "西湖区", "文新街道")
    assert r.detail == "文三路100号3幢502室"
    assert (cmd.buyer_remark, cmd.seller_memo) == ("周末送货", "送小样")
    (line,) = cmd.items
    assert (line.sku, line.title, line.quantity) == ("AC-1001", "变频空调 (颜色:白色)", 2)
    assert (line.unit_price_fen, line.paid_fen) == (11000, 20007)
    assert cmd.to_order("X").paid_total_fen == 20007  # payment − post_fee
    assert cmd.discount_fen == 0


def test_province_administered_county_in_the_district_field_becomes_the_city() -> None:
    r = normalise_trade(
        trade(receiver_state="河南省", receiver_city="", receiver_district="济源市", receiver_town="沁园街道"),
        shop_id="s",
    ).receiver
    assert (r.province, r.city, r.district, r.street) == ("河南省", "济源市", "", "沁园街道")


def test_unpaid_trade_has_no_paid_time_and_landline_is_used_without_mobile() -> None:
    cmd = normalise_trade(trade(pay_time=None, receiver_mobile="", receiver_phone="0571-8888 1234"), shop_id="s")
    assert cmd.paid_at is None and cmd.receiver.phone == "057188881234"


def test_merchant_code_falls_back_from_sku_code_to_item_code() -> None:
    sub = {"oid": 1, "num_iid": 9, "outer_iid": "ITEM-CODE", "title": "t", "num": 1, "price": "1.00", "payment": "1.00"}
    cmd = normalise_trade(trade(payment="1.00", post_fee="0.00", orders={"order": [sub]}), shop_id="s")
    assert cmd.items[0].sku == "ITEM-CODE"


def test_simplified_lists_and_order_level_discount_not_apportioned() -> None:
    subs = [
        {"oid": 1, "outer_sku_id": "A", "title": "a", "num": 1, "price": "50.00", "payment": "50.00"},
        {"oid": 2, "outer_sku_id": "B", "title": "b", "num": 3, "price": "10.00", "payment": "30.00"},
    ]
    cmd = normalise_trade(trade(orders=subs, payment="75.00", post_fee="0.00"), shop_id="s")
    assert [i.sku for i in cmd.items] == ["A", "B"]
    assert cmd.discount_fen == 500  # e.g. a coupon not apportioned to lines
    assert cmd.to_order("X").paid_total_fen == 7500


def test_presale_trade_marks_lines_and_carries_the_ship_date() -> None:
    cmd = normalise_trade(
        trade(type="step", step_trade_status="FRONT_PAID_FINAL_NOPAID", est_con_time="2026-12-05 00:00:00"), shop_id="s"
    )
    assert cmd.items[0].presale
    assert cmd.items[0].presale_ship_date == datetime(2026, 12, 5, tzinfo=SHANGHAI)


def test_free_text_ship_promise_is_not_a_date() -> None:
    cmd = normalise_trade(trade(step_trade_status="FRONT_PAID_FINAL_NOPAID", est_con_time="付款后15天内"), shop_id="s")
    assert cmd.items[0].presale and cmd.items[0].presale_ship_date is None


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"tid": None, "tid_str": None}, TradeFormatError),
        ({"created": "20/11/2026"}, TradeFormatError),
        ({"orders": {"order": []}}, TradeFormatError),
        ({"payment": "1.005"}, InvalidAmount),
    ],
)
def test_unreadable_trades_are_refused(overrides: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        normalise_trade(trade(**overrides), shop_id="s")


def test_platform_state_comes_with_the_order() -> None:
    order = normalise(trade(modified="2026-11-20 15:00:00"), shop_id="s")
    assert order.platform_status == "WAIT_SELLER_SEND_GOODS" and not order.cancelled and order.refunded_fen == 0
    assert order.updated_at == datetime(2026, 11, 20, 15, tzinfo=SHANGHAI)
    assert normalise(trade(modified=None), shop_id="s").updated_at == order.command.created_at


def test_closed_before_payment_is_a_cancellation_without_refund() -> None:
    order = normalise(trade(status="TRADE_CLOSED_BY_TAOBAO", pay_time=None), shop_id="s")
    assert order.cancelled and order.refunded_fen == 0 and "TRADE_CLOSED_BY_TAOBAO" in order.cancel_reason


def test_refunded_sub_orders_add_up_and_a_trade_closed_after_payment_is_refunded_in_full() -> None:
    subs = [
        {
            "oid": 1,
            "outer_sku_id": "A",
            "title": "a",
            "num": 1,
            "price": "50.00",
            "payment": "50.00",
            "refund_status": "SUCCESS",
        },
        {
            "oid": 2,
            "outer_sku_id": "B",
            "title": "b",
            "num": 1,
            "price": "30.00",
            "payment": "30.00",
            "refund_status": "WAIT_SELLER_AGREE",
        },
    ]
    partly = normalise(trade(orders=subs, payment="80.00", post_fee="0.00"), shop_id="s")
    assert partly.refunded_fen == 5000 and not partly.cancelled
    closed = normalise(trade(status="TRADE_CLOSED"), shop_id="s")
    assert closed.cancelled and closed.refunded_fen == 21007


def test_the_oaid_plaintext_replaces_the_masked_receiver() -> None:
    masked = trade(receiver_name="张**", receiver_mobile="138****5678", receiver_address="文三路**", oaid="OA1")
    plain = with_receiver(
        masked,
        {
            "oaid": "OA1",
            "name": "张三",
            "mobile": "18400913965-7576",
            "address_detail": "文三路100号",
            "state": "浙江省",
            "district": None,
        },
    )
    r = normalise(plain, shop_id="s").command.receiver
    assert (r.name, r.phone, r.detail, r.district) == ("张三", "18400913965-7576", "文三路100号", "西湖区")


def test_yuan_strings_are_converted_exactly() -> None:
    sub = {"oid": 1, "outer_sku_id": "A", "title": "a", "num": 3, "price": "0.10", "payment": "0.29"}
    cmd = normalise_trade(trade(orders=[sub], payment="0.30", post_fee="0.01"), shop_id="s")
    assert (cmd.items[0].unit_price_fen, cmd.items[0].paid_fen, cmd.to_order("X").paid_total_fen) == (10, 29, 29)
