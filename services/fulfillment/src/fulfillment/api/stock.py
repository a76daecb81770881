"""Stock levels: read by any staff, set by the warehouse (or a manager)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.db import Database
from orderhub_runtime.errors import NotFound
from orderhub_runtime.logging import get_logger
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError

from fulfillment.api.deps import AnyStaff, CarrierDep, StockKeeper
from fulfillment.carriers import CarrierProvider
from fulfillment.replenish import StockSet, set_stock
from fulfillment.stock.repository import StockLevel, get_stock

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["stock"])

Sku = Annotated[str, Path(min_length=1, max_length=64, description="the SKU code, as on order lines")]
# Deadlock / serialization failure: another transaction won a lock race; the whole PUT is redone.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
_ATTEMPTS = 3


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
        return cls(
            sku=level.sku,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
            updated_at=level.updated_at,
        )


class StockSetOut(StockOut):
    allocated_orders: list[str] = Field(description="waiting orders this stock allocated, oldest first")


@router.get("/stock/{sku}")
async def read_stock(sku: Sku, db: DatabaseDep, _: AnyStaff) -> StockOut:
    async with db.engine.connect() as conn:
        level = await get_stock(conn, sku)
    if level is None:
        raise NotFound(f"no stock is recorded for SKU {sku}")
    return StockOut.of(level)


@router.put("/stock/{sku}")
async def write_stock(
    sku: Sku, body: StockUpdate, request: Request, db: DatabaseDep, carrier: CarrierDep, staff: StockKeeper
) -> StockSetOut:
    """Set the on-hand count (creating the SKU if new). Refused with 409 below what is reserved.
    Orders waiting for this SKU are allocated at once, oldest first."""
    result = await _set_with_retry(db, sku, body.on_hand, carrier, request.state.correlation_id)
    log.info(
        "stock.set",
        sku=sku,
        on_hand=result.level.on_hand,
        reserved=result.level.reserved,
        by=staff.name,
        allocated_orders=result.allocated_orders,
    )
    return StockSetOut(**StockOut.of(result.level).model_dump(), allocated_orders=result.allocated_orders)


async def _set_with_retry(
    db: Database, sku: str, on_hand: int, carrier: CarrierProvider, correlation_id: str
) -> StockSet:
    attempt = 1
    while True:
        try:
            async with db.transaction(correlation_id=correlation_id) as tx:
                return await set_stock(tx, sku, on_hand, carrier)
        except DBAPIError as exc:
            if attempt >= _ATTEMPTS or getattr(exc.orig, "sqlstate", None) not in _RETRYABLE_SQLSTATES:
                raise
            log.warning("stock.set_retried", sku=sku, attempt=attempt, error=type(exc.orig).__name__)
            attempt += 1
