"""Carriers issue waybill numbers (运单号). A provider is chosen by configuration
(`FULFILLMENT_CARRIER`); the local one works offline and draws numbers from a database
sequence, so they are unique and never reused even across restarts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from orderhub_contracts.address import Receiver
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import local_waybill_seq

LOCAL_CARRIER_CODE = "LOCAL"
LOCAL_WAYBILL_PREFIX = "LC"
LOCAL_WAYBILL_DIGITS = 12


@dataclass(frozen=True)
class WaybillRequest:
    outbound_id: str
    order_id: str
    receiver: Receiver


@dataclass(frozen=True)
class InterceptAnswer:
    """A carrier's answer to an intercept request (accepted: the parcel goes to the new receiver)."""

    accepted: bool
    message: str = ""


class CarrierProvider(Protocol):
    @property
    def code(self) -> str: ...

    async def issue_waybill(self, conn: AsyncConnection, request: WaybillRequest) -> str:
        """A new waybill number for the parcel; `conn` is the caller's open transaction."""
        ...

    async def issue_waybills(self, conn: AsyncConnection, requests: Sequence[WaybillRequest]) -> list[str]:
        """New waybill numbers for several parcels, in the order of `requests`."""
        ...

    async def modify_address(self, carrier: str, waybill_no: str, receiver: Receiver) -> InterceptAnswer:
        """Ask the carrier to deliver a parcel already picked up to `receiver` (MODIFY_ADDR)."""
        ...


def format_local_waybill(number: int) -> str:
    """'LC' + 12 digits, zero-padded: 7 -> 'LC000000000007'."""
    if not 0 < number < 10**LOCAL_WAYBILL_DIGITS:
        raise ValueError(f"local waybill number {number} is outside 1..{10**LOCAL_WAYBILL_DIGITS - 1}")
    return f"{LOCAL_WAYBILL_PREFIX}{number:0{LOCAL_WAYBILL_DIGITS}d}"


class LocalCarrier:
    code = LOCAL_CARRIER_CODE

    async def issue_waybill(self, conn: AsyncConnection, request: WaybillRequest) -> str:
        number = (await conn.execute(select(local_waybill_seq.next_value()))).scalar_one()
        return format_local_waybill(int(number))

    async def issue_waybills(self, conn: AsyncConnection, requests: Sequence[WaybillRequest]) -> list[str]:
        if not requests:
            return []
        query = select(local_waybill_seq.next_value()).select_from(func.generate_series(1, len(requests)))
        # Sorted, so the numbers rise in request order as they do one request at a time.
        numbers = sorted(int(n) for n in (await conn.execute(query)).scalars())
        return [format_local_waybill(n) for n in numbers]

    async def modify_address(self, carrier: str, waybill_no: str, receiver: Receiver) -> InterceptAnswer:
        del carrier, waybill_no, receiver
        return InterceptAnswer(False, "本地承运商不支持拦截改址 (MODIFY_ADDR)")


def build_carrier(name: str) -> CarrierProvider:
    if name == "local":
        return LocalCarrier()
    raise ValueError(f"unknown carrier {name!r}; known: local")
