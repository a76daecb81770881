"""Request and response models of the staff order API. Distinct from the event contracts: the
request is what a person types in (strict, unknown fields refused so typos surface), the response
is what a person reads (times in Asia/Shanghai, phone numbers masked)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from orderhub_contracts.order import Channel
from orderhub_contracts.timezone import SHANGHAI, as_shanghai
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ingest.orders.text import refuse_bidi_controls
from ingest.tracking import TrackingView

# A created_at further ahead than this is a typo, not clock skew (it would also mint a wrong ID).
FUTURE_TOLERANCE = timedelta(minutes=10)
EARLIEST_CREATED_AT = datetime(2000, 1, 1, tzinfo=SHANGHAI)  # older is a typo (and an ill-formed ID)
NAIVE_TIME_NOTE = "An ISO 8601 date-time; one without a UTC offset is read as Asia/Shanghai wall time."
_INPUT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Input(BaseModel):
    """Typed-in data: unknown fields refused, whitespace stripped, no NUL characters (which
    PostgreSQL cannot store in text or JSON), no bidirectional control characters (U+202E would
    show a receiver's name reversed, or disguise what follows it)."""

    model_config = _INPUT

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("must not contain NUL characters")
            refuse_bidi_controls(value)
        return value


class ReceiverIn(_Input):
    """Every field may be empty: an order with missing receiver data is accepted and then held by
    rule R06 (收货信息缺失) until customer service completes it."""

    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32, description="Stored normalised (no separators, no +86).")
    province: str = Field(default="", max_length=50)
    city: str = Field(default="", max_length=50)
    district: str = Field(default="", max_length=50)
    street: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=500)


class LineItemIn(_Input):
    sku: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=100_000, strict=True)
    unit_price_fen: int = Field(ge=0, le=1_000_000_000, strict=True, description="Integer fen (分).")
    paid_fen: int | None = Field(
        default=None,
        ge=0,
        le=100_000_000_000,
        strict=True,
        description="Amount paid for the whole line after discounts, in fen; defaults to quantity × unit price.",
    )
    presale: bool = False
    presale_ship_date: date | None = Field(default=None, description="For presale lines: the promised ship date.")


class PlaceOrderRequest(_Input):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "channel_order_no": "TEL2026021800017",
                    "created_at": "2026-02-18T14:22:00",
                    "paid_at": "2026-02-18T14:25:00",
                    "receiver": {
                        "name": "张三",
                        "phone": "138 1234 5678",
                        "province": "浙江省",
                        "city": "杭州市",
                        "district": "西湖区",
                        "street": "文三路",
                        "detail": "100号 3幢 502室",
                    },
                    "items": [{"sku": "AC-1001", "title": "变频空调 1.5匹", "quantity": 1, "unit_price_fen": 259900}],
                    "buyer_remark": "周末送货",
                }
            ]
        },
    )

    channel: Channel = Field(default=Channel.PHONE, description="Sales channel; phone orders by default.")
    channel_order_no: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The channel's order number (letters, digits, '-' and '_'); its last 5 characters end the ID.",
    )
    shop_id: str = Field(default="", max_length=64)
    created_at: datetime = Field(description=f"When the order was created. {NAIVE_TIME_NOTE}")
    paid_at: datetime | None = Field(default=None, description=f"When it was paid; omit for unpaid. {NAIVE_TIME_NOTE}")
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    receiver: ReceiverIn | None = Field(default=None, description="May be omitted or partly empty (then held by R06).")
    items: list[LineItemIn] = Field(min_length=1, max_length=200)
    buyer_remark: str = Field(default="", max_length=1000)
    seller_memo: str = Field(default="", max_length=1000)
    discount_fen: int = Field(default=0, ge=0, le=100_000_000_000, strict=True, description="Order-level discount.")

    @field_validator("created_at")
    @classmethod
    def _created_at(cls, value: datetime) -> datetime:
        aware = as_shanghai(value)
        if aware > datetime.now(aware.tzinfo) + FUTURE_TOLERANCE:
            raise ValueError("created_at lies in the future")
        if aware < EARLIEST_CREATED_AT:
            raise ValueError("created_at is before 2000-01-01")
        return aware

    @field_validator("paid_at")
    @classmethod
    def _paid_at(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        aware = as_shanghai(value)
        created = info.data.get("created_at")
        if isinstance(created, datetime) and aware < created:
            raise ValueError("paid_at is before created_at")
        return aware


class ReceiverView(BaseModel):
    name: str
    phone: str = Field(description="Masked, e.g. 138****5678.")
    province: str
    city: str
    district: str
    street: str
    detail: str


class LineItemView(BaseModel):
    line_no: int
    sku: str
    title: str
    quantity: int
    unit_price_fen: int
    line_total_fen: int
    paid_fen: int | None
    presale: bool
    presale_ship_date: datetime | None


class DiscountView(BaseModel):
    source: str = Field(description="platform | shop | talent | orderhub (our own coupons)")
    code: str
    name: str
    label: str
    amount_fen: int


class TotalsView(BaseModel):
    currency: str
    list_total_fen: int
    discount_fen: int
    paid_total_fen: int
    discounts: list[DiscountView] = Field(default_factory=list, description="the discounts, by who gave them")


class TimelineEntryView(BaseModel):
    id: int
    event_id: str
    event_type: str
    occurred_at: datetime
    summary: str
    data: dict[str, Any]
    outcome: str = Field(description="What it did to the status: applied, unchanged, late, rejected or info.")
    status_from: str | None
    status_to: str | None


class StatusChangeView(BaseModel):
    at: datetime
    from_status: str | None
    to_status: str
    event_type: str
    event_id: str
    implied: bool = Field(description="A step implied by a later event that arrived first.")


class RejectionView(BaseModel):
    event_id: str
    event_type: str
    from_status: str
    to_status: str
    at: datetime


class OrderView(BaseModel):
    order_id: str
    status: str
    channel: str
    channel_order_no: str
    shop_id: str
    created_at: datetime
    paid_at: datetime | None
    receiver: ReceiverView
    items: list[LineItemView]
    buyer_remark: str
    seller_memo: str
    totals: TotalsView
    placed_at: datetime
    updated_at: datetime
    label_printed_at: datetime | None = Field(
        default=None, description="when a parcel of the order first went on a pick list: its label is on paper"
    )
    outbound_status: str | None = Field(default=None, description="the last warehouse status: picking | created")
    timeline: list[TimelineEntryView]
    status_history: list[StatusChangeView]
    transition_rejections: list[RejectionView]
    tracking: TrackingView | None = Field(default=None, description="the parcel's latest checkpoint (最新物流)")


class ReceiverPhoneView(BaseModel):
    phone: str  # in full: only for customer service, and each reveal is logged


class PlacedOrderView(OrderView):
    duplicate: bool = Field(description="True when this channel order was already here; nothing new was stored.")
