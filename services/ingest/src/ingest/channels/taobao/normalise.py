"""A `taobao.trade.fullinfo.get` trade -> the PlaceOrder command intake accepts, and the platform
state (closed, refunded, modified) around it as a ChannelOrder. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import Channel, LineItem

from ingest.channels.base import ChannelOrder
from ingest.channels.convert import platform_phone
from ingest.channels.taobao.fields import TradeFormatError, fen, gmt8, gmt8_or_none, listed, text
from ingest.orders.model import PlaceOrder

# Trade.status values that mean the trade is closed: before payment (by Taobao or the buyer) or
# after a full refund.
CLOSED_UNPAID, CLOSED_REFUNDED = "TRADE_CLOSED_BY_TAOBAO", "TRADE_CLOSED"
REFUND_SUCCESS = "SUCCESS"
_PRESALE_STEP_STATES = {"FRONT_NOPAID_FINAL_NOPAID", "FRONT_PAID_FINAL_NOPAID", "FRONT_PAID_FINAL_PAID"}


def order_no(trade: Mapping[str, Any]) -> str:
    number = text(trade.get("tid_str")) or text(trade.get("tid"))
    if not number:
        raise TradeFormatError("trade has no tid")
    return number


def receiver_of(trade: Mapping[str, Any]) -> Receiver:
    city, district = text(trade.get("receiver_city")), text(trade.get("receiver_district"))
    if not city and district:
        # 省直辖县级行政区 (河南济源 …) arrive only in receiver_district; TOP says to read it as the city.
        city, district = district, ""
    return Receiver(
        name=text(trade.get("receiver_name")),
        phone=platform_phone(text(trade.get("receiver_mobile")) or text(trade.get("receiver_phone"))),
        province=text(trade.get("receiver_state")),
        city=city,
        district=district,
        street=text(trade.get("receiver_town")),  # Taobao's town is the 街道 level
        detail=text(trade.get("receiver_address")),
    )


def is_presale(trade: Mapping[str, Any]) -> bool:
    return (
        text(trade.get("step_trade_status")) in _PRESALE_STEP_STATES
        or text(trade.get("type")) == "step"
        or trade.get("new_presell") in (True, "true")
    )


def _line(sub: Mapping[str, Any], presale: bool, ship_date: datetime | None) -> LineItem:
    codes = (sub.get(key) for key in ("outer_sku_id", "outer_iid", "sku_id", "num_iid"))
    sku = next((text(code) for code in codes if text(code)), "")
    if not sku:
        raise TradeFormatError(f"sub-order {sub.get('oid')} has no merchant code, sku_id or num_iid")
    title = text(sub.get("title"))
    spec = text(sub.get("sku_properties_name"))
    paid = sub.get("divide_order_fee") or sub.get("payment")
    return LineItem(
        sku=sku[:64],
        title=(f"{title} ({spec})" if spec else title)[:200],
        quantity=int(sub.get("num") or 1),
        unit_price_fen=fen(sub.get("price")),
        paid_fen=None if paid in (None, "") else fen(paid),
        presale=presale,
        presale_ship_date=ship_date if presale else None,
    )


def normalise_trade(trade: Mapping[str, Any], *, shop_id: str) -> PlaceOrder:
    created = gmt8(trade.get("created"))
    if created is None:
        raise TradeFormatError("trade has no created time")
    presale = is_presale(trade)
    ship_date = gmt8_or_none(trade.get("est_con_time"))
    items = tuple(_line(sub, presale, ship_date) for sub in listed(trade.get("orders"), "order"))
    if not items:
        raise TradeFormatError("trade has no sub-orders")
    # Whatever the lines' apportioned payments don't already account for is an order-level discount,
    # so that the canonical paid total equals what the buyer paid for goods (payment − post_fee).
    goods_paid = fen(trade.get("payment")) - fen(trade.get("post_fee"))
    residual = sum(item.effective_paid_fen for item in items) - goods_paid
    return PlaceOrder(
        channel=Channel.TAOBAO,
        channel_order_no=order_no(trade),
        created_at=created,
        paid_at=gmt8(trade.get("pay_time")),
        receiver=receiver_of(trade),
        items=items,
        shop_id=shop_id,
        buyer_remark=text(trade.get("buyer_message")),
        seller_memo=text(trade.get("seller_memo")),
        discount_fen=max(residual, 0),
    )


def _line_paid(sub: Mapping[str, Any]) -> int:
    return fen(sub.get("divide_order_fee") or sub.get("payment"))


def refunded_fen(trade: Mapping[str, Any]) -> int:
    """What the platform has refunded so far: every sub-order whose refund succeeded; a trade closed
    after payment with no such sub-order listed was refunded in full."""
    subs = listed(trade.get("orders"), "order")
    refunded = sum(_line_paid(sub) for sub in subs if text(sub.get("refund_status")) == REFUND_SUCCESS)
    if not refunded and text(trade.get("status")) == CLOSED_REFUNDED and text(trade.get("pay_time")):
        refunded = fen(trade.get("payment"))
    return refunded


def normalise(trade: Mapping[str, Any], *, shop_id: str) -> ChannelOrder:
    """The trade (receiver already decrypted through its OAID) as a ChannelOrder."""
    command = normalise_trade(trade, shop_id=shop_id)
    status = text(trade.get("status"))
    return ChannelOrder(
        command=command,
        platform_status=status,
        updated_at=gmt8(trade.get("modified")) or command.created_at,
        cancelled=status in (CLOSED_UNPAID, CLOSED_REFUNDED),
        cancel_reason=text(trade.get("close_reason")) or f"淘宝交易关闭 ({status})",
        refunded_fen=refunded_fen(trade),
    )


# taobao.top.oaid.decrypt Receiver fields -> the trade fields they stand for.
_OAID_FIELDS = {
    "name": "receiver_name",
    "mobile": "receiver_mobile",
    "phone": "receiver_phone",
    "state": "receiver_state",
    "city": "receiver_city",
    "district": "receiver_district",
    "town": "receiver_town",
    "address_detail": "receiver_address",
}


def with_receiver(trade: Mapping[str, Any], receiver: Mapping[str, Any]) -> dict[str, Any]:
    """The trade with its masked receiver replaced by the plaintext behind its OAID. Region fields the
    decrypt leaves out keep the trade's own (they are never masked)."""
    merged = dict(trade)
    for source, target in _OAID_FIELDS.items():
        if source in receiver and receiver[source] is not None:
            merged[target] = receiver[source]
    return merged
