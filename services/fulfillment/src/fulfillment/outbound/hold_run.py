"""Holds from rules (order.held) a run at a time: each records or widens the order's active
hold (see holds.py) and intercepts its outbound if one was created and not yet shipped, with
the outcome of applying them one by one in run order. One statement per stretch of the run in
which no order appears twice (a second hold of an order widens what the first recorded)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger
from sqlalchemy import text

from fulfillment.locks import lock_orders
from fulfillment.outbound.repository import OutboundStatus
from fulfillment.outbound.run_state import segments

log = get_logger(__name__)


@dataclass(frozen=True)
class HoldRequest:
    order_id: str
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    held_at: datetime


# The statement's snapshot shows each outbound as it was before the interception.
_HOLD = text(
    """
WITH h AS (
    SELECT * FROM unnest(
        CAST(:order_ids AS text[]), CAST(:rule_ids AS text[]), CAST(:reasons AS text[]),
        CAST(:held_ats AS timestamptz[])
    ) WITH ORDINALITY AS h(order_id, rule_ids, reasons, held_at, n)
), recorded AS (
    INSERT INTO fulfillment.holds AS holds (order_id, rule_ids, reasons, held_at)
    SELECT h.order_id, ARRAY(SELECT jsonb_array_elements_text(CAST(h.rule_ids AS jsonb))),
           ARRAY(SELECT jsonb_array_elements_text(CAST(h.reasons AS jsonb))), h.held_at
    FROM h ORDER BY h.n
    ON CONFLICT (order_id) WHERE released_at IS NULL DO UPDATE SET
        rule_ids = ARRAY(SELECT DISTINCT unnest(holds.rule_ids || excluded.rule_ids) ORDER BY 1),
        reasons = ARRAY(SELECT DISTINCT unnest(holds.reasons || excluded.reasons) ORDER BY 1),
        held_at = greatest(holds.held_at, excluded.held_at)
), intercepted AS (
    UPDATE fulfillment.outbound_orders o SET status = 'intercepted', updated_at = now()
    FROM h WHERE o.order_id = h.order_id AND o.status = 'created'
)
SELECT h.order_id, o.outbound_id, o.status, o.waybill_no
FROM h LEFT JOIN fulfillment.outbound_orders o ON o.order_id = h.order_id
ORDER BY h.n
"""
)


async def hold_orders(tx: Tx, requests: Sequence[HoldRequest]) -> None:
    order_ids = [r.order_id for r in requests]
    await lock_orders(tx.conn, order_ids)
    for start, end in segments(order_ids):
        stretch = requests[start:end]
        params = {
            "order_ids": [r.order_id for r in stretch],
            "rule_ids": [json.dumps(list(r.rule_ids)) for r in stretch],
            "reasons": [json.dumps(list(r.reasons), ensure_ascii=False) for r in stretch],
            "held_ats": [r.held_at for r in stretch],
        }
        rows = (await tx.conn.execute(_HOLD, params)).all()
        for request, row in zip(stretch, rows, strict=True):
            _log(request, row.outbound_id, row.status, row.waybill_no)


def _log(request: HoldRequest, outbound_id: str | None, status: str | None, waybill_no: str | None) -> None:
    if status == OutboundStatus.CREATED.value:
        log.warning(
            "outbound.intercepted",
            order_id=request.order_id,
            outbound_id=outbound_id,
            waybill_no=waybill_no,
            rule_ids=list(request.rule_ids),
        )
    else:
        log.info("hold.recorded", order_id=request.order_id, rule_ids=list(request.rule_ids), outbound_status=status)
