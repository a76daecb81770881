"""The deliver use case: one message per (event, template, recipient), exactly once.

1. `record` (consumer transaction): insert the message as `queued` — the unique key turns a
   repeat into a no-op — and wake the sender when the transaction commits. A message nobody can
   receive is failed right there.
2. The sender (`sender.py`) claims due messages (status `sending`, attempt counted, committed),
   runs `call_provider` outside any transaction, then settles with `published_sent` /
   `published_failed` in a transaction of its own, which publishes NotificationSent / Failed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orderhub_contracts.events import NotificationFailed, NotificationSent
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from notify import queue, repository
from notify.model import Message, NewMessage
from notify.providers.base import ProviderError, ProviderResult, ProviderSet
from notify.routing import Route, Unroutable, WeComTarget
from notify.templates import Template

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A template filled for one event, and who it goes to (or why nobody can get it)."""

    event_id: str
    order_id: str
    template: Template
    variables: Mapping[str, str]
    route: Route | Unroutable


async def record(tx: Tx, provider_names: Mapping[str, str], delivery: Delivery) -> Message | None:
    """The queued (or, for nobody to send to, failed) message; None when it was recorded before."""
    template, route = delivery.template, delivery.route
    new = NewMessage(
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
    message = await repository.insert_queued(tx.conn, new)
    if message is None:
        log.info("notification.duplicate", template=template.code, recipient=route.recipient_masked)
        return None
    if isinstance(route, Unroutable):
        return await published_failed(tx, message, route.error_code, route.detail, permanent=True)
    await queue.wake_sender(tx.conn)
    return message


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
    sent = await queue.settle_sent(tx.conn, message.message_id, result.message_id)
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
    failed = await queue.settle_failed(tx.conn, message.message_id, code, detail)
    if failed is None:
        return None
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
    return failed
