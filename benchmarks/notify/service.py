"""`python -m benchmarks.notify.service`: notify alone, as a process, against the recording providers, on a
private embedded Postgres and broker (needs the development environment: orderhub-devstack).

After a warm-up, two phases, each offering `shipment.dispatched` events (a parcel scanned out:
the customer's one 「已发货」 SMS; each to a phone of its own, so no per-phone cap interferes)
at a fixed rate, each starting once the previous one's messages
are sent and their NotificationSent events relayed:
- latency (default 200 events/s for 10 s): the time from the event being on the topic (the
  broker's acknowledgement to the producer) to the provider call (the recording provider's row),
  p50 / p99 / max;
- throughput (default 1,000 events/s for 10 s): does notify keep up? Reports the rate at which
  it handed messages to the provider and how long after the last event it caught up.
Quiet hours are off (the figures must not depend on the time of day)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import encode
from orderhub_contracts.events import ShipmentDispatched, to_envelope
from orderhub_contracts.topics import resolve_topic
from orderhub_devstack.bench_stack import private_stack
from orderhub_devstack.bootstrap import asyncpg_dsn
from orderhub_devstack.ports import free_port
from orderhub_devstack.stack import StackInfo
from orderhub_runtime.migrations import upgrade_head

from benchmarks.processes import service_env, service_processes, wait_ready

_SETTLE_TIMEOUT_S = 180.0


@dataclass
class PhaseResult:
    label: str
    rate: float
    events: int
    publish_s: float  # how long publishing took (≈ events / rate when the generator kept pace)
    latencies_s: list[float]
    caught_up_after_s: float  # from the last event on the topic to the last provider call
    handled_per_s: float  # provider calls per second, first event on the topic to last call
    # p99 of each leg: topic -> delivery log (consumer), -> claimed (sender), -> provider called
    stage_p99_ms: dict[str, float]

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies_s, p)

    def summary(self) -> dict[str, float | int | str]:
        return {
            "phase": self.label,
            "offered_per_s": self.rate,
            "events": self.events,
            "published_per_s": round(self.events / self.publish_s, 1),
            "handled_per_s": round(self.handled_per_s, 1),
            "caught_up_after_s": round(self.caught_up_after_s, 2),
            "latency_p50_ms": round(statistics.median(self.latencies_s) * 1000, 1),
            "latency_p99_ms": round(self.percentile(99) * 1000, 1),
            "latency_max_ms": round(max(self.latencies_s) * 1000, 1),
            **{f"p99_{name}_ms": value for name, value in self.stage_p99_ms.items()},
        }


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def _event(order_id: str, rng: random.Random) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=order_id,
        outbound_id=f"OB{order_id[-10:]}",
        carrier="SF",
        waybill_no=f"SF{rng.randrange(10**12):012d}",
        receiver=Receiver(
            name="王小明",
            phone=f"13{rng.randrange(3, 10)}{rng.randrange(10**8):08d}",
            province="江苏省",
            city="苏州市",
            detail="宝带西路100号",
        ),
        dispatched_at=datetime.now(UTC),
    )


async def _publish(bootstrap: str, label: str, rate: float, seconds: float) -> tuple[dict[str, float], float]:
    """Offer `rate` events/s for `seconds`; the time each event was acknowledged by the broker."""
    rng = random.Random(label)
    acked: dict[str, float] = {}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await producer.start()
    try:
        total = int(rate * seconds)
        pending = []
        start = time.monotonic()
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            event = _event(f"BENCH{label[:1].upper()}{i:012d}", rng)
            envelope = to_envelope(event, source="orderhub/bench", correlation_id=f"bench-{label}-{i}")
            record = encode(envelope)
            future = await producer.send(
                resolve_topic(event.topic.value, ""), record.value, key=record.key, headers=record.headers
            )
            future.add_done_callback(lambda _, event_id=envelope.id: acked.__setitem__(event_id, time.time()))
            pending.append(future)
        await asyncio.gather(*pending)
        return acked, time.monotonic() - start
    finally:
        await producer.stop()


async def _provider_calls(dsn: str, prefix: str, expected: int) -> dict[str, tuple[float, float, float]]:
    """event ID -> (recorded in the delivery log, claimed by the sender, provider called), once all
    `expected` are in."""
    query = """
        SELECT m.event_id, extract(epoch FROM m.created_at)::float8 AS created,
               extract(epoch FROM m.last_attempt_at)::float8 AS claimed,
               extract(epoch FROM r.recorded_at)::float8 AS called
        FROM notify.messages m JOIN notify.recorded_sends r ON r.out_id = m.message_id::text
        WHERE m.order_id LIKE $1"""
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + _SETTLE_TIMEOUT_S
        while True:
            count = await conn.fetchval(
                "SELECT count(*) FROM notify.messages WHERE order_id LIKE $1 AND status = 'sent'", prefix + "%"
            )
            if count >= expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        rows = await conn.fetch(query, prefix + "%")
        return {row["event_id"]: (row["created"], row["claimed"], row["called"]) for row in rows}
    finally:
        await conn.close()


async def _relay_drained(dsn: str) -> None:
    """Wait until notify's relay has published every NotificationSent (so phases do not overlap)."""
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + _SETTLE_TIMEOUT_S
        while await conn.fetchval("SELECT count(*) FROM notify.outbox WHERE sent_at IS NULL"):
            if time.monotonic() > deadline:
                raise RuntimeError("notify's outbox did not drain")
            await asyncio.sleep(0.25)
    finally:
        await conn.close()


async def run_phase(info: StackInfo, dsn: str, label: str, rate: float, seconds: float) -> PhaseResult:
    acked, publish_s = await _publish(info.kafka_bootstrap_servers, label, rate, seconds)
    called = await _provider_calls(dsn, f"BENCH{label[:1].upper()}", len(acked))
    await _relay_drained(dsn)
    if len(called) < len(acked):
        raise RuntimeError(f"{label}: only {len(called)} of {len(acked)} messages reached the provider")
    latencies = [called[event_id][2] - at for event_id, at in acked.items()]
    stages = {
        "consumed": [called[event_id][0] - at for event_id, at in acked.items()],
        "queued": [claimed - created for created, claimed, _ in called.values()],
        "provider": [call - claimed for _, claimed, call in called.values()],
    }
    calls = [call for _, _, call in called.values()]
    first, last_ack, last_call = min(acked.values()), max(acked.values()), max(calls)
    return PhaseResult(
        label=label,
        rate=rate,
        events=len(acked),
        publish_s=publish_s,
        latencies_s=latencies,
        caught_up_after_s=max(0.0, last_call - last_ack),
        handled_per_s=len(called) / (last_call - first),
        stage_p99_ms={name: round(_percentile(values, 99) * 1000, 1) for name, values in stages.items()},
    )


@contextlib.asynccontextmanager
async def notify_processes(info: StackInfo, log_dir: Path, count: int) -> AsyncIterator[None]:
    """`count` notify processes (one consumer group: they share the partitions; one relays)."""
    url = info.service_database_urls["notify"]
    await asyncio.to_thread(upgrade_head, "notify", url)
    with service_processes("notify") as start:
        for n in range(count):
            port = free_port()
            settings = {"NOTIFY_DATABASE_URL": url, "NOTIFY_HTTP_PORT": str(port), "NOTIFY_QUIET_HOURS_START": ""}
            log_path = log_dir / f"notify.{n}.log"
            await wait_ready(start(service_env("notify", info, settings), log_path), port, log_path)
        yield


async def main(args: argparse.Namespace) -> None:
    async with private_stack(db_name="notify_bench", topic_partitions=args.partitions) as bench:
        info = bench.info
        dsn = asyncpg_dsn(info.service_database_urls["notify"])
        log_dir = Path(args.log_dir) if args.log_dir else bench.state_dir
        async with notify_processes(info, log_dir, args.processes):
            await run_phase(info, dsn, "warmup", 100.0, 3.0)
            phases = [("latency", args.latency_rate, args.seconds), ("throughput", args.rate, args.seconds)]
            for label, rate, seconds in phases:
                print(f"== {label}: offering {rate:.0f} shipment.dispatched/s for {seconds:.0f} s", flush=True)
                result = await run_phase(info, dsn, label, rate, seconds)
                print("   " + json.dumps(result.summary(), ensure_ascii=False), flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.notify.service", description=__doc__)
    parser.add_argument("--rate", type=float, default=1000.0, help="throughput phase: events per second")
    parser.add_argument("--latency-rate", type=float, default=200.0, help="latency phase: events per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--partitions", type=int, default=6, help="partitions per topic")
    parser.add_argument("--processes", type=int, default=1, help="notify processes (one consumer group)")
    parser.add_argument("--log-dir", default="", help="keep notify's logs in this directory")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
