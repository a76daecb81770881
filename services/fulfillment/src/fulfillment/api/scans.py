"""PDA scans at the warehouse door: a parcel handed to the carrier (发货扫描)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel, ConfigDict, Field

from fulfillment.deps import Warehouse
from fulfillment.outbound.model import ShipParcel
from fulfillment.outbound.service.ship import ship_parcel

router = APIRouter(prefix="/v1", tags=["scans"])


class ShipScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    waybill_no: str = Field(min_length=4, max_length=40, description="运单号 as scanned from the label")


class ShipScanOut(BaseModel):
    waybill_no: str
    order_id: str
    outbound_id: str
    zone: str
    carrier: str
    shipped_at: datetime
    already_shipped: bool = Field(description="true for a repeated scan: nothing changed")
    order_shipped: bool = Field(description="every parcel of the order has now left")
    message: str  # shown on the PDA


@router.post("/scans/ship")
async def scan_ship(body: ShipScanIn, db: DatabaseDep, staff: Warehouse) -> ShipScanOut:
    """The parcel with this waybill has left with the carrier. Unknown (404), cancelled,
    intercepted or held (409) waybills are refused with a code and a Chinese message."""
    command = ShipParcel(waybill_no=body.waybill_no, scanned_by=staff.name)
    result = await db.run_in_transaction(lambda tx: ship_parcel(tx, command))
    outbound = result.outbound
    if result.already_shipped:
        message = f"运单 {outbound.waybill_no} 已发货，无需重复扫描"
    elif result.order_shipped:
        message = f"发货成功：订单 {outbound.order_id} 已全部发出"
    else:
        message = f"发货成功：订单 {outbound.order_id} 还有包裹未发出"
    return ShipScanOut(
        waybill_no=outbound.waybill_no,
        order_id=outbound.order_id,
        outbound_id=outbound.outbound_id,
        zone=outbound.zone.value,
        carrier=outbound.carrier,
        shipped_at=result.shipped_at,
        already_shipped=result.already_shipped,
        order_shipped=result.order_shipped,
        message=message,
    )
