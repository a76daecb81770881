"""The open-loop half of `python -m benchmarks.rules.service --rate R`: `order.placed` events are
offered at a fixed rate while the service runs (as its own process), and each order's latency
is taken from the moment it was offered to the moment its last outcome event (anomaly.raised,
order.held or order.validated) was acknowledged by the broker (the outbox row's `sent_at`)."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from orderhub_contracts.envelope import KafkaRecord, encode
from orderhub_contracts.events import OrderPlaced, to_envelope

from benchmarks.rules.engine import generate_orders


def bench_records(count: int, seed: int, *, now: datetime | None = None) -> list[KafkaRecord]:
    """`count` placements, each order with an ID and a phone of its own (about a fifth are held).
    With `now`, the orders are moved to have been created just now (so no unpaid-order timer is
    already due while the rate is measured)."""
    records = []
    for i, order in enumerate(generate_orders(count, seed)):
        shift = now - order.created_at if now is not None else timedelta(0)
        unique = order.model_copy(
            update={
                "order_id": f"DABEB{i:09d}",
                "receiver": order.receiver.model_copy(update={"phone": f"139{i:08d}"}),
                "created_at": order.created_at + shift,
                "paid_at": order.paid_at + shift if order.paid_at is not None else None,
            }
        )
        records.append(encode(to_envelope(OrderPlaced(order=unique), source="orderhub/bench", correlation_id="bench")))
    return records


async def offer(bootstrap: str, topic: str, records: list[KafkaRecord], rate: float) -> dict[str, datetime]:
    """Send the records at `rate` per second, without waiting for acknowledgements in between;
    returns when each order was offered (wall clock, comparable with Postgres timestamps)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await producer.start()
    offered: dict[str, datetime] = {}
    try:
        start = time.monotonic()
        for i, record in enumerate(records):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            offered[record.key.decode()] = datetime.now(UTC)
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()
    return offered


# An order's outcome: held or validated. An unpaid, unheld order has none yet (it waits for its
# payment); it counts as handled but has no latency.
_OUTCOMES = """
SELECT key, min(sent_at) AS done FROM rules.outbox
WHERE event_type IN ('order.held', 'order.validated') GROUP BY key
"""


async def latencies(conn: asyncpg.Connection, offered: dict[str, datetime], timeout_s: float) -> dict[str, Any]:
    """Wait until every offered order is recorded and every outbox row published, then summarise."""
    deadline = time.monotonic() + timeout_s
    recorded = 0
    while time.monotonic() < deadline:
        recorded = await conn.fetchval("SELECT count(*) FROM rules.orders")
        pending = await conn.fetchval("SELECT count(*) FROM rules.outbox WHERE sent_at IS NULL")
        if recorded >= len(offered) and not pending:
            break
        await asyncio.sleep(0.1)
    rows = await conn.fetch(_OUTCOMES)
    done = {r["key"]: r["done"] for r in rows if r["done"] is not None and r["key"] in offered}
    lat_ms = sorted((done[k] - offered[k]).total_seconds() * 1000 for k in done)
    first, last = min(offered.values()), max(done.values(), default=min(offered.values()))
    span = (last - first).total_seconds()
    offer_span = (max(offered.values()) - first).total_seconds()

    def pct(p: float) -> float | None:
        return round(lat_ms[min(len(lat_ms) - 1, int(p * len(lat_ms)))], 1) if lat_ms else None

    return {
        "offered": len(offered),
        "offered_per_s": round(len(offered) / offer_span, 1) if offer_span else None,
        "recorded": recorded,
        "with_outcome": len(done),
        "handled_per_s": round(recorded / span, 1) if span else None,
        "latency_p50_ms": pct(0.50),
        "latency_p99_ms": pct(0.99),
        "latency_max_ms": round(lat_ms[-1], 1) if lat_ms else None,
        "latency_mean_ms": round(statistics.fmean(lat_ms), 1) if lat_ms else None,
    }
