"""The fulfillment service migrated and running in-process against the real stack.

It gets a private topic prefix so that, in a whole-suite run, it neither consumes other
packages' test events nor adds its own to their topics. Test modules cannot import from here
(import mode importlib), so everything they need hangs off the `fulfillment` fixture."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from fulfillment.main import create_app
from fulfillment.settings import FulfillmentSettings
from fulfillment.tables import messaging
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderValidated, to_envelope
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_devstack.bootstrap import delete_topics, topic_names
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, publish_envelope, read_topic, running_app
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database, make_engine
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

WAREHOUSE = {"Authorization": "Bearer local-warehouse"}
PHONE = "13812345678"


@dataclass
class FulfillmentEnv:
    client: httpx.AsyncClient
    engine: AsyncEngine  # the tests' own pool, for direct use-case calls and checks
    db: Database
    bootstrap: str
    prefix: str

    @staticmethod
    def sku() -> str:
        return f"SKU-{uuid.uuid4().hex[:10]}"

    @staticmethod
    def order(lines: dict[str, int], *, paid_at: datetime | None = None, **overrides: Any) -> CanonicalOrder:
        order_id = f"DABE{uuid.uuid4().hex[:16].upper()}"
        items = tuple(
            LineItem(sku=sku, title=f"商品 {sku}", quantity=qty, unit_price_fen=19_900) for sku, qty in lines.items()
        )
        values: dict[str, Any] = {
            "order_id": order_id,
            "channel": Channel.MINIPROGRAM,
            "channel_order_no": order_id[-12:],
            "created_at": datetime.now(UTC),
            "paid_at": paid_at or datetime.now(UTC),
            "receiver": Receiver(
                name="张三",
                phone=PHONE,
                province="浙江省",
                city="杭州市",
                district="西湖区",
                street="文三路",
                detail="100号 3单元 501",
            ),
            "items": items,
            "buyer_remark": "请开发票",
        }
        return CanonicalOrder(**(values | overrides))

    async def publish(self, event: DomainEvent, *, at: datetime | None = None) -> Envelope:
        """Publish as the owning service would; `at` backdates the event time (ce_time)."""
        envelope = to_envelope(event, source="orderhub/test")
        if at is not None:
            envelope = envelope.model_copy(update={"time": at})
        await publish_envelope(self.bootstrap, envelope, topic=event.topic.value, prefix=self.prefix)
        return envelope

    async def validate(self, order: CanonicalOrder, *, at: datetime | None = None) -> Envelope:
        return await self.publish(OrderValidated(order=order, rule_set_version=1), at=at)

    async def handled(self, *envelopes: Envelope) -> None:
        """Wait until the service has consumed these events (they are in its inbox)."""
        ids = {e.id for e in envelopes}
        inbox = messaging.inbox

        async def done() -> bool:
            async with self.engine.connect() as conn:
                rows = await conn.execute(select(inbox.c.event_id).where(inbox.c.event_id.in_(ids)))
                return len(rows.all()) == len(ids)

        await eventually(done)

    async def events(
        self, order_id: str, event_type: str, *, count: int = 1, timeout_s: float = 15.0
    ) -> list[Envelope]:
        """This order's events of one type on fulfillment.v1, once `count` have arrived."""

        def mine(seen: list[Envelope]) -> list[Envelope]:
            return [e for e in seen if e.subject == order_id and e.type == event_type]

        seen = await read_topic(
            self.bootstrap,
            "fulfillment.v1",
            prefix=self.prefix,
            until=lambda s: len(mine(s)) >= count,
            timeout_s=timeout_s,
        )
        return mine(seen)

    async def outbox_count(self, order_id: str, event_type: str) -> int:
        """Events of this order the service has committed (sent or not): exact, no broker timing."""
        outbox = messaging.outbox
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(outbox.c.id).where(outbox.c.key == order_id, outbox.c.event_type == event_type)
            )
            return len(rows.all())

    async def put_stock(self, sku: str, on_hand: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.put(
            f"/v1/stock/{sku}", json={"on_hand": on_hand}, headers=WAREHOUSE if headers is None else headers
        )

    async def stock(self, sku: str) -> dict[str, Any]:
        response = await self.client.get(f"/v1/stock/{sku}", headers=WAREHOUSE)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def fulfillment_of(self, order_id: str) -> dict[str, Any]:
        response = await self.client.get("/v1/outbound", params={"order_id": order_id}, headers=WAREHOUSE)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def fulfillment_database(orderhub_stack: StackInfo) -> str:
    url = orderhub_stack.service_database_urls["fulfillment"]
    await asyncio.to_thread(upgrade_head, "fulfillment", url)
    return url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fulfillment(orderhub_stack: StackInfo, fulfillment_database: str) -> AsyncIterator[FulfillmentEnv]:
    prefix = f"{orderhub_stack.topic_prefix}ff{uuid.uuid4().hex[:6]}."
    runtime = RuntimeSettings(
        env="test", kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers, topic_prefix=prefix
    )
    # Its own state dir (spool, WMS folders); its print and WMS loops run once at start and then
    # idle, so that tests drive the printer queue and the bridge themselves.
    state_dir = Path(tempfile.mkdtemp(prefix="orderhub-fulfillment-"))
    settings = FulfillmentSettings(
        database_url=fulfillment_database, state_dir=state_dir, print_poll_s=3600, wms_poll_s=3600
    )
    app = create_app(settings, runtime)
    engine = make_engine(fulfillment_database, pool_size=20)
    # Events published by direct use-case calls reach the outbox; the app's relay sends them.
    db = Database(engine, OutboxWriter(messaging.outbox, source="orderhub/fulfillment"), lambda: None)
    try:
        async with running_app(app) as client:
            yield FulfillmentEnv(
                client=client, engine=engine, db=db, bootstrap=orderhub_stack.kafka_bootstrap_servers, prefix=prefix
            )
    finally:
        await engine.dispose()
        await delete_topics(orderhub_stack.kafka_bootstrap_servers, topic_names(prefix))
        shutil.rmtree(state_dir, ignore_errors=True)
