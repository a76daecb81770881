"""Staff API of the aftersales service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from orderhub_contracts.phone import mask_phone
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.errors import NotFound
from orderhub_runtime.settings import StaffMember
from sqlalchemy import select

from aftersales.tables import order_refs

router = APIRouter(prefix="/v1", tags=["aftersales"])
Staff = Annotated[StaffMember, Depends(require_staff("cs", "warehouse", "manager", "ops"))]


@router.get("/order-refs/{order_id}")
async def get_order_ref(order_id: str, db: DatabaseDep, _: Staff) -> dict[str, Any]:
    """What aftersales knows of an order (items, receiver, waybill) for opening a return."""
    async with db.engine.connect() as conn:
        row = (await conn.execute(select(order_refs).where(order_refs.c.order_id == order_id))).mappings().first()
    if row is None:
        raise NotFound(f"order {order_id} is not known to aftersales")
    return {
        "order_id": row["order_id"],
        "channel": row["channel"],
        "receiver_name": row["receiver_name"],
        "receiver_phone": mask_phone(row["receiver_phone"]),
        "items": row["items"],
        "placed_at": row["placed_at"].isoformat(),
        "waybill_no": row["waybill_no"],
        "carrier": row["carrier"],
    }
