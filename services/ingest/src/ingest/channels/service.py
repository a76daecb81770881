"""The use cases of channel intake: receiving a push (verify it, archive it raw with the verdict,
queue the fetch of every order it names, in one short transaction; no platform call here: the
fetch worker does those), replaying an archived push after a fix, and making a fetch due now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orderhub_runtime.db import Tx
from orderhub_runtime.errors import NotFound
from orderhub_runtime.logging import get_logger
from sqlalchemy import RowMapping

from ingest.channels.base import ChannelAdapter, PushNotice, PushRejected
from ingest.channels.hub import ChannelHub
from ingest.channels.repository import (
    ACCEPTED,
    REJECTED,
    archive_push,
    enqueue_fetch,
    get_push,
    lock_push,
    make_due,
    record_replay,
)

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


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    push: RowMapping  # the archived push after the replay
    accepted: bool
    reason: str
    notices: tuple[PushNotice, ...]


async def receive_push(tx: Tx, adapter: ChannelAdapter, headers: Mapping[str, str], body: bytes) -> PushOutcome:
    lowered = {k.lower(): v for k, v in headers.items()}
    notices, reason, status = verify(adapter, lowered, body)
    channel = adapter.channel.value
    push_id = await archive_push(
        tx.conn,
        channel=channel,
        headers=lowered,
        body=body,
        verdict=REJECTED if reason else ACCEPTED,
        reason=reason,
        notices=len(notices),
    )
    await _queue_fetches(tx, notices, source="push", push_id=push_id)
    if reason:
        log.warning("channel.push_rejected", channel=channel, push_id=push_id, reason=reason)
        return PushOutcome(push_id, accepted=False, reason=reason, status=status)
    log.info(
        "channel.push_accepted", channel=channel, push_id=push_id, orders=[n.ref.channel_order_no for n in notices]
    )
    return PushOutcome(push_id, accepted=True, notices=tuple(notices))


async def replay_push(tx: Tx, hub: ChannelHub, push_id: int) -> ReplayOutcome:
    """Verify an archived push again with the current configuration (after a fix, e.g. a corrected
    secret) and, if it now passes, queue its orders. The signature is always checked: replay never
    accepts an unsigned push. Replaying an accepted push refetches its orders."""
    row = await lock_push(tx.conn, push_id)
    if row is None:
        raise NotFound(f"push {push_id} is not in the archive")
    adapter = hub.adapter(row["channel"])
    notices, reason, _status = verify(adapter, dict(row["headers"]), bytes(row["body"]))
    await _queue_fetches(tx, notices, source="replay", push_id=push_id)
    previous = f" (was: {row['reason']})" if row["reason"] and not reason else ""
    await record_replay(
        tx.conn,
        push_id,
        verdict=REJECTED if reason else ACCEPTED,
        reason=reason or f"replayed{previous}",
        notices=len(notices),
    )
    replayed = await get_push(tx.conn, push_id)
    assert replayed is not None  # locked above, in this transaction
    log.info("channel.push_replayed", channel=row["channel"], push_id=push_id, accepted=not reason)
    return ReplayOutcome(replayed, accepted=not reason, reason=reason, notices=tuple(notices))


async def _queue_fetches(tx: Tx, notices: Sequence[PushNotice], *, source: str, push_id: int) -> None:
    """Queue the fetch of every order a verified push names (a push and its replay alike)."""
    for notice in notices:
        await enqueue_fetch(tx.conn, notice.ref, source=source, push_id=push_id)


async def retry_fetch(tx: Tx, task_id: int) -> RowMapping:
    """Make an open fetch due now instead of at the end of its backoff (e.g. after a fix)."""
    row = await make_due(tx.conn, task_id)
    if row is None:
        raise NotFound(f"fetch task {task_id} is not open")
    return row
