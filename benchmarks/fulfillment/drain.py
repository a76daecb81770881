"""`python -m benchmarks.fulfillment` (`make bench-fulfillment`): how many cleared orders per second the fulfillment
service allocates on its own, on a private embedded Postgres and broker (needs the development
environment: orderhub-devstack).

A backlog of `order.validated` events is put on the topic first (generated orders of one to three
lines over `--skus` SKUs, each stocked so that about `--short-share` of the orders find their
stock gone and wait for it); then the service starts and drains it: every order reserved and
given an outbound order and a waybill with its shipment.created, or queued with its
stock.shortage. Reported: orders/s from the first order handled to the last (start-up and the
producer do not count), and up to the moment the relay has published every event to the
broker; and the service's CPU time per order over the same spans (Postgres and the broker run in
their own processes)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from fulfillment.main import create_app
from fulfillment.settings import FulfillmentSettings
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import encode
from orderhub_contracts.events import OrderValidated, to_envelope
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.topics import Topic, resolve_topic
from orderhub_devstack.bench_stack import measure_drain, private_stack
from orderhub_devstack.bootstrap import asyncpg_dsn
from orderhub_devstack.stack import StackInfo
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings


def generate_orders(count: int, skus: int, seed: int) -> list[CanonicalOrder]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    orders: list[CanonicalOrder] = []
    for i in range(count):
        lines = rng.sample(range(skus), rng.randint(1, 3))
        orders.append(
            CanonicalOrder(
                order_id=f"DABEF{i:09d}",
                channel=Channel.MINIPROGRAM,
                channel_order_no=f"F{i:011d}",
                created_at=now - timedelta(minutes=5),
                paid_at=now - timedelta(minutes=4),
                receiver=Receiver(
                    name="张三",
                    phone=f"139{i:08d}",
                    province="浙江省",
                    city="杭州市",
                    district="西湖区",
                    street="文三路",
                    detail=f"{i % 500}号",
                ),
                items=tuple(
                    LineItem(sku=f"BENCH-{s:04d}", title=f"商品 {s}", quantity=rng.randint(1, 3), unit_price_fen=9_900)
                    for s in lines
                ),
            )
        )
    return orders


async def _stock_up(info: StackInfo, orders: list[CanonicalOrder], short_share: float) -> None:
    """Stock every SKU with (1 - short_share) of what the backlog asks of it."""
    demand: dict[str, int] = {}
    for order in orders:
        for item in order.items:
            demand[item.sku] = demand.get(item.sku, 0) + item.quantity
    conn = await asyncpg.connect(asyncpg_dsn(info.service_database_urls["fulfillment"]))
    try:
        await conn.executemany(
            "INSERT INTO fulfillment.stock (sku, on_hand) VALUES ($1, $2)",
            [(sku, int(qty * (1 - short_share))) for sku, qty in sorted(demand.items())],
        )
    finally:
        await conn.close()


async def _backlog(info: StackInfo, orders: list[CanonicalOrder]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=info.kafka_bootstrap_servers, acks="all", linger_ms=5)
    await producer.start()
    try:
        topic = resolve_topic(Topic.ANOMALIES.value, info.topic_prefix)
        for order in orders:
            event = OrderValidated(order=order, rule_set_version=1)
            record = encode(to_envelope(event, source="orderhub/bench", correlation_id="bench"))
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def _service(info: StackInfo) -> AsyncIterator[None]:
    settings = FulfillmentSettings(database_url=info.service_database_urls["fulfillment"])
    runtime = RuntimeSettings(kafka_bootstrap_servers=info.kafka_bootstrap_servers, topic_prefix=info.topic_prefix)
    app = create_app(settings, runtime)
    async with app.router.lifespan_context(app):
        yield


_HANDLED = """
SELECT (SELECT count(*) FROM fulfillment.outbound_orders) + (SELECT count(*) FROM fulfillment.awaiting_stock)
"""


async def _drain(info: StackInfo, count: int, timeout_s: float) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_dsn(info.service_database_urls["fulfillment"]))
    try:
        async with _service(info):
            return await measure_drain(
                conn,
                schema="fulfillment",
                handled_query=_HANDLED,
                count=count,
                timeout_s=timeout_s,
                cpu=time.process_time,
            )
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    async with private_stack(db_name="fulfillment_bench", services=("fulfillment",)) as bench:
        info = bench.info
        await asyncio.to_thread(upgrade_head, "fulfillment", info.service_database_urls["fulfillment"])
        orders = generate_orders(args.orders, args.skus, args.seed)
        await _stock_up(info, orders, args.short_share)
        print(f"== backlog: {args.orders} order.validated events over {args.skus} SKUs", flush=True)
        await _backlog(info, orders)
        print("== draining it with the fulfillment service", flush=True)
        print(json.dumps(await _drain(info, args.orders, args.timeout), ensure_ascii=False), flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fulfillment", description=__doc__)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--short-share", type=float, default=0.05, help="share of the demand left unstocked")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=600.0, help="give up draining after this many seconds")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
