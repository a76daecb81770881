"""Search results as staff read them: times in Asia/Shanghai, phone numbers masked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from orderhub_contracts.phone import mask_phone
from orderhub_contracts.timezone import as_shanghai
from pydantic import BaseModel
from sqlalchemy import RowMapping

from ingest.orders.text import mask_phones


class ReceiverSummary(BaseModel):
    name: str
    phone: str  # masked: 138****5678


class ItemSummary(BaseModel):
    sku: str
    title: str
    quantity: int


class TotalsSummary(BaseModel):
    currency: str
    list_total_fen: int
    discount_fen: int
    paid_total_fen: int


class SearchHit(BaseModel):
    order_id: str
    channel: str
    channel_order_no: str
    shop_id: str
    status: str
    created_at: datetime
    paid_at: datetime | None
    receiver: ReceiverSummary
    items: list[ItemSummary]
    buyer_remark: str
    seller_memo: str
    totals: TotalsSummary


class SearchTerms(BaseModel):
    """How the query was understood, so a clerk can see why something did (not) match."""

    order_id_prefixes: list[str]
    channel_order_nos: list[str]
    phone_last4: list[str]
    product_words: list[str]


class SearchResult(BaseModel):
    terms: SearchTerms
    results: list[SearchHit]
    has_more: bool  # more orders match than `limit`: narrow the search


def build_hit(row: RowMapping, items: Sequence[RowMapping]) -> SearchHit:
    paid_at: datetime | None = row["paid_at"]
    return SearchHit(
        order_id=row["order_id"],
        channel=row["channel"],
        channel_order_no=row["channel_order_no"],
        shop_id=row["shop_id"],
        status=row["status"],
        created_at=as_shanghai(row["created_at"]),
        paid_at=None if paid_at is None else as_shanghai(paid_at),
        receiver=ReceiverSummary(name=row["receiver_name"], phone=mask_phone(row["receiver_phone"])),
        items=[ItemSummary(sku=i["sku"], title=i["title"], quantity=i["quantity"]) for i in items],
        buyer_remark=mask_phones(row["buyer_remark"]),  # typed-in numbers: masked like the receiver's
        seller_memo=mask_phones(row["seller_memo"]),
        totals=TotalsSummary(
            currency=row["currency"],
            list_total_fen=row["list_total_fen"],
            discount_fen=row["discount_fen"],
            paid_total_fen=row["paid_total_fen"],
        ),
    )
