"""Open-loop load: orders are offered at a fixed rate whatever the system does, and each one's
latency runs from the moment it was offered to the `shipment.created` of its allocation (stock
reserved, outbound order, waybill issued): the last step the system takes by itself. The
customer's SMS now waits for the ship scan at the warehouse door, a person's act, so it is not
what this load measures."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from orderhub_contracts.envelope import decode
from orderhub_contracts.topics import Topic
from orderhub_devstack.system import SystemUnderTest

from benchmarks.http_post import JsonPoster, TransportError

BENCH_SKUS = [f"BENCH-{i:03d}" for i in range(50)]
CS = {"Authorization": "Bearer local-cs"}
# Open loop, but bounded: beyond this many unanswered requests the generator itself (thousands of
# waiting requests) would become a bottleneck, so further offers are counted as shed.
MAX_IN_FLIGHT = 200
CONNECTIONS = 100  # keep-alive connections to ingest; further requests wait for a free one


@dataclass
class LoadResult:
    rate: float
    duration_s: float
    offered: int = 0
    accepted: int = 0
    rejected: int = 0
    shed: int = 0  # not sent: MAX_IN_FLIGHT requests were already waiting for an answer
    errors: dict[str, int] = field(default_factory=dict)  # transport errors by kind (the order may or may not exist)
    offered_at: dict[str, float] = field(default_factory=dict)  # order_id -> wall clock
    allocated_at: dict[str, float] = field(default_factory=dict)  # order_id -> shipment.created time
    first_offer: float = 0.0

    @property
    def latencies_s(self) -> list[float]:
        return [self.allocated_at[o] - t for o, t in self.offered_at.items() if o in self.allocated_at]

    @property
    def completed(self) -> int:
        return sum(1 for o in self.offered_at if o in self.allocated_at)

    @property
    def last_completion(self) -> float:
        return max((self.allocated_at[o] for o in self.offered_at if o in self.allocated_at), default=0.0)

    def percentile(self, p: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def sustained_per_s(self) -> float:
        span = self.last_completion - self.first_offer
        return self.completed / span if span > 0 else 0.0


def _body(seq: int) -> dict[str, object]:
    now = datetime.now(UTC).isoformat()
    sku = random.choice(BENCH_SKUS)
    return {
        "channel_order_no": f"BENCH{seq:07d}{random.randrange(10**6):06d}",
        "created_at": now,
        "paid_at": now,
        "receiver": {
            "name": "压测用户",
            "phone": f"139{random.randrange(10**8):08d}",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "street": "文三路",
            "detail": "100号",
        },
        "items": [{"sku": sku, "title": "桌面加湿器", "quantity": 1, "unit_price_fen": 12900}],
        "buyer_remark": "",
    }


async def prepare_stock(sut: SystemUnderTest) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for sku in BENCH_SKUS:
            response = await client.put(
                f"{sut.url('fulfillment')}/v1/stock/{sku}",
                json={"on_hand": 10_000_000},
                headers={"Authorization": "Bearer local-warehouse"},
            )
            response.raise_for_status()


async def _collect_allocations(sut: SystemUnderTest, result: LoadResult, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=sut.bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        tps = [
            TopicPartition(Topic.FULFILLMENT.value, p)
            for p in consumer.partitions_for_topic(Topic.FULFILLMENT.value) or []
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while not stop.is_set():
            for records in (await consumer.getmany(timeout_ms=100)).values():
                for record in records:
                    envelope = decode(record.key, record.value, list(record.headers or []))
                    if envelope.type == "shipment.created" and envelope.subject not in result.allocated_at:
                        # Kept even when the POST has not answered yet (an overloaded server can
                        # commit, and the order be allocated, before its HTTP response arrives).
                        # A split order's first parcel counts (the in-stock one goes first).
                        result.allocated_at[envelope.subject] = envelope.time.timestamp()
    finally:
        await consumer.stop()


async def _wait_for_completion(result: LoadResult, timeout_s: float) -> None:
    """Let the pipeline drain: every accepted order allocated, or the timeout."""
    deadline = time.monotonic() + timeout_s
    while result.completed < result.accepted and time.monotonic() < deadline:  # noqa: ASYNC110 - polling a counter
        await asyncio.sleep(0.25)


async def run_load(
    sut: SystemUnderTest, *, rate: float, duration_s: float, drain_timeout_s: float = 120.0, progress: bool = True
) -> LoadResult:
    result = LoadResult(rate=rate, duration_s=duration_s)
    stop = asyncio.Event()
    collector = asyncio.create_task(_collect_allocations(sut, result, stop))
    poster = JsonPoster(f"{sut.url('ingest')}/v1/orders", connections=CONNECTIONS, headers=CS)
    try:
        in_flight = 0

        async def offer(seq: int) -> None:
            nonlocal in_flight
            try:
                await send(seq)
            finally:
                in_flight -= 1

        async def send(seq: int) -> None:
            sent_at = time.time()
            try:
                response = await poster.post(_body(seq))
            except TransportError as exc:
                kind = str(exc).split(":", 1)[0]
                result.errors[kind] = result.errors.get(kind, 0) + 1
                return
            if response.status == 201:
                result.offered_at[str(response.json()["order_id"])] = sent_at
                result.accepted += 1
            else:
                result.rejected += 1

        total = int(rate * duration_s)
        started = time.perf_counter()
        result.first_offer = time.time()
        tasks = []
        for seq in range(total):
            delay = started + seq / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            result.offered += 1
            if progress and seq and seq % int(rate * 5) == 0:
                print(f"    offered {seq}/{total}, allocated so far {result.completed}", flush=True)
            if in_flight >= MAX_IN_FLIGHT:
                result.shed += 1
                continue
            in_flight += 1  # counted here, not when the task first runs
            tasks.append(asyncio.create_task(offer(seq)))
        await asyncio.gather(*tasks)
    finally:
        await poster.close()
    await _wait_for_completion(result, drain_timeout_s)
    stop.set()
    await collector
    return result
