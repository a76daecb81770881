"""The adapter interface every sales channel implements, and the values that cross it.

A push is a thin "something changed" hint: `verify_push` checks its signature and says which
orders changed; `fetch_order` then fetches the order detail through the signed API (decrypting
what the platform encrypts) and normalises it; `list_updated` is the safety net's increment API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from orderhub_contracts.order import Channel

from ingest.orders.model import PlaceOrder


class PushRejected(Exception):
    """A push that must not be accepted (bad or missing signature, malformed body). The reason is
    archived with the raw push and shown to ops; `status` is the HTTP status to answer with."""

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class PlatformError(Exception):
    """A platform API call failed (network, signature refused, error code). Retried later."""


@dataclass(frozen=True, slots=True)
class OrderRef:
    """One platform order to (re)fetch."""

    channel: Channel
    shop_id: str
    channel_order_no: str


@dataclass(frozen=True, slots=True)
class PushNotice:
    """What one verified push event says: this order changed (topic/tag kept for the log)."""

    ref: OrderRef
    topic: str = ""
    msg_id: str = ""


@dataclass(frozen=True, slots=True)
class ChannelOrder:
    """A platform order normalised: the canonical order's content (`command`) plus the platform
    state the canonical order has no field for. Produced by each channel's normaliser."""

    command: PlaceOrder
    platform_status: str
    updated_at: datetime  # the platform's modification time: tells a stale fetch from a newer one
    cancelled: bool = False
    cancel_reason: str = ""
    refunded_fen: int = 0  # cumulative amount refunded on the platform


# Where a streaming (WebSocket) channel hands each raw message: archived, verified, queued.
PushSink = Callable[[Mapping[str, str], bytes], Awaitable[list[PushNotice]]]


class ChannelAdapter(Protocol):
    """One sales channel. Implementations live in `ingest.channels.<name>.adapter` and are built by
    `create_adapter(config: ChannelConfig, http: httpx.AsyncClient) -> ChannelAdapter`."""

    channel: Channel

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        """Check the signature over the RAW body and parse it. No network, no database.
        Raises PushRejected. `headers` keys are lower-case."""
        ...

    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        """Signed detail fetch (+ decrypt) + normalise. Raises PlatformError (retried)."""
        ...

    async def list_updated(self, shop_id: str, start: datetime, end: datetime) -> list[OrderRef]:
        """Orders of the shop modified in [start, end] (all pages). Raises PlatformError."""
        ...

    async def stream(self, sink: PushSink) -> None:
        """Run the platform's message stream (TMC / PDD WebSocket) until cancelled, handing each
        message to `sink` and acknowledging it after `sink` returns. HTTP-push channels return at once."""
        ...
