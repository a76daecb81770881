"""The case's KPIs for a day or a range (manager): 快 anomaly response time and 省 orders handled
per agent. 稳 (status accuracy against the carriers' tracks) is answered by fulfillment, which owns
the tracks: `GET /v1/kpi/status-accuracy` there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel

from insights.api.params import Days
from insights.api.schemas import HandledOut, ResponseTimeOut
from insights.deps import Deps, Manager
from insights.kpi import service

router = APIRouter(prefix="/v1/kpi", tags=["kpi"])


class KpiOut(BaseModel):
    first_day: str
    last_day: str
    response_time: ResponseTimeOut
    handled_per_agent: list[HandledOut]


@router.get("")
async def kpis(days: Days, db: DatabaseDep, deps: Deps, _: Manager) -> KpiOut:
    async with db.read() as conn:
        response = await service.response_report(conn, days, deps.settings.response_min_level)
        handled = await service.handled_report(conn, days, deps.settings.repeat_window_s)
    return KpiOut(
        first_day=days.first.isoformat(),
        last_day=days.last.isoformat(),
        response_time=ResponseTimeOut.of(response),
        handled_per_agent=[HandledOut.of(h) for h in handled],
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
