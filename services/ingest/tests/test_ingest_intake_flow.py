"""The channel framework end to end against the real database: signed push -> archive -> fetch
queue -> fetch worker -> intake, the per-shop sync from its watermark, platform changes as their
own events, retries. The platform is a small scripted one, served through the adapter interface.

Its orders carry Channel.PHONE on purpose: no real adapter serves that channel, so the running
app's own fetch worker never takes the tasks these tests create."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from ingest.channels.base import ChannelOrder, OrderRef, PlatformError, PushNotice, PushRejected, PushSink
from ingest.channels.hub import ChannelHub
from ingest.channels.repository import complete, enqueue_fetch, lease_due, read_watermark
from ingest.channels.service import ingest_platform_order, receive_push
from ingest.channels.sync import sync_shop_once, sync_windows
from ingest.channels.worker import run_fetches_once
from ingest.orders.model import PlaceOrder
from ingest.settings import IngestSettings
from ingest.tables import fetch_tasks, messaging, order_keys, order_timeline, orders
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.order import Channel, LineItem
from orderhub_contracts.timezone import SHANGHAI
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import read_topic
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")
SECRET = b"fake-platform-secret"
SHOP = "fake-shop"


HOME = Receiver(
    name="张三",
    phone="13812345678",
    province="浙江省",
    city="杭州市",
    district="西湖区",
    street="文三路",
    detail="100号",
)


@dataclasses.dataclass(frozen=True)
class PlatformOrder:
    number: str
    modified: datetime
    paid_at: datetime | None = None
    receiver: Receiver = HOME
    buyer_remark: str = "周末送货"
    seller_memo: str = ""
    refunded_fen: int = 0
    cancelled: bool = False


class FakePlatform:
    """A platform's order store with its three APIs: signed pushes, detail, incremental list."""

    def __init__(self) -> None:
        self.orders: dict[str, PlatformOrder] = {}
        self.failing: set[str] = set()
        self.list_calls: list[tuple[datetime, datetime]] = []
        self.list_fails_after: int | None = None
        self.max_sync_window: timedelta | None = None

    def put(self, number: str, **changes: Any) -> PlatformOrder:
        """Create or change an order; every change moves its modification time on."""
        previous = self.orders.get(number)
        stamp = datetime.now(UTC).replace(microsecond=0)
        if previous is not None:
            stamp = max(stamp, previous.modified + timedelta(seconds=1))
            order = dataclasses.replace(previous, modified=stamp, **changes)
        else:
            order = PlatformOrder(number, stamp, **changes)
        self.orders[number] = order
        return order

    def push(self, *numbers: str, secret: bytes = SECRET) -> tuple[dict[str, str], bytes]:
        body = json.dumps({"orders": [{"shop": SHOP, "no": n} for n in numbers]}).encode()
        return {"X-Sign": hmac.new(secret, body, hashlib.sha256).hexdigest()}, body


class FakeAdapter:
    channel = Channel.PHONE

    def __init__(self, platform: FakePlatform, secret: bytes = SECRET) -> None:
        self.platform = platform
        self.secret = secret

    @property
    def max_sync_window(self) -> timedelta | None:
        return self.platform.max_sync_window

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        given = headers.get("x-sign")
        if not given:
            raise PushRejected("missing x-sign", status=401)
        if not hmac.compare_digest(hmac.new(self.secret, body, hashlib.sha256).hexdigest(), given):
            raise PushRejected("bad signature", status=401)
        return [PushNotice(OrderRef(Channel.PHONE, o["shop"], o["no"])) for o in json.loads(body)["orders"]]

    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        if ref.channel_order_no in self.platform.failing or ref.channel_order_no not in self.platform.orders:
            raise PlatformError(f"order {ref.channel_order_no} unavailable")
        return to_channel_order(self.platform.orders[ref.channel_order_no])

    async def list_updated(self, shop_id: str, start: datetime, end: datetime) -> list[OrderRef]:
        fails_after = self.platform.list_fails_after
        if fails_after is not None and len(self.platform.list_calls) >= fails_after:
            raise PlatformError("list API down")
        self.platform.list_calls.append((start, end))
        return [
            OrderRef(Channel.PHONE, shop_id, o.number)
            for o in self.platform.orders.values()
            if start <= o.modified <= end
        ]

    async def stream(self, sink: PushSink) -> None:
        return None


def to_channel_order(o: PlatformOrder) -> ChannelOrder:
    command = PlaceOrder(
        channel=Channel.PHONE,
        channel_order_no=o.number,
        shop_id=SHOP,
        created_at=datetime(2026, 11, 20, 14, 22, tzinfo=SHANGHAI),
        receiver=o.receiver,
        paid_at=o.paid_at,
        items=(LineItem(sku="HUM-4L", title="美的 加湿器 4L", quantity=1, unit_price_fen=19900),),
        buyer_remark=o.buyer_remark,
        seller_memo=o.seller_memo,
    )
    status = "CANCELLED" if o.cancelled else ("PAID" if o.paid_at else "WAIT_PAY")
    return ChannelOrder(
        command=command,
        platform_status=status,
        updated_at=o.modified,
        cancelled=o.cancelled,
        cancel_reason="买家取消" if o.cancelled else "",
        refunded_fen=o.refunded_fen,
    )


@pytest_asyncio.fixture(loop_scope="session")
async def db(ingest_engine: AsyncEngine) -> Database:
    return Database(ingest_engine, OutboxWriter(messaging.outbox, source="orderhub/ingest"), lambda: None)


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest_asyncio.fixture(loop_scope="session")
async def hub(orderhub_stack: StackInfo, platform: FakePlatform) -> AsyncIterator[ChannelHub]:
    settings = IngestSettings(database_url=orderhub_stack.service_database_urls["ingest"], sync_overlap_s=60)
    hub = ChannelHub(settings, httpx.AsyncClient(), {"phone": FakeAdapter(platform)})
    yield hub
    await hub.aclose()


def number() -> str:
    return "FK" + uuid.uuid4().hex[:14].upper()


async def drain(hub: ChannelHub, db: Database) -> None:
    while await run_fetches_once(hub, db):
        pass


async def order_id_of(engine: AsyncEngine, no: str) -> str | None:
    async with engine.connect() as conn:
        value: str | None = await conn.scalar(
            select(order_keys.c.order_id).where(order_keys.c.channel == "phone", order_keys.c.channel_order_no == no)
        )
        return value


async def events_of(engine: AsyncEngine, order_id: str) -> list[str]:
    outbox = messaging.outbox.c
    async with engine.connect() as conn:
        rows = await conn.scalars(select(outbox.event_type).where(outbox.key == order_id).order_by(outbox.id))
        return list(rows)


async def open_task(engine: AsyncEngine, no: str) -> dict[str, object] | None:
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    select(fetch_tasks).where(fetch_tasks.c.channel_order_no == no, fetch_tasks.c.done_at.is_(None))
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)


async def test_push_sync_and_push_again_make_one_order_and_one_placed(
    hub: ChannelHub,
    db: Database,
    platform: FakePlatform,
    ingest_engine: AsyncEngine,
    client: httpx.AsyncClient,  # the running app relays the outbox to the broker
    ingest_runtime: RuntimeSettings,
) -> None:
    no = number()
    platform.put(no, paid_at=datetime.now(UTC).replace(microsecond=0))
    headers, body = platform.push(no)
    outcome = await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), headers, body))
    assert outcome.accepted and [n.ref.channel_order_no for n in outcome.notices] == [no]
    duplicate = await db.run_in_transaction(
        lambda tx: receive_push(tx, hub.adapter("phone"), headers, body)
    )  # the platform delivers it twice
    assert duplicate.accepted
    await drain(hub, db)
    order_id = await order_id_of(ingest_engine, no)
    assert order_id is not None

    assert await sync_shop_once(hub, db, "phone", SHOP) >= 1
    await drain(hub, db)
    await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), *platform.push(no)))
    await drain(hub, db)

    assert await order_id_of(ingest_engine, no) == order_id
    assert await events_of(ingest_engine, order_id) == ["order.placed"]
    async with ingest_engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(orders).where(orders.c.channel_order_no == no)) == 1
    assert await open_task(ingest_engine, no) is None

    def placed(seen: list[Envelope]) -> list[Envelope]:
        return [e for e in seen if e.subject == order_id and e.type.endswith("order.placed")]

    on_topic = await read_topic(
        ingest_runtime.kafka_bootstrap_servers,
        "orders.v1",
        prefix=ingest_runtime.topic_prefix,
        until=lambda seen: bool(placed(seen)),
    )
    assert len(placed(on_topic)) == 1


async def test_a_lost_push_is_picked_up_by_the_sync_from_the_watermark(
    hub: ChannelHub, db: Database, platform: FakePlatform, ingest_engine: AsyncEngine
) -> None:
    shop = f"shop-{uuid.uuid4().hex[:8]}"
    no = number()
    platform.put(no)  # created on the platform; its push never arrives
    first = datetime.now(UTC) + timedelta(seconds=5)
    assert await sync_shop_once(hub, db, "phone", shop, now=first) == 1
    await drain(hub, db)
    assert await order_id_of(ingest_engine, no) is not None
    async with ingest_engine.connect() as conn:
        assert await read_watermark(conn, "phone", shop) == first
    # The next sync starts at the watermark minus the overlap, not at the beginning again.
    second = first + timedelta(minutes=10)
    await sync_shop_once(hub, db, "phone", shop, now=second)
    assert platform.list_calls[-1] == (first - timedelta(seconds=60), second)


async def test_a_sync_resumes_after_the_last_window_that_succeeded(
    hub: ChannelHub, db: Database, platform: FakePlatform, ingest_engine: AsyncEngine
) -> None:
    shop = f"shop-{uuid.uuid4().hex[:8]}"
    platform.max_sync_window = timedelta(minutes=30)
    platform.list_fails_after = 3  # the platform's list API goes down during the fourth window
    end = datetime.now(UTC)
    with pytest.raises(PlatformError):
        await sync_shop_once(hub, db, "phone", shop, now=end)
    start = end - timedelta(seconds=hub.settings.sync_lookback_s)
    assert platform.list_calls == list(sync_windows(start, end, timedelta(minutes=30)))[:3]
    async with ingest_engine.connect() as conn:
        assert await read_watermark(conn, "phone", shop) == start + timedelta(minutes=90)


async def test_sync_windows_cover_the_range_without_gaps() -> None:
    start = datetime(2026, 11, 24, tzinfo=UTC)
    windows = list(sync_windows(start, start + timedelta(minutes=70), timedelta(minutes=30)))
    assert windows == [
        (start, start + timedelta(minutes=30)),
        (start + timedelta(minutes=30), start + timedelta(minutes=60)),
        (start + timedelta(minutes=60), start + timedelta(minutes=70)),
    ]
    assert list(sync_windows(start, start + timedelta(days=3), None)) == [(start, start + timedelta(days=3))]


async def test_platform_changes_become_their_own_events(
    hub: ChannelHub, db: Database, platform: FakePlatform, ingest_engine: AsyncEngine
) -> None:
    no = number()
    platform.put(no)  # placed, not yet paid
    await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), *platform.push(no)))
    await drain(hub, db)
    order_id = await order_id_of(ingest_engine, no)
    assert order_id is not None
    moved = Receiver(
        name="李四",
        phone="13900005678",
        province="上海市",
        city="上海市",
        district="浦东新区",
        street="张江路",
        detail="1号",
    )
    steps: list[dict[str, Any]] = [
        {"paid_at": datetime(2026, 11, 20, 14, 30, tzinfo=SHANGHAI)},
        {"receiver": moved},
        {"seller_memo": "送赠品"},
        {"refunded_fen": 5000},
        {"cancelled": True, "refunded_fen": 19900},  # refunded in full, then closed
    ]
    for changes in steps:
        platform.put(no, **changes)
        await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), *platform.push(no)))
        await drain(hub, db)
    # Fetching the same state again (a duplicated push, a sync) adds nothing.
    await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), *platform.push(no)))
    await drain(hub, db)

    assert await events_of(ingest_engine, order_id) == [
        "order.placed",
        "order.paid",
        "order.address_changed",
        "order.remarks_changed",
        "order.refunded",
        "order.refunded",
        "order.cancelled",
    ]
    async with ingest_engine.connect() as conn:
        row = (await conn.execute(select(orders).where(orders.c.order_id == order_id))).mappings().one()
        timeline = list(
            await conn.scalars(
                select(order_timeline.c.summary)
                .where(order_timeline.c.order_id == order_id)
                .order_by(order_timeline.c.id)
            )
        )
    assert row["status"] == "cancelled" and row["paid_at"] is not None
    assert (row["receiver_phone_last4"], row["receiver_city"], row["seller_memo"]) == ("5678", "上海市", "送赠品")
    assert "平台退款 ¥50.00" in timeline and "平台退款 ¥149.00" in timeline
    assert not any("13900005678" in s for s in timeline)  # phones masked on the timeline


async def test_an_older_fetch_than_the_one_applied_changes_nothing(
    hub: ChannelHub, db: Database, platform: FakePlatform, ingest_engine: AsyncEngine
) -> None:
    no = number()
    old = platform.put(no)
    new = platform.put(no, seller_memo="加急")
    async with db.transaction() as tx:
        first = await ingest_platform_order(tx, to_channel_order(new), "push")
    async with db.transaction() as tx:
        late = await ingest_platform_order(tx, to_channel_order(old), "sync")
    assert first.created and late.stale and late.events == ()
    async with ingest_engine.connect() as conn:
        assert await conn.scalar(select(orders.c.seller_memo).where(orders.c.order_id == first.order_id)) == "加急"


async def test_the_same_new_order_taken_in_concurrently_is_placed_once(
    db: Database, platform: FakePlatform, ingest_engine: AsyncEngine
) -> None:
    no = number()
    fetched = to_channel_order(platform.put(no))

    async def take_in() -> str:
        async with db.transaction() as tx:
            return (await ingest_platform_order(tx, fetched, "push")).order_id

    first, second = await asyncio.gather(take_in(), take_in())
    assert first == second
    assert await events_of(ingest_engine, first) == ["order.placed"]


async def test_a_failing_fetch_is_retried_with_backoff_and_never_dropped(
    hub: ChannelHub, db: Database, platform: FakePlatform, ingest_engine: AsyncEngine
) -> None:
    no = number()
    platform.put(no)
    platform.failing.add(no)
    await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), *platform.push(no)))
    await drain(hub, db)
    task = await open_task(ingest_engine, no)
    assert task is not None and task["attempts"] == 1 and "unavailable" in str(task["last_error"])
    # Backing off (2 s after the first failure), so the drain above did not lease it again.
    assert task["next_attempt_at"] >= task["created_at"] + timedelta(seconds=2)
    assert await order_id_of(ingest_engine, no) is None

    platform.failing.clear()
    await db.run_in_transaction(
        lambda tx: receive_push(tx, hub.adapter("phone"), *platform.push(no))
    )  # a new hint makes it due now
    await drain(hub, db)
    assert await order_id_of(ingest_engine, no) is not None
    assert await open_task(ingest_engine, no) is None


async def test_a_hint_arriving_during_a_fetch_keeps_the_task_open(
    db: Database, platform: FakePlatform, ingest_engine: AsyncEngine
) -> None:
    no = number()
    ref = OrderRef(Channel.PHONE, SHOP, no)
    async with db.transaction() as tx:
        await enqueue_fetch(tx.conn, ref, source="push")
    async with db.transaction() as tx:
        leased = [t for t in await lease_due(tx.conn, limit=100, channels=["phone"]) if t.ref == ref]
    assert len(leased) == 1
    async with db.transaction() as tx:  # the platform says the order changed again while we fetch
        await enqueue_fetch(tx.conn, ref, source="push")
    async with db.transaction() as tx:
        assert not await complete(tx.conn, leased[0])
    task = await open_task(ingest_engine, no)
    assert task is not None and task["next_attempt_at"] <= datetime.now(UTC)
    async with db.transaction() as tx:  # tidy up: this order exists on no platform
        await tx.conn.execute(fetch_tasks.update().where(fetch_tasks.c.id == task["id"]).values(done_at=func.now()))
