"""shipment.created is handled set-based: a run of shipments records waybills and moves the R16
timers exactly as one by one (an order's last shipment wins), and a shipment of an order not
placed yet is retried, writing nothing. The use case is called directly so the run is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.events import OrderPlaced, ShipmentCreated
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.bus.errors import RetryLater
from rules.deps import RulesDeps
from rules.orders.service import record_shipments
from rules.settings import RulesSettings
from rules.tables import orders, timers
from rules.timers.model import TimerKind
from sqlalchemy import select

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")
DEPS = RulesDeps.build(RulesSettings(in_stock_ship_within_s=24 * 3600, ship_deadline_warning_s=4 * 3600))


def shipped(order: CanonicalOrder, waybill_no: str, deadline: datetime | None) -> ShipmentCreated:
    return ShipmentCreated(
        order_id=order.order_id,
        outbound_id=f"OB-{waybill_no}",
        carrier="LOCAL",
        waybill_no=waybill_no,
        receiver=order.receiver,
        items=order.items,
        ship_deadline=deadline,
    )


async def state(rules: RulesHarness, order_id: str) -> tuple[str | None, datetime | None, datetime | None]:
    async with rules.db.connect() as conn:
        waybill = await conn.scalar(select(orders.c.waybill_no).where(orders.c.order_id == order_id))
        row = (
            await conn.execute(
                select(timers.c.due_at, timers.c.reference_at).where(
                    timers.c.order_id == order_id, timers.c.kind == TimerKind.SHIP_DEADLINE.value
                )
            )
        ).first()
    return waybill, row.due_at if row else None, row.reference_at if row else None


async def test_a_run_of_shipments_records_waybills_and_moves_deadlines(rules: RulesHarness) -> None:
    paid_at = datetime.now(UTC).replace(microsecond=0)
    first, second = rules.order(paid_at=paid_at), rules.order(paid_at=paid_at)
    for order in (first, second):
        await rules.deliver(OrderPlaced(order=order))
    early, late = paid_at + timedelta(hours=6), paid_at + timedelta(hours=12)
    run = [shipped(first, "LC1", early), shipped(second, "LC2", None), shipped(first, "LC3", late)]
    async with rules.ctx.db.transaction() as tx:
        await record_shipments(tx, DEPS, run)

    assert await state(rules, first.order_id) == ("LC3", late - timedelta(hours=4), late), "the last one wins"
    due_by_payment = paid_at + timedelta(hours=24)
    assert await state(rules, second.order_id) == ("LC2", due_by_payment - timedelta(hours=4), due_by_payment)


async def test_a_shipment_before_its_placement_is_retried_and_writes_nothing(rules: RulesHarness) -> None:
    known, unknown = rules.order(), rules.order()
    await rules.deliver(OrderPlaced(order=known))
    before = await state(rules, known.order_id)
    with pytest.raises(RetryLater, match=unknown.order_id):
        async with rules.ctx.db.transaction() as tx:
            await record_shipments(tx, DEPS, [shipped(known, "LC9", None), shipped(unknown, "LC8", None)])
    assert await state(rules, known.order_id) == before
