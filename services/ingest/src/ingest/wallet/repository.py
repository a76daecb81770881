"""Every statement on the coupon wallet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import RowMapping, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.tables import coupon_wallet, mp_orders


async def record_issued(
    conn: AsyncConnection,
    *,
    coupon_code: str,
    issued_for_order: str,
    customer_phone: str,
    amount_fen: int,
    currency: str,
    valid_until: datetime,
) -> None:
    """Keep the coupon, for the customer whose mini-program order it compensates (if any)."""
    owner = select(mp_orders.c.openid).where(mp_orders.c.order_id == issued_for_order).scalar_subquery()
    stmt = pg_insert(coupon_wallet).values(
        coupon_code=coupon_code,
        openid=owner,
        customer_phone=customer_phone,
        amount_fen=amount_fen,
        currency=currency,
        valid_until=valid_until,
        issued_for_order=issued_for_order,
    )
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=[coupon_wallet.c.coupon_code]))


async def lock_coupon(conn: AsyncConnection, coupon_code: str) -> RowMapping | None:
    query = select(coupon_wallet).where(coupon_wallet.c.coupon_code == coupon_code).with_for_update()
    return (await conn.execute(query)).mappings().first()


async def mark_redeemed(conn: AsyncConnection, coupon_code: str, order_id: str, at: datetime) -> bool:
    stmt = (
        update(coupon_wallet)
        .where(coupon_wallet.c.coupon_code == coupon_code, coupon_wallet.c.redeemed_order_id.is_(None))
        .values(redeemed_order_id=order_id, redeemed_at=at)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def coupons_of(conn: AsyncConnection, openid: str) -> Sequence[RowMapping]:
    query = (
        select(coupon_wallet)
        .where(coupon_wallet.c.openid == openid)
        .order_by(coupon_wallet.c.valid_until.desc(), coupon_wallet.c.coupon_code)
    )
    return (await conn.execute(query)).mappings().all()
