"""The 「已发货」 SMS: when a parcel leaves the warehouse (shipment.dispatched, from the ship scan),
the customer gets its carrier and waybill number. The event names no receiver: the customer is
the one notify kept from the order's placement (an order it never saw fails the message, with
the reason, as refunds do)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, ShipmentDispatched
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from notify.contacts import Contact, find_contacts
from notify.contexts import carrier_name
from notify.delivery import Delivery, record
from notify.routing import CUSTOMER, Addressee, RecipientResolver
from notify.templates import TemplateBook

DISPATCH_TEMPLATE = "shipment_dispatched"


def dispatch_variables(event: ShipmentDispatched) -> dict[str, str]:
    return {"order_id": event.order_id, "carrier": carrier_name(event.carrier), "waybill_no": event.waybill_no}


class DispatchNotifier:
    def __init__(self, templates: TemplateBook, resolver: RecipientResolver, provider_names: Mapping[str, str]) -> None:
        self._template = templates.require(DISPATCH_TEMPLATE, channel="sms", event_type=ShipmentDispatched.event_type)
        self._resolver = resolver
        self._providers = dict(provider_names)

    def handlers(self) -> dict[str, Handler]:
        return {ShipmentDispatched.event_type: self.on_dispatched}

    def batch_handlers(self) -> dict[str, BatchHandler]:
        return {ShipmentDispatched.event_type: self.on_dispatches}

    async def on_dispatched(self, tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        await self.on_dispatches(tx, [(envelope, event)])

    async def on_dispatches(self, tx: Tx, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        dispatches = [(envelope, event) for envelope, event in events if isinstance(event, ShipmentDispatched)]
        known = await find_contacts(tx.conn, [event.order_id for _, event in dispatches])
        deliveries = []
        for envelope, event in dispatches:
            contact = known.get(event.order_id, Contact(phone="", province="", currency="CNY"))
            route = self._resolver.resolve("sms", CUSTOMER, Addressee(contact.phone, contact.province))
            delivery = Delivery(envelope.id, event.order_id, self._template, dispatch_variables(event), route)
            deliveries.append((envelope, delivery))
        await record(tx, self._providers, deliveries)
