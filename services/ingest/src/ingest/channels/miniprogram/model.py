"""The mini-program's commands and what its use cases answer (the HTTP shapes are in api/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ingest.orders.model import PlaceOrder
from ingest.tracking import TrackingView


@dataclass(frozen=True, slots=True)
class PlaceCustomerOrder:
    """A customer's order from the mini-program, unpaid until WeChat Pay says otherwise."""

    openid: str
    order: PlaceOrder  # channel miniprogram, its channel order number is the out_trade_no
    idempotency_key: str | None = None  # a retry with the same key answers the order it placed


@dataclass(frozen=True, slots=True)
class CustomerOrder:
    """One of a customer's orders as the customer sees it (phone masked)."""

    order_id: str
    out_trade_no: str
    amount_fen: int
    status: str
    paid: bool
    created_at: datetime
    receiver_name: str
    receiver_phone: str
    address: str
    buyer_remark: str
    tracking: TrackingView | None = None  # 最新物流: the parcel's latest checkpoint


@dataclass(frozen=True, slots=True)
class Checkout:
    """The order a placement answers, with the wx.requestPayment parameters (None: WeChat Pay
    unreachable, prepare them again later) and whether this request placed it."""

    order: CustomerOrder
    payment: dict[str, str] | None
    created: bool
