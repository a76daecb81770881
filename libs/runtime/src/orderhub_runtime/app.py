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
from fastapi.responses import JSONResponse, Response
from orderhub_contracts.topics import SUBSCRIPTIONS, Topic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from orderhub_runtime.bus.consumer import BatchHandler, EventConsumer, Handler
from orderhub_runtime.bus.kafka import make_producer
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.bus.relay import OutboxRelay
from orderhub_runtime.bus.watch import BrokerWatch
from orderhub_runtime.db import Database, make_engine
from orderhub_runtime.errors import install_error_handlers
from orderhub_runtime.http import BodyLimitMiddleware, CorrelationMiddleware
from orderhub_runtime.logging import get_logger
from orderhub_runtime.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, HttpMetricsMiddleware, exposition
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
    # The topics it consumes; None means its entry in the contracts' SUBSCRIPTIONS.
    subscriptions: Sequence[Topic] | None = None

    @property
    def topics(self) -> tuple[Topic, ...]:
        return tuple(self.subscriptions) if self.subscriptions is not None else SUBSCRIPTIONS.get(self.name, ())


@dataclass
class ServiceContext(Generic[D]):
    spec: ServiceSpec[D]
    engine: AsyncEngine
    db: Database
    producer: AIOKafkaProducer
    relay: OutboxRelay
    consumer: EventConsumer | None
    watch: BrokerWatch
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
    producer = make_producer(spec.runtime, f"orderhub-{spec.name}")
    # The cluster is unknown until the watch's first successful check, which connects the bus.
    watch = BrokerWatch(spec.runtime, client_id=f"orderhub-{spec.name}-watch", cluster_id="")
    relay = OutboxRelay(
        engine=engine,
        database_url=url,
        tables=spec.tables,
        producer=producer,
        settings=spec.runtime,
        schema=spec.name,
        watch=watch,
    )
    db = Database(engine, OutboxWriter(spec.tables.outbox, source=f"orderhub/{spec.name}"), relay.wake)
    for prepare in spec.on_start:
        await prepare(db)
    consumer = None
    if spec.handlers or spec.batch_handlers:
        consumer = EventConsumer(
            service=spec.name,
            settings=spec.runtime,
            db=db,
            tables=spec.tables,
            topics=spec.topics,
            handlers=spec.handlers,
            batch_handlers=spec.batch_handlers,
        )
    watch.on_new_cluster(_bus_connector(producer, relay, consumer))
    relay.start()  # idle until the watch says the broker is there
    if not await _first_contact(watch, spec.runtime.broker_startup_wait_s):
        log.warning(
            "bus.broker_unreachable_at_start",
            bootstrap=spec.runtime.kafka_bootstrap_servers,
            note="serving HTTP; events wait in the outbox until the broker is reachable",
        )
    ctx = ServiceContext(
        spec=spec, engine=engine, db=db, producer=producer, relay=relay, consumer=consumer, watch=watch
    )
    ctx.tasks.append(asyncio.create_task(watch.run(), name=f"{spec.name}-broker-watch"))
    ctx.tasks.append(asyncio.create_task(_sample_outbox(relay, spec.runtime), name=f"{spec.name}-outbox-metrics"))
    for task in spec.background:
        ctx.tasks.append(asyncio.create_task(task(ctx), name=f"{spec.name}-{task.__name__}"))
    log.info("service.started", broker_cluster_id=watch.cluster_id, subscriptions=[t.value for t in spec.topics])
    return ctx


def _bus_connector(
    producer: AIOKafkaProducer, relay: OutboxRelay, consumer: EventConsumer | None
) -> Callable[[str], Awaitable[None]]:
    """What to do on reaching a cluster for the first time (at start-up, or later when the
    service started without a broker) or a new one: start the clients not yet started, and
    replay the retained events if it is not the cluster this service last published to."""
    started = False

    async def connect(cluster_id: str) -> None:
        nonlocal started
        if not started:
            await producer.start()
            started = True
        await relay.adopt_cluster(cluster_id)
        if consumer is not None and not consumer.started:
            await consumer.start()

    return connect


async def _first_contact(watch: BrokerWatch, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while not await watch.check():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.5)
    return True


async def _sample_outbox(relay: OutboxRelay, settings: RuntimeSettings) -> None:
    """Outbox backlog and oldest-row age, sampled (not per scrape: /metrics never waits on SQL)."""
    while True:
        with contextlib.suppress(Exception):  # database away: keep the last values, /readyz says why
            backlog, oldest_age = await relay.backlog()
            OUTBOX_BACKLOG.set(backlog)
            OUTBOX_OLDEST_AGE.set(oldest_age)
        await asyncio.sleep(settings.metrics_sample_interval_s)


async def stop_service(ctx: ServiceContext[Any]) -> None:
    """Stop taking work, finish what is in hand, publish what is committed, then disconnect."""
    for task in ctx.tasks:
        task.cancel()
    for task in ctx.tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    drain = ctx.spec.runtime.shutdown_drain_timeout_s
    if ctx.consumer is not None:
        await ctx.consumer.stop(timeout_s=drain)
    await ctx.relay.stop(drain_timeout_s=drain)
    # Bounded: with the broker away the producer would wait out its request timeout.
    with contextlib.suppress(Exception):
        await asyncio.wait_for(ctx.producer.stop(), timeout=3.0)
    await ctx.watch.close()
    await ctx.engine.dispose()
    for close in ctx.spec.on_stop:
        await close()
    log.info("service.stopped")


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz(ctx: ContextDep) -> dict[str, str]:
        return {"status": "ok", "service": ctx.spec.name}

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body, content_type = exposition()
        return Response(body, media_type=content_type)

    @router.get("/readyz")
    async def readyz(ctx: ContextDep) -> JSONResponse:
        checks: dict[str, str] = {}
        errors: dict[str, str] = {}
        try:
            await asyncio.wait_for(ctx.db.ping(), timeout=2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"], errors["database"] = "unreachable", type(exc).__name__
        # The watch's view (checked every few seconds): no request, and no log line, per probe.
        if ctx.watch.connected:
            checks["broker"] = "ok"
        else:
            checks["broker"], errors["broker"] = "unreachable", ctx.watch.reason
        if ctx.consumer is not None:
            checks["consumer"] = "ok" if ctx.consumer.running else "stopped"
        ready = all(v == "ok" for v in checks.values())
        body: dict[str, object] = {"status": "ready" if ready else "not_ready", "checks": checks}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, 200 if ready else 503)

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
    app.add_middleware(BodyLimitMiddleware, max_bytes=spec.runtime.http_max_body_bytes)
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(HttpMetricsMiddleware)
    app.include_router(_health_router())
    for router in spec.routers:
        app.include_router(router)
    return app
