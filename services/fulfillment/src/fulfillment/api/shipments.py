"""`GET /v1/shipments/{waybill_no}`: a parcel's whole track, newest checkpoint first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.errors import NotFound
from pydantic import BaseModel

from fulfillment.carriers.tracking import describe_state
from fulfillment.deps import AnyStaff
from fulfillment.tracking import repository

router = APIRouter(prefix="/v1", tags=["shipments"])


class CheckpointOut(BaseModel):
    time: datetime
    context: str
    carrier_state: str
    state_label: str  # 揽收, 在途, 派件, 签收 ...
    area: str
    source: str  # push | query


class ShipmentOut(BaseModel):
    waybill_no: str
    order_id: str
    outbound_id: str
    carrier: str
    provider: str
    status: str  # in_transit | delivered | exception
    carrier_state: str
    state_label: str
    latest_at: datetime | None
    latest_context: str
    dispatched_at: datetime
    delivered_at: datetime | None
    track: list[CheckpointOut]


@router.get("/shipments/{waybill_no}")
async def get_shipment(
    waybill_no: Annotated[str, Path(min_length=1, max_length=40)], db: DatabaseDep, _: AnyStaff
) -> ShipmentOut:
    async with db.read() as conn:
        found = await repository.shipment(conn, waybill_no)
        if found is None:
            raise NotFound(f"no shipment with waybill {waybill_no}")
        track = await repository.checkpoints(conn, waybill_no)
    return ShipmentOut(
        waybill_no=found.waybill_no,
        order_id=found.order_id,
        outbound_id=found.outbound_id,
        carrier=found.carrier,
        provider=found.provider,
        status=found.status.value,
        carrier_state=found.carrier_state,
        state_label=describe_state(found.carrier_state) if found.carrier_state else "",
        latest_at=found.latest_at,
        latest_context=found.latest_context,
        dispatched_at=found.dispatched_at,
        delivered_at=found.delivered_at,
        track=[
            CheckpointOut(
                time=t.checkpoint.time,
                context=t.checkpoint.context,
                carrier_state=t.checkpoint.state,
                state_label=describe_state(t.checkpoint.state),
                area=t.checkpoint.area,
                source=t.source,
            )
            for t in track
        ],
    )
