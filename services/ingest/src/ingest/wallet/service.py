"""Keeping the customer's coupons (coupon.issued) and redeeming one on a mini-program order: the
coupon row is locked, checked (theirs, unused, not expired) and marked used in the transaction
that places the order, so two orders can never both use it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orderhub_contracts.events import CouponIssued
from orderhub_contracts.order import Discount
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, NotFound
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.wallet import repository

COUPON_SOURCE = "orderhub"
COUPON_NAME = "改地址补偿券"


class CouponNotUsable(Conflict):
    code = "coupon_not_usable"


@dataclass(frozen=True, slots=True)
class WalletCoupon:
    coupon_code: str
    amount_fen: int
    currency: str
    valid_until: datetime
    used: bool
    redeemed_order_id: str


async def record_issued(tx: Tx, events: Sequence[CouponIssued]) -> None:
    for event in events:
        await repository.record_issued(
            tx.conn,
            coupon_code=event.coupon_code,
            issued_for_order=event.order_id,
            customer_phone=event.customer_phone,
            amount_fen=event.amount_fen,
            currency=event.currency,
            valid_until=event.valid_until,
        )


async def customer_coupons(conn: AsyncConnection, openid: str) -> list[WalletCoupon]:
    return [
        WalletCoupon(
            r["coupon_code"],
            int(r["amount_fen"]),
            r["currency"],
            r["valid_until"],
            r["redeemed_order_id"] is not None,
            r["redeemed_order_id"] or "",
        )
        for r in await repository.coupons_of(conn, openid)
    ]


async def take_coupon(tx: Tx, coupon_code: str, openid: str, *, now: datetime) -> Discount:
    """Lock the customer's coupon and answer its discount; refused when it is not theirs, used
    or expired. `redeemed` marks it used once the order has its ID."""
    row = await repository.lock_coupon(tx.conn, coupon_code)
    if row is None or row["openid"] != openid:
        raise NotFound(f"没有优惠券 {coupon_code}", details={"coupon_code": coupon_code})
    if row["redeemed_order_id"] is not None:
        raise CouponNotUsable(
            f"优惠券 {coupon_code} 已使用", details={"coupon_code": coupon_code, "order_id": row["redeemed_order_id"]}
        )
    if row["valid_until"] <= now:
        raise CouponNotUsable(f"优惠券 {coupon_code} 已过期", details={"coupon_code": coupon_code})
    return Discount(source=COUPON_SOURCE, code=coupon_code, name=COUPON_NAME, amount_fen=int(row["amount_fen"]))


async def redeemed(tx: Tx, coupon_code: str, order_id: str, *, now: datetime) -> None:
    if not await repository.mark_redeemed(tx.conn, coupon_code, order_id, now):
        raise CouponNotUsable(f"优惠券 {coupon_code} 已使用", details={"coupon_code": coupon_code})
