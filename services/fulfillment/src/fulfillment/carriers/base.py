"""What fulfillment needs from a carrier aggregator. The 快递100 provider implements it against
the real API (or the simulator in local mode); the local one draws waybill numbers from a
database sequence and tracks nothing, for tests that do not care about carriers.

Error classes, as in notify's providers: `retryable` (a connect failure, a 5xx, the provider's
own "busy" codes) is retried with backoff; `ambiguous` (a read timeout: the carrier may have
acted) is retried too, but only where repeating is harmless (a subscription answers 501 when it
already exists, a cancel of a cancelled waybill changes nothing); anything else is permanent
(bad key or signature, bad data, a carrier that refuses) and never retried."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from orderhub_contracts.address import Receiver
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.carriers.tracking import TrackReport


@dataclass(frozen=True)
class WaybillRequest:
    outbound_id: str
    order_id: str
    receiver: Receiver


class CarrierError(Exception):
    """`code` is the provider's own (快递100 `30002`, poll `701` ...)."""

    def __init__(self, code: str, detail: str = "", *, retryable: bool, ambiguous: bool = False) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.retryable = retryable
        self.ambiguous = ambiguous


class BadPush(Exception):
    """A callback that is not signed right, or not readable: refused and archived."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CarrierProvider(Protocol):
    @property
    def name(self) -> str:
        """The provider (`local`, `kuaidi100`): the `{provider}` of the callback path."""
        ...

    @property
    def code(self) -> str:
        """The carrier company written on outbound orders (`zhongtong`, `LOCAL`)."""
        ...

    async def issue_waybill(self, conn: AsyncConnection, request: WaybillRequest) -> str:
        """A new waybill number for the parcel; `conn` is the caller's open transaction."""
        ...

    async def issue_waybills(self, conn: AsyncConnection, requests: Sequence[WaybillRequest]) -> list[str]:
        """New waybill numbers for several parcels, in the order of `requests`."""
        ...

    async def cancel_waybill(self, carrier: str, waybill_no: str) -> None:
        """Give an unused waybill back to the carrier (the outbound order was cancelled)."""
        ...

    async def subscribe(self, carrier: str, waybill_no: str, phone: str) -> None:
        """Ask for the waybill's track to be pushed to our callback."""
        ...

    async def query(self, carrier: str, waybill_no: str, phone: str) -> TrackReport | None:
        """The waybill's whole track now (the real-time query); None when the carrier has none yet."""
        ...

    def read_push(self, form: Mapping[str, str]) -> TrackReport:
        """The track in a callback whose signature holds; raises BadPush otherwise."""
        ...

    async def aclose(self) -> None:
        """Close the HTTP client, if any."""
        ...
