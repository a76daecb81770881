"""The notify app running in-process against the session's real Postgres and broker, under a
private topic prefix (so its consumer group sees only what these tests publish)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from notify.main import create_app
from notify.routing import RoutingTable
from notify.settings import NotifySettings
from notify.tables import messages, recorded_sends
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import AnomalyAction, AnomalyRaised, DomainEvent, ShipmentCreated
from orderhub_contracts.topics import Topic
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, publish, publish_envelope, read_topic, running_app
from orderhub_runtime.bus.consumer import Handler
from orderhub_runtime.db import Database
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncEngine

TEST_ROUTING = {
    "regional_managers": {"浙江省": "user:zj-manager", "江苏省": "user:js-manager"},
    "default_regional_manager": "user:fallback-manager",
    "roles": {"ops_manager": "user:ops-lead", "warehouse_group": "robot:warehouse_group"},
}


@dataclass
class NotifyEnv:
    client: httpx.AsyncClient
    db: Database
    handlers: Mapping[str, Handler]
    bootstrap: str
    prefix: str

    @property
    def engine(self) -> AsyncEngine:
        return self.db.engine

    async def publish(self, event: DomainEvent) -> Envelope:
        return await publish(self.bootstrap, event, prefix=self.prefix)

    async def publish_envelope(self, envelope: Envelope, topic: Topic) -> None:
        await publish_envelope(self.bootstrap, envelope, topic=topic.value, prefix=self.prefix)

    async def messages(self, order_id: str) -> list[dict[str, Any]]:
        query = select(messages).where(messages.c.order_id == order_id).order_by(messages.c.created_at)
        async with self.engine.connect() as conn:
            return [dict(row) for row in (await conn.execute(query)).mappings()]

    async def settled(self, order_id: str, count: int) -> list[dict[str, Any]]:
        """The order's messages once `count` of them are settled (sent or failed)."""

        async def check() -> list[dict[str, Any]] | None:
            rows = await self.messages(order_id)
            return rows if len([r for r in rows if r["status"] in ("sent", "failed")]) >= count else None

        return await eventually(check)

    async def recorded(self, out_id: str) -> list[dict[str, Any]]:
        """What the recording SMS provider was given for our message `out_id`."""
        return await self._recorded(recorded_sends.c.out_id == out_id)

    async def recorded_for(self, provider_message_id: str) -> list[dict[str, Any]]:
        return await self._recorded(recorded_sends.c.provider_message_id == provider_message_id)

    async def _recorded(self, where: ColumnElement[bool]) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return [dict(row) for row in (await conn.execute(select(recorded_sends).where(where))).mappings()]

    async def notifications(self, until: Callable[[list[Envelope]], bool]) -> list[Envelope]:
        return await read_topic(self.bootstrap, Topic.NOTIFICATIONS.value, prefix=self.prefix, until=until)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def notify(orderhub_stack: StackInfo) -> AsyncIterator[NotifyEnv]:
    url = orderhub_stack.service_database_urls["notify"]
    await asyncio.to_thread(upgrade_head, "notify", url)
    prefix = f"{orderhub_stack.topic_prefix}n{uuid.uuid4().hex[:6]}."
    # No quiet hours: these tests run at any time of day (quiet hours have tests of their own).
    settings = NotifySettings(
        database_url=url,
        routing=RoutingTable.model_validate(TEST_ROUTING),
        quiet_hours_start=None,
        quiet_hours_end=None,
    )
    runtime = RuntimeSettings(
        env="test", kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers, topic_prefix=prefix
    )
    app = create_app(settings, runtime)
    async with running_app(app) as client:
        ctx = app.state.ctx
        yield NotifyEnv(client, ctx.db, ctx.spec.handlers, runtime.kafka_bootstrap_servers, prefix)


class EventFactory:
    """Input events with fresh random order IDs and phones unless told otherwise."""

    @staticmethod
    def order_id() -> str:
        return f"DABE20261124{uuid.uuid4().int % 10**9:09d}"

    @staticmethod
    def phone() -> str:
        return f"139{random.randrange(10**8):08d}"

    def shipment(self, *, order_id: str = "", phone: str | None = None, waybill_no: str = "") -> ShipmentCreated:
        return ShipmentCreated(
            order_id=order_id or self.order_id(),
            outbound_id=f"OB{uuid.uuid4().hex[:10]}",
            carrier="LOCAL",
            waybill_no=waybill_no or f"LC{random.randrange(10**12):012d}",
            receiver=Receiver(
                name="王小明",
                phone=self.phone() if phone is None else phone,
                province="江苏省",
                city="苏州市",
                detail="宝带西路100号",
            ),
            items=(),
        )

    def anomaly(
        self, *actions: AnomalyAction, order_id: str = "", province: str = "浙江省", phone: str = ""
    ) -> AnomalyRaised:
        return AnomalyRaised(
            anomaly_id=str(uuid.uuid4()),
            order_id=order_id or self.order_id(),
            rule_id="R01",
            rule_name="高风险地址",
            level=3,
            holds=True,
            evidence={"receiver_detail": "红星村三组12号"},
            actions=(AnomalyAction(kind="hold"), *actions),
            province=province,
            customer_phone=phone,
        )


@pytest.fixture
def events() -> EventFactory:
    return EventFactory()
