"""The order as staff read it: record, lines, totals, the timeline of every event, and the
status history derived from it. Times in Asia/Shanghai, phone numbers masked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.phone import mask_phone
from orderhub_contracts.timezone import as_shanghai

from ingest.api.schemas import (
    DiscountView,
    LineItemView,
    OrderView,
    ReceiverView,
    RejectionView,
    StatusChangeView,
    TimelineEntryView,
    TotalsView,
)
from ingest.orders.model import OrderRecord, Row
from ingest.tracking import latest_tracking


def order_view(record: OrderRecord) -> OrderView:
    return build_order_view(record.row, record.timeline, record.rejections, order=record.order)


def build_order_view(
    row: Row,
    timeline: Sequence[Row],
    rejections: Sequence[Row],
    *,
    order: CanonicalOrder | None = None,  # the snapshot, when already at hand
) -> OrderView:
    if order is None:
        order = CanonicalOrder.model_validate(row["snapshot"])
    return OrderView(
        order_id=row["order_id"],
        status=row["status"],
        channel=row["channel"],
        channel_order_no=row["channel_order_no"],
        shop_id=row["shop_id"],
        created_at=as_shanghai(row["created_at"]),
        paid_at=_local(row["paid_at"]),
        receiver=ReceiverView(
            name=row["receiver_name"],
            phone=mask_phone(row["receiver_phone"]),
            province=row["receiver_province"],
            city=row["receiver_city"],
            district=row["receiver_district"],
            street=row["receiver_street"],
            detail=row["receiver_detail"],
        ),
        items=[
            LineItemView(
                line_no=n,
                sku=item.sku,
                title=item.title,
                quantity=item.quantity,
                unit_price_fen=item.unit_price_fen,
                line_total_fen=item.list_total_fen,
                paid_fen=item.paid_fen,
                presale=item.presale,
                presale_ship_date=_local(item.presale_ship_date),
            )
            for n, item in enumerate(order.items, start=1)
        ],
        buyer_remark=row["buyer_remark"],
        seller_memo=row["seller_memo"],
        totals=TotalsView(
            currency=row["currency"],
            list_total_fen=row["list_total_fen"],
            discount_fen=row["discount_fen"],
            paid_total_fen=row["paid_total_fen"],
            discounts=[
                DiscountView(source=d.source, code=d.code, name=d.name, label=d.label, amount_fen=d.amount_fen)
                for d in order.discounts
            ],
        ),
        placed_at=as_shanghai(row["placed_at"]),
        updated_at=as_shanghai(row["updated_at"]),
        label_printed_at=_local(row.get("label_printed_at")),
        outbound_status=row.get("outbound_status"),
        timeline=[_timeline_entry(t) for t in timeline],
        status_history=status_history(timeline),
        tracking=latest_tracking([(t["event_type"], t["data"]) for t in timeline]),
        transition_rejections=[
            RejectionView(
                event_id=r["event_id"],
                event_type=r["event_type"],
                from_status=r["from_status"],
                to_status=r["to_status"],
                at=as_shanghai(r["at"]),
            )
            for r in rejections
        ],
    )


def status_history(timeline: Sequence[Row]) -> list[StatusChangeView]:
    """One entry per status step, implied steps included, in timeline order."""
    history: list[StatusChangeView] = []
    for t in timeline:
        path: list[str] = t["status_path"]
        previous: str | None = t["status_from"]
        for index, status in enumerate(path):
            history.append(
                StatusChangeView(
                    at=as_shanghai(t["occurred_at"]),
                    from_status=previous,
                    to_status=status,
                    event_type=t["event_type"],
                    event_id=t["event_id"],
                    implied=index < len(path) - 1,
                )
            )
            previous = status
    return history


def _timeline_entry(t: Row) -> TimelineEntryView:
    path: list[str] = t["status_path"]
    return TimelineEntryView(
        id=t["id"],
        event_id=t["event_id"],
        event_type=t["event_type"],
        occurred_at=as_shanghai(t["occurred_at"]),
        summary=t["summary"],
        data=t["data"],
        outcome=t["outcome"],
        status_from=t["status_from"],
        status_to=path[-1] if path else None,
    )


def _local(value: datetime | None) -> datetime | None:
    return None if value is None else as_shanghai(value)
