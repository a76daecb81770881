"""The mini-program's returns: a customer files, follows and cancels their own after-sales
requests with the session token they order with. Another customer's order or ticket is "not
found", never "forbidden"."""

from __future__ import annotations

from fastapi import APIRouter
from orderhub_runtime.app import DatabaseDep

from aftersales.api.schemas import CustomerTicketOut, ReturnIn
from aftersales.deps import Customer
from aftersales.refunds import service as refunds
from aftersales.tickets import service
from aftersales.tickets.model import CancelReturn, FileReturn, TicketFilter

router = APIRouter(prefix="/v1/miniprogram/returns", tags=["mini-program returns"])


@router.post("", status_code=201)
async def file_return(body: ReturnIn, db: DatabaseDep, openid: Customer) -> CustomerTicketOut:
    """退货退款 / 仅退款 / 换货 for lines of one's own order; at most what was bought minus what is
    already returned or being returned."""
    command = FileReturn(
        order_id=body.order_id,
        return_type=body.type,
        lines=tuple(line.line() for line in body.lines),
        reason=body.reason,
        photos=tuple(body.photos),
        buyer_id=openid,
    )
    ticket = await db.run_in_transaction(lambda tx: service.file_return(tx, command))
    return CustomerTicketOut.of(ticket, None)


@router.get("")
async def my_returns(db: DatabaseDep, openid: Customer) -> list[CustomerTicketOut]:
    async with db.read() as conn:
        found = await service.search(conn, TicketFilter(buyer_id=openid, limit=50))
        return [CustomerTicketOut.of(t, await refunds.refund_of(conn, t.ticket_id)) for t in found]


@router.get("/{ticket_id}")
async def my_return(ticket_id: str, db: DatabaseDep, openid: Customer) -> CustomerTicketOut:
    async with db.read() as conn:
        ticket = await service.get(conn, ticket_id, buyer_id=openid)
        return CustomerTicketOut.of(ticket, await refunds.refund_of(conn, ticket_id))


@router.post("/{ticket_id}/cancel")
async def cancel_return(ticket_id: str, db: DatabaseDep, openid: Customer) -> CustomerTicketOut:
    """Withdraw the request, any time before the warehouse has received the parcel."""
    command = CancelReturn(ticket_id, buyer_id=openid)
    return CustomerTicketOut.of(await db.run_in_transaction(lambda tx: service.cancel(tx, command)), None)
