"""CPU cost of ingest's two hot paths, measured on the process itself:

    python -m benchmarks.ingest.cpu_bench [--orders 1000] | grep -E '^(intake|projection)'

1. intake: N orders entered through POST /v1/orders (the app in-process, HTTP through its ASGI
   interface; the relay publishing order.placed runs in the same process and is counted);
2. projection: a backlog of downstream events for those orders (validated, shipment and message
   for most; anomaly and hold for every fifth) drained by a fresh app's consumer, counted from
   its start until every event is on a timeline.

For each: CPU seconds of this process per order, and SQL statements per order (every statement
the process ran, relay and polling included; BEGIN/COMMIT not counted). An embedded PostgreSQL and
broker are started in a scratch directory and removed afterwards. Figures are per process, so run
it on an otherwise idle machine or report the load average with them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer
from ingest.main import create_app
from ingest.settings import IngestSettings
from ingest.tables import order_timeline, orders
from orderhub_contracts.envelope import encode
from orderhub_contracts.events import (
    AnomalyRaised,
    DomainEvent,
    NotificationSent,
    OrderHeld,
    OrderValidated,
    ShipmentCreated,
    to_envelope,
)
from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.topics import resolve_topic
from orderhub_devstack.bench_stack import private_stack
from orderhub_devstack.testing import phone_order_body, running_app
from orderhub_runtime.db import make_engine
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

STAFF = {"Authorization": "Bearer local-cs"}
_statements = 0


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_: Any) -> None:
    global _statements
    _statements += 1


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _body() -> dict[str, Any]:
    return phone_order_body(f"TEL{uuid.uuid4().hex[:12].upper()}")


def _events(order: CanonicalOrder, n: int) -> list[DomainEvent]:
    oid = order.order_id
    if n % 5 == 0:
        return [
            AnomalyRaised(
                anomaly_id=f"a-{oid}",
                order_id=oid,
                rule_id="R06",
                rule_name="收货信息缺失",
                level=3,
                holds=True,
                evidence={},
            ),
            OrderHeld(order_id=oid, rule_ids=("R06",), reasons=("收货信息缺失",)),
        ]
    return [
        OrderValidated(order=order, rule_set_version=1),
        ShipmentCreated(
            order_id=oid,
            outbound_id=f"OB-{oid}",
            carrier="SF",
            waybill_no=f"SF{oid[-9:]}",
            receiver=order.receiver,
            items=order.items,
        ),
        NotificationSent(
            message_id=f"m-{oid}",
            order_id=oid,
            channel="sms",
            template="order_shipped",
            recipient_masked=order.receiver.masked_phone,
            text=f"您的订单{oid}已发货",
            provider="bench",
        ),
    ]


def _report(what: str, orders_n: int, cpu_s: float, statements: int, wall_s: float) -> None:
    print(
        f"{what}: {orders_n} orders, CPU {cpu_s:.2f} s = {cpu_s / orders_n * 1000:.2f} ms/order, "
        f"{statements / orders_n:.2f} statements/order, wall {wall_s:.1f} s, load {os.getloadavg()[0]:.2f}",
        flush=True,
    )


async def _intake(settings: IngestSettings, runtime: RuntimeSettings, n: int) -> list[str]:
    async with running_app(create_app(settings, runtime)) as http:
        for _ in range(20):  # warm-up: statement caches, connections
            assert (await http.post("/v1/orders", json=_body(), headers=STAFF)).status_code == 201
        cpu, wall, statements = _cpu(), time.perf_counter(), _statements
        ids = []
        for _ in range(n):
            response = await http.post("/v1/orders", json=_body(), headers=STAFF)
            assert response.status_code == 201, response.text
            ids.append(response.json()["order_id"])
        _report("intake", n, _cpu() - cpu, _statements - statements, time.perf_counter() - wall)
    return ids


async def _projection(settings: IngestSettings, runtime: RuntimeSettings, engine: AsyncEngine, ids: list[str]) -> None:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(orders.c.snapshot).where(orders.c.order_id.in_(ids)))).all()
        before = int(await conn.scalar(select(func.count()).select_from(order_timeline)) or 0)
    producer = AIOKafkaProducer(bootstrap_servers=runtime.kafka_bootstrap_servers, acks="all", linger_ms=5)
    await producer.start()
    total = 0
    try:
        for n, row in enumerate(rows):
            for domain_event in _events(CanonicalOrder.model_validate(row.snapshot), n):
                record = encode(to_envelope(domain_event, source="orderhub/bench"))
                topic = resolve_topic(domain_event.topic.value, runtime.topic_prefix)
                await producer.send(topic, record.value, key=record.key, headers=record.headers)
                total += 1
        await producer.flush()
    finally:
        await producer.stop()
    cpu, wall, statements = _cpu(), time.perf_counter(), _statements
    async with running_app(create_app(settings, runtime)):
        while True:
            async with engine.connect() as conn:
                now = int(await conn.scalar(select(func.count()).select_from(order_timeline)) or 0)
            if now - before >= total:
                break
            await asyncio.sleep(0.2)
        wall = time.perf_counter() - wall
        _report(f"projection ({total} events)", len(rows), _cpu() - cpu, _statements - statements, wall)


async def main(n: int) -> None:
    async with private_stack(services=("ingest",)) as bench:
        info = bench.info
        url = info.service_database_urls["ingest"]
        await asyncio.to_thread(upgrade_head, "ingest", url)
        runtime = RuntimeSettings(
            env="test", kafka_bootstrap_servers=info.kafka_bootstrap_servers, topic_prefix=info.topic_prefix
        )
        settings = IngestSettings(database_url=url)
        engine = make_engine(url, pool_size=2)
        try:
            ids = await _intake(settings, runtime, n)
            await _projection(settings, runtime, engine, ids)
        finally:
            await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingest.cpu_bench", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--orders", type=int, default=1000)
    asyncio.run(main(parser.parse_args().orders))
