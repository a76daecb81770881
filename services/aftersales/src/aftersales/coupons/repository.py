"""Every statement on budget pools, their ledger and coupons. A draw is one conditional UPDATE:
it takes the amount only while the balance covers it, so concurrent draws never take a pool
below zero (and the CHECK on the table refuses it if anything ever tried)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.coupons.model import Coupon, LedgerEntry
from aftersales.tables import budget_ledger, budget_pools, coupons

LEDGER_LIMIT = 500


async def top_up(conn: AsyncConnection, name: str, amount_fen: int) -> int:
    insert = pg_insert(budget_pools).values(name=name, balance_fen=amount_fen)
    stmt = insert.on_conflict_do_update(
        index_elements=[budget_pools.c.name],
        set_={"balance_fen": budget_pools.c.balance_fen + amount_fen, "updated_at": func.now()},
    ).returning(budget_pools.c.balance_fen)
    return int((await conn.execute(stmt)).scalar_one())


async def set_balance(conn: AsyncConnection, name: str, amount_fen: int) -> tuple[int, int]:
    """Answers (previous balance, new balance); the row is locked by the upsert."""
    previous = await conn.scalar(
        select(budget_pools.c.balance_fen).where(budget_pools.c.name == name).with_for_update()
    )
    stmt = pg_insert(budget_pools).values(name=name, balance_fen=amount_fen)
    stmt = stmt.on_conflict_do_update(
        index_elements=[budget_pools.c.name], set_={"balance_fen": amount_fen, "updated_at": func.now()}
    )
    await conn.execute(stmt)
    return int(previous or 0), amount_fen


async def draw(conn: AsyncConnection, name: str, amount_fen: int) -> int | None:
    """Take `amount_fen` from the pool if it covers it; the balance after, or None (refused)."""
    stmt = (
        update(budget_pools)
        .where(budget_pools.c.name == name, budget_pools.c.balance_fen >= amount_fen)
        .values(balance_fen=budget_pools.c.balance_fen - amount_fen, updated_at=func.now())
        .returning(budget_pools.c.balance_fen)
    )
    balance = (await conn.execute(stmt)).scalar_one_or_none()
    return None if balance is None else int(balance)


async def balance(conn: AsyncConnection, name: str) -> tuple[int, str] | None:
    row = (await conn.execute(select(budget_pools).where(budget_pools.c.name == name))).mappings().first()
    return None if row is None else (int(row["balance_fen"]), str(row["currency"]))


async def add_ledger(
    conn: AsyncConnection,
    *,
    pool: str,
    kind: str,
    amount_fen: int,
    balance_after_fen: int,
    order_id: str = "",
    coupon_code: str = "",
    by: str = "",
) -> None:
    await conn.execute(
        budget_ledger.insert().values(
            pool=pool,
            kind=kind,
            amount_fen=amount_fen,
            balance_after_fen=balance_after_fen,
            order_id=order_id,
            coupon_code=coupon_code,
            by=by,
        )
    )


async def ledger(conn: AsyncConnection, pool: str) -> list[LedgerEntry]:
    query = (
        select(budget_ledger)
        .where(budget_ledger.c.pool == pool)
        .order_by(budget_ledger.c.entry_id.desc())
        .limit(LEDGER_LIMIT)
    )
    return [
        LedgerEntry(
            int(r["entry_id"]),
            r["kind"],
            int(r["amount_fen"]),
            int(r["balance_after_fen"]),
            r["order_id"],
            r["coupon_code"],
            r["by"],
            r["at"],
        )
        for r in (await conn.execute(query)).mappings()
    ]


async def compensated(conn: AsyncConnection, voided_order_id: str) -> bool:
    """A draw or a refused draw is already recorded for this voided order."""
    query = select(budget_ledger.c.entry_id).where(
        budget_ledger.c.order_id == voided_order_id, budget_ledger.c.kind.in_(("draw", "refused"))
    )
    return (await conn.scalar(query.limit(1))) is not None


async def insert_coupon(conn: AsyncConnection, coupon: Coupon) -> None:
    await conn.execute(
        coupons.insert().values(
            coupon_code=coupon.coupon_code,
            voided_order_id=coupon.voided_order_id,
            pool=coupon.pool,
            customer_phone=coupon.customer_phone,
            amount_fen=coupon.amount_fen,
            currency=coupon.currency,
            issued_at=coupon.issued_at,
            valid_until=coupon.valid_until,
        )
    )


async def mark_redeemed(conn: AsyncConnection, coupon_code: str, order_id: str, at: datetime) -> bool:
    stmt = (
        update(coupons)
        .where(coupons.c.coupon_code == coupon_code, coupons.c.redeemed_order_id.is_(None))
        .values(redeemed_order_id=order_id, redeemed_at=at)
    )
    return (await conn.execute(stmt)).rowcount == 1


def _coupon(r: RowMapping) -> Coupon:
    return Coupon(
        r["coupon_code"],
        r["voided_order_id"],
        r["pool"],
        r["customer_phone"],
        int(r["amount_fen"]),
        r["currency"],
        r["issued_at"],
        r["valid_until"],
        r["redeemed_order_id"],
        r["redeemed_at"],
    )


async def find_coupons(conn: AsyncConnection, *, order_id: str | None, phone: str | None) -> Sequence[Coupon]:
    query = select(coupons).order_by(coupons.c.issued_at.desc()).limit(LEDGER_LIMIT)
    if order_id:
        query = query.where((coupons.c.voided_order_id == order_id) | (coupons.c.redeemed_order_id == order_id))
    if phone:
        query = query.where(coupons.c.customer_phone == phone)
    return [_coupon(r) for r in (await conn.execute(query)).mappings()]
