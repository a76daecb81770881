"""What the rules service does with what it hears about an order after placement: payment,
cancellation, a changed receiver or remark, the waybill, dispatch and tracking, and a check of
the order against the rules of one trigger (a timer fired or another service reported
something). Every use case runs in the caller's transaction with the order row locked first,
so a release from the API and a payment from the bus cannot both publish OrderValidated."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.events import ShipmentCreated
from orderhub_runtime.bus.errors import RetryLater
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules.anomalies import service as anomalies
from rules.anomalies.model import Resolution
from rules.deps import RulesDeps
from rules.engine.evaluate import Hit, evaluate
from rules.engine.facts import order_facts, placement_facts
from rules.orders import repository as repo
from rules.orders.repository import OrderRecord
from rules.placement import repository as context
from rules.timers import repository as timers
from rules.timers.model import TimerKind

log = get_logger(__name__)


async def locked(tx: Tx, order_id: str, what: str) -> OrderRecord:
    """The order, locked; an event about an order not placed yet is retried later."""
    record = await repo.lock(tx.conn, order_id)
    if record is None:
        raise RetryLater(f"order {order_id}: {what} before its placement arrived")
    return record


async def check(
    tx: Tx, deps: RulesDeps, record: OrderRecord, trigger: str, extra: dict[str, Any] | None = None
) -> list[Hit]:
    """Evaluate the rules of `trigger` on the locked order `record`, seeing its facts, what this
    service knows since (paid, waybill, shipped) and `extra`, the trigger's own; raise what fires."""
    rule_set = await deps.rulebook.active(tx.conn)
    known = {
        "trigger": trigger,
        "is_paid": record.paid,
        "waybill_exists": record.waybill_no is not None,
        "is_shipped": record.shipped_at is not None,
    }
    facts = placement_facts(record.order, {**known, **(extra or {})}, rates=deps.rates)
    hits = evaluate(rule_set, facts, trigger)
    raised = await anomalies.raise_later(tx, record, hits, rule_set.version)
    log.info("rules.trigger_checked", order_id=record.order_id, trigger=trigger, raised=[h.rule.id for h in raised])
    return raised


async def record_payment(tx: Tx, deps: RulesDeps, order_id: str, paid_at: datetime) -> None:
    """Paid: the R04 timer goes, the order is cleared unless held, and R16 is armed."""
    record = await locked(tx, order_id, "paid")
    if record.paid:
        return  # already known paid (placed paid, or a repeated payment notice)
    await timers.cancel(tx.conn, order_id, TimerKind.PAYMENT_OVERDUE)
    paid_order = record.order.model_copy(update={"paid_at": record.order.paid_at or paid_at})
    await repo.mark_paid(tx.conn, paid_order)
    # Only what clearance needs: an order unpaid until now was never validated.
    paid = OrderRecord(paid_order, True, record.rule_set_version, record.validated_at, record.cancelled_at)
    cleared = await anomalies.clear_if_unheld(tx, paid)
    log.info("order.payment_recorded", order_id=order_id, order_validated=cleared)
    for timer in deps.timers.first_timers(paid_order):
        await timers.schedule(
            tx.conn, order_id, timer.kind, due_at=timer.due_at, reference_at=timer.reference_at, rearm=False
        )


async def record_cancellation(tx: Tx, order_id: str, reason: str) -> None:
    await locked(tx, order_id, "cancelled")
    await repo.mark_cancelled(tx.conn, order_id, reason or "order cancelled")
    await timers.cancel(tx.conn, order_id)
    resolved = await anomalies.resolve_all(
        tx, order_id, Resolution.CANCELLED, by="system:order.cancelled", note=reason or None
    )
    log.info("order.cancellation_recorded", order_id=order_id, anomalies_resolved=len(resolved))


async def change_receiver(tx: Tx, deps: RulesDeps, order_id: str, receiver: Receiver, outcome: str = "") -> None:
    """R15 and the receiver rules again, with the lists read for the new receiver. When ingest
    decided the change (`outcome`), R15 fires exactly for an intercept: a change with the label not
    yet on paper re-issues the waybill without anyone's help."""
    record = await locked(tx, order_id, "changed")
    changed = record.order.model_copy(update={"receiver": receiver})
    snapshot = changed.model_dump(mode="json")
    await repo.update_fields(tx.conn, order_id, snapshot=snapshot, **repo.address_fields(changed.receiver))
    if outcome == "carrier_intercept":
        return  # the parcel is with the carrier, who re-addressed it: nothing left here to hold
    lists = await context.receiver_lists(tx.conn, changed, order_facts(changed, deps.rates))
    if outcome:
        lists = {**lists, "waybill_exists": outcome == "intercepted"}
    await check(tx, deps, dataclasses.replace(record, order=changed), "address.changed", lists)


async def intercepted_after_print(tx: Tx, deps: RulesDeps, order_id: str) -> None:
    """Fulfillment intercepted a parcel on its own because an address change reached it after the
    label was printed (ingest had not heard of the print yet): R15 as for any intercept, so the
    order is held and someone releases it (the release re-issues the waybill)."""
    record = await locked(tx, order_id, "intercepted")
    await check(tx, deps, record, "address.changed", {"waybill_exists": True})


async def change_remarks(tx: Tx, deps: RulesDeps, order_id: str, buyer_remark: str, seller_memo: str) -> None:
    """R12 again."""
    record = await locked(tx, order_id, "remarks changed")
    changed = record.order.model_copy(update={"buyer_remark": buyer_remark, "seller_memo": seller_memo})
    await repo.update_fields(tx.conn, order_id, snapshot=changed.model_dump(mode="json"))
    await check(tx, deps, dataclasses.replace(record, order=changed), "remarks.changed")


async def record_shipments(tx: Tx, deps: RulesDeps, shipments: Sequence[ShipmentCreated]) -> None:
    """A run of shipments, set-based: each order's waybill (R15 knows a waybill exists) and its
    R16 timer moved to its in-stock parcel's deadline, in two statements. Within a run, an order's
    last in-stock shipment wins, as it would one by one; a shipment of an order not placed yet is
    retried."""
    rows = await repo.lock_for_shipments(tx.conn, [s.order_id for s in shipments])
    missing = sorted({s.order_id for s in shipments} - rows.keys())
    if missing:
        raise RetryLater(f"orders {', '.join(missing)}: shipment before their placement arrived")
    waybills: dict[str, str] = {}
    deadlines: dict[str, tuple[datetime, datetime]] = {}
    for shipment in shipments:  # later shipments of an order overwrite earlier ones
        row = rows[shipment.order_id]
        waybills[shipment.order_id] = shipment.waybill_no
        deadline = _ship_deadline(deps, shipment, row.paid_at)
        if deadline is not None and row.shipped_at is None:
            deadlines[shipment.order_id] = (deadline - deps.timers.warning, deadline)
    await repo.record_waybills(tx.conn, waybills, deadlines)


def _ship_deadline(deps: RulesDeps, shipment: ShipmentCreated, paid_at: datetime | None) -> datetime | None:
    """Fulfillment's deadline; else 24 h after payment for in-stock lines; presale: none. R16 is
    about in-stock orders, so the presale parcel of a split order never moves the timer (even
    when it is reserved after its in-stock sibling)."""
    if shipment.zone == "presale":
        return None
    if shipment.ship_deadline is not None:
        return shipment.ship_deadline
    if paid_at is not None and any(not item.presale for item in shipment.items):
        return paid_at + deps.timers.ship_within
    return None


async def record_dispatch(tx: Tx, deps: RulesDeps, order_id: str, dispatched_at: datetime) -> None:
    """Shipped: the R16 timer goes, R17 is armed."""
    record = await locked(tx, order_id, "dispatched")
    if record.shipped_at is None:
        await repo.update_fields(tx.conn, order_id, shipped_at=dispatched_at)
    await timers.cancel(tx.conn, order_id, TimerKind.SHIP_DEADLINE)
    await _arm_logistics(tx, deps, order_id, dispatched_at)


async def record_tracking(tx: Tx, deps: RulesDeps, order_id: str, status: str, occurred_at: datetime) -> None:
    """R17 re-armed by each update; delivered cancels it; returned or exception (疑难, 拒签, 退回)
    checks R17 at once."""
    record = await locked(tx, order_id, "tracked")
    if record.shipped_at is None:  # a carrier scan means it left, whatever we heard before
        await repo.update_fields(tx.conn, order_id, shipped_at=occurred_at)
        await timers.cancel(tx.conn, order_id, TimerKind.SHIP_DEADLINE)
    if status == "delivered":
        await repo.update_fields(tx.conn, order_id, delivered_at=occurred_at)
        await timers.cancel(tx.conn, order_id, TimerKind.LOGISTICS)
    elif status in ("returned", "exception"):
        await timers.cancel(tx.conn, order_id, TimerKind.LOGISTICS)
        record = await locked(tx, order_id, "returned")
        await check(tx, deps, record, "logistics.check", {"carrier_returned": True})
    else:
        await _arm_logistics(tx, deps, order_id, occurred_at)


async def _arm_logistics(tx: Tx, deps: RulesDeps, order_id: str, last_update: datetime) -> None:
    due_at = last_update + deps.timers.logistics_stall
    await timers.schedule(tx.conn, order_id, TimerKind.LOGISTICS, due_at=due_at, reference_at=last_update, rearm=True)


async def check_shortage(tx: Tx, deps: RulesDeps, order_id: str, short_skus: list[str]) -> None:
    """R09."""
    record = await locked(tx, order_id, "stock shortage")
    await check(tx, deps, record, "stock.shortage", {"short_skus": short_skus})


async def check_failed_notification(tx: Tx, deps: RulesDeps, order_id: str, channel: str, error_code: str) -> None:
    """R03, for orders this service knows (notify also writes about orders placed elsewhere)."""
    record = await repo.lock(tx.conn, order_id)
    if record is None:
        log.info("notification.failure_for_unknown_order", order_id=order_id)
        return
    extra = {"notification_channel": channel, "notification_error": error_code}
    await check(tx, deps, record, "notification.failed", extra)
