"""The command to place an order, as every intake path (staff API now, channel webhooks later)
hands it to the intake handler, already validated and normalised."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import CanonicalOrder, Channel, Discount, LineItem


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    channel: Channel
    channel_order_no: str
    created_at: datetime  # timezone-aware
    receiver: Receiver  # phone already normalised
    items: tuple[LineItem, ...]
    paid_at: datetime | None = None
    shop_id: str = ""
    currency: str = "CNY"
    buyer_remark: str = ""
    seller_memo: str = ""
    discount_fen: int = 0
    discounts: tuple[Discount, ...] = ()  # the discount_fen broken down by who gave it
    entered_by: str = ""  # the staff member who typed it in, for the timeline
    buyer_id: str = ""  # the mini-program customer's openid (aftersales checks ownership by it)

    def to_order(self, order_id: str) -> CanonicalOrder:
        return CanonicalOrder(
            order_id=order_id,
            channel=self.channel,
            channel_order_no=self.channel_order_no,
            shop_id=self.shop_id,
            created_at=self.created_at,
            paid_at=self.paid_at,
            currency=self.currency,
            receiver=self.receiver,
            items=self.items,
            buyer_remark=self.buyer_remark,
            seller_memo=self.seller_memo,
            discount_fen=self.discount_fen,
            discounts=self.discounts,
            buyer_id=self.buyer_id,
        )


Row = Mapping[Any, Any]  # a row read back, or one as just written


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as stored: its row, its timeline and the status changes refused."""

    row: Row
    timeline: Sequence[Row]
    rejections: Sequence[Row]
    order: CanonicalOrder | None = None  # the snapshot, when already at hand
