"""Receiving use cases: the scan (what the PDA shows), the receipt, the photo, the completion."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from orderhub_contracts.return_events import ReturnDiscrepancyFound, ReturnExchanged, ReturnReceived
from orderhub_contracts.returns import ReturnStatus, ReturnType
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, DomainError, NotFound
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.order_refs import repository as orders
from aftersales.order_refs.model import OrderRef
from aftersales.receiving import repository
from aftersales.receiving.model import AddPhoto, CompleteReceipt, Photo, RecordReceipt, compare, image_type
from aftersales.tickets import repository as tickets
from aftersales.tickets.model import Ticket
from aftersales.tickets.repository import lines_json
from aftersales.tickets.transitions import advance, check


class NotAnImage(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class PhotoTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class PhotoRequired(Conflict):
    code = "photo_required"


@dataclass(frozen=True)
class ScanView:
    ticket: Ticket
    order: OrderRef | None


async def _locked(tx: Tx, ticket_id: str) -> Ticket:
    ticket = await tickets.lock_ticket(tx.conn, ticket_id)
    if ticket is None:
        raise NotFound(f"售后工单 {ticket_id} 不存在")
    return ticket


async def scan(conn: AsyncConnection, waybill_no: str) -> ScanView:
    ticket = await tickets.ticket_by_waybill(conn, waybill_no)
    if ticket is None:
        raise NotFound(f"退货运单 {waybill_no} 没有对应的售后工单")
    return ScanView(ticket, await orders.get_order_ref(conn, ticket.order_id))


async def record_receipt(tx: Tx, command: RecordReceipt) -> Ticket:
    ticket = await _locked(tx, command.ticket_id)
    problems = compare(ticket.lines, command.lines)
    received = lines_json(command.lines)
    if problems:
        return await advance(
            tx,
            ticket,
            ReturnStatus.DISCREPANCY,
            ReturnDiscrepancyFound,
            actor=command.actor,
            note="；".join(problems),
            values={"received": received, "problems": problems},
            fields={"received": command.lines, "problems": tuple(problems)},
        )
    moved = await advance(
        tx,
        ticket,
        ReturnStatus.RECEIVED,
        ReturnReceived,
        actor=command.actor,
        values={"received": received, "problems": []},
        fields={"received": command.lines},
    )
    return await _after_receipt(tx, moved)


async def add_photo(tx: Tx, command: AddPhoto, max_bytes: int) -> Photo:
    if len(command.data) > max_bytes:
        raise PhotoTooLarge(f"照片不能超过 {max_bytes // 1024} KB")
    content_type = image_type(command.data)
    if content_type is None:
        raise NotAnImage("只接受 JPEG 或 PNG 照片（按文件内容判断）")
    ticket = await _locked(tx, command.ticket_id)
    if ticket.status not in (ReturnStatus.WAYBILL_ISSUED, ReturnStatus.DISCREPANCY, ReturnStatus.RECEIVED):
        raise Conflict("这个工单现在不收照片")
    photo = Photo(
        photo_id=f"PH{uuid.uuid4().hex[:16].upper()}",
        ticket_id=ticket.ticket_id,
        sha256=hashlib.sha256(command.data).hexdigest(),
        content_type=content_type,
        size_bytes=len(command.data),
    )
    return await repository.add_photo(tx.conn, photo, command.data, command.actor)


async def complete_receipt(tx: Tx, command: CompleteReceipt) -> Ticket:
    ticket = await _locked(tx, command.ticket_id)
    check(ticket, ReturnStatus.RECEIVED)
    if await repository.count_photos(tx.conn, ticket.ticket_id) == 0:
        raise PhotoRequired("收货差异需要先上传照片，才能完成收货")
    moved = await advance(
        tx,
        ticket,
        ReturnStatus.RECEIVED,
        ReturnReceived,
        actor=command.actor,
        note=command.note,
        fields={"received": ticket.received or ()},
    )
    return await _after_receipt(tx, moved)


async def _after_receipt(tx: Tx, ticket: Ticket) -> Ticket:
    """An exchange is done once received (fulfillment sends the replacement); a return waits for its
    refund (refunds.runner)."""
    if ticket.return_type is ReturnType.EXCHANGE:
        return await advance(
            tx, ticket, ReturnStatus.EXCHANGED, ReturnExchanged, actor="system", fields={"lines": ticket.lines}
        )
    return ticket


async def photos(conn: AsyncConnection, ticket_id: str) -> list[Photo]:
    return await repository.photos_of(conn, ticket_id)


async def photo(conn: AsyncConnection, ticket_id: str, photo_id: str) -> tuple[str, bytes]:
    found = await repository.photo_data(conn, ticket_id, photo_id)
    if found is None:
        raise NotFound("照片不存在")
    return found
