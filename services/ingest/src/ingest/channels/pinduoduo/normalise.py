"""A `pdd.order.information.get` order_info (PII already decrypted) -> the PlaceOrder command, and
the platform state around it (cancelled, refunded, updated_at) as a ChannelOrder. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import Channel, LineItem

from ingest.channels.base import ChannelOrder
from ingest.channels.convert import platform_phone
from ingest.channels.pinduoduo.fields import OrderFormatError, fen, is_encrypted, text, when
from ingest.orders.model import PlaceOrder

# confirm_status 2 = 已取消; refund_status 4 = 退款成功 (order_status 1 = 待发货: refunded before shipping).
CONFIRM_CANCELLED, REFUND_SUCCESS, AWAITING_SHIPMENT = 2, 4, 1
ENCRYPTED_FIELDS = ("receiver_name", "receiver_phone", "address", "receiver_address")


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def order_no(info: Mapping[str, Any]) -> str:
    number = text(info.get("order_sn"))
    if not number:
        raise OrderFormatError("order has no order_sn")
    return number


def _detail(info: Mapping[str, Any], province: str, city: str, district: str) -> str:
    detail = text(info.get("receiver_address"))  # "收件人地址，不拼接省市区"
    if detail:
        return detail
    detail = text(info.get("address"))  # may carry the region levels in front
    for level in (province, city, district):
        if level and detail.startswith(level):
            detail = detail[len(level) :].lstrip()
    return detail


def _plain(info: Mapping[str, Any], field: str) -> str:
    """The decrypted value; a ciphertext left in place falls back to the platform's masked copy."""
    value = text(info.get(field))
    if is_encrypted(value):
        return text(info.get(f"{field}_mask"))
    return value


def receiver_of(info: Mapping[str, Any]) -> Receiver:
    province, city = text(info.get("province")), text(info.get("city"))
    district = text(info.get("town"))  # PDD's town is the 区县 level
    plain = {**info, "receiver_address": _plain(info, "receiver_address"), "address": _plain(info, "address")}
    return Receiver(
        name=_plain(info, "receiver_name"),
        phone=platform_phone(_plain(info, "receiver_phone")),
        province=province,
        city=city,
        district=district,
        detail=_detail(plain, province, city, district),
    )


def _line(item: Mapping[str, Any], presale: bool, ship_date: datetime | None, paid: int | None) -> LineItem:
    sku = text(item.get("outer_id")) or text(item.get("outer_goods_id")) or text(item.get("sku_id"))
    if not sku:
        raise OrderFormatError(f"item {item.get('goods_id')} has no merchant code or sku_id")
    name, spec = text(item.get("goods_name")), text(item.get("goods_spec"))
    return LineItem(
        sku=sku[:64],
        title=(f"{name} ({spec})" if spec else name)[:200],
        quantity=int(item.get("goods_count") or 1),
        unit_price_fen=fen(item.get("goods_price")),
        paid_fen=paid,
        presale=presale,
        presale_ship_date=ship_date if presale else None,
    )


def normalise_order(info: Mapping[str, Any], *, shop_id: str) -> PlaceOrder:
    created = when(info.get("created_time"))
    if created is None:
        raise OrderFormatError("order has no created_time")
    presale = str(info.get("is_pre_sale") or "0") == "1"
    ship_date = when(info.get("pre_sale_time")) if presale else None
    raw_items = [i for i in info.get("item_list") or [] if isinstance(i, dict)]
    if not raw_items:
        raise OrderFormatError("order has no item_list")
    goods_paid = fen(info.get("pay_amount")) - fen(info.get("postage"))
    # POP gives no per-line payment: a single line's is the order's; for several lines the order-level
    # discount carries the difference, so the canonical paid total is pay_amount − postage either way.
    single = max(goods_paid, 0) if len(raw_items) == 1 else None
    items = tuple(_line(i, presale, ship_date, single) for i in raw_items)
    residual = sum(item.effective_paid_fen for item in items) - goods_paid
    return PlaceOrder(
        channel=Channel.PINDUODUO,
        channel_order_no=order_no(info),
        created_at=created,
        paid_at=when(info.get("pay_time")) or when(info.get("confirm_time")),
        receiver=receiver_of(info),
        items=items,
        shop_id=shop_id,
        buyer_remark=text(info.get("buyer_memo")),
        seller_memo=text(info.get("remark")),
        discount_fen=max(residual, 0),
    )


def encrypted_values(info: Mapping[str, Any]) -> list[str]:
    """The ~…~ / $…$ ciphertexts in an order that pdd.open.decrypt.batch must turn into plain text."""
    values = (text(info.get(name)) for name in ENCRYPTED_FIELDS)
    return [v for v in values if is_encrypted(v)]


def with_plaintexts(info: Mapping[str, Any], plain: Mapping[str, str]) -> dict[str, Any]:
    return {k: plain.get(v, v) if k in ENCRYPTED_FIELDS and isinstance(v, str) else v for k, v in info.items()}


def normalise(info: Mapping[str, Any], *, shop_id: str) -> ChannelOrder:
    command = normalise_order(info, shop_id=shop_id)
    order_status, refund_status = _int(info.get("order_status")), _int(info.get("refund_status"))
    confirm_status = _int(info.get("confirm_status"))
    refunded = refund_status == REFUND_SUCCESS
    cancelled = confirm_status == CONFIRM_CANCELLED or (refunded and order_status == AWAITING_SHIPMENT)
    reason = "拼多多订单已取消" if confirm_status == CONFIRM_CANCELLED else "拼多多发货前退款成功"
    return ChannelOrder(
        command=command,
        platform_status=f"order_status={order_status} refund_status={refund_status} confirm_status={confirm_status}",
        updated_at=when(info.get("updated_at")) or command.created_at,
        cancelled=cancelled,
        cancel_reason=reason if cancelled else "",
        # POP reports a refund's state, not its amount: a successful refund is taken as the whole payment.
        refunded_fen=fen(info.get("pay_amount")) if refunded else 0,
    )
