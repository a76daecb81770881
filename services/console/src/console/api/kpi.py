"""Managers: the KPIs whose numbers a service publishes today (异常订单平均响应时长)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from orderhub_contracts.timezone import now_shanghai

from console.deps import Deps, Manager
from console.views import render

router = APIRouter(tags=["kpi"])


@router.get("/kpi")
async def kpi_page(
    request: Request, deps: Deps, session: Manager, days: Annotated[int, Query(ge=1, le=90)] = 7
) -> Response:
    since = (now_shanghai() - timedelta(days=days)).isoformat()
    report = await deps.rules.response_time(session.token, since)
    groups = report.get("groups", [])
    overall = next((g for g in groups if g.get("rule_id") is None and g.get("level") is None), None)
    by_level = [g for g in groups if g.get("rule_id") is None and g.get("level") is not None]
    by_rule = [g for g in groups if g.get("rule_id") is not None]
    return render(
        deps.templates, request, "kpi.html", session, days=days, overall=overall, by_level=by_level, by_rule=by_rule
    )
