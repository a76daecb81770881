"""Message handlers: each turns one event into a call of the matching use case."""

from __future__ import annotations

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderCancelled, OrderHeld, OrderValidated
from orderhub_runtime.bus.consumer import Handler
from orderhub_runtime.db import Tx

from fulfillment.carriers import CarrierProvider
from fulfillment.outbound.cancel import cancel_order
from fulfillment.outbound.clearance import clear_order, hold_order


def build_handlers(carrier: CarrierProvider) -> dict[str, Handler]:
    # Event times (ce_time) order a clearance against a hold; both come from the rules service.
    async def on_order_validated(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderValidated)
        await clear_order(tx, event.order, carrier, cleared_at=envelope.time)

    async def on_order_held(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderHeld)
        await hold_order(tx, event.order_id, event.rule_ids, event.reasons, held_at=envelope.time)

    async def on_order_cancelled(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderCancelled)
        await cancel_order(tx, event.order_id, event.reason, carrier, cancelled_at=envelope.time)

    return {
        OrderValidated.event_type: on_order_validated,
        OrderHeld.event_type: on_order_held,
        OrderCancelled.event_type: on_order_cancelled,
    }
