"""Message handlers: which events notify whom, with which template. Called by the runtime's
consumer inside its transaction: they only record the messages (queued, or failed when nobody
can receive them); the sender task delivers them once that transaction has committed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import AnomalyRaised, DomainEvent, OrderPlaced, OrderRefunded, ShipmentCreated
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from notify.contacts import Contact, find_contacts, record_contacts
from notify.contexts import anomaly_variables, refund_variables, shipment_variables
from notify.delivery import Delivery, record
from notify.model import Channel
from notify.routing import CUSTOMER, Addressee, RecipientResolver
from notify.templates import TemplateBook

SHIPMENT_TEMPLATE = "shipment_created"
REFUND_TEMPLATE = "order_refunded"
ANOMALY_TEMPLATES: dict[Channel, str] = {"sms": "anomaly_sms", "wecom": "anomaly_wecom"}
# Anomaly action kinds that are messages; hold, popup and tag belong to other services.
ACTION_CHANNELS: dict[str, Channel] = {"sms": "sms", "wecom": "wecom"}


class Notifier:
    def __init__(self, templates: TemplateBook, resolver: RecipientResolver, provider_names: Mapping[str, str]) -> None:
        # Checked here so a missing or mismatched template stops the service at start-up.
        self._shipment = templates.require(SHIPMENT_TEMPLATE, channel="sms", event_type=ShipmentCreated.event_type)
        self._anomaly = {
            channel: templates.require(code, channel=channel, event_type=AnomalyRaised.event_type)
            for channel, code in ANOMALY_TEMPLATES.items()
        }
        self._refund = templates.require(REFUND_TEMPLATE, channel="sms", event_type=OrderRefunded.event_type)
        self._resolver = resolver
        self._providers = dict(provider_names)  # channel -> provider name

    def handlers(self) -> dict[str, Handler]:
        """One event at a time (a run of one of the batch handlers)."""
        return {
            ShipmentCreated.event_type: self.on_shipment_created,
            AnomalyRaised.event_type: self.on_anomaly_raised,
            OrderPlaced.event_type: self.on_order_placed,
            OrderRefunded.event_type: self.on_order_refunded,
        }

    def batch_handlers(self) -> dict[str, BatchHandler]:
        """A run of consecutive events of one type at a time: one statement records them all."""
        return {
            ShipmentCreated.event_type: self.on_shipments_created,
            AnomalyRaised.event_type: self.on_anomalies_raised,
            OrderPlaced.event_type: self.on_orders_placed,
            OrderRefunded.event_type: self.on_orders_refunded,
        }

    async def on_shipment_created(self, tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        await self.on_shipments_created(tx, [(envelope, event)])

    async def on_anomaly_raised(self, tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        await self.on_anomalies_raised(tx, [(envelope, event)])

    async def on_order_placed(self, tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        await self.on_orders_placed(tx, [(envelope, event)])

    async def on_order_refunded(self, tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        await self.on_orders_refunded(tx, [(envelope, event)])

    async def on_orders_placed(self, tx: Tx, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        """Keep each order's customer for the messages about events that do not name them."""
        await record_contacts(tx.conn, [event.order for _, event in events if isinstance(event, OrderPlaced)])

    async def on_orders_refunded(self, tx: Tx, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        """Tell the customer the refund is on its way back. An order whose placement notify never
        saw has nobody to tell: its message is recorded as failed, with the reason."""
        refunds = [(envelope, event) for envelope, event in events if isinstance(event, OrderRefunded)]
        known = await find_contacts(tx.conn, [event.order_id for _, event in refunds])
        deliveries = []
        for envelope, event in refunds:
            contact = known.get(event.order_id, Contact(phone="", province="", currency="CNY"))
            addressee = Addressee(customer_phone=contact.phone, province=contact.province)
            route = self._resolver.resolve("sms", CUSTOMER, addressee)
            variables = refund_variables(event, contact.currency)
            deliveries.append((envelope, Delivery(envelope.id, event.order_id, self._refund, variables, route)))
        await record(tx, self._providers, deliveries)

    async def on_shipments_created(self, tx: Tx, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        """Tell each customer the parcel is on its way, with the carrier and waybill number."""
        deliveries = []
        for envelope, event in events:
            assert isinstance(event, ShipmentCreated)
            addressee = Addressee(customer_phone=event.receiver.phone, province=event.receiver.province)
            route = self._resolver.resolve("sms", CUSTOMER, addressee)
            variables = shipment_variables(event)
            deliveries.append((envelope, Delivery(envelope.id, event.order_id, self._shipment, variables, route)))
        await record(tx, self._providers, deliveries)

    async def on_anomalies_raised(self, tx: Tx, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        """Carry out the rules' sms / wecom actions; hold, popup and tag belong to other services."""
        deliveries = []
        for envelope, event in events:
            assert isinstance(event, AnomalyRaised)
            addressee = Addressee(customer_phone=event.customer_phone, province=event.province)
            for action in event.actions:
                channel = ACTION_CHANNELS.get(action.kind)
                if channel is None:
                    continue
                route = self._resolver.resolve(channel, action.target, addressee)
                variables = anomaly_variables(event, action)
                delivery = Delivery(envelope.id, event.order_id, self._anomaly[channel], variables, route)
                deliveries.append((envelope, delivery))
        await record(tx, self._providers, deliveries)
