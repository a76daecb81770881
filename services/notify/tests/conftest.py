"""The notify app running in-process against the session's real Postgres and broker, under a
private topic prefix (so its consumer group sees only what these tests publish)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from notify.deps import NotifyDeps
from notify.main import create_app
from notify.providers.base import ProviderResult, ProviderSet, SmsProvider
from notify.routing import RoutingTable
from notify.settings import NotifySettings
from notify.tables import messages, recorded_sends
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import AnomalyAction, AnomalyRaised, DomainEvent, ShipmentDispatched
from orderhub_contracts.topics import Topic
from orderhub_devstack.bootstrap import bootstrap_database, drop_database, service_passwords
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, publish, publish_envelope, read_topic, running_app
from orderhub_runtime.app import ServiceContext
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Database
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from orderhub_simulators.providers import aliyun_sms, tencent_sms, wecom
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncEngine

TEST_ROUTING = {
    "regional_managers": {"浙江省": "user:zj-manager", "江苏省": "user:js-manager"},
    "default_regional_manager": "user:fallback-manager",
    "roles": {
        "ops_manager": "user:ops-lead",
        "warehouse_group": "robot:warehouse_group",
        "warehouse_lead": "user:warehouse-lead",
    },
}


@dataclass
class NotifyEnv:
    client: httpx.AsyncClient
    db: Database
    handlers: Mapping[str, Handler]
    batch_handlers: Mapping[str, BatchHandler]
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
        ctx: ServiceContext[NotifyDeps] = app.state.ctx
        yield NotifyEnv(
            client, ctx.db, ctx.spec.handlers, ctx.spec.batch_handlers, runtime.kafka_bootstrap_servers, prefix
        )


class EventFactory:
    """Input events with fresh random order IDs and phones unless told otherwise."""

    @staticmethod
    def order_id() -> str:
        return f"DABE20261124{uuid.uuid4().int % 10**9:09d}"

    @staticmethod
    def phone() -> str:
        return f"139{random.randrange(10**8):08d}"

    def dispatch(self, *, order_id: str = "", phone: str | None = None, waybill_no: str = "") -> ShipmentDispatched:
        """A parcel scanned out: the event of the customer's 「已发货」 SMS, naming its receiver."""
        return ShipmentDispatched(
            order_id=order_id or self.order_id(),
            outbound_id=f"OB{uuid.uuid4().hex[:10]}",
            carrier="LOCAL",
            waybill_no=waybill_no or f"LC{random.randrange(10**12):012d}",
            dispatched_at=datetime.now(UTC),
            receiver=Receiver(
                name="王小明",
                phone=self.phone() if phone is None else phone,
                province="江苏省",
                city="苏州市",
                detail="宝带西路100号",
            ),
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


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """A simulator on 127.0.0.1 at a random port; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:  # uvicorn offers no started event
        return server.started

    await eventually(started, timeout_s=5.0, interval_s=0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Simulator:
    app: FastAPI
    url: str

    def received(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.app.state.sim.received if r["kind"] == kind]

    async def fault(self, mode: str, count: int = 1, delay_s: float = 0.0) -> None:
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.post("/_sim/faults", json={"mode": mode, "count": count, "delay_s": delay_s})
            assert response.status_code == 200, response.text


@dataclass
class Simulators:
    aliyun: Simulator
    tencent: Simulator
    wecom: Simulator


WECOM_USERS = {"zj-manager", "js-manager", "fallback-manager", "ops-lead"}
ROBOT_KEYS = {"warehouse_group": "sim-warehouse-robot-key"}


@pytest_asyncio.fixture(loop_scope="session")
async def sims() -> AsyncIterator[Simulators]:
    """Fresh Aliyun SMS, Tencent SMS and WeCom simulators, each on its own port."""
    apps = (
        aliyun_sms.create_app(),
        tencent_sms.create_app(),
        wecom.create_app(robot_keys=set(ROBOT_KEYS.values()), users=WECOM_USERS),
    )
    async with serve(apps[0]) as a, serve(apps[1]) as t, serve(apps[2]) as w:
        yield Simulators(Simulator(apps[0], a), Simulator(apps[1], t), Simulator(apps[2], w))


class SenderCrashed(Exception):
    """Raised after the provider accepted a message and before the sender settles it: the database
    is left exactly as a notify process killed at that moment leaves it (the message `sending`)."""


class CrashAfterSend:
    """An SMS provider that lets the real one send, then crashes the sender for the listed phones."""

    def __init__(self, inner: SmsProvider) -> None:
        self.inner = inner
        self.phones: set[str] = set()

    @property
    def name(self) -> str:
        return self.inner.name

    async def send(self, phone: str, template_code: str, params: Mapping[str, str], out_id: str) -> ProviderResult:
        result = await self.inner.send(phone, template_code, params, out_id)
        if phone in self.phones:
            self.phones.discard(phone)
            raise SenderCrashed(f"crashed after the provider accepted {out_id}")
        return result

    async def find_sent(self, phone: str, out_id: str, since: datetime) -> ProviderResult | None:
        return await self.inner.find_sent(phone, out_id, since)

    async def aclose(self) -> None:
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()


@dataclass
class WiredEnv(NotifyEnv):
    sims: Simulators
    settings: NotifySettings
    crash: CrashAfterSend


WIRED_ROUTING = {
    **TEST_ROUTING,
    "roles": {**TEST_ROUTING["roles"], "cs_group": "robot:cs_group", "night_ops": "robot:night_ops"},
}
WIRED_ROBOT_KEYS = {**ROBOT_KEYS, "cs_group": "sim-cs-robot-key", "night_ops": "key-of-a-removed-robot"}


@dataclass
class Backends:
    """What outlives a notify process: its database, its topic prefix (consumer group) and the
    providers (simulators)."""

    stack: StackInfo
    database_url: str
    prefix: str
    sims: Simulators


@contextlib.asynccontextmanager
async def wired_backends(stack: StackInfo) -> AsyncIterator[Backends]:
    database = f"orderhub_notify_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_database(stack.admin_url, database, ["notify"], service_passwords(["notify"]))
    apps = (
        aliyun_sms.create_app(),
        tencent_sms.create_app(),
        wecom.create_app(robot_keys=set(ROBOT_KEYS.values()) | {"sim-cs-robot-key"}, users=WECOM_USERS),
    )
    try:
        await asyncio.to_thread(upgrade_head, "notify", urls["notify"])
        async with serve(apps[0]) as a, serve(apps[1]) as t, serve(apps[2]) as w:
            sims = Simulators(Simulator(apps[0], a), Simulator(apps[1], t), Simulator(apps[2], w))
            yield Backends(stack, urls["notify"], f"{stack.topic_prefix}w{uuid.uuid4().hex[:6]}.", sims)
    finally:
        await drop_database(stack.admin_url, database)


@contextlib.asynccontextmanager
async def wired_app(backends: Backends, **overrides: Any) -> AsyncIterator[WiredEnv]:
    """Notify wired to the simulators (Aliyun SMS and WeCom by default), with short timeouts and
    backoff; keyword arguments override NotifySettings."""
    sims, stack = backends.sims, backends.stack
    options: dict[str, Any] = {
        "database_url": backends.database_url,
        "routing": RoutingTable.model_validate(WIRED_ROUTING),
        "wecom_robot_keys": json.dumps(WIRED_ROBOT_KEYS),
        "sms_provider": "aliyun",
        "aliyun_base_url": sims.aliyun.url,
        "aliyun_access_key_id": "sim-access-key-id",
        "aliyun_access_key_secret": "sim-access-key-secret",
        "tencent_base_url": sims.tencent.url,
        "tencent_secret_id": "sim-secret-id",
        "tencent_secret_key": "sim-secret-key",
        "tencent_sms_sdk_app_id": "1400000001",
        "wecom_provider": "wecom",
        "wecom_base_url": sims.wecom.url,
        "wecom_corp_id": "sim-corp-id",
        "wecom_corp_secret": "sim-corp-secret",
        "wecom_agent_id": 1000002,
        "provider_timeout_s": 0.5,
        "sending_stale_after_s": 2.0,
        "retry_base_s": 0.05,
        "retry_max_s": 0.2,
        "max_attempts": 3,
        "sender_poll_interval_s": 0.1,
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        **overrides,
    }
    settings = NotifySettings(**options)
    runtime = RuntimeSettings(
        env="test", kafka_bootstrap_servers=stack.kafka_bootstrap_servers, topic_prefix=backends.prefix
    )
    crash: list[CrashAfterSend] = []

    def wrap(providers: ProviderSet) -> ProviderSet:
        crash.append(CrashAfterSend(providers.sms))
        return ProviderSet(sms=crash[0], wecom=providers.wecom)

    app = create_app(settings, runtime, wrap_providers=wrap)  # the providers are wrapped here, at once
    async with running_app(app) as client:
        ctx: ServiceContext[NotifyDeps] = app.state.ctx
        yield WiredEnv(
            client,
            ctx.db,
            ctx.spec.handlers,
            ctx.spec.batch_handlers,
            runtime.kafka_bootstrap_servers,
            backends.prefix,
            sims,
            settings,
            crash[0],
        )


@contextlib.asynccontextmanager
async def start_wired(stack: StackInfo, **overrides: Any) -> AsyncIterator[WiredEnv]:
    async with wired_backends(stack) as backends, wired_app(backends, **overrides) as env:
        yield env


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def wired(orderhub_stack: StackInfo) -> AsyncIterator[WiredEnv]:
    """One wired notify for a test module (Aliyun SMS, WeCom, no quiet hours)."""
    async with start_wired(orderhub_stack) as env:
        yield env


@pytest.fixture
def start_notify(orderhub_stack: StackInfo) -> Callable[..., AbstractAsyncContextManager[WiredEnv]]:
    """A wired notify with settings of the test's own: `async with start_notify(**overrides)`."""

    def start(**overrides: Any) -> AbstractAsyncContextManager[WiredEnv]:
        return start_wired(orderhub_stack, **overrides)

    return start


@pytest_asyncio.fixture(loop_scope="session")
async def backends(orderhub_stack: StackInfo) -> AsyncIterator[Backends]:
    """A database, topic prefix and simulators that notify processes can come and go on:
    `async with wired_app(backends, **overrides)` is one run of notify."""
    async with wired_backends(orderhub_stack) as found:
        yield found


@pytest.fixture
def notify_run() -> Callable[..., AbstractAsyncContextManager[WiredEnv]]:
    """`async with notify_run(backends, **overrides) as env`: one run of notify on `backends`."""
    return wired_app
