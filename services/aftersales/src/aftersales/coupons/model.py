"""Commands, values and refusals of budget pools and coupons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PoolChange(StrEnum):
    TOP_UP = "top_up"  # add to the balance
    SET = "set"  # make the balance exactly this


@dataclass(frozen=True, slots=True)
class ChangePool:
    name: str
    amount_fen: int
    mode: PoolChange
    by: str


@dataclass(frozen=True, slots=True)
class Compensate:
    """One compensation coupon for a voided order (order.reordered)."""

    voided_order_id: str
    customer_phone: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    entry_id: int
    kind: str
    amount_fen: int
    balance_after_fen: int
    order_id: str
    coupon_code: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    balance_fen: int
    currency: str
    ledger: tuple[LedgerEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Coupon:
    coupon_code: str
    voided_order_id: str
    pool: str
    customer_phone: str
    amount_fen: int
    currency: str
    issued_at: datetime
    valid_until: datetime
    redeemed_order_id: str | None
    redeemed_at: datetime | None
