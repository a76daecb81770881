"""After-sales messages: the customer gets the return waybill by SMS when their return is approved
(return.waybill_issued) and the reason by SMS when it is refused (return.rejected); a receipt that
does not match the request goes to the warehouse lead on WeCom (return.discrepancy). The customer
is the one notify kept from the order's placement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent
from orderhub_contracts.return_events import ReturnDiscrepancyFound, ReturnRejected, ReturnWaybillSent
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from notify.contacts import Contact, find_contacts
from notify.contexts import carrier_name
from notify.delivery import Delivery, record
from notify.model import Channel
from notify.routing import CUSTOMER, Addressee, RecipientResolver
from notify.templates import Template, TemplateBook

RETURN_WAYBILL_TEMPLATE = "return_waybill"
RETURN_REJECTED_TEMPLATE = "return_rejected"
RETURN_DISCREPANCY_TEMPLATE = "return_discrepancy"
WAREHOUSE_LEAD = "warehouse_lead"


def return_variables(event: DomainEvent) -> dict[str, str]:
    if isinstance(event, ReturnWaybillSent):
        return {
            "order_id": event.order_id,
            "ticket_id": event.ticket_id,
            "carrier": carrier_name(event.carrier),
            "waybill_no": event.waybill_no,
        }
    if isinstance(event, ReturnRejected):
        return {"order_id": event.order_id, "ticket_id": event.ticket_id, "reason": event.note}
    assert isinstance(event, ReturnDiscrepancyFound)
    problems = "；".join(event.problems)
    return {"order_id": event.order_id, "ticket_id": event.ticket_id, "problems": problems, "actor": event.actor}


class ReturnNotifier:
    def __init__(self, templates: TemplateBook, resolver: RecipientResolver, provider_names: Mapping[str, str]) -> None:
        self._templates: dict[str, tuple[Template, Channel, str]] = {
            ReturnWaybillSent.event_type: (
                templates.require(RETURN_WAYBILL_TEMPLATE, channel="sms", event_type=ReturnWaybillSent.event_type),
                "sms",
                CUSTOMER,
            ),
            ReturnRejected.event_type: (
                templates.require(RETURN_REJECTED_TEMPLATE, channel="sms", event_type=ReturnRejected.event_type),
                "sms",
                CUSTOMER,
            ),
            ReturnDiscrepancyFound.event_type: (
                templates.require(
                    RETURN_DISCREPANCY_TEMPLATE, channel="wecom", event_type=ReturnDiscrepancyFound.event_type
                ),
                "wecom",
                WAREHOUSE_LEAD,
            ),
        }
        self._resolver = resolver
        self._providers = dict(provider_names)

    def handlers(self) -> dict[str, Handler]:
        return {event_type: self.on_event for event_type in self._templates}

    def batch_handlers(self) -> dict[str, BatchHandler]:
        return {event_type: self.on_events for event_type in self._templates}

    async def on_event(self, tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        await self.on_events(tx, [(envelope, event)])

    async def on_events(self, tx: Tx, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        mine = [(envelope, event) for envelope, event in events if envelope.type in self._templates]
        known = await find_contacts(tx.conn, [envelope.subject for envelope, _ in mine])
        deliveries = []
        for envelope, event in mine:
            template, channel, target = self._templates[envelope.type]
            contact = known.get(envelope.subject, Contact(phone="", province="", currency="CNY"))
            route = self._resolver.resolve(channel, target, Addressee(contact.phone, contact.province))
            delivery = Delivery(envelope.id, envelope.subject, template, return_variables(event), route)
            deliveries.append((envelope, delivery))
        await record(tx, self._providers, deliveries)
