"""After-sales messages: the customer gets the return waybill by SMS when their return is approved
(return.waybill_issued) and the reason by SMS when it is refused (return.rejected); a receipt that
does not match the request goes to the warehouse lead on WeCom (return.discrepancy). The customer
is the one notify kept from the order's placement."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.carriers import carrier_name
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent
from orderhub_contracts.return_events import ReturnDiscrepancyFound, ReturnRejected, ReturnWaybillSent
from orderhub_runtime.bus.consumer import BatchHandler
from orderhub_runtime.db import Tx

from notify.contacts import repository as contacts
from notify.contacts.repository import Contact
from notify.deps import NotifyDeps
from notify.messages.service import Delivery, record
from notify.routing import CUSTOMER, Addressee

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


async def notify_returns(tx: Tx, deps: NotifyDeps, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
    mine = [(envelope, event) for envelope, event in events if envelope.type in deps.templates.returns]
    known = await contacts.find_contacts(tx.conn, [envelope.subject for envelope, _ in mine])
    deliveries = []
    for envelope, event in mine:
        template = deps.templates.returns[envelope.type]
        contact = known.get(envelope.subject, Contact(phone="", province="", currency="CNY"))
        target = CUSTOMER if template.channel == "sms" else WAREHOUSE_LEAD
        route = deps.routing.resolve(template.channel, target, Addressee(contact.phone, contact.province))
        deliveries.append((envelope, Delivery(envelope.id, envelope.subject, template, return_variables(event), route)))
    await record(tx, deps.provider_names, deliveries)


def return_batch_handlers(deps: NotifyDeps) -> dict[str, BatchHandler]:
    async def on_returns(tx: Tx, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        await notify_returns(tx, deps, events)

    return {event_type: on_returns for event_type in deps.templates.returns}
