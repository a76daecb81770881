"""Checking an order again after placement: a timer fired or another service reported
something. The rules reacting to that trigger see the order's facts, what this service knows
about it since (paid, waybill, shipped), and the facts that came with the trigger."""

from __future__ import annotations

from typing import Any

from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules import orders
from rules.engine.evaluate import Hit, evaluate
from rules.engine.facts import placement_facts
from rules.raising import raise_later
from rules.rulebook import RuleBook

log = get_logger(__name__)


async def check(
    tx: Tx, rulebook: RuleBook, record: orders.OrderRecord, trigger: str, extra: dict[str, Any] | None = None
) -> list[Hit]:
    """Evaluate the rules of `trigger` on the locked order `record`; raise what fires."""
    rule_set = await rulebook.active(tx.conn)
    known = {
        "trigger": trigger,
        "is_paid": record.paid,
        "waybill_exists": record.waybill_no is not None,
        "is_shipped": record.shipped_at is not None,
    }
    facts = placement_facts(record.order, {**known, **(extra or {})})
    hits = evaluate(rule_set, facts, trigger)
    raised = await raise_later(tx, record, hits, rule_set.version)
    log.info("rules.trigger_checked", order_id=record.order_id, trigger=trigger, raised=[h.rule.id for h in raised])
    return raised
