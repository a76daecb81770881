"""The raw push archive: a push failing its signature or validation is kept raw with the reason,
ops can list and read it, and replay it after a fix; a replay checks the signature again, so
nothing unsigned is ever accepted. The platform is the scripted one of the intake flow tests,
reduced to its push check (Channel.PHONE: no real adapter serves it)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from ingest.channels.base import ChannelOrder, OrderRef, PlatformError, PushNotice, PushRejected, PushSink
from ingest.channels.hub import ChannelHub
from ingest.channels.service import receive_push
from ingest.deps import IngestDeps
from ingest.settings import IngestSettings
from ingest.tables import fetch_tasks, messaging
from orderhub_contracts.order import Channel
from orderhub_devstack.stack import StackInfo
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")
OPS = {"Authorization": "Bearer local-ops"}
CS = {"Authorization": "Bearer local-cs"}
RIGHT, OLD = b"rotated-secret", b"old-secret"


class SignedPushes:
    """Push check of a platform: hex HMAC-SHA256 of the raw body in `x-sign`, JSON list of orders."""

    channel = Channel.PHONE

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        given = headers.get("x-sign")
        if not given:
            raise PushRejected("missing x-sign header", status=401)
        if not hmac.compare_digest(hmac.new(self.secret, body, hashlib.sha256).hexdigest(), given):
            raise PushRejected("signature mismatch", status=401)
        return [PushNotice(OrderRef(Channel.PHONE, "shop-a", str(no))) for no in json.loads(body)["orders"]]

    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        raise PlatformError("not needed here")

    async def list_updated(self, shop_id: str, start: datetime, end: datetime) -> list[OrderRef]:
        return []

    async def stream(self, sink: PushSink) -> None:
        return None


def signed(secret: bytes, *numbers: str) -> tuple[dict[str, str], bytes]:
    body = json.dumps({"orders": list(numbers)}).encode()
    return {"X-Sign": hmac.new(secret, body, hashlib.sha256).hexdigest(), "Cookie": "session=x"}, body


@pytest_asyncio.fixture(loop_scope="session")
async def db(ingest_engine: AsyncEngine) -> Database:
    return Database(ingest_engine, OutboxWriter(messaging.outbox, source="orderhub/ingest"), lambda: None)


@pytest_asyncio.fixture(loop_scope="session")
async def hub(
    orderhub_stack: StackInfo, ingest_deps: IngestDeps, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ChannelHub]:
    """Our side still has the old secret; the platform already signs with the rotated one. The ops
    endpoints of the running app see this hub's adapters (the same mapping)."""
    settings = IngestSettings(database_url=orderhub_stack.service_database_urls["ingest"])
    hub = ChannelHub(settings, httpx.AsyncClient(), ingest_deps.hub.adapters)
    monkeypatch.setitem(hub.adapters, "phone", SignedPushes(OLD))
    yield hub
    await hub.aclose()


async def open_tasks(engine: AsyncEngine, no: str) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(fetch_tasks).where(fetch_tasks.c.channel_order_no == no, fetch_tasks.c.done_at.is_(None))
        )
        return [dict(r) for r in rows.mappings()]


async def close_tasks(engine: AsyncEngine, no: str) -> None:
    async with engine.begin() as conn:  # tidy up: these orders exist on no platform
        await conn.execute(update(fetch_tasks).where(fetch_tasks.c.channel_order_no == no).values(done_at=func.now()))


async def test_a_push_with_a_bad_signature_is_archived_and_replayed_after_the_fix(
    client: httpx.AsyncClient, hub: ChannelHub, db: Database, ingest_engine: AsyncEngine
) -> None:
    no = "ARC" + uuid.uuid4().hex[:10]
    headers, body = signed(RIGHT, no)
    outcome = await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), headers, body))
    assert (outcome.accepted, outcome.status, outcome.reason) == (False, 401, "signature mismatch")
    assert await open_tasks(ingest_engine, no) == []  # nothing queued from an unverified push

    listed = await client.get("/v1/ops/pushes", params={"channel": "phone", "verdict": "rejected"}, headers=OPS)
    assert listed.status_code == 200, listed.text
    [row] = [p for p in listed.json() if p["id"] == outcome.push_id]
    assert (row["reason"], row["body"], row["replayed_at"]) == ("signature mismatch", body.decode(), None)
    assert row["headers"]["x-sign"] == headers["X-Sign"] and "cookie" not in row["headers"]
    one = await client.get(f"/v1/ops/pushes/{outcome.push_id}", headers=OPS)
    assert one.json()["id"] == outcome.push_id

    # Replayed before the fix: checked again, still refused.
    again = await client.post(f"/v1/ops/pushes/{outcome.push_id}/replay", headers=OPS)
    assert again.status_code == 200 and again.json()["accepted"] is False
    assert again.json()["push"]["verdict"] == "rejected"

    hub.adapters["phone"] = SignedPushes(RIGHT)  # the fix: our configuration gets the rotated secret
    fixed = await client.post(f"/v1/ops/pushes/{outcome.push_id}/replay", headers=OPS)
    assert fixed.status_code == 200, fixed.text
    result = fixed.json()
    assert (result["accepted"], result["orders"], result["push"]["verdict"]) == (True, [no], "accepted")
    assert result["push"]["reason"] == "replayed (was: signature mismatch)" and result["push"]["replayed_at"]
    [task] = await open_tasks(ingest_engine, no)
    assert (task["source"], task["push_id"]) == ("replay", outcome.push_id)
    await close_tasks(ingest_engine, no)


@pytest.mark.parametrize(
    ("headers", "body", "status", "reason"),
    [
        ({}, b'{"orders": ["X1"]}', 401, "missing x-sign header"),
        ({"X-Sign": "00" * 32}, b'{"orders": ["X1"]}', 401, "signature mismatch"),
        (None, b"{not json", 400, "malformed push: JSONDecodeError"),
        (None, b'{"orders": 7}', 400, "malformed push: TypeError"),
    ],
)
async def test_unsigned_forged_or_malformed_pushes_are_refused_and_kept(
    client: httpx.AsyncClient,
    hub: ChannelHub,
    db: Database,
    headers: dict[str, str] | None,
    body: bytes,
    status: int,
    reason: str,
) -> None:
    if headers is None:  # correctly signed, but not what the platform's format promises
        headers = {"X-Sign": hmac.new(OLD, body, hashlib.sha256).hexdigest()}
    outcome = await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), headers, body))
    assert not outcome.accepted and outcome.status == status and outcome.reason.startswith(reason)
    row = (await client.get(f"/v1/ops/pushes/{outcome.push_id}", headers=OPS)).json()
    assert (row["verdict"], row["body"]) == ("rejected", body.decode())
    assert row["reason"].startswith(reason)


async def test_an_accepted_push_is_archived_too_and_ops_endpoints_need_the_ops_role(
    client: httpx.AsyncClient, hub: ChannelHub, db: Database, ingest_engine: AsyncEngine
) -> None:
    no = "ARC" + uuid.uuid4().hex[:10]
    outcome = await db.run_in_transaction(lambda tx: receive_push(tx, hub.adapter("phone"), *signed(OLD, no)))
    assert outcome.accepted
    row = (await client.get(f"/v1/ops/pushes/{outcome.push_id}", headers=OPS)).json()
    assert (row["verdict"], row["notices"]) == ("accepted", 1)
    assert (await client.get("/v1/ops/pushes", headers=CS)).status_code == 403
    assert (await client.post(f"/v1/ops/pushes/{outcome.push_id}/replay")).status_code == 401
    assert (await client.get("/v1/ops/pushes/999999999", headers=OPS)).status_code == 404

    # A stuck fetch is listed with its error and can be made due at once.
    later = datetime.now(UTC) + timedelta(hours=1)
    async with ingest_engine.begin() as conn:
        await conn.execute(
            update(fetch_tasks)
            .where(fetch_tasks.c.channel_order_no == no)
            .values(last_error="PlatformError: boom", next_attempt_at=later)
        )
    failing = (await client.get("/v1/ops/fetches", headers=OPS)).json()
    [task] = [t for t in failing if t["channel_order_no"] == no]
    assert task["last_error"] == "PlatformError: boom"
    retried = await client.post(f"/v1/ops/fetches/{task['id']}/retry", headers=OPS)
    assert retried.status_code == 200 and datetime.fromisoformat(retried.json()["next_attempt_at"]) < later
    await close_tasks(ingest_engine, no)
    assert (await client.post(f"/v1/ops/fetches/{task['id']}/retry", headers=OPS)).status_code == 404
