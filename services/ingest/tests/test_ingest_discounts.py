"""Every channel's discounts as normalised data (source, code, name, amount in fen), from the
platform payload's coupon and promotion fields. Pure."""

from __future__ import annotations

from decimal import Decimal

from ingest.channels.douyin.normalise import discounts_of as douyin
from ingest.channels.pinduoduo.normalise import discounts_of as pinduoduo
from ingest.channels.shopee.normalise import discounts_of as shopee
from ingest.channels.taobao.normalise import discounts_of as taobao
from orderhub_contracts.order import Discount


def test_taobao_promotions_and_red_packets() -> None:
    trade = {
        "promotion_details": {
            "promotion_detail": [
                {
                    "promotion_id": "shopbonus-123",
                    "promotion_name": "店铺优惠券",
                    "promotion_desc": "满199减20",
                    "discount_fee": "20.00",
                },
                {"promotion_id": "Tmall$tmallItemPromotion-1", "promotion_name": "天猫活动", "discount_fee": "5.50"},
                {"promotion_id": "zero", "discount_fee": "0.00"},
            ]
        },
        "coupon_fee": 300,
    }
    assert taobao(trade) == (
        Discount(source="shop", code="shopbonus-123", name="满199减20", amount_fen=2000),
        Discount(source="platform", code="Tmall$tmallItemPromotion-1", name="天猫活动", amount_fen=550),
        Discount(source="platform", code="coupon_fee", name="淘宝红包", amount_fen=300),
    )
    assert taobao({}) == ()
    assert taobao(trade)[0].label == "满199减20"


def test_pinduoduo_platform_and_seller_discounts() -> None:
    info = {"platform_discount": "3.00", "seller_discount": "20", "capital_free_discount": "0"}
    assert pinduoduo(info) == (
        Discount(source="platform", code="platform_discount", name="平台优惠", amount_fen=300),
        Discount(source="shop", code="seller_discount", name="店铺优惠", amount_fen=2000),
    )


def test_douyin_promotions_in_fen() -> None:
    detail = {"promotion_shop_amount": 2000, "promotion_platform_amount": 500, "promotion_talent_amount": 0}
    assert [(d.source, d.amount_fen) for d in douyin(detail)] == [("shop", 2000), ("platform", 500)]


def test_shopee_discounted_prices_per_line() -> None:
    order = {
        "item_list": [
            {
                "model_sku": "KET-17",
                "model_original_price": Decimal("39.90"),
                "model_discounted_price": Decimal("31.99"),
                "model_quantity_purchased": 2,
            },
            {"model_sku": "FAN-02", "model_original_price": Decimal("10"), "model_discounted_price": Decimal("10")},
        ]
    }
    assert shopee(order) == (Discount(source="shop", code="KET-17", name="Shopee 折扣价", amount_fen=1582),)
    assert Discount(source="shop", code="X", amount_fen=1).label == "X"
