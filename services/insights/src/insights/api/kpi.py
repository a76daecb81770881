"""The case's three KPIs for a day or a range (manager): 稳 status accuracy (from fulfillment,
which owns the carriers' tracks: `GET /v1/kpi/status-accuracy` there), 省 orders handled per agent
and 快 anomaly response time (from this service's read models)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel

from insights.api.params import Days
from insights.api.schemas import HandledOut, ResponseTimeOut
from insights.deps import Deps, Manager
from insights.kpi import service
from insights.kpi.accuracy import status_accuracy

router = APIRouter(prefix="/v1/kpi", tags=["kpi"])


class KpiOut(BaseModel):
    first_day: str
    last_day: str
    status_accuracy: dict[str, Any]  # 稳: fulfillment's answer, or {"available": false, "reason"}
    handled_per_agent: list[HandledOut]  # 省
    response_time: ResponseTimeOut  # 快


@router.get("")
async def kpis(request: Request, days: Days, db: DatabaseDep, deps: Deps, _: Manager) -> KpiOut:
    async with db.read() as conn:
        response = await service.response_report(conn, days, deps.settings.response_min_level)
        handled = await service.handled_report(conn, days, deps.settings.repeat_window_s)
    accuracy = await status_accuracy(
        deps.http, deps.settings.fulfillment_url, request.headers.get("authorization", ""), days
    )
    return KpiOut(
        first_day=days.first.isoformat(),
        last_day=days.last.isoformat(),
        status_accuracy=accuracy,
        handled_per_agent=[HandledOut.of(h) for h in handled],
        response_time=ResponseTimeOut.of(response),
    )


@router.get("/response-time")
async def response_time(
    days: Days,
    db: DatabaseDep,
    deps: Deps,
    _: Manager,
    min_level: Annotated[int | None, Query(ge=1, le=3, description="count anomalies of this level and up")] = None,
) -> ResponseTimeOut:
    async with db.read() as conn:
        report = await service.response_report(conn, days, min_level or deps.settings.response_min_level)
    return ResponseTimeOut.of(report)


@router.get("/handled")
async def handled(
    days: Days,
    db: DatabaseDep,
    deps: Deps,
    _: Manager,
    agent: Annotated[str | None, Query(max_length=100, description="one agent's days only")] = None,
) -> list[HandledOut]:
    async with db.read() as conn:
        return [
            HandledOut.of(h) for h in await service.handled_report(conn, days, deps.settings.repeat_window_s, agent)
        ]
