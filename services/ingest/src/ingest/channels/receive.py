"""Receiving a push: verify it, archive it raw with the verdict, and queue the fetch of every order
it names, all in one short transaction (no platform call here: the fetch worker does those)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger

from ingest.channels.archive import ACCEPTED, REJECTED, archive_push
from ingest.channels.base import ChannelAdapter, PushNotice, PushRejected
from ingest.channels.fetch_queue import enqueue_fetch

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PushOutcome:
    push_id: int
    accepted: bool
    reason: str = ""
    status: int = 200  # HTTP status to answer the platform with
    notices: tuple[PushNotice, ...] = ()


def verify(adapter: ChannelAdapter, headers: Mapping[str, str], body: bytes) -> tuple[list[PushNotice], str, int]:
    """Run the adapter's check; any failure (a malformed body, or a parser bug that a later fix
    removes) is a rejection kept for replay, never a 500 that loses the push."""
    try:
        return adapter.verify_push(headers, body), "", 200
    except PushRejected as exc:
        return [], exc.reason, exc.status
    except Exception as exc:
        return [], f"malformed push: {type(exc).__name__}: {exc}", 400


async def receive_push(
    db: Database, adapter: ChannelAdapter, headers: Mapping[str, str], body: bytes, *, correlation_id: str = ""
) -> PushOutcome:
    lowered = {k.lower(): v for k, v in headers.items()}
    notices, reason, status = verify(adapter, lowered, body)
    channel = adapter.channel.value
    async with db.transaction(correlation_id=correlation_id) as tx:
        push_id = await archive_push(
            tx.conn,
            channel=channel,
            headers=lowered,
            body=body,
            verdict=REJECTED if reason else ACCEPTED,
            reason=reason,
            notices=len(notices),
        )
        for notice in notices:
            await enqueue_fetch(tx.conn, notice.ref, source="push", push_id=push_id)
    if reason:
        log.warning("channel.push_rejected", channel=channel, push_id=push_id, reason=reason)
        return PushOutcome(push_id, accepted=False, reason=reason, status=status)
    log.info(
        "channel.push_accepted", channel=channel, push_id=push_id, orders=[n.ref.channel_order_no for n in notices]
    )
    return PushOutcome(push_id, accepted=True, notices=tuple(notices))
