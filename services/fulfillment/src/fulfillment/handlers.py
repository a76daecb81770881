"""Message handlers: each turns one event (or, for clearances and holds, a run of them) into a
call of the matching use case."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AfterSalesCaseClosed,
    AfterSalesCaseOpened,
    AnomalyRaised,
    DomainEvent,
    OrderCancelled,
    OrderHeld,
    OrderValidated,
)
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from fulfillment.completion import service as completion
from fulfillment.deps import FulfillmentDeps
from fulfillment.outbound.model import Clearance, HoldRequest
from fulfillment.outbound.service.cancel import cancel_order
from fulfillment.outbound.service.clear_run import clear_orders
from fulfillment.outbound.service.flags import flag_order
from fulfillment.outbound.service.hold_run import hold_orders


def build_batch_handlers(deps: FulfillmentDeps) -> dict[str, BatchHandler]:
    carrier = deps.carrier

    # Event times (ce_time) order a clearance against a hold; both come from the rules service.
    async def on_orders_validated(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        clearances: list[Clearance] = []
        for envelope, event in items:
            assert isinstance(event, OrderValidated)
            clearances.append(Clearance(event.order, cleared_at=envelope.time, envelope=envelope))
        await clear_orders(tx, clearances, carrier, deps.policy)

    async def on_orders_held(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        requests: list[HoldRequest] = []
        for envelope, event in items:
            assert isinstance(event, OrderHeld)
            requests.append(
                HoldRequest(event.order_id, event.rule_ids, event.reasons, held_at=envelope.time, envelope=envelope)
            )
        await hold_orders(tx, requests)

    return {OrderValidated.event_type: on_orders_validated, OrderHeld.event_type: on_orders_held}


def build_handlers(deps: FulfillmentDeps) -> dict[str, Handler]:
    carrier = deps.carrier

    async def on_order_cancelled(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderCancelled)
        await cancel_order(tx, event.order_id, event.reason, carrier, cancelled_at=envelope.time, policy=deps.policy)

    async def on_anomaly_raised(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, AnomalyRaised)
        if event.rule_id in deps.settings.remark_flag_rules:
            await flag_order(tx, event.order_id, event.rule_id, event.rule_name, raised_at=envelope.time)

    async def on_case_opened(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, AfterSalesCaseOpened)
        await completion.case_opened(tx, event.order_id)

    async def on_case_closed(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, AfterSalesCaseClosed)
        await completion.case_closed(tx, event.order_id)

    return {
        OrderCancelled.event_type: on_order_cancelled,
        AfterSalesCaseOpened.event_type: on_case_opened,
        AfterSalesCaseClosed.event_type: on_case_closed,
        AnomalyRaised.event_type: on_anomaly_raised,
    }
