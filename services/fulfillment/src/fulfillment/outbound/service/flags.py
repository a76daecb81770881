"""Remark flags (anomaly.raised of the configured rules, e.g. R12 备注需关注): recorded for the order
and shown on its outbound orders, whichever arrives first."""

from __future__ import annotations

from datetime import datetime

from fulfillment.outbound.repository import refresh_remark_flags
from fulfillment.outbound.repository.flags import record_flag
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


async def flag_order(tx: Tx, order_id: str, rule_id: str, rule_name: str, *, raised_at: datetime) -> None:
    label = f"{rule_id} {rule_name}".strip()
    await record_flag(tx.conn, order_id, rule_id, label, raised_at)
    await refresh_remark_flags(tx.conn, [order_id])
    log.info("outbound.flagged", order_id=order_id, rule_id=rule_id)
