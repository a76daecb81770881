"""A small service built only from the runtime, on its own PostgreSQL and broker, for tests
that stop and start those servers under it (database restarts, broker outages, metrics).

POST /v1/payments writes a row and publishes OrderPaid through the outbox; the service consumes
its own events and records each in `effects`, so "events flow" is one query away."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, FastAPI
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderPaid
from orderhub_contracts.topics import Topic
from orderhub_devstack.broker import EmbeddedBroker
from orderhub_devstack.ports import free_port
from orderhub_devstack.postgres import EmbeddedPostgres
from orderhub_devstack.scratch import make_scratch_dir, remove_scratch_dir
from orderhub_runtime.app import DatabaseDep, ServiceSpec, create_service_app
from orderhub_runtime.bus.kafka import ensure_topics, wait_for_admin
from orderhub_runtime.db import Tx, make_engine
from orderhub_runtime.errors import NotFound
from orderhub_runtime.schema import add_messaging_tables, outbox_channel, service_metadata
from orderhub_runtime.settings import RuntimeSettings, ServiceSettings
from pydantic import BaseModel
from sqlalchemy import Column, Integer, Table, Text, func, insert, select, text


@dataclass
class PrivateServers:
    scratch: Path
    postgres: EmbeddedPostgres
    broker: EmbeddedBroker

    @property
    def database_url(self) -> str:
        return self.postgres.admin_url.replace("postgresql://", "postgresql+asyncpg://", 1)


async def private_servers() -> AsyncIterator[PrivateServers]:
    scratch = make_scratch_dir()
    servers = PrivateServers(
        scratch, EmbeddedPostgres(scratch / "postgres", free_port(), uuid.uuid4().hex), EmbeddedBroker(free_port())
    )
    try:
        await servers.postgres.start()
        servers.broker.start()
        yield servers
    finally:
        servers.broker.stop()
        await remove_scratch_dir(scratch)


class PaymentIn(BaseModel):
    order_id: str
    fen: int


@dataclass(frozen=True)
class Probe:
    name: str
    effects: Table
    payments: Table
    runtime: RuntimeSettings
    settings: ServiceSettings


async def make_probe(servers: PrivateServers, **runtime: object) -> Probe:
    """A fresh schema (named like the service) with the messaging tables, and its topics."""
    probe = define_probe(
        f"probe_{uuid.uuid4().hex[:8]}", servers.database_url, servers.broker.bootstrap_servers, **runtime
    )
    name = probe.name
    metadata = probe.effects.metadata
    add_messaging_tables(metadata)
    engine = make_engine(servers.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"CREATE SCHEMA {name}"))
            await conn.run_sync(metadata.create_all)
            await conn.execute(
                text(
                    f"CREATE FUNCTION {name}.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN PERFORM pg_notify('{outbox_channel(name)}', ''); RETURN NULL; END $$"
                )
            )
            await conn.execute(
                text(
                    f"CREATE TRIGGER outbox_notify AFTER INSERT ON {name}.outbox "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {name}.notify_outbox()"
                )
            )
    finally:
        await engine.dispose()
    await provision_topics(probe.runtime)
    return probe


def define_probe(name: str, database_url: str, bootstrap: str, **runtime: object) -> Probe:
    """The probe's tables and settings (no I/O: a server process rebuilds it from these)."""
    metadata = service_metadata(name)
    effects = Table("effects", metadata, Column("event_id", Text, primary_key=True), Column("order_id", Text))
    payments = Table(
        "payments", metadata, Column("id", Integer, primary_key=True, autoincrement=True), Column("order_id", Text)
    )
    settings = RuntimeSettings.model_validate(
        {
            "env": "test",
            "kafka_bootstrap_servers": bootstrap,
            "topic_prefix": f"{name}.",
            "topic_partitions": 2,
            **runtime,
        }
    )
    service = ServiceSettings.model_validate({"database_url": database_url, "db_pool_size": 3})
    return Probe(name=name, effects=effects, payments=payments, runtime=settings, settings=service)


async def provision_topics(settings: RuntimeSettings) -> None:
    admin = await wait_for_admin(settings, "probe-admin", timeout_s=10)
    try:
        await ensure_topics(admin, settings)
    finally:
        await admin.close()


def probe_app(probe: Probe) -> FastAPI:
    router = APIRouter()

    @router.post("/v1/payments", status_code=201)
    async def pay(body: PaymentIn, db: DatabaseDep) -> dict[str, str]:
        async def work(tx: Tx) -> str:
            await tx.conn.execute(insert(probe.payments).values(order_id=body.order_id))
            event = OrderPaid(order_id=body.order_id, paid_at=datetime.now(UTC), paid_total_fen=body.fen)
            return await tx.publish(event)

        return {"event_id": await db.run_in_transaction(work)}

    @router.get("/v1/payments/{order_id}")
    async def count(order_id: str, db: DatabaseDep) -> dict[str, int]:
        async with db.read() as conn:
            query = select(func.count()).select_from(probe.payments).where(probe.payments.c.order_id == order_id)
            found = int((await conn.execute(query)).scalar_one())
        if not found:
            raise NotFound(f"no payment for {order_id}")
        return {"payments": found}

    async def on_paid(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderPaid)
        await tx.conn.execute(insert(probe.effects).values(event_id=envelope.id, order_id=event.order_id))

    spec = ServiceSpec(
        name=probe.name,
        title="probe",
        settings=probe.settings,
        runtime=probe.runtime,
        tables=add_messaging_tables(service_metadata(probe.name)),
        deps=None,
        handlers={OrderPaid.event_type: on_paid},
        routers=[router],
        subscriptions=[Topic.ORDERS],
    )
    return create_service_app(spec)
