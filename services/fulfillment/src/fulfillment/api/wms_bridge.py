"""The WMS bridge: its folders, schedule and last runs; run it now."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel

from fulfillment.deps import AnyStaff, Deps, Warehouse
from fulfillment.wms_bridge import service
from fulfillment.wms_bridge.model import BridgeRun, RunStatus
from fulfillment.wms_bridge.service import BridgeConfig

router = APIRouter(prefix="/v1", tags=["wms-bridge"])


class RunOut(BaseModel):
    run_id: int
    business_date: date
    file_name: str
    status: RunStatus
    rows_read: int
    matched: int
    unknown: int  # rows kept and marked 未找到订单
    output_files: list[str]  # relative to the output folder
    print_job_id: int | None
    error: str
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, run: BridgeRun) -> RunOut:
        return cls(
            run_id=run.run_id,
            business_date=run.business_date,
            file_name=run.file_name,
            status=run.status,
            rows_read=run.rows_read,
            matched=run.matched,
            unknown=run.unknown,
            output_files=list(run.output_files),
            print_job_id=run.print_job_id,
            error=run.error,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


class FoldersOut(BaseModel):
    inbox: str
    output: str
    processed: str
    rejected: str


class ScheduleOut(BaseModel):
    timezone: str
    read_at: str
    print_at: str
    input_name: str


class BridgeOut(BaseModel):
    folders: FoldersOut
    schedule: ScheduleOut
    printer: str
    runs: list[RunOut]  # newest first


class RunsOut(BaseModel):
    items: list[RunOut]  # what this call did: one run per file read or printed; empty if none waited


@router.get("/wms-bridge")
async def bridge_overview(db: DatabaseDep, deps: Deps, _: AnyStaff) -> BridgeOut:
    config = BridgeConfig.of(deps.settings)
    f = config.folders
    runs = await service.overview(db)
    return BridgeOut(
        folders=FoldersOut(
            inbox=str(f.inbox), output=str(f.output), processed=str(f.processed), rejected=str(f.rejected)
        ),
        schedule=ScheduleOut(
            timezone="Asia/Shanghai",
            read_at=config.read_at.strftime("%H:%M"),
            print_at=config.print_at.strftime("%H:%M"),
            input_name=deps.settings.wms_input_name,
        ),
        printer=deps.printer.url,
        runs=[RunOut.of(r) for r in runs],
    )


@router.post("/wms-bridge/run")
async def run_bridge_now(db: DatabaseDep, deps: Deps, _: Warehouse) -> RunsOut:
    """Read what waits in the inbox and print what was read, now, whatever the schedule says."""
    runs = await service.tick(db, BridgeConfig.of(deps.settings), deps.printer, deps.clock(), force=True)
    return RunsOut(items=[RunOut.of(r) for r in runs])
