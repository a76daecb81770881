"""Message handlers: every event that a KPI or the heat analysis is computed from, turned into a
call of the matching use case. A redelivered event changes nothing (inbox, and keys on rows)."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import AnomalyRaised, AnomalyResolved, DomainEvent, NotificationSent, OrderPlaced
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from insights.contacts.service import record_sms_sent
from insights.deps import InsightsDeps
from insights.kpi.model import StaffAction
from insights.kpi.service import record_anomaly, record_staff_action
from insights.orders.service import record_orders


def build_batch_handlers(deps: InsightsDeps) -> dict[str, BatchHandler]:
    secret = deps.settings.customer_key_secret.get_secret_value()

    async def on_orders_placed(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        await record_orders(tx, (event.order for _, event in items if isinstance(event, OrderPlaced)), secret)

    return {OrderPlaced.event_type: on_orders_placed}


def build_handlers(deps: InsightsDeps) -> dict[str, Handler]:
    async def on_anomaly_raised(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, AnomalyRaised)
        await record_anomaly(tx, event, envelope.time)

    async def on_notification_sent(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, NotificationSent)
        if event.channel == "sms":  # notify sends SMS to customers only; WeCom goes to staff
            await record_sms_sent(tx, event_id=envelope.id, order_id=event.order_id, at=envelope.time)

    # Staff actions that move an order or a ticket (省). Acknowledging moves nothing.
    async def on_anomaly_resolved(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, AnomalyResolved)
        if event.resolved_by:
            action = StaffAction(
                envelope.id, event.resolved_by, f"anomaly.{event.resolution}", event.order_id, envelope.time
            )
            await record_staff_action(tx, action)

    return {
        AnomalyRaised.event_type: on_anomaly_raised,
        NotificationSent.event_type: on_notification_sent,
        AnomalyResolved.event_type: on_anomaly_resolved,
    }
