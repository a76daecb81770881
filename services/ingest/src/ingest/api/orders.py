"""Staff order routes. Thin: validate into a command, open the transaction, call the handler."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from orderhub_contracts.address import Receiver
from orderhub_contracts.order import LineItem
from orderhub_contracts.phone import normalize_phone
from orderhub_contracts.timezone import SHANGHAI
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.errors import NotFound
from orderhub_runtime.settings import StaffMember

from ingest.api.order_views import order_view
from ingest.api.schemas import (
    LineItemIn,
    OrderView,
    PlacedOrderView,
    PlaceOrderRequest,
    ReceiverIn,
    ReceiverPhoneView,
)
from ingest.orders import service
from ingest.orders.model import PlaceOrder

router = APIRouter(prefix="/v1/orders", tags=["orders"])
OrderTaker = Annotated[StaffMember, Depends(require_staff("cs", "manager"))]
AnyStaff = Annotated[StaffMember, Depends(require_staff())]
# Global IDs are DABE + digits + channel-order characters (+ "-" suffix); anything else cannot exist.
_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")

_ERROR = {"description": 'Error: {"error": {"code", "message", "details"}}'}
_PLACE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": PlacedOrderView,
        "description": "This channel order was already here: the stored order, "
        "`duplicate: true`, nothing new stored or published.",
    },
    401: _ERROR,
    403: _ERROR,
    409: {
        "description": "The channel order number was already used for a materially different order "
        "(items, receiver, amounts, times)."
    },
    422: {"description": "Invalid body; `details` lists each field and the problem. Nothing is stored."},
}


@router.post("", status_code=201, response_model=PlacedOrderView, responses=_PLACE_RESPONSES)
async def place_order(
    body: PlaceOrderRequest, response: Response, db: DatabaseDep, staff: OrderTaker
) -> PlacedOrderView:
    """Enter an order (customer service, phone orders by default). It gets its global ID
    (`DABE` + creation minute in Asia/Shanghai + last 5 characters of the channel order number) and
    `order.placed` is published. Times without a UTC offset are read as Asia/Shanghai wall time.
    Submitting the same channel order again returns it with HTTP 200 and publishes nothing."""
    command = to_command(body, entered_by=staff.name)
    accepted, record = await db.run_in_transaction(lambda tx: service.place_order(tx, command))
    view = order_view(record)
    if accepted.created:
        response.headers["Location"] = f"/v1/orders/{accepted.order_id}"
    else:
        response.status_code = 200
    return PlacedOrderView(**view.model_dump(), duplicate=not accepted.created)


@router.get("/{order_id}", response_model=OrderView, responses={401: _ERROR, 404: _ERROR})
async def get_order(order_id: str, db: DatabaseDep, _: AnyStaff) -> OrderView:
    """The order with its status, lines, remark, totals, a timeline of every event (anomalies,
    clearance or hold, shortages, waybill, messages sent) and its status history."""
    record = None
    if _ORDER_ID.fullmatch(order_id):
        async with db.read() as conn:
            record = await service.read_order(conn, order_id)
    if record is None:
        raise NotFound(f"no order with ID {order_id!r}", details={"order_id": order_id})
    return order_view(record)


@router.get("/{order_id}/receiver-phone", responses={401: _ERROR, 403: _ERROR, 404: _ERROR})
async def receiver_phone(order_id: str, db: DatabaseDep, staff: OrderTaker) -> ReceiverPhoneView:
    """The receiver's full phone number (everywhere else it is masked), for an agent who must call
    the customer. Customer service and managers only; each reveal is logged with who asked
    (`order.phone_revealed`), never the number."""
    if not _ORDER_ID.fullmatch(order_id):
        raise NotFound(f"no order with ID {order_id!r}", details={"order_id": order_id})
    async with db.read() as conn:
        phone = await service.reveal_receiver_phone(conn, order_id, staff=staff.name)
    return ReceiverPhoneView(phone=phone)


def to_command(body: PlaceOrderRequest, *, entered_by: str) -> PlaceOrder:
    r = body.receiver or ReceiverIn()
    return PlaceOrder(
        channel=body.channel,
        channel_order_no=body.channel_order_no,
        shop_id=body.shop_id,
        created_at=body.created_at,
        paid_at=body.paid_at,
        currency=body.currency,
        receiver=Receiver(
            name=r.name,
            phone=normalize_phone(r.phone),
            province=r.province,
            city=r.city,
            district=r.district,
            street=r.street,
            detail=r.detail,
        ),
        items=tuple(_line(item) for item in body.items),
        buyer_remark=body.buyer_remark,
        seller_memo=body.seller_memo,
        discount_fen=body.discount_fen,
        entered_by=entered_by,
    )


def _line(item: LineItemIn) -> LineItem:
    ship_date = item.presale_ship_date
    return LineItem(
        sku=item.sku,
        title=item.title,
        quantity=item.quantity,
        unit_price_fen=item.unit_price_fen,
        paid_fen=item.paid_fen,
        presale=item.presale,
        presale_ship_date=None if ship_date is None else datetime.combine(ship_date, time(), tzinfo=SHANGHAI),
    )
