"""Budget pools (manager sets or tops up; anyone on staff reads the balance and ledger) and the
compensation coupons (staff look them up by order or phone)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from orderhub_contracts.phone import mask_phone, normalize_phone
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.errors import DomainError
from orderhub_runtime.settings import StaffMember
from pydantic import BaseModel, ConfigDict, Field

from aftersales.coupons import service
from aftersales.coupons.model import ChangePool, Coupon, Pool, PoolChange
from aftersales.deps import Staff

router = APIRouter(prefix="/v1", tags=["coupons"])
Manager = Annotated[StaffMember, Depends(require_staff("manager"))]
PoolName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")]


class PoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_fen: int = Field(ge=0, le=10_000_000_000, strict=True)
    mode: PoolChange = PoolChange.TOP_UP


class LedgerEntryOut(BaseModel):
    kind: str
    amount_fen: int
    balance_after_fen: int
    order_id: str
    coupon_code: str
    by: str
    at: datetime


class PoolOut(BaseModel):
    name: str
    balance_fen: int
    currency: str
    ledger: list[LedgerEntryOut]

    @classmethod
    def of(cls, pool: Pool) -> PoolOut:
        return cls(
            name=pool.name,
            balance_fen=pool.balance_fen,
            currency=pool.currency,
            ledger=[
                LedgerEntryOut(
                    kind=e.kind,
                    amount_fen=e.amount_fen,
                    balance_after_fen=e.balance_after_fen,
                    order_id=e.order_id,
                    coupon_code=e.coupon_code,
                    by=e.by,
                    at=e.at,
                )
                for e in pool.ledger
            ],
        )


class CouponOut(BaseModel):
    coupon_code: str
    voided_order_id: str
    pool: str
    customer_phone: str  # masked
    amount_fen: int
    currency: str
    issued_at: datetime
    valid_until: datetime
    redeemed_order_id: str | None
    redeemed_at: datetime | None

    @classmethod
    def of(cls, c: Coupon) -> CouponOut:
        return cls(
            coupon_code=c.coupon_code,
            voided_order_id=c.voided_order_id,
            pool=c.pool,
            customer_phone=mask_phone(c.customer_phone),
            amount_fen=c.amount_fen,
            currency=c.currency,
            issued_at=c.issued_at,
            valid_until=c.valid_until,
            redeemed_order_id=c.redeemed_order_id,
            redeemed_at=c.redeemed_at,
        )


class MissingFilter(DomainError):
    status_code = 422
    code = "invalid_request"


@router.put("/budget-pools/{name}", response_model=PoolOut)
async def change_pool(name: PoolName, body: PoolIn, db: DatabaseDep, staff: Manager) -> PoolOut:
    """Top up the pool by `amount_fen` (`mode: top_up`, the default) or set its balance (`mode: set`)."""
    command = ChangePool(name, body.amount_fen, body.mode, staff.name)
    return PoolOut.of(await db.run_in_transaction(lambda tx: service.change_pool(tx, command)))


@router.get("/budget-pools/{name}", response_model=PoolOut)
async def read_pool(name: PoolName, db: DatabaseDep, _: Staff) -> PoolOut:
    """The balance and the ledger (newest first) of every top-up, draw and refused draw."""
    async with db.read() as conn:
        return PoolOut.of(await service.pool(conn, name))


@router.get("/coupons", response_model=list[CouponOut])
async def coupons(
    db: DatabaseDep,
    _: Staff,
    order_id: Annotated[str | None, Query(max_length=100)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
) -> list[CouponOut]:
    """Coupons issued for (or redeemed on) an order, or a customer's by phone."""
    if not order_id and not phone:
        raise MissingFilter("需要 order_id 或 phone", details={"fields": ["order_id", "phone"]})
    number = normalize_phone(phone) if phone else None
    async with db.read() as conn:
        return [CouponOut.of(c) for c in await service.find_coupons(conn, order_id=order_id, phone=number)]
