"""Message handlers of ingest: every projected event type goes to the status projection's batch
handler (a single event is a run of one); a ticket's refund also becomes the order's order.refunded;
the catalogue, anomalies cancelled in the queue, issued coupons and carriers'
answers to intercepts go to their own use cases."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AddressInterceptAnswered,
    AnomalyResolved,
    CouponIssued,
    DomainEvent,
    ProductUpdated,
)
from orderhub_contracts.return_events import ReturnOrderCancelRequested, ReturnRefunded
from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.bus.consumer import BatchHandler
from orderhub_runtime.db import Tx

from ingest.aftersales import cancel_for_refunds, publish_refunds
from ingest.catalogue.service import record_products
from ingest.changes.carrier import record_intercept_answer
from ingest.changes.service import cancel_from_anomaly
from ingest.deps import IngestDeps
from ingest.orders.repository import get_order_row
from ingest.projection.service import PROJECTED, project_run
from ingest.wallet.service import record_issued

Run = Sequence[tuple[Envelope, DomainEvent]]


async def on_products(tx: Tx, items: Run) -> None:
    await record_products(tx, [e for _, e in items if isinstance(e, ProductUpdated)])


async def on_anomalies_resolved(tx: Tx, items: Run) -> None:
    for _, event in items:
        if isinstance(event, AnomalyResolved) and event.resolution == "cancelled":
            await cancel_from_anomaly(tx, event.order_id, event.resolved_by)


async def on_coupons_issued(tx: Tx, items: Run) -> None:
    await record_issued(tx, [e for _, e in items if isinstance(e, CouponIssued)])


async def on_intercept_answers(tx: Tx, items: Run) -> None:
    for envelope, event in items:
        if isinstance(event, AddressInterceptAnswered):
            await record_intercept_answer(tx, envelope.id, event)


async def project_refunds(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
    await project_run(tx, items)
    await publish_refunds(tx, items)


async def project_cancel_requests(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
    order_ids = sorted({event.subject() for _, event in items})
    before = {oid: await _status(tx, oid) for oid in order_ids}
    await project_run(tx, items)
    cancelled = {
        oid
        for oid in order_ids
        if before[oid] != OrderStatus.CANCELLED and await _status(tx, oid) == OrderStatus.CANCELLED
    }
    await cancel_for_refunds(tx, items, cancelled)


async def _status(tx: Tx, order_id: str) -> str | None:
    row = await get_order_row(tx.conn, order_id)
    return None if row is None else str(row["status"])


def build_batch_handlers(deps: IngestDeps) -> dict[str, BatchHandler]:
    """The handlers need nothing from `deps`; the signature is the one every service has."""
    del deps
    handlers: dict[str, BatchHandler] = {cls.event_type: project_run for cls in PROJECTED}
    handlers[ProductUpdated.event_type] = on_products
    handlers[AnomalyResolved.event_type] = on_anomalies_resolved
    handlers[CouponIssued.event_type] = on_coupons_issued
    handlers[AddressInterceptAnswered.event_type] = on_intercept_answers
    handlers[ReturnRefunded.event_type] = project_refunds
    handlers[ReturnOrderCancelRequested.event_type] = project_cancel_requests
    return handlers
