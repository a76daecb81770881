"""The service factory: every service is a FastAPI app whose lifespan wires the database, the
outbox relay and the consumer, in an order that never loses an event on start or stop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from orderhub_contracts.topics import SUBSCRIPTIONS
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from orderhub_runtime.bus.consumer import BatchHandler, EventConsumer, Handler
from orderhub_runtime.bus.kafka import broker_cluster_id, ensure_topics, make_producer, wait_for_admin
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.bus.relay import OutboxRelay
from orderhub_runtime.db import Database, make_engine
from orderhub_runtime.errors import install_error_handlers
from orderhub_runtime.http import CorrelationMiddleware
from orderhub_runtime.logging import get_logger
from orderhub_runtime.schema import MessagingTables
from orderhub_runtime.settings import RuntimeSettings, ServiceSettings

log = get_logger(__name__)
D = TypeVar("D")


@dataclass
class ServiceSpec(Generic[D]):
    """What a service is made of. `deps` is the service's own typed dependencies (its settings,
    providers, clients), built by its `create_app`, never at import time; routes receive it with
    `Annotated[X, Depends(provided(X))]` and message handlers and background tasks are built
    from it. `on_stop` closes what the dependencies opened (HTTP clients, ...)."""

    name: str
    title: str
    settings: ServiceSettings
    runtime: RuntimeSettings
    tables: MessagingTables
    deps: D
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    batch_handlers: Mapping[str, BatchHandler] = field(default_factory=dict)
    routers: Sequence[APIRouter] = ()
    background: Sequence[Callable[[ServiceContext[D]], Coroutine[Any, Any, None]]] = ()
    # Run once the database is reachable, before the consumer and the routes: what must exist
    # before the first message or request (seed data). A failure stops the start-up.
    on_start: Sequence[Callable[[Database], Awaitable[None]]] = ()
    on_stop: Sequence[Callable[[], Awaitable[None]]] = ()
    version: str = "0.1.0"


@dataclass
class ServiceContext(Generic[D]):
    spec: ServiceSpec[D]
    engine: AsyncEngine
    db: Database
    producer: AIOKafkaProducer
    relay: OutboxRelay
    consumer: EventConsumer | None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def deps(self) -> D:
        return self.spec.deps


def get_context(request: Request) -> ServiceContext[Any]:
    ctx: ServiceContext[Any] = request.app.state.ctx
    return ctx


def provided(kind: type[D]) -> Callable[[Request], Coroutine[Any, Any, D]]:
    """FastAPI dependency answering the service's own dependencies, checked to be a `kind`:
    `FulfillmentDepsDep = Annotated[FulfillmentDeps, Depends(provided(FulfillmentDeps))]`."""

    async def dependency(request: Request) -> D:
        deps = get_context(request).spec.deps
        if not isinstance(deps, kind):
            raise TypeError(f"this service provides {type(deps).__name__}, not {kind.__name__}")
        return deps

    return dependency


# The dependencies are coroutines: FastAPI runs a plain function in a worker thread, a hop that
# costs more than the lookup itself on every request.
async def _context_dependency(request: Request) -> ServiceContext[Any]:
    return get_context(request)


ContextDep = Annotated[ServiceContext[Any], Depends(_context_dependency)]


async def get_database(request: Request) -> Database:
    return get_context(request).db


DatabaseDep = Annotated[Database, Depends(get_database)]


async def _wait_for_database(engine: AsyncEngine, *, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"database unreachable: {exc}") from exc
            log.warning("db.unreachable", error=repr(exc))
            await asyncio.sleep(1.0)


async def start_service(spec: ServiceSpec[D]) -> ServiceContext[D]:
    if not spec.runtime.is_local:
        spec.settings.refuse_development_secrets()
    url = spec.settings.database_url.get_secret_value()
    if not url:
        raise RuntimeError(f"{spec.name.upper()}_DATABASE_URL is not set")
    engine = make_engine(url, pool_size=spec.settings.db_pool_size)
    await _wait_for_database(engine)
    admin = await wait_for_admin(spec.runtime, f"orderhub-{spec.name}-admin")
    try:
        await ensure_topics(admin, spec.runtime)
        cluster_id = await broker_cluster_id(admin)
    finally:
        await admin.close()
    producer = make_producer(spec.runtime, f"orderhub-{spec.name}")
    await producer.start()
    relay = OutboxRelay(
        engine=engine, database_url=url, tables=spec.tables, producer=producer, settings=spec.runtime, schema=spec.name
    )
    db = Database(engine, OutboxWriter(spec.tables.outbox, source=f"orderhub/{spec.name}"), relay.wake)
    for prepare in spec.on_start:
        await prepare(db)
    await relay.replay_if_new_broker(cluster_id)
    relay.start()
    consumer = None
    if spec.handlers or spec.batch_handlers:
        consumer = EventConsumer(
            service=spec.name,
            settings=spec.runtime,
            db=db,
            tables=spec.tables,
            topics=SUBSCRIPTIONS[spec.name],
            handlers=spec.handlers,
            batch_handlers=spec.batch_handlers,
        )
        await consumer.start()
    ctx = ServiceContext(spec=spec, engine=engine, db=db, producer=producer, relay=relay, consumer=consumer)
    for task in spec.background:
        ctx.tasks.append(asyncio.create_task(task(ctx), name=f"{spec.name}-{task.__name__}"))
    log.info("service.started", broker_cluster_id=cluster_id, subscriptions=[t.value for t in SUBSCRIPTIONS[spec.name]])
    return ctx


async def stop_service(ctx: ServiceContext[Any]) -> None:
    """Stop taking work, finish what is in hand, publish what is committed, then disconnect."""
    for task in ctx.tasks:
        task.cancel()
    for task in ctx.tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    if ctx.consumer is not None:
        await ctx.consumer.stop()
    await ctx.relay.stop()
    await ctx.producer.stop()
    await ctx.engine.dispose()
    for close in ctx.spec.on_stop:
        await close()
    log.info("service.stopped")


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz(ctx: ContextDep) -> dict[str, str]:
        return {"status": "ok", "service": ctx.spec.name}

    @router.get("/readyz")
    async def readyz(ctx: ContextDep) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(ctx.db.ping(), timeout=2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        try:
            await asyncio.wait_for(ctx.producer.client.fetch_all_metadata(), timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unreachable: {type(exc).__name__}"
        if ctx.consumer is not None:
            checks["consumer"] = "ok" if ctx.consumer.running else "stopped"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503)

    return router


def create_service_app(spec: ServiceSpec[Any]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.staff_directory = spec.runtime.staff_directory()
        app.state.ctx = await start_service(spec)
        try:
            yield
        finally:
            await stop_service(app.state.ctx)

    app = FastAPI(title=spec.title, version=spec.version, lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(CorrelationMiddleware)
    app.include_router(_health_router())
    for router in spec.routers:
        app.include_router(router)
    return app
