"""The canonical order every channel is normalised into."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orderhub_contracts.address import Receiver


class Channel(StrEnum):
    PHONE = "phone"  # entered by customer service (电话下单)
    TAOBAO = "taobao"
    PINDUODUO = "pinduoduo"
    DOUYIN = "douyin"
    SHOPEE = "shopee"
    MINIPROGRAM = "miniprogram"


class LineItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1, max_length=64)
    title: str = Field(max_length=200)
    quantity: int = Field(ge=1, le=100_000)
    unit_price_fen: int = Field(ge=0)
    paid_fen: int | None = Field(default=None, ge=0, description="amount paid for the line after discounts")
    presale: bool = False
    presale_ship_date: datetime | None = None

    @property
    def list_total_fen(self) -> int:
        return self.quantity * self.unit_price_fen

    @property
    def effective_paid_fen(self) -> int:
        return self.list_total_fen if self.paid_fen is None else self.paid_fen


class Discount(BaseModel):
    """One discount on an order, normalised across channels so that analysis can tell which
    coupon or promotion brought which order: who gave it (`platform`, `shop`, `orderhub` for our
    own coupons), its code on that side, its name as shown (满199减20) and the amount in fen."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(min_length=1, max_length=32, description="platform | shop | orderhub")
    code: str = Field(default="", max_length=128, description="the coupon or promotion ID at its source")
    name: str = Field(default="", max_length=200, description="as the customer saw it, e.g. 满199减20")
    amount_fen: int = Field(ge=0)

    @property
    def label(self) -> str:
        """What the heat analysis groups by: the name where there is one, else the code."""
        return self.name or self.code


class CanonicalOrder(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: str
    channel: Channel
    channel_order_no: str
    shop_id: str = ""
    created_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    currency: str = "CNY"
    receiver: Receiver
    items: tuple[LineItem, ...] = Field(min_length=1)
    buyer_remark: str = ""
    seller_memo: str = ""
    gift_note: str = ""  # 礼品留言: printed on the pick list like the remarks
    discount_fen: int = Field(default=0, ge=0)
    discounts: tuple[Discount, ...] = ()
    buyer_id: str = ""  # the channel's buyer ID where it has one (the mini-program's openid)

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def list_total_fen(self) -> int:
        return sum(i.list_total_fen for i in self.items)

    @property
    def paid_total_fen(self) -> int:
        return max(sum(i.effective_paid_fen for i in self.items) - self.discount_fen, 0)
