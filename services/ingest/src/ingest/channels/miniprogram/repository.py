"""Every statement on mini-program sessions and orders. Runs on the caller's connection; never commits.
Session tokens are kept only as their SHA-256, so a database read does not yield usable tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import RowMapping, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.tables import mp_orders, mp_sessions, order_items


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(conn: AsyncConnection, *, openid: str, session_key: str, ttl_s: int) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(seconds=ttl_s)
    await conn.execute(delete(mp_sessions).where(mp_sessions.c.expires_at < func.now()))
    await conn.execute(
        mp_sessions.insert().values(
            token_hash=token_hash(token), openid=openid, session_key=session_key, expires_at=expires_at
        )
    )
    return token, expires_at


async def session_openid(conn: AsyncConnection, token: str) -> str | None:
    query = select(mp_sessions.c.openid).where(
        mp_sessions.c.token_hash == token_hash(token), mp_sessions.c.expires_at > func.now()
    )
    openid: str | None = await conn.scalar(query)
    return openid


async def add_order(
    conn: AsyncConnection, *, order_id: str, openid: str, out_trade_no: str, amount_fen: int, request_key: str | None
) -> None:
    await conn.execute(
        mp_orders.insert().values(
            order_id=order_id, openid=openid, out_trade_no=out_trade_no, amount_fen=amount_fen, request_key=request_key
        )
    )


async def order_for_request(conn: AsyncConnection, openid: str, request_key: str) -> str | None:
    """The order a customer's earlier request with this Idempotency-Key placed. Takes a transaction
    lock on the key first, so a retry racing the first attempt waits for it and then finds its order."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"mp-order:{openid}:{request_key}"}
    )
    query = select(mp_orders.c.order_id).where(mp_orders.c.openid == openid, mp_orders.c.request_key == request_key)
    order_id: str | None = await conn.scalar(query)
    return order_id


async def lock_by_trade_no(conn: AsyncConnection, out_trade_no: str) -> RowMapping | None:
    query = select(mp_orders).where(mp_orders.c.out_trade_no == out_trade_no).with_for_update()
    return (await conn.execute(query)).mappings().first()


async def mark_paid(conn: AsyncConnection, order_id: str, *, transaction_id: str, paid_at: datetime) -> None:
    await conn.execute(
        update(mp_orders).where(mp_orders.c.order_id == order_id).values(transaction_id=transaction_id, paid_at=paid_at)
    )


async def order_ids_of(conn: AsyncConnection, openid: str, *, limit: int) -> list[str]:
    query = (
        select(mp_orders.c.order_id)
        .where(mp_orders.c.openid == openid)
        .order_by(mp_orders.c.created_at.desc())
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars().all())


async def owner_of(conn: AsyncConnection, order_id: str) -> str | None:
    owner: str | None = await conn.scalar(select(mp_orders.c.openid).where(mp_orders.c.order_id == order_id))
    return owner


async def mp_order(conn: AsyncConnection, order_id: str) -> RowMapping | None:
    return (await conn.execute(select(mp_orders).where(mp_orders.c.order_id == order_id))).mappings().first()


async def set_prepay(conn: AsyncConnection, order_id: str, prepay_id: str) -> None:
    await conn.execute(update(mp_orders).where(mp_orders.c.order_id == order_id).values(prepay_id=prepay_id))


async def unpaid_since(conn: AsyncConnection, since: datetime, *, limit: int) -> list[str]:
    """Orders that went to payment after `since` and are not known to be paid, oldest first."""
    query = (
        select(mp_orders.c.order_id)
        .where(mp_orders.c.paid_at.is_(None), mp_orders.c.prepay_id.is_not(None), mp_orders.c.created_at >= since)
        .order_by(mp_orders.c.created_at)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars().all())


async def first_title(conn: AsyncConnection, order_id: str) -> str:
    """The title of the order's first line (the payment's description)."""
    query = (
        select(order_items.c.title).where(order_items.c.order_id == order_id).order_by(order_items.c.line_no).limit(1)
    )
    return str(await conn.scalar(query) or "")
