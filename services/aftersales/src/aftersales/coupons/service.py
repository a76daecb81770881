"""Budget pools and compensation coupons.

A voided order (order.reordered) is owed exactly one coupon: the draw from the pool, the coupon
and the ledger entry are written in the consumer's transaction with the inbox claim, so a
redelivery finds the event claimed, a crash before the commit leaves nothing behind, and the
unique compensation index refuses a second draw for the same order whatever path it came by. A
draw the pool cannot cover is refused (the pool never goes below zero), recorded on the ledger and
announced (coupon.draw_refused: customer service and the ops manager are told)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from orderhub_contracts.events import CouponDrawRefused, CouponIssued
from orderhub_contracts.order import Discount
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import NotFound
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.coupons import repository
from aftersales.coupons.model import ChangePool, Compensate, Coupon, Pool, PoolChange
from aftersales.settings import AftersalesSettings

log = get_logger(__name__)
OUR_COUPONS = "orderhub"  # Discount.source of the coupons issued here


def new_coupon_code() -> str:
    return "CP" + secrets.token_hex(6).upper()


async def change_pool(tx: Tx, command: ChangePool) -> Pool:
    if command.mode is PoolChange.TOP_UP:
        after = await repository.top_up(tx.conn, command.name, command.amount_fen)
        amount = command.amount_fen
    else:
        previous, after = await repository.set_balance(tx.conn, command.name, command.amount_fen)
        amount = after - previous
    await repository.add_ledger(
        tx.conn, pool=command.name, kind=command.mode.value, amount_fen=amount, balance_after_fen=after, by=command.by
    )
    log.info("budget_pool.changed", pool=command.name, mode=command.mode.value, amount_fen=amount, balance_fen=after)
    found = await read_pool(tx.conn, command.name)
    assert found is not None
    return found


async def read_pool(conn: AsyncConnection, name: str) -> Pool | None:
    found = await repository.balance(conn, name)
    if found is None:
        return None
    return Pool(name, found[0], found[1], tuple(await repository.ledger(conn, name)))


async def pool(conn: AsyncConnection, name: str) -> Pool:
    found = await read_pool(conn, name)
    if found is None:
        raise NotFound(f"没有预算池 {name}", details={"pool": name})
    return found


async def compensate(tx: Tx, settings: AftersalesSettings, command: Compensate) -> Coupon | None:
    """One coupon for the voided order, drawn from the compensation pool; None when the pool could
    not pay for it (refused and announced) or the order was already compensated."""
    order_id, name, amount = command.voided_order_id, settings.compensation_pool, settings.compensation_coupon_fen
    if await repository.compensated(tx.conn, order_id):
        log.info("coupon.already_compensated", order_id=order_id)
        return None
    after = await repository.draw(tx.conn, name, amount)
    if after is None:
        found = await repository.balance(tx.conn, name)
        balance = found[0] if found else 0
        await repository.add_ledger(
            tx.conn, pool=name, kind="refused", amount_fen=amount, balance_after_fen=balance, order_id=order_id
        )
        await tx.publish(CouponDrawRefused(order_id=order_id, pool=name, amount_fen=amount, balance_fen=balance))
        log.warning("coupon.draw_refused", order_id=order_id, pool=name, amount_fen=amount, balance_fen=balance)
        return None
    coupon = Coupon(
        coupon_code=new_coupon_code(),
        voided_order_id=order_id,
        pool=name,
        customer_phone=command.customer_phone,
        amount_fen=amount,
        currency="CNY",
        issued_at=command.at,
        valid_until=command.at + timedelta(days=settings.compensation_coupon_valid_days),
        redeemed_order_id=None,
        redeemed_at=None,
    )
    await repository.insert_coupon(tx.conn, coupon)
    await repository.add_ledger(
        tx.conn,
        pool=name,
        kind="draw",
        amount_fen=-amount,
        balance_after_fen=after,
        order_id=order_id,
        coupon_code=coupon.coupon_code,
    )
    await tx.publish(
        CouponIssued(
            order_id=order_id,
            coupon_code=coupon.coupon_code,
            customer_phone=coupon.customer_phone,
            amount_fen=amount,
            currency=coupon.currency,
            pool=name,
            valid_until=coupon.valid_until,
        )
    )
    log.info("coupon.issued", order_id=order_id, coupon_code=coupon.coupon_code, pool=name, balance_fen=after)
    return coupon


async def record_redemptions(tx: Tx, redeemed: Sequence[tuple[str, Discount, datetime]]) -> None:
    """Orders placed with one of our coupons (order.placed, discount source `orderhub`): the
    coupon is marked used by that order (the mini-program refused any second use already)."""
    for order_id, discount, at in redeemed:
        if not await repository.mark_redeemed(tx.conn, discount.code, order_id, at):
            log.warning("coupon.redemption_unmatched", order_id=order_id, coupon_code=discount.code)


async def find_coupons(conn: AsyncConnection, *, order_id: str | None, phone: str | None) -> Sequence[Coupon]:
    return await repository.find_coupons(conn, order_id=order_id, phone=phone)
