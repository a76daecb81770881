"""The local provider: waybill numbers from a database sequence (unique, never reused across
restarts), no tracking. Kept for tests that need waybills but no carrier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.carriers.base import BadPush, WaybillRequest
from fulfillment.carriers.tracking import TrackReport
from fulfillment.tables import local_waybill_seq

LOCAL_CARRIER_CODE = "LOCAL"
LOCAL_WAYBILL_PREFIX = "LC"
LOCAL_WAYBILL_DIGITS = 12


def format_local_waybill(number: int) -> str:
    """'LC' + 12 digits, zero-padded: 7 -> 'LC000000000007'."""
    if not 0 < number < 10**LOCAL_WAYBILL_DIGITS:
        raise ValueError(f"local waybill number {number} is outside 1..{10**LOCAL_WAYBILL_DIGITS - 1}")
    return f"{LOCAL_WAYBILL_PREFIX}{number:0{LOCAL_WAYBILL_DIGITS}d}"


class LocalCarrier:
    name = "local"
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

    async def cancel_waybill(self, carrier: str, waybill_no: str) -> None:
        return None

    async def subscribe(self, carrier: str, waybill_no: str, phone: str) -> None:
        return None

    async def query(self, carrier: str, waybill_no: str, phone: str) -> TrackReport | None:
        return None

    async def aclose(self) -> None:
        return None

    def read_push(self, form: Mapping[str, str]) -> TrackReport:
        raise BadPush("the local carrier pushes nothing")
