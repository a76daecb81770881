"""Managers: the KPIs and the order heat map. Response time to the first handling comes from
rules; response time to the first contact, orders handled per agent and the heat map from
insights where it is deployed (the page says when it is not)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from orderhub_contracts.timezone import SHANGHAI, now_shanghai

from console.clients import Json, ServiceError, api_missing
from console.deps import Deps, Manager
from console.views import render

router = APIRouter(tags=["kpi"])
Days = Annotated[int, Query(ge=1, le=90)]
NOT_DEPLOYED = "指标服务（insights）尚未上线"


def _range(days: int) -> tuple[date, date]:
    today = now_shanghai().date()
    return today - timedelta(days=days - 1), today


async def _insights(call: Awaitable[Json]) -> tuple[Json | None, str]:
    try:
        return await call, ""
    except ServiceError as exc:
        if exc.status == 401 or not (api_missing(exc) or exc.status == 0):
            raise
        return None, NOT_DEPLOYED


@router.get("/kpi")
async def kpi_page(request: Request, deps: Deps, session: Manager, days: Days = 7) -> Response:
    first, last = _range(days)
    since = datetime.combine(first, time(), tzinfo=SHANGHAI).isoformat()
    report = await deps.rules.response_time(session.token, since)
    groups = report.get("groups", [])
    overall = next((g for g in groups if g.get("rule_id") is None and g.get("level") is None), None)
    by_level = [g for g in groups if g.get("rule_id") is None and g.get("level") is not None]
    by_rule = [g for g in groups if g.get("rule_id") is not None]
    insights, insights_missing = await _insights(deps.insights.kpis(session.token, first.isoformat(), last.isoformat()))
    handled: Counter[str] = Counter()
    for row in (insights or {}).get("handled_per_agent", []):
        handled[str(row.get("agent", ""))] += int(row.get("count", 0))
    return render(
        deps.templates,
        request,
        "kpi.html",
        session,
        days=days,
        overall=overall,
        by_level=by_level,
        by_rule=by_rule,
        contact=(insights or {}).get("response_time"),
        accuracy=(insights or {}).get("status_accuracy"),
        handled=handled.most_common(),
        insights_missing=insights_missing,
    )


@router.get("/heat")
async def heat_page(
    request: Request,
    deps: Deps,
    session: Manager,
    days: Annotated[int, Query(ge=7, le=365)] = 30,
    coupon: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    first, last = _range(days)
    heat, missing = await _insights(
        deps.insights.heat(session.token, first.isoformat(), last.isoformat(), coupon or None)
    )
    grid: dict[tuple[int, int], Json] = {}
    for cell in (heat or {}).get("cells", []):
        grid[(int(cell["weekday"]), int(cell["hour"]))] = cell
    return render(
        deps.templates, request, "heat.html", session, heat=heat, grid=grid, days=days, coupon=coupon, missing=missing
    )
