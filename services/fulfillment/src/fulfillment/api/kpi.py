"""`GET /v1/kpi/status-accuracy`: 订单状态准确率 for a day or a range of Asia/Shanghai days, on a
random sample (default 50) or on every order; each mismatch with both sides."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.errors import DomainError
from pydantic import BaseModel

from fulfillment.deps import Deps, Manager
from fulfillment.kpi import service
from fulfillment.kpi.model import AccuracyReport, Compared

router = APIRouter(prefix="/v1/kpi", tags=["kpi"])
MAX_DAYS = 31


class MismatchOut(BaseModel):
    order_id: str
    waybill_no: str
    customer_status: str
    customer_node: str
    customer_tracking: str
    carrier_node: str
    carrier_state: str
    carrier_context: str

    @classmethod
    def of(cls, c: Compared) -> MismatchOut:
        return cls(
            order_id=c.order_id,
            waybill_no=c.waybill_no,
            customer_status=c.customer_status,
            customer_node=c.customer_node.value,
            customer_tracking=c.customer_tracking,
            carrier_node=c.carrier_node.value,
            carrier_state=c.carrier_state,
            carrier_context=c.carrier_context,
        )


class StatusAccuracyOut(BaseModel):
    first_day: date
    last_day: date
    population: int
    sampled: int
    agreed: int
    unreadable: int
    accuracy: float | None  # agreed / (sampled - unreadable); the platform asks ≥ 0.992
    mismatches: list[MismatchOut]

    @classmethod
    def of(cls, r: AccuracyReport) -> StatusAccuracyOut:
        return cls(
            first_day=r.first_day,
            last_day=r.last_day,
            population=r.population,
            sampled=r.sampled,
            agreed=r.agreed,
            unreadable=r.unreadable,
            accuracy=r.accuracy,
            mismatches=[MismatchOut.of(m) for m in r.mismatches],
        )


class BadPeriod(DomainError):
    code = "bad_period"
    status_code = 422


@router.get("/status-accuracy")
async def status_accuracy(
    db: DatabaseDep,
    deps: Deps,
    _: Manager,
    day: Annotated[date | None, Query(alias="date", description="one Asia/Shanghai day")] = None,
    first: Annotated[date | None, Query(alias="from", description="first day of a range")] = None,
    last: Annotated[date | None, Query(alias="to", description="last day of a range (inclusive)")] = None,
    sample: Annotated[int | None, Query(ge=1, le=10_000, description="sample size (default: configured, 50)")] = None,
    every: Annotated[bool, Query(alias="all", description="every order instead of a sample")] = False,
    tolerance: Annotated[
        int, Query(ge=0, le=2, description="status nodes of difference still counted as agreeing")
    ] = 0,
    seed: Annotated[int | None, Query(description="fix the random sample")] = None,
) -> StatusAccuracyOut:
    start, end = (day, day) if day is not None else (first, last or first)
    if start is None or end is None or end < start or (end - start).days >= MAX_DAYS:
        raise BadPeriod(f"give date=YYYY-MM-DD, or from= and to= at most {MAX_DAYS} days apart")
    async with db.read() as conn:
        population = await service.candidates(conn, start, end)
    report = await service.status_accuracy(
        population,
        first=start,
        last=end,
        sample=None if every else (sample or deps.settings.kpi_sample_size),
        carrier=deps.carrier,
        views=deps.views,
        tolerance=tolerance,
        seed=seed,
    )
    return StatusAccuracyOut.of(report)
