"""Stock levels: read by any staff, set by the warehouse (or a manager)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.errors import NotFound
from orderhub_runtime.logging import get_logger
from pydantic import BaseModel, ConfigDict, Field

from fulfillment.deps import AnyStaff, Deps, StockKeeper
from fulfillment.stock import service
from fulfillment.stock.model import StockLevel
from fulfillment.stock.repository import get_stock

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["stock"])

Sku = Annotated[str, Path(min_length=1, max_length=64, description="the SKU code, as on order lines")]


class StockUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_hand: int = Field(strict=True, ge=0, le=1_000_000_000, description="units physically in the warehouse")


class StockOut(BaseModel):
    sku: str
    on_hand: int
    reserved: int
    available: int
    updated_at: datetime

    @classmethod
    def of(cls, level: StockLevel) -> StockOut:
        return cls.model_validate(level, from_attributes=True)


class StockSetOut(StockOut):
    allocated_orders: list[str] = Field(description="waiting orders this stock allocated, oldest first")


@router.get("/stock/{sku}")
async def read_stock(sku: Sku, db: DatabaseDep, _: AnyStaff) -> StockOut:
    async with db.read() as conn:
        level = await get_stock(conn, sku)
    if level is None:
        raise NotFound(f"no stock is recorded for SKU {sku}")
    return StockOut.of(level)


@router.put("/stock/{sku}")
async def write_stock(sku: Sku, body: StockUpdate, db: DatabaseDep, deps: Deps, staff: StockKeeper) -> StockSetOut:
    """Set the on-hand count (creating the SKU if new). Refused with 409 below what is reserved.
    Orders waiting for this SKU are allocated at once, oldest first."""
    result = await db.run_in_transaction(lambda tx: service.set_stock(tx, sku, body.on_hand, deps.carrier, deps.policy))
    log.info(
        "stock.set",
        sku=sku,
        on_hand=result.level.on_hand,
        reserved=result.level.reserved,
        by=staff.name,
        allocated_orders=result.allocated_orders,
    )
    return StockSetOut(**StockOut.of(result.level).model_dump(), allocated_orders=result.allocated_orders)
