"""Budget pools and compensation coupons on the real database and broker: a pool never goes below
zero under concurrent draws (¥7 left, two ¥5 draws: one coupon, ¥2 left), one coupon per voided
order across redeliveries and a crash between the draw and the commit, the ledger, the refusal
announced, and the staff lookups."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from aftersales.coupons import service as coupons
from aftersales.coupons.model import ChangePool, Compensate, PoolChange
from aftersales.main import create_app
from aftersales.settings import AftersalesSettings
from aftersales.tables import messaging
from orderhub_contracts.events import OrderReordered
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, publish, read_topic, running_app
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database, Tx, make_engine
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from pydantic import SecretStr

pytestmark = pytest.mark.asyncio(loop_scope="session")
CS = {"Authorization": "Bearer local-cs"}
MANAGER = {"Authorization": "Bearer local-manager"}


class Crash(Exception):
    pass


@dataclass(frozen=True)
class Stack:
    client: httpx.AsyncClient
    runtime: RuntimeSettings
    db: Database
    pool: str  # the running app's compensation pool


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(orderhub_stack: StackInfo) -> AsyncIterator[Stack]:
    url = orderhub_stack.service_database_urls["aftersales"]
    await asyncio.to_thread(upgrade_head, "aftersales", url)
    runtime = RuntimeSettings(
        env="test",
        kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers,
        topic_prefix=f"{orderhub_stack.topic_prefix}cp{uuid.uuid4().hex[:6]}.",
    )
    engine = make_engine(url, pool_size=4)
    db = Database(engine, OutboxWriter(messaging.outbox, source="orderhub/aftersales"), lambda: None)
    settings = AftersalesSettings(database_url=SecretStr(url), compensation_pool=f"mkt-{uuid.uuid4().hex[:8]}")
    async with running_app(create_app(settings, runtime)) as client:
        yield Stack(client, runtime, db, settings.compensation_pool)
    await engine.dispose()


def pool_settings(name: str) -> AftersalesSettings:
    return AftersalesSettings(compensation_pool=name)


async def fund(db: Database, name: str, fen: int) -> None:
    await db.run_in_transaction(lambda tx: coupons.change_pool(tx, ChangePool(name, fen, PoolChange.SET, "test")))


def voided(order_id: str) -> Compensate:
    return Compensate(order_id, "13900001111", datetime.now(UTC))


async def test_two_concurrent_draws_on_seven_yuan_issue_one_coupon(
    stack: Stack,
) -> None:
    client, db = stack.client, stack.db
    name = f"p-{uuid.uuid4().hex[:8]}"
    await fund(db, name, 700)
    settings = pool_settings(name)
    first, second = f"DABE{uuid.uuid4().hex[:12]}", f"DABE{uuid.uuid4().hex[:12]}"
    results = await asyncio.gather(
        db.run_in_transaction(lambda tx: coupons.compensate(tx, settings, voided(first))),
        db.run_in_transaction(lambda tx: coupons.compensate(tx, settings, voided(second))),
    )
    assert sorted(r is not None for r in results) == [False, True]
    pool = (await client.get(f"/v1/budget-pools/{name}", headers=CS)).json()
    assert pool["balance_fen"] == 200
    assert sorted(e["kind"] for e in pool["ledger"]) == ["draw", "refused", "set"]
    draw = next(e for e in pool["ledger"] if e["kind"] == "draw")
    assert (draw["amount_fen"], draw["balance_after_fen"]) == (-500, 200)
    assert draw["order_id"] in (first, second) and draw["coupon_code"]


async def test_one_coupon_per_voided_order_across_retries_and_a_crash(
    stack: Stack,
) -> None:
    client, db = stack.client, stack.db
    name = f"p-{uuid.uuid4().hex[:8]}"
    await fund(db, name, 2000)
    settings = pool_settings(name)
    order_id = f"DABE{uuid.uuid4().hex[:12]}"

    async def crash_after_the_draw(tx: Tx) -> None:
        assert await coupons.compensate(tx, settings, voided(order_id)) is not None
        raise Crash("the process died before the commit")

    with pytest.raises(Crash):
        await db.run_in_transaction(crash_after_the_draw)
    assert (await client.get(f"/v1/budget-pools/{name}", headers=CS)).json()["balance_fen"] == 2000
    for _ in range(3):  # the redelivery after the crash, and more
        await db.run_in_transaction(lambda tx: coupons.compensate(tx, settings, voided(order_id)))
    issued = (await client.get("/v1/coupons", params={"order_id": order_id}, headers=CS)).json()
    assert len(issued) == 1 and issued[0]["amount_fen"] == 500 and issued[0]["customer_phone"] == "139****1111"
    assert (await client.get(f"/v1/budget-pools/{name}", headers=CS)).json()["balance_fen"] == 1500


async def test_a_redelivered_reorder_event_issues_one_coupon_and_announces_it(
    stack: Stack,
) -> None:
    client, runtime = stack.client, stack.runtime
    pool = await client.put(f"/v1/budget-pools/{stack.pool}", json={"amount_fen": 1000}, headers=MANAGER)
    assert pool.status_code == 200, pool.text
    order_id = f"DABE{uuid.uuid4().hex[:12]}"
    event = OrderReordered(
        order_id=order_id,
        new_order_id=f"{order_id}-R1",
        customer_phone="13900002222",
        channel="phone",
        voided_at=datetime.now(UTC),
    )
    for _ in range(2):  # the same event twice: one coupon
        await publish(runtime.kafka_bootstrap_servers, event, prefix=runtime.topic_prefix)

    async def issued() -> list[dict[str, object]] | None:
        found: list[dict[str, object]] = (
            await client.get("/v1/coupons", params={"phone": "139 0000 2222"}, headers=CS)
        ).json()
        return found or None

    found = await eventually(issued)
    assert len(found) == 1 and found[0]["voided_order_id"] == order_id
    seen = await read_topic(
        runtime.kafka_bootstrap_servers,
        "aftersales.v1",
        prefix=runtime.topic_prefix,
        until=lambda got: any(e.subject == order_id and e.type == "coupon.issued" for e in got),
    )
    assert [e.type for e in seen if e.subject == order_id] == ["coupon.issued"]


async def test_pool_routes_check_roles_and_input(stack: Stack) -> None:
    client = stack.client
    name = f"p-{uuid.uuid4().hex[:8]}"
    assert (await client.put(f"/v1/budget-pools/{name}", json={"amount_fen": 100}, headers=CS)).status_code == 403
    assert (await client.put(f"/v1/budget-pools/{name}", json={"amount_fen": -1}, headers=MANAGER)).status_code == 422
    assert (await client.get(f"/v1/budget-pools/{name}", headers=CS)).status_code == 404
    await client.put(f"/v1/budget-pools/{name}", json={"amount_fen": 300}, headers=MANAGER)
    topped = await client.put(f"/v1/budget-pools/{name}", json={"amount_fen": 200}, headers=MANAGER)
    assert topped.json()["balance_fen"] == 500
    assert [e["kind"] for e in topped.json()["ledger"]] == ["top_up", "top_up"]
    assert (await client.get("/v1/coupons", headers=CS)).status_code == 422
