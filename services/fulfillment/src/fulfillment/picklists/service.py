"""Use cases of the pick lists: build a wave from the board, read it, render and print its sheet."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import structlog
from orderhub_contracts.events import OutboundStatusChanged
from orderhub_contracts.timezone import as_shanghai
from orderhub_runtime.db import Database, Tx
from orderhub_runtime.errors import Conflict, NotFound

from fulfillment.catalogue.repository import presale_dates
from fulfillment.outbound.model import OutboundStatus, Zone
from fulfillment.outbound.repository import BoardEntry, load_board_entries
from fulfillment.picklists import repository
from fulfillment.picklists.model import CreatePicklist, PicklistSummary, PickSheet, SheetLine, SheetOrder
from fulfillment.picklists.pdf import render_pdf
from fulfillment.picklists.xlsx import render_xlsx
from fulfillment.printing import service as printing
from fulfillment.printing.model import Printer, SubmitPrint

log = structlog.get_logger("fulfillment.picklists")


@dataclass(frozen=True)
class Picklist:
    sheet: PickSheet
    status: str
    print_job_id: int | None = None


async def create_picklist(
    tx: Tx, command: CreatePicklist, *, now: datetime, printer: Printer | None = None, font: Path | None = None
) -> Picklist:
    """Take the most urgent unpicked outbound orders into a new wave and mark them `picking`, each
    announced with outbound.status_changed (ingest's timeline; the label is on paper from now).
    With a printer (auto print), the wave's PDF joins the printer queue in the same transaction."""
    ids = await repository.lock_wave_candidates(
        tx.conn, limit=command.max_orders, zone=command.zone, carrier=command.carrier
    )
    if not ids:
        raise Conflict("没有待拣货的出库单", details={"zone": command.zone, "carrier": command.carrier})
    entries = await load_board_entries(tx.conn, outbound_ids=ids)
    presale = await presale_dates(tx.conn, {line.sku for e in entries for line in e.lines})
    sheet = PickSheet(
        picklist_id=await repository.next_picklist_id(tx.conn, now),
        created_at=now,
        created_by=command.created_by,
        zone=command.zone,
        carrier=command.carrier,
        orders=tuple(_sheet_order(entry, presale) for entry in entries),
    )
    await repository.insert_picklist(tx.conn, sheet)
    moved = await repository.mark_picking(tx.conn, ids)
    await _announce(tx, moved, OutboundStatus.PICKING, now, sheet.picklist_id)
    log.info("picklist.created", picklist_id=sheet.picklist_id, orders=len(ids), zone=command.zone)
    job_id = None
    if printer is not None and font is not None:
        job_id = await _submit(tx, sheet, printer, font)
    return Picklist(sheet=sheet, status="open", print_job_id=job_id)


def _sheet_order(entry: BoardEntry, presale: dict[str, date]) -> SheetOrder:
    dates = [d for line in entry.lines if (d := presale.get(line.sku)) is not None]
    return SheetOrder(
        outbound_id=entry.outbound_id,
        order_id=entry.order_id,
        channel_order_no=entry.channel_order_no,
        zone=entry.zone,
        ship_deadline=entry.ship_deadline,
        presale_ship_date=_presale_day(entry, dates),
        carrier=entry.carrier,
        waybill_no=entry.waybill_no,
        receiver_name=entry.receiver_name,
        receiver_phone=entry.receiver_phone_masked,
        buyer_remark=entry.buyer_remark,
        seller_memo=entry.seller_memo,
        gift_note=entry.gift_note,
        remark_flags=entry.remark_flags,
        lines=tuple(SheetLine(line.sku, line.title, line.quantity, line.bin_location) for line in entry.lines),
    )


def _presale_day(entry: BoardEntry, catalogue_dates: list[date]) -> date | None:
    """When a presale parcel starts shipping: its SKUs' latest catalogue date, else the day of
    its deadline (a date the order itself gave)."""
    if entry.zone is not Zone.PRESALE:
        return None
    return max(catalogue_dates) if catalogue_dates else as_shanghai(entry.ship_deadline).date()


async def get_picklist(db: Database, picklist_id: str) -> Picklist:
    async with db.read() as conn:
        found = await repository.load_sheet(conn, picklist_id)
    if found is None:
        raise NotFound(f"pick list {picklist_id} not found")
    return Picklist(sheet=found[0], status=found[1])


async def sheet_pdf(sheet: PickSheet, font: Path) -> bytes:
    return await asyncio.to_thread(render_pdf, sheet, font)


async def sheet_xlsx(sheet: PickSheet) -> bytes:
    return await asyncio.to_thread(render_xlsx, sheet)


async def print_picklist(tx: Tx, picklist_id: str, printer: Printer, font: Path) -> int:
    """Queue the wave's PDF for the printer; answers the print job's id."""
    found = await repository.load_sheet(tx.conn, picklist_id)
    if found is None:
        raise NotFound(f"pick list {picklist_id} not found")
    return await _submit(tx, found[0], printer, font)


async def _submit(tx: Tx, sheet: PickSheet, printer: Printer, font: Path) -> int:
    body = await sheet_pdf(sheet, font)
    command = SubmitPrint(document=f"拣货单-{sheet.picklist_id}.pdf", body=body, source=f"picklist:{sheet.picklist_id}")
    return await printing.submit(tx, command, printer)


async def close_picklist(tx: Tx, picklist_id: str, now: datetime) -> list[str]:
    """Close the wave once its picking is over; orders it did not ship go back to the board
    (`created`, each announced with outbound.status_changed). Answers their outbound IDs.
    Closing a closed wave is refused (409). A wave closes by itself when its last order has
    shipped or been cancelled (`close_finished_waves`)."""
    returned = await repository.close_picklist(tx.conn, picklist_id, now)
    if returned is None:
        if await repository.load_sheet(tx.conn, picklist_id) is None:
            raise NotFound(f"pick list {picklist_id} not found")
        raise Conflict(f"pick list {picklist_id} is already closed")
    await _announce(tx, returned, OutboundStatus.CREATED, now, picklist_id)
    log.info("picklist.closed", picklist_id=picklist_id, returned=len(returned))
    return [m.outbound_id for m in returned]


async def close_finished_waves(tx: Tx, outbound_ids: Sequence[str]) -> list[str]:
    """After these outbound orders shipped or were cancelled: close their open waves in which
    no order is left to ship. Answers the waves closed."""
    closed = await repository.close_finished_waves(tx.conn, outbound_ids)
    for picklist_id in closed:
        log.info("picklist.closed", picklist_id=picklist_id, returned=0, finished=True)
    return closed


async def _announce(
    tx: Tx, moved: Sequence[repository.Moved], status: OutboundStatus, at: datetime, picklist_id: str
) -> None:
    for m in moved:
        await tx.publish(
            OutboundStatusChanged(
                order_id=m.order_id,
                outbound_id=m.outbound_id,
                status=status.value,
                at=at,
                waybill_no=m.waybill_no,
                picklist_id=picklist_id,
            )
        )


async def list_picklists(db: Database, *, status: str | None, limit: int) -> list[PicklistSummary]:
    async with db.read() as conn:
        return await repository.list_picklists(conn, status=status, limit=limit)
