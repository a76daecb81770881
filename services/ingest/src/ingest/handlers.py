"""Message handlers of ingest: every projected event type goes to the status projection's batch
handler (a single event is a run of one); a ticket's refund also becomes the order's order.refunded."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent
from orderhub_contracts.return_events import ReturnRefunded
from orderhub_runtime.bus.consumer import BatchHandler
from orderhub_runtime.db import Tx

from ingest.aftersales import publish_refunds
from ingest.deps import IngestDeps
from ingest.projection.service import PROJECTED, project_run


async def project_refunds(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
    await project_run(tx, items)
    await publish_refunds(tx, items)


def build_batch_handlers(deps: IngestDeps) -> dict[str, BatchHandler]:
    """The projection needs nothing from `deps`; the signature is the one every service has."""
    del deps
    handlers: dict[str, BatchHandler] = {cls.event_type: project_run for cls in PROJECTED}
    handlers[ReturnRefunded.event_type] = project_refunds
    return handlers
