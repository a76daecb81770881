"""Use cases of the WMS bridge. At the read time (08:55 Asia/Shanghai) each export in the inbox is
read, gets its 「客户备注」 column and is written as 带备注发货单.xlsx; at the print time (09:00)
its PDF is rendered and queued for the printer, and the sheet's outbound orders still `created`
go to `picking` (their labels are on paper: outbound.status_changed, as for a pick list). Both
steps are recorded per file (name and content hash), so that a restart neither reads nor prints a
file twice, and a service that was down catches up when it starts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

import structlog
from orderhub_contracts.events import OutboundStatusChanged, WmsBridgeFailed
from orderhub_contracts.timezone import as_shanghai
from orderhub_runtime.db import Database

from fulfillment.outbound.model import OutboundStatus
from fulfillment.printing import service as printing
from fulfillment.printing.model import Printer, SubmitPrint
from fulfillment.settings import FulfillmentSettings
from fulfillment.wms_bridge import files, repository
from fulfillment.wms_bridge.excel import order_keys, read_annotated, read_export, write_annotated
from fulfillment.wms_bridge.model import OUTPUT_STEM, BridgeRun, Folders, RunStatus, UnreadableExport
from fulfillment.wms_bridge.pdf import render_pdf

log = structlog.get_logger("fulfillment.wms_bridge")


@dataclass(frozen=True)
class BridgeConfig:
    folders: Folders
    read_at: time
    print_at: time
    font: Path
    settle_s: float = 0.0  # a file changed more recently than this waits for the next round

    @classmethod
    def of(cls, settings: FulfillmentSettings) -> BridgeConfig:
        folders = Folders.under(settings.wms_inbox, settings.wms_output)
        return cls(
            folders=folders, read_at=settings.wms_read_at, print_at=settings.wms_print_at, font=settings.cjk_font
        )


async def tick(
    db: Database, config: BridgeConfig, printer: Printer, now: datetime, *, force: bool = False
) -> list[BridgeRun]:
    """One round of the schedule at `now` (`force`: both steps whatever the time); answers the
    record of each run it read or printed."""
    local = as_shanghai(now)
    runs: list[BridgeRun] = []
    async with repository.bridge_lock(db.engine):
        if force or local.time() >= config.read_at:
            runs += await read_inbox(db, config, local, settle_s=0.0 if force else config.settle_s)
        runs += await print_annotated(db, config, printer, local, force=force)
    latest = {run.run_id: run for run in runs}  # a file read and printed in one round: its last record
    return sorted(latest.values(), key=lambda run: run.run_id)


async def read_inbox(db: Database, config: BridgeConfig, now: datetime, *, settle_s: float = 0.0) -> list[BridgeRun]:
    pending = await asyncio.to_thread(files.pending_exports, config.folders.inbox, settle_s=settle_s)
    return [run for path in pending if (run := await _read_one(db, config, path, now))]


async def _read_one(db: Database, config: BridgeConfig, path: Path, now: datetime) -> BridgeRun | None:
    folders = config.folders
    data = await asyncio.to_thread(path.read_bytes)
    sha = files.sha256_of(data)
    async with db.read() as conn:
        done = await repository.run_of_file(conn, path.name, sha)
    if done is not None:  # recorded before a restart cut the move short
        files.move_to(path, folders.rejected if done.status is RunStatus.FAILED else folders.processed, now)
        return None
    try:
        export = await asyncio.to_thread(read_export, path)
    except UnreadableExport as exc:
        return await _reject(db, path, sha, str(exc), folders, now)
    async with db.read() as conn:
        remarks = await repository.find_remarks(conn, [export.order_key(r) for r in export.rows])
        earlier = await repository.runs_of_day(conn, now.date())
    content = await asyncio.to_thread(write_annotated, export, remarks)
    written = [r for r in earlier if r.status is not RunStatus.FAILED]  # a second export that day: -2, -3 ...
    suffix = f"-{len(written) + 1}" if written else ""
    name = f"{now:%Y-%m-%d}/{OUTPUT_STEM}{suffix}.xlsx"
    await asyncio.to_thread(files.write_whole, folders.output / name, content)
    matched = sum(1 for r in export.rows if export.order_key(r) in remarks)
    async with db.transaction() as tx:
        run = await repository.insert_run(
            tx.conn,
            business_date=now.date(),
            file_name=path.name,
            sha256=sha,
            status=RunStatus.ANNOTATED,
            counts=(len(export.rows), matched, len(export.rows) - matched),
            output_files=[name],
            at=now,
        )
    files.move_to(path, folders.processed, now)
    log.info("wms_bridge.read", run_id=run.run_id, rows=run.rows_read, matched=run.matched, unknown=run.unknown)
    return run


async def _reject(db: Database, path: Path, sha: str, reason: str, folders: Folders, now: datetime) -> BridgeRun:
    moved = files.move_to(path, folders.rejected, now, reason=reason)
    async with db.transaction() as tx:
        run = await repository.insert_run(
            tx.conn,
            business_date=now.date(),
            file_name=path.name,
            sha256=sha,
            status=RunStatus.FAILED,
            error=reason,
            at=now,
        )
        event = WmsBridgeFailed(file_name=path.name, reason=reason, moved_to=moved.name, business_date=now.date())
        await tx.publish(event)
    log.warning("wms_bridge.failed", run_id=run.run_id, file=path.name, reason=reason)
    return run


async def print_annotated(
    db: Database, config: BridgeConfig, printer: Printer, now: datetime, *, force: bool = False
) -> list[BridgeRun]:
    """Render and queue the PDF of each read export that is due: at the print time of its day,
    or at once for an earlier day (a catch-up) or when forced."""
    async with db.read() as conn:
        waiting = await repository.annotated_runs(conn)
    due = [r for r in waiting if force or r.business_date < now.date() or now.time() >= config.print_at]
    printed = []
    for run in sorted(due, key=lambda r: r.run_id):
        result = await _print_one(db, config, printer, run.run_id, now)
        if result is not None:
            printed.append(result)
    return printed


async def _print_one(
    db: Database, config: BridgeConfig, printer: Printer, run_id: int, now: datetime
) -> BridgeRun | None:
    async with db.transaction() as tx:
        run = await repository.lock_annotated(tx.conn, run_id)
        if run is None:  # printed meanwhile (another instance, or a round before a restart)
            return None
        xlsx = config.folders.output / run.output_files[0]
        try:
            header, rows = read_annotated(await asyncio.to_thread(xlsx.read_bytes))
        except (OSError, ValueError, KeyError) as exc:  # removed or spoilt since it was written
            error = f"无法读取已生成的 {run.output_files[0]}：{type(exc).__name__}"
            log.warning("wms_bridge.print_failed", run_id=run_id, error=error)
            return await repository.mark_failed(tx.conn, run_id, error, now)
        source = f"{run.file_name} #{run.run_id}"
        body = await asyncio.to_thread(render_pdf, header, rows, day=run.business_date, source=source, font=config.font)
        pdf_name = str(Path(run.output_files[0]).with_suffix(".pdf"))
        await asyncio.to_thread(files.write_whole, config.folders.output / pdf_name, body)
        command = SubmitPrint(
            document=Path(pdf_name).name,
            body=body,
            source=f"wms_bridge:run {run.run_id}",
            dedupe_key=f"wms_bridge:{run.run_id}",
        )
        job_id = await printing.submit(tx, command, printer)
        printed = await repository.mark_printed(tx.conn, run.run_id, pdf_name, job_id, now)
        on_paper = await repository.take_to_picking(tx.conn, order_keys(header, rows))
        for order in on_paper:
            await tx.publish(
                OutboundStatusChanged(
                    order_id=order.order_id,
                    outbound_id=order.outbound_id,
                    status=OutboundStatus.PICKING.value,
                    at=now,
                    waybill_no=order.waybill_no,
                )
            )
    log.info("wms_bridge.printed", run_id=run_id, print_job_id=job_id, rows=run.rows_read, picking=len(on_paper))
    return printed


async def overview(db: Database, limit: int = 20) -> list[BridgeRun]:
    async with db.read() as conn:
        return await repository.recent_runs(conn, limit)
