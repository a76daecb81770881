"""The KPI use case: sample, read both sides, compare."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, time, timedelta

from orderhub_contracts.timezone import SHANGHAI
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.carriers import CarrierError, CarrierProvider
from fulfillment.carriers.tracking import latest_of, parcel_status
from fulfillment.kpi import repository
from fulfillment.kpi.customer_view import CustomerViews
from fulfillment.kpi.model import AccuracyReport, Compared, Node, Sampled, agree, carrier_node, customer_node

_CONCURRENCY = 8


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of Asia/Shanghai days first..last."""
    start = datetime.combine(first, time.min, tzinfo=SHANGHAI)
    return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=SHANGHAI)


async def candidates(conn: AsyncConnection, first: date, last: date) -> list[Sampled]:
    start, end = day_bounds(first, last)
    return await repository.shipped_or_delivered(conn, start, end)


async def status_accuracy(
    population: list[Sampled],
    *,
    first: date,
    last: date,
    sample: int | None,
    carrier: CarrierProvider,
    views: CustomerViews,
    tolerance: int = 0,
    seed: int | None = None,
) -> AccuracyReport:
    """Compare a random `sample` of the population (all of it when None)."""
    chosen = (
        population if sample is None or sample >= len(population) else random.Random(seed).sample(population, sample)
    )
    limit = asyncio.Semaphore(_CONCURRENCY)

    async def one(item: Sampled) -> Compared | None:
        async with limit:
            return await _compare(item, carrier, views, tolerance)

    results = await asyncio.gather(*(one(item) for item in chosen))
    compared = [r for r in results if r is not None]
    return AccuracyReport(
        first_day=first,
        last_day=last,
        population=len(population),
        sampled=len(chosen),
        agreed=sum(1 for c in compared if c.agrees),
        mismatches=tuple(sorted((c for c in compared if not c.agrees), key=lambda c: c.order_id)),
        unreadable=len(chosen) - len(compared),
    )


async def _compare(item: Sampled, carrier: CarrierProvider, views: CustomerViews, tolerance: int) -> Compared | None:
    view = await views.view(item.order_id)
    if view is None:
        return None
    try:
        report = await carrier.query(item.carrier, item.waybill_no, item.phone_tail)
    except CarrierError:
        return None
    latest = latest_of(report.checkpoints) if report else None
    theirs = carrier_node(parcel_status(latest.state) if latest else None)
    ours = customer_node(view.status, view.tracking_status)
    return Compared(
        order_id=item.order_id,
        waybill_no=item.waybill_no,
        customer_status=view.status,
        customer_tracking=view.tracking_text,
        customer_node=ours,
        carrier_state=latest.state if latest else "",
        carrier_context=latest.context if latest else "",
        carrier_node=theirs,
        agrees=ours is not Node.UNKNOWN and agree(ours, theirs, tolerance),
    )
