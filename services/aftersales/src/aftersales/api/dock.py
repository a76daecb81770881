"""The warehouse PDA at the receiving dock: scan a return parcel, record what arrived, photograph a
discrepancy, complete the receipt."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel, Field

from aftersales.api.schemas import OrderSummary, ReceivedLineIn, TicketOut
from aftersales.deps import Deps, Dock, DockOrAgent, Staff
from aftersales.receiving import service
from aftersales.receiving.model import AddPhoto, CompleteReceipt, RecordReceipt
from aftersales.receiving.service import PhotoTooLarge

router = APIRouter(prefix="/v1/returns", tags=["receiving"])


class ScanOut(BaseModel):
    ticket: TicketOut
    order: OrderSummary | None


class ReceiptIn(BaseModel):
    lines: list[ReceivedLineIn] = Field(max_length=100, description="what arrived, per SKU and condition")


class CompleteIn(BaseModel):
    note: str = Field(default="", max_length=500)


class PhotoOut(BaseModel):
    photo_id: str
    ticket_id: str
    sha256: str
    content_type: str
    size_bytes: int


@router.get("/scan/{waybill_no}")
async def scan_return(waybill_no: str, db: DatabaseDep, _: Dock) -> ScanOut:
    """What the PDA shows for a return parcel: the original order, what was asked back and why."""
    async with db.read() as conn:
        view = await service.scan(conn, waybill_no)
    return ScanOut(ticket=TicketOut.of(view.ticket), order=None if view.order is None else OrderSummary.of(view.order))


@router.post("/{ticket_id}/receipt")
async def record_receipt(ticket_id: str, body: ReceiptIn, db: DatabaseDep, staff: Dock) -> TicketOut:
    """Matches the request: received (then refunded). Otherwise a discrepancy that needs a photo."""
    command = RecordReceipt(ticket_id, tuple(line.received() for line in body.lines), actor=staff.name)
    return TicketOut.of(await db.run_in_transaction(lambda tx: service.record_receipt(tx, command)))


@router.post("/{ticket_id}/photos", status_code=201)
async def add_photo(ticket_id: str, request: Request, db: DatabaseDep, deps: Deps, staff: Dock) -> PhotoOut:
    """The raw JPEG or PNG bytes as the body; the type is read from the bytes."""
    limit = deps.settings.photo_max_bytes
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise PhotoTooLarge(f"照片不能超过 {limit // 1024} KB")
    command = AddPhoto(ticket_id, bytes(data), actor=staff.name)
    photo = await db.run_in_transaction(lambda tx: service.add_photo(tx, command, limit))
    return PhotoOut(**photo.__dict__)


@router.get("/{ticket_id}/photos")
async def list_photos(ticket_id: str, db: DatabaseDep, _: Staff) -> list[PhotoOut]:
    async with db.read() as conn:
        return [PhotoOut(**p.__dict__) for p in await service.photos(conn, ticket_id)]


@router.get("/{ticket_id}/photos/{photo_id}")
async def get_photo(ticket_id: str, photo_id: str, db: DatabaseDep, _: Staff) -> Response:
    """Staff only: customers never get the dock's photos."""
    async with db.read() as conn:
        content_type, data = await service.photo(conn, ticket_id, photo_id)
    return Response(content=data, media_type=content_type)


@router.post("/{ticket_id}/receipt/complete")
async def complete_receipt(ticket_id: str, body: CompleteIn, db: DatabaseDep, staff: DockOrAgent) -> TicketOut:
    """Settle a discrepancy once a photo is on file: the ticket is received as it actually arrived."""
    command = CompleteReceipt(ticket_id, actor=staff.name, note=body.note)
    return TicketOut.of(await db.run_in_transaction(lambda tx: service.complete_receipt(tx, command)))
