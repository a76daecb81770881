"""The message use cases: which events notify whom, with which template, and delivering each
message once per (event, template, recipient).

1. `notify_*` (consumer transaction): the event's messages, filled and routed, are recorded as
   `queued` in one statement (`record`) — the unique key turns a repeat into a no-op — and the
   sender is woken when the transaction commits. A message nobody can receive is recorded as
   failed right there.
2. The sender (`messages/sender.py`) claims due messages (status `sending`, attempt counted, committed),
   runs `call_provider` outside any transaction, then settles with `published_sent` /
   `published_failed` in a transaction of its own, which publishes NotificationSent / Failed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AnomalyRaised,
    CouponDrawRefused,
    CouponIssued,
    NotificationFailed,
    NotificationSent,
    OrderCancelled,
    OrderPlaced,
    OrderRefunded,
    ShipmentDispatched,
    WmsBridgeFailed,
)
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from notify.contacts import repository as contacts
from notify.contacts.repository import Contact
from notify.deps import NotifyDeps
from notify.messages import repository
from notify.messages.model import Channel, Message, NewMessage
from notify.providers.base import ProviderError, ProviderResult, ProviderSet
from notify.routing import CUSTOMER, WAREHOUSE_GROUP, Addressee, Route, Unroutable, WeComTarget
from notify.templates.book import Template
from notify.templates.variables import (
    anomaly_variables,
    cancelled_variables,
    coupon_variables,
    dispatch_variables,
    refund_variables,
    refused_variables,
    wms_failed_variables,
)

log = get_logger(__name__)
E = TypeVar("E", OrderRefunded, ShipmentDispatched, OrderCancelled)
# Who hears of a compensation coupon the budget pool could not pay for.
REFUSED_COUPON_TARGETS = ("cs_group", "ops_manager")


@dataclass(frozen=True, slots=True)
class Delivery:
    """A template filled for one event, and who it goes to (or why nobody can get it)."""

    event_id: str
    order_id: str
    template: Template
    variables: Mapping[str, str]
    route: Route | Unroutable


# Anomaly action kinds that are messages; hold, popup and tag belong to other services.
ACTION_CHANNELS: dict[str, Channel] = {"sms": "sms", "wecom": "wecom"}


async def remember_customers(tx: Tx, placed: Sequence[OrderPlaced]) -> None:
    """Keep each order's customer for the messages about events that do not name them."""
    await contacts.record_contacts(tx.conn, [event.order for event in placed])


async def _sms_to_known_customers(
    tx: Tx,
    deps: NotifyDeps,
    events: Sequence[tuple[Envelope, E]],
    template: Template,
    variables: Callable[[E, Contact], dict[str, str]],
) -> None:
    """SMS about events that name no receiver: the customer is the one kept from the order's
    placement. An order whose placement notify never saw has nobody to tell: its message is
    recorded as failed, with the reason."""
    known = await contacts.find_contacts(tx.conn, [event.order_id for _, event in events])
    deliveries = []
    for envelope, event in events:
        contact = known.get(event.order_id, Contact(phone="", province="", currency="CNY"))
        addressee = Addressee(customer_phone=contact.phone, province=contact.province)
        route = deps.routing.resolve("sms", CUSTOMER, addressee)
        values = variables(event, contact)
        deliveries.append((envelope, Delivery(envelope.id, event.order_id, template, values, route)))
    await record(tx, deps.provider_names, deliveries)


async def notify_refunds(tx: Tx, deps: NotifyDeps, refunds: Sequence[tuple[Envelope, OrderRefunded]]) -> None:
    """Tell the customer the refund is on its way back, in the order's currency."""
    await _sms_to_known_customers(
        tx, deps, refunds, deps.templates.refund, lambda event, contact: refund_variables(event, contact.currency)
    )


async def notify_dispatches(
    tx: Tx, deps: NotifyDeps, dispatches: Sequence[tuple[Envelope, ShipmentDispatched]]
) -> None:
    """The customer's one 「已发货」 SMS, when a parcel is scanned out (not at allocation:
    shipment.created sends nothing), with the carrier and waybill number. It goes to the
    parcel's receiver as the event names it (the label's phone, after any address change); an
    event without one goes to the customer kept from the order's placement."""
    named = [(envelope, event) for envelope, event in dispatches if event.receiver is not None]
    unnamed = [(envelope, event) for envelope, event in dispatches if event.receiver is None]
    deliveries = []
    for envelope, event in named:
        assert event.receiver is not None
        addressee = Addressee(customer_phone=event.receiver.phone, province=event.receiver.province)
        route = deps.routing.resolve("sms", CUSTOMER, addressee)
        template, values = deps.templates.dispatch, dispatch_variables(event)
        deliveries.append((envelope, Delivery(envelope.id, event.order_id, template, values, route)))
    await record(tx, deps.provider_names, deliveries)
    if unnamed:
        await _sms_to_known_customers(
            tx, deps, unnamed, deps.templates.dispatch, lambda event, _: dispatch_variables(event)
        )


async def notify_cancellations(tx: Tx, deps: NotifyDeps, cancelled: Sequence[tuple[Envelope, OrderCancelled]]) -> None:
    """Tell the customer the order is cancelled (and that a payment goes back). An order voided and
    placed again (void-and-reorder) is not: its payment moved to the new order and the coupon SMS
    tells the customer what happened."""
    told = [(envelope, event) for envelope, event in cancelled if not event.replaced_by]
    await _sms_to_known_customers(tx, deps, told, deps.templates.cancelled, lambda event, _: cancelled_variables(event))


async def notify_coupons(tx: Tx, deps: NotifyDeps, issued: Sequence[tuple[Envelope, CouponIssued]]) -> None:
    """The compensation coupon of a void-and-reorder, announced by SMS to the customer."""
    deliveries = []
    for envelope, event in issued:
        route = deps.routing.resolve("sms", CUSTOMER, Addressee(customer_phone=event.customer_phone))
        delivery = Delivery(envelope.id, event.order_id, deps.templates.coupon, coupon_variables(event), route)
        deliveries.append((envelope, delivery))
    await record(tx, deps.provider_names, deliveries)


async def notify_refused_coupons(
    tx: Tx, deps: NotifyDeps, refused: Sequence[tuple[Envelope, CouponDrawRefused]]
) -> None:
    """A coupon the pool could not pay for: customer service and the ops manager are told."""
    deliveries = []
    for envelope, event in refused:
        for target in REFUSED_COUPON_TARGETS:
            route = deps.routing.resolve("wecom", target, Addressee())
            variables = refused_variables(event)
            deliveries.append(
                (envelope, Delivery(envelope.id, event.order_id, deps.templates.coupon_refused, variables, route))
            )
    await record(tx, deps.provider_names, deliveries)


async def notify_wms_failures(tx: Tx, deps: NotifyDeps, failures: Sequence[tuple[Envelope, WmsBridgeFailed]]) -> None:
    """The warehouse group hears on WeCom that the WMS export could not be read (which file, why,
    where it was moved), so that someone exports it again before 09:00. Keyed by the bridge and
    its day: the file belongs to no order."""
    route = deps.routing.resolve("wecom", WAREHOUSE_GROUP, Addressee(customer_phone="", province=""))
    template = deps.templates.wms_failed
    deliveries = [
        (envelope, Delivery(envelope.id, event.subject(), template, wms_failed_variables(event), route))
        for envelope, event in failures
    ]
    await record(tx, deps.provider_names, deliveries)


async def notify_anomalies(tx: Tx, deps: NotifyDeps, raised: Sequence[tuple[Envelope, AnomalyRaised]]) -> None:
    """Carry out the rules' sms / wecom actions; hold, popup and tag belong to other services."""
    deliveries = []
    for envelope, event in raised:
        addressee = Addressee(customer_phone=event.customer_phone, province=event.province)
        for action in event.actions:
            channel = ACTION_CHANNELS.get(action.kind)
            if channel is None:
                continue
            route = deps.routing.resolve(channel, action.target, addressee)
            variables = anomaly_variables(event, action)
            delivery = Delivery(envelope.id, event.order_id, deps.templates.anomaly[channel], variables, route)
            deliveries.append((envelope, delivery))
    await record(tx, deps.provider_names, deliveries)


async def record(tx: Tx, provider_names: Mapping[str, str], deliveries: Sequence[tuple[Envelope, Delivery]]) -> int:
    """Record the messages of a run of consumed events in one statement: `queued` (the sender is
    woken when the transaction commits) or, for nobody to send to, `failed` at once. A message
    recorded before (the event redelivered after the inbox forgot it, or twice in the run) is
    not recorded again. Returns how many messages were new."""
    batch: list[tuple[NewMessage, repository.Unsendable | None]] = []
    envelopes: dict[str, Envelope] = {}
    for envelope, delivery in deliveries:
        tx.acting_on(envelope)  # the message carries its event's correlation on to what it causes
        envelopes[envelope.id] = envelope
        batch.append((_new_message(tx, provider_names, delivery), _unsendable(delivery.route)))
    recorded = await repository.insert_many(tx.conn, batch)
    if len(recorded) < len(batch):
        log.info("notification.duplicate", messages=len(batch) - len(recorded))
    for message in recorded:
        if message.status == "failed":
            tx.acting_on(envelopes[message.event_id])
            await announce_failed(tx, message, message.error_code or "", message.error_detail or "", permanent=True)
    return len(recorded)


def _new_message(tx: Tx, provider_names: Mapping[str, str], delivery: Delivery) -> NewMessage:
    template, route = delivery.template, delivery.route
    return NewMessage(
        order_id=delivery.order_id,
        event_id=delivery.event_id,
        template=template.code,
        channel=route.channel,
        recipient=route.recipient,
        recipient_masked=route.recipient_masked,
        text=template.render(delivery.variables),
        params=template.params(delivery.variables),
        provider=provider_names[route.channel],
        correlation_id=tx.correlation_id,
    )


def _unsendable(route: Route | Unroutable) -> repository.Unsendable | None:
    return repository.Unsendable(route.error_code, route.detail) if isinstance(route, Unroutable) else None


async def call_provider(providers: ProviderSet, message: Message) -> ProviderResult | ProviderError:
    """Our message ID is the provider's out ID / dedupe key, so a send can be matched later."""
    try:
        if message.channel == "sms":
            out_id = str(message.message_id)
            return await providers.sms.send(message.recipient, message.template, message.params, out_id)
        target = WeComTarget.parse(message.recipient)
        return await providers.wecom.send(target, message.text, str(message.message_id))
    except ProviderError as exc:
        return exc


async def published_sent(tx: Tx, message: Message, result: ProviderResult) -> Message | None:
    sent = await repository.settle_sent(tx.conn, message.message_id, result.message_id)
    if sent is None:
        return None
    await announce_sent(tx, sent, result)
    return sent


async def announce_sent(tx: Tx, sent: Message, result: ProviderResult) -> None:
    """NotificationSent for a message just settled as sent."""
    await tx.publish(
        NotificationSent(
            message_id=str(sent.message_id),
            order_id=sent.order_id,
            channel=sent.channel,
            template=sent.template,
            recipient_masked=sent.recipient_masked,
            text=sent.text,
            provider=sent.provider,
            provider_message_id=result.message_id,
        )
    )
    log.info(
        "notification.sent",
        message_id=str(sent.message_id),
        template=sent.template,
        channel=sent.channel,
        recipient=sent.recipient_masked,
        provider=sent.provider,
        provider_message_id=result.message_id,
        attempts=sent.attempts,
    )


async def published_failed(tx: Tx, message: Message, code: str, detail: str, *, permanent: bool) -> Message | None:
    """A final failure: nobody to send to, refused by the provider, out of attempts or over a cap.
    `permanent`: sending it again would fail the same way (the rules service may act on it)."""
    failed = await repository.settle_failed(tx.conn, message.message_id, code, detail)
    if failed is None:
        return None
    await announce_failed(tx, failed, code, detail, permanent=permanent)
    return failed


async def announce_failed(tx: Tx, failed: Message, code: str, detail: str, *, permanent: bool) -> None:
    """NotificationFailed for a message just settled (or recorded) as failed."""
    await tx.publish(
        NotificationFailed(
            message_id=str(failed.message_id),
            order_id=failed.order_id,
            channel=failed.channel,
            template=failed.template,
            recipient_masked=failed.recipient_masked,
            provider=failed.provider,
            error_code=code,
            permanent=permanent,
        )
    )
    log.warning(
        "notification.failed",
        message_id=str(failed.message_id),
        template=failed.template,
        channel=failed.channel,
        recipient=failed.recipient_masked,
        error_code=code,
        detail=detail,
        permanent=permanent,
    )
