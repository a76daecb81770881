"""Query parameters shared by the KPI and heat routes: one day or a range of Asia/Shanghai days."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query
from orderhub_contracts.timezone import now_shanghai

from insights.kpi.days import DayRange


async def day_range(
    day: Annotated[date | None, Query(alias="date", description="one day, YYYY-MM-DD (Asia/Shanghai)")] = None,
    start: Annotated[date | None, Query(alias="from", description="first day of a range")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day of a range (included)")] = None,
) -> DayRange:
    return DayRange.of(day, start, end, today=now_shanghai().date())


Days = Annotated[DayRange, Depends(day_range)]
