"""Douyin shop_order_detail → ChannelOrder. Amounts are already integer fen; times are unix
seconds; `post_addr.town` is the district (区县) level and `street` the street (街道/乡镇).
Receiver name, phone and detail address arrive encrypted and are passed in decrypted. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import Channel, LineItem

from ingest.channels.base import ChannelOrder
from ingest.channels.convert import from_unix, platform_phone, text
from ingest.orders.model import PlaceOrder

# order_status values (抖店 订单状态)
UNPAID, PAID, CANCELLED = 1, 105, 4
REFUNDED_BEFORE_SHIP, REFUNDED_AFTER_SHIP, REFUNDED_AFTER_RECEIPT = 21, 22, 39
REFUNDED = frozenset({REFUNDED_BEFORE_SHIP, REFUNDED_AFTER_SHIP, REFUNDED_AFTER_RECEIPT})


def encrypted_fields(detail: Mapping[str, Any]) -> list[str]:
    """The ciphertexts in a detail that `order.batchDecrypt` must turn into plain text."""
    addr = detail.get("post_addr") or {}
    found = [detail.get("encrypt_post_receiver"), detail.get("encrypt_post_tel"), addr.get("encrypt_detail")]
    return [str(c) for c in found if c]


def _pick(detail: Mapping[str, Any], plain: Mapping[str, str], encrypted: Any, clear: Any) -> str:
    if encrypted:
        return plain[str(encrypted)]  # KeyError: not decrypted, the caller refetches later
    return text(clear)


def _name(node: Any) -> str:
    return text(node.get("name")) if isinstance(node, Mapping) else text(node)


def receiver(detail: Mapping[str, Any], plain: Mapping[str, str]) -> Receiver:
    addr: Mapping[str, Any] = detail.get("post_addr") or {}
    return Receiver(
        name=_pick(detail, plain, detail.get("encrypt_post_receiver"), detail.get("post_receiver")),
        phone=platform_phone(_pick(detail, plain, detail.get("encrypt_post_tel"), detail.get("post_tel"))),
        province=_name(addr.get("province")),
        city=_name(addr.get("city")),
        district=_name(addr.get("town")),
        street=_name(addr.get("street")),
        detail=_pick(detail, plain, addr.get("encrypt_detail"), addr.get("detail")),
    )


def line_item(sku: Mapping[str, Any], detail: Mapping[str, Any]) -> LineItem:
    presale = int(sku.get("pre_sale_type") or 0) != 0
    ship_by = from_unix(detail.get("appointment_ship_time")) or from_unix(detail.get("exp_ship_time"))
    merchant_code = (
        text(sku.get("out_sku_id")) or text(sku.get("code")) or text(sku.get("sku_id")) or text(sku.get("product_id"))
    )
    return LineItem(
        sku=merchant_code[:64],
        title=text(sku.get("product_name"), 200),
        quantity=int(sku["item_num"]),
        unit_price_fen=int(sku.get("goods_price") or 0),
        paid_fen=int(sku["pay_amount"]) if sku.get("pay_amount") is not None else None,
        presale=presale,
        presale_ship_date=ship_by if presale else None,
    )


def normalise(detail: Mapping[str, Any], plain: Mapping[str, str]) -> ChannelOrder:
    status = int(detail["order_status"])
    created_at = from_unix(detail["create_time"])
    if created_at is None:
        raise ValueError("douyin order without create_time")
    skus = detail.get("sku_order_list") or []
    command = PlaceOrder(
        channel=Channel.DOUYIN,
        channel_order_no=text(detail["order_id"]),
        created_at=created_at,
        receiver=receiver(detail, plain),
        items=tuple(line_item(sku, detail) for sku in skus),
        paid_at=from_unix(detail.get("pay_time")),
        shop_id=text(detail.get("shop_id")),
        currency="CNY",
        buyer_remark=text(detail.get("buyer_words")),
        seller_memo=text(detail.get("seller_words")),
    )
    refunded = int(detail.get("pay_amount") or 0) if status in REFUNDED else 0
    return ChannelOrder(
        command=command,
        platform_status=str(status),
        updated_at=from_unix(detail.get("update_time")) or created_at,
        cancelled=status in (CANCELLED, REFUNDED_BEFORE_SHIP),
        cancel_reason=text(detail.get("cancel_reason")) or text(detail.get("order_status_desc")) or "抖店订单已取消",
        refunded_fen=refunded,
    )
