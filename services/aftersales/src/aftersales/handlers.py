"""Message handlers: each maps a run of events (a batch handler: one statement over arrays) to
the order-reference use case."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderPlaced, ShipmentCreated
from orderhub_runtime.bus.consumer import BatchHandler
from orderhub_runtime.db import Tx

from aftersales.deps import AftersalesDeps
from aftersales.order_refs import service
from aftersales.order_refs.model import RecordPlacement, RecordShipment


def build_batch_handlers(deps: AftersalesDeps) -> dict[str, BatchHandler]:
    async def on_orders_placed(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        placements = [RecordPlacement(event.order) for _, event in items if isinstance(event, OrderPlaced)]
        await service.record_placements(tx, placements)

    async def on_shipments_created(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        shipments = [
            RecordShipment(event.order_id, event.waybill_no, event.carrier)
            for _, event in items
            if isinstance(event, ShipmentCreated)
        ]
        await service.record_shipments(tx, shipments)

    return {OrderPlaced.event_type: on_orders_placed, ShipmentCreated.event_type: on_shipments_created}
