"""Shopee v2 order detail → ChannelOrder. Amounts are decimals in the currency's major unit
(MYR 31.99), parsed exactly (never through a float) into minor units with the currency kept; times
are unix seconds; `recipient_address` state/city/district/town map to province/city/district/
street and `full_address` is the delivery detail. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import Channel, LineItem

from ingest.channels.base import ChannelOrder
from ingest.channels.convert import from_unix, platform_phone, text, yuan_to_fen
from ingest.orders.model import PlaceOrder

CANCELLED = "CANCELLED"
UNPAID = "UNPAID"


def minor_units(amount: Any) -> int:
    """A Shopee amount (exact Decimal or int from `loads_exact`, or a string) in minor units (sen)."""
    if isinstance(amount, float):  # only reachable if someone parsed the body with plain json.loads
        raise TypeError("shopee amounts must be parsed exactly (loads_exact), not as float")
    if amount is None:
        return 0
    return yuan_to_fen(amount if isinstance(amount, (str, int, Decimal)) else str(amount))


def receiver(order: Mapping[str, Any]) -> Receiver:
    addr: Mapping[str, Any] = order.get("recipient_address") or {}
    return Receiver(
        name=text(addr.get("name")),
        phone=platform_phone(text(addr.get("phone"))),
        province=text(addr.get("state")),
        city=text(addr.get("city")),
        district=text(addr.get("district")),
        street=text(addr.get("town")),
        detail=text(addr.get("full_address")),
    )


def line_item(item: Mapping[str, Any]) -> LineItem:
    quantity = int(item["model_quantity_purchased"])
    original = minor_units(item.get("model_original_price"))
    discounted = item.get("model_discounted_price")
    sku = text(item.get("model_sku")) or text(item.get("item_sku")) or f"{item['item_id']}-{item.get('model_id', 0)}"
    title = text(item.get("item_name"))
    if text(item.get("model_name")):
        title = f"{title} {text(item.get('model_name'))}"
    return LineItem(
        sku=sku[:64],
        title=title[:200],
        quantity=quantity,
        unit_price_fen=original,
        paid_fen=None if discounted is None else minor_units(discounted) * quantity,
    )


def normalise(order: Mapping[str, Any], shop_id: str) -> ChannelOrder:
    status = text(order["order_status"])
    created_at = from_unix(order["create_time"])
    if created_at is None:
        raise ValueError("shopee order without create_time")
    currency = text(order.get("currency")) or "MYR"
    command = PlaceOrder(
        channel=Channel.SHOPEE,
        channel_order_no=text(order["order_sn"]),
        created_at=created_at,
        receiver=receiver(order),
        items=tuple(line_item(item) for item in order.get("item_list") or []),
        paid_at=from_unix(order.get("pay_time")),
        shop_id=shop_id,
        currency=currency,
        buyer_remark=text(order.get("message_to_seller")),
        seller_memo=text(order.get("note")),
    )
    reason = text(order.get("cancel_reason")) or text(order.get("buyer_cancel_reason"))
    return ChannelOrder(
        command=command,
        platform_status=status,
        updated_at=from_unix(order.get("update_time")) or created_at,
        cancelled=status == CANCELLED,
        cancel_reason=f"Shopee: {reason}" if reason else "Shopee order cancelled",
    )
