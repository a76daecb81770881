"""The rules service running in-process against the session's real PostgreSQL and broker, and a
harness to drive it: publish input events, wait until the service has handled them, read what
it wrote to its outbox and to anomalies.v1, call its API.

Unit tests never touch these fixtures, so they run without the stack."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import pytest_asyncio
from fastapi import FastAPI
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent
from orderhub_contracts.order import CanonicalOrder, LineItem
from orderhub_contracts.topics import Topic
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, publish, publish_envelope, read_topic, running_app
from orderhub_runtime.app import ServiceContext
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from rules.deps import RulesDeps
from rules.engine.facts import BASELINE_ORDER
from rules.main import create_app
from rules.settings import RulesSettings
from rules.tables import messaging
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


@dataclass
class RulesHarness:
    stack: StackInfo
    db: AsyncEngine
    client: httpx.AsyncClient
    app: FastAPI

    HIGH_VALUE: ClassVar[tuple[LineItem, ...]] = (  # ¥2,599: fires R11
        LineItem(sku="TV-85", title="85寸电视", quantity=1, unit_price_fen=259_900),
    )

    @staticmethod
    def order(*, paid: bool = True, **changes: Any) -> CanonicalOrder:
        """A clean order with a fresh ID and its own phone (so orders of different tests are never
        each other's duplicates, R07); `changes` override fields, `name=""` etc. the receiver."""
        now = datetime.now(UTC).replace(microsecond=0)
        receiver_changes = {"phone": fresh_phone()}
        receiver_changes.update({k: changes.pop(k) for k in list(changes) if k in Receiver.model_fields})
        return BASELINE_ORDER.model_copy(
            update={
                "order_id": f"DABET{uuid.uuid4().hex[:16].upper()}",
                "created_at": now,
                "paid_at": now if paid else None,
                "receiver": BASELINE_ORDER.receiver.model_copy(update=receiver_changes),
                **changes,
            }
        )

    async def send(self, event: DomainEvent) -> Envelope:
        return await publish(self.stack.kafka_bootstrap_servers, event, prefix=self.stack.topic_prefix)

    async def resend(self, envelope: Envelope) -> None:
        """The very same record again (same event ID), as an at-least-once redelivery would."""
        await publish_envelope(
            self.stack.kafka_bootstrap_servers, envelope, topic=Topic.ORDERS.value, prefix=self.stack.topic_prefix
        )

    async def handled(self, envelope: Envelope) -> None:
        """Wait until the service has committed its handling of `envelope` (inbox, effects and
        outbox commit together, so its outbox rows are final once this returns)."""
        inbox = messaging.inbox

        async def check() -> bool:
            async with self.db.connect() as conn:
                found = await conn.execute(select(inbox.c.event_id).where(inbox.c.event_id == envelope.id))
                return found.first() is not None

        await eventually(check, timeout_s=20)

    async def deliver(self, event: DomainEvent) -> Envelope:
        envelope = await self.send(event)
        await self.handled(envelope)
        return envelope

    async def outbox_types(self, order_id: str) -> list[str]:
        outbox = messaging.outbox
        query = select(outbox.c.event_type).where(outbox.c.key == order_id).order_by(outbox.c.id)
        async with self.db.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def events(self, order_id: str, until_type: str) -> list[Envelope]:
        """This order's events on anomalies.v1, read until one of `until_type` has arrived."""

        def mine(seen: list[Envelope]) -> list[Envelope]:
            return [e for e in seen if e.subject == order_id]

        seen = await read_topic(
            self.stack.kafka_bootstrap_servers,
            Topic.ANOMALIES.value,
            prefix=self.stack.topic_prefix,
            until=lambda s: any(e.type == until_type for e in mine(s)),
            timeout_s=20,
        )
        return mine(seen)

    async def anomalies(self, order_id: str, *statuses: str, token: str = "local-cs") -> list[dict[str, Any]]:
        params: dict[str, Any] = {"order_id": order_id, "status": list(statuses)}
        response = await self.client.get("/v1/anomalies", params=params, headers=staff(token))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def act(
        self, step: str, anomaly_id: str, *, token: str = "local-cs", note: str | None = None
    ) -> httpx.Response:
        body = {"note": note} if note is not None else None
        return await self.client.post(f"/v1/anomalies/{anomaly_id}/{step}", json=body, headers=staff(token))

    @property
    def ctx(self) -> ServiceContext[RulesDeps]:
        """The running service's context: its database with the outbox and its deps, for tests
        that call a use case directly (the timer worker, a placement or shipment run)."""
        ctx: ServiceContext[RulesDeps] = self.app.state.ctx
        return ctx

    @staticmethod
    def fresh_phone() -> str:
        return fresh_phone()

    async def rule_set(self) -> dict[str, Any]:
        response = await self.client.get("/v1/rules", headers=staff("local-manager"))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def put_rules(self, rules: list[dict[str, Any]], note: str | None = None) -> httpx.Response:
        body = {"rules": rules, "note": note}
        return await self.client.put("/v1/rules", json=body, headers=staff("local-manager"))


def fresh_phone() -> str:
    """A valid mainland mobile number no other test uses."""
    return f"139{uuid.uuid4().int % 10**8:08d}"


def staff(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def rules_db(orderhub_stack: StackInfo) -> AsyncIterator[AsyncEngine]:
    """The rules schema, migrated, seen as the rules role sees it."""
    url = orderhub_stack.service_database_urls["rules"]
    await asyncio.to_thread(upgrade_head, "rules", url)
    engine = create_async_engine(url)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def rules(orderhub_stack: StackInfo, rules_db: AsyncEngine) -> AsyncIterator[RulesHarness]:
    """One running service (the consumer group joins once) for every integration test."""
    settings = RulesSettings(database_url=orderhub_stack.service_database_urls["rules"])
    runtime = RuntimeSettings(
        env="test",
        kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers,
        topic_prefix=orderhub_stack.topic_prefix,
    )
    app = create_app(settings, runtime)
    async with running_app(app) as client:
        yield RulesHarness(orderhub_stack, rules_db, client, app)
