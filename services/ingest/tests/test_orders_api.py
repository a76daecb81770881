"""POST /v1/orders and GET /v1/orders/{id} against the real database and broker."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord, TopicPartition
from ingest.tables import messaging, order_keys, orders
from orderhub_contracts.ids import candidate_order_ids
from orderhub_contracts.topics import Topic, resolve_topic
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from structlog.testing import capture_logs

pytestmark = pytest.mark.asyncio(loop_scope="session")
PRESALE_LINE = {
    "sku": "TV-55",
    "title": "电视 55寸",
    "quantity": 1,
    "unit_price_fen": 399900,
    "paid_fen": 380000,
    "presale": True,
    "presale_ship_date": "2026-12-01",
}
CS = {"Authorization": "Bearer local-cs"}
Body = Callable[..., dict[str, Any]]


async def orders_records(runtime: RuntimeSettings, *, until_key: str, timeout_s: float = 15.0) -> list[ConsumerRecord]:
    """Every raw record on orders.v1, read until one keyed `until_key` has arrived."""
    topic = resolve_topic(Topic.ORDERS.value, runtime.topic_prefix)
    consumer = AIOKafkaConsumer(bootstrap_servers=runtime.kafka_bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    seen: list[ConsumerRecord] = []
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not any(r.key == until_key.encode() for r in seen):
            for records in (await consumer.getmany(timeout_ms=200)).values():
                seen.extend(records)
    finally:
        await consumer.stop()
    return seen


async def outbox_placed(engine: AsyncEngine, order_id: str) -> int:
    ob = messaging.outbox
    query = select(func.count()).select_from(ob).where(ob.c.key == order_id, ob.c.event_type == "order.placed")
    async with engine.connect() as conn:
        return int(await conn.scalar(query) or 0)


async def stored_keys(engine: AsyncEngine, channel_order_no: str) -> int:
    query = select(func.count()).select_from(order_keys).where(order_keys.c.channel_order_no == channel_order_no)
    async with engine.connect() as conn:
        return int(await conn.scalar(query) or 0)


async def test_accepted_order_is_stored_and_published_once(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    body = order_body(created_at="2026-11-20T06:22:59Z")  # UTC; 14:22 in Shanghai
    response = await client.post("/v1/orders", json=body, headers={**CS, "x-correlation-id": "corr-intake-1"})
    assert response.status_code == 201, response.text
    view = response.json()
    order_id = view["order_id"]
    assert order_id == "DABE202611201422" + body["channel_order_no"][-5:]
    assert response.headers["location"] == f"/v1/orders/{order_id}"
    assert view["duplicate"] is False and view["status"] == "created"
    assert view["receiver"]["phone"] == "138****5678"
    assert view["totals"] == {
        "currency": "CNY",
        "list_total_fen": 299700,
        "discount_fen": 0,
        "paid_total_fen": 299700,
        "discounts": [],
    }
    assert view["created_at"] == "2026-11-20T14:22:59+08:00"
    assert [t["event_type"] for t in view["timeline"]] == ["order.placed"]
    assert "录入人 本地客服" in view["timeline"][0]["summary"]
    async with ingest_engine.connect() as conn:
        row = (await conn.execute(select(orders).where(orders.c.order_id == order_id))).mappings().one()
    assert row["receiver_phone"] == "13812345678" and row["receiver_phone_last4"] == "5678"
    assert row["snapshot"]["order_id"] == order_id

    records = [r for r in await orders_records(ingest_runtime, until_key=order_id) if r.key == order_id.encode()]
    assert len(records) == 1
    headers = {k: v.decode() for k, v in records[0].headers}
    assert headers["ce_type"] == "order.placed"
    assert headers["ce_subject"] == order_id
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_source"] == "orderhub/ingest"
    assert headers["content-type"] == "application/json"
    assert headers["ce_correlationid"] == "corr-intake-1"
    assert headers["ce_id"] == view["timeline"][0]["event_id"]
    data = json.loads(records[0].value)
    assert data["order"]["order_id"] == order_id and data["order"]["receiver"]["phone"] == "13812345678"


async def test_get_shows_the_order(client: httpx.AsyncClient, order_body: Body) -> None:
    body = order_body(created_at="2026-11-20T09:05:00", paid_at=None, seller_memo="送货前电话")  # naive: Shanghai
    created = (await client.post("/v1/orders", json=body, headers=CS)).json()
    assert created["order_id"].startswith("DABE202611200905")
    response = await client.get(f"/v1/orders/{created['order_id']}", headers={"Authorization": "Bearer local-ops"})
    assert response.status_code == 200
    view = response.json()
    assert view["paid_at"] is None and view["totals"]["paid_total_fen"] == 299700
    assert view["buyer_remark"] == "周末送货" and view["seller_memo"] == "送货前电话"
    assert [(i["sku"], i["quantity"], i["line_total_fen"]) for i in view["items"]] == [
        ("AC-1001", 1, 259900),
        ("FAN-02", 2, 39800),
    ]
    assert view["status_history"] == [
        {
            "at": view["timeline"][0]["occurred_at"],
            "from_status": None,
            "to_status": "created",
            "event_type": "order.placed",
            "event_id": view["timeline"][0]["event_id"],
            "implied": False,
        }
    ]
    assert "未支付" in view["timeline"][0]["summary"]


async def test_receiver_phone_is_revealed_to_customer_service_and_logged(
    client: httpx.AsyncClient, order_body: Body
) -> None:
    created = (await client.post("/v1/orders", json=order_body(), headers=CS)).json()
    order_id = created["order_id"]
    assert created["receiver"]["phone"] == "138****5678"  # masked everywhere else
    with capture_logs() as logs:
        revealed = await client.get(f"/v1/orders/{order_id}/receiver-phone", headers=CS)
    assert revealed.status_code == 200 and revealed.json() == {"phone": "13812345678"}
    (event,) = [e for e in logs if e["event"] == "order.phone_revealed"]
    assert (event["order_id"], event["staff"]) == (order_id, "本地客服")
    assert "13812345678" not in json.dumps(logs, ensure_ascii=False, default=str)  # never the number
    for token, status in (("local-warehouse", 403), ("local-ops", 403), ("local-manager", 200)):
        answer = await client.get(f"/v1/orders/{order_id}/receiver-phone", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == status, token
    assert (await client.get(f"/v1/orders/{order_id}/receiver-phone")).status_code == 401
    assert (await client.get("/v1/orders/DABE000000000000NOPE/receiver-phone", headers=CS)).status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"paid_at": None, "receiver": None, "seller_memo": "送货前电话"},
        {"created_at": "2026-11-20T06:22:59.123456Z", "discount_fen": 100, "items": [PRESALE_LINE]},
    ],
)
async def test_created_answer_is_the_stored_order(
    client: httpx.AsyncClient, order_body: Body, overrides: dict[str, Any]
) -> None:
    """The 201 answer is built from what was written, the 200 one from the row found by the claim;
    both read exactly like the order read back."""
    body = order_body(**overrides)
    created = await client.post("/v1/orders", json=body, headers=CS)
    assert created.status_code == 201, created.text
    answer = created.json()
    stored = (await client.get(f"/v1/orders/{answer['order_id']}", headers=CS)).json()
    assert answer.pop("duplicate") is False
    assert answer == stored
    assert json.dumps(answer, ensure_ascii=False) == json.dumps(stored, ensure_ascii=False)  # key order too
    again = await client.post("/v1/orders", json=body, headers=CS)
    assert again.status_code == 200, again.text
    repeated = again.json()
    assert repeated.pop("duplicate") is True
    assert json.dumps(repeated, ensure_ascii=False) == json.dumps(stored, ensure_ascii=False)


async def test_unknown_order_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/orders/DABE000000000000NOPE", headers=CS)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no order with ID 'DABE000000000000NOPE'"
    assert (await client.get("/v1/orders/DABE%00X", headers=CS)).status_code == 404
    assert (await client.get("/v1/orders/DABE000000000000NOPE")).status_code == 401


async def test_duplicate_submission_returns_the_order_and_publishes_nothing(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    body = order_body()
    first = await client.post("/v1/orders", json=body, headers=CS)
    again = await client.post("/v1/orders", json={**body, "buyer_remark": "重复提交"}, headers=CS)
    assert first.status_code == 201 and again.status_code == 200
    order_id = first.json()["order_id"]
    assert again.json()["order_id"] == order_id and again.json()["duplicate"] is True
    assert again.json()["buyer_remark"] == "周末送货"  # the stored order, unchanged
    assert await outbox_placed(ingest_engine, order_id) == 1
    # A later order's event on the topic proves the relay has passed the duplicate.
    sentinel = (await client.post("/v1/orders", json=order_body(), headers=CS)).json()["order_id"]
    records = await orders_records(ingest_runtime, until_key=sentinel)
    assert sum(r.key == order_id.encode() for r in records) == 1


async def test_racing_identical_submissions_make_one_order(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body
) -> None:
    body = order_body()
    responses = await asyncio.gather(*(client.post("/v1/orders", json=body, headers=CS) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    ids = {r.json()["order_id"] for r in responses}
    assert len(ids) == 1
    assert await outbox_placed(ingest_engine, ids.pop()) == 1


async def test_conflicting_resubmission_is_409(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body
) -> None:
    body = order_body()
    order_id = (await client.post("/v1/orders", json=body, headers=CS)).json()["order_id"]
    changed = {**body, "items": [{**body["items"][0], "quantity": 3}], "receiver": {**body["receiver"], "name": "李四"}}
    response = await client.post("/v1/orders", json=changed, headers=CS)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and error["details"] == {"order_id": order_id, "differs": ["items", "receiver"]}
    assert f"already placed as {order_id}" in error["message"]
    assert await outbox_placed(ingest_engine, order_id) == 1


async def test_channel_orders_sharing_a_base_id_get_distinct_deterministic_ids(
    client: httpx.AsyncClient, order_body: Body
) -> None:
    first = order_body()
    tail = first["channel_order_no"][-5:]
    second = order_body(channel_order_no=f"OTHER{tail}")
    third = order_body(channel="douyin", channel_order_no=f"DY{tail}")
    ids = [(await client.post("/v1/orders", json=b, headers=CS)).json()["order_id"] for b in (first, second, third)]
    at = datetime.fromisoformat(first["created_at"])
    assert ids[0] == candidate_order_ids(at, "phone", first["channel_order_no"])[0]
    assert ids[1] == candidate_order_ids(at, "phone", second["channel_order_no"])[1]
    assert ids[2] == candidate_order_ids(at, "douyin", third["channel_order_no"])[1]
    assert len(set(ids)) == 3 and all(i.startswith(ids[0]) for i in ids)
    # Resubmitting the second still finds its own ID, not the base.
    again = await client.post("/v1/orders", json=second, headers=CS)
    assert again.status_code == 200 and again.json()["order_id"] == ids[1]


async def test_racing_channel_orders_with_one_base_id_never_share_an_id(
    client: httpx.AsyncClient, order_body: Body
) -> None:
    tail = order_body()["channel_order_no"][-5:]
    bodies = [order_body(channel_order_no=f"R{n}X{tail}") for n in range(4)]
    responses = await asyncio.gather(*(client.post("/v1/orders", json=b, headers=CS) for b in bodies))
    assert [r.status_code for r in responses] == [201] * 4
    at = datetime.fromisoformat(bodies[0]["created_at"])
    ids = [r.json()["order_id"] for r in responses]
    assert len(set(ids)) == 4
    assert sum(i == candidate_order_ids(at, "phone", bodies[0]["channel_order_no"])[0] for i in ids) == 1
    for body, order_id in zip(bodies, ids, strict=True):
        assert order_id in candidate_order_ids(at, "phone", body["channel_order_no"])[:2]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"items": None}, 422, "invalid_request"),
        ({"items": []}, 422, "invalid_request"),
        ({"items": [{"sku": "A", "title": "t", "quantity": 1, "unit_price_fen": -100}]}, 422, "invalid_request"),
        ({"items": [{"sku": "A", "title": "t", "quantity": 0, "unit_price_fen": 100}]}, 422, "invalid_request"),
        ({"buyer_remarks": "typo"}, 422, "invalid_request"),
        ({"channel": "wechat"}, 422, "invalid_request"),
        ({"buyer_remark": "周末\x00送货"}, 422, "invalid_request"),
    ],
)
async def test_bad_requests_store_nothing(
    client: httpx.AsyncClient,
    ingest_engine: AsyncEngine,
    order_body: Body,
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    body = {k: v for k, v in order_body(**change).items() if v is not None}
    response = await client.post("/v1/orders", json=body, headers=CS)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"].startswith("invalid request: ")
    assert error["details"] and all(d["field"] and d["problem"] for d in error["details"])
    assert await stored_keys(ingest_engine, body["channel_order_no"]) == 0


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer nope"}, 401),
        ({"Authorization": "Bearer local-warehouse"}, 403),
        ({"Authorization": "Bearer local-ops"}, 403),
    ],
)
async def test_only_cs_and_managers_enter_orders(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, order_body: Body, headers: dict[str, str], status: int
) -> None:
    body = order_body()
    response = await client.post("/v1/orders", json=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == ("unauthorized" if status == 401 else "forbidden")
    assert await stored_keys(ingest_engine, body["channel_order_no"]) == 0


async def test_manager_may_enter_orders_and_missing_receiver_is_accepted(
    client: httpx.AsyncClient, order_body: Body
) -> None:
    body = order_body(channel="taobao", receiver={"name": "", "phone": ""})
    response = await client.post("/v1/orders", json=body, headers={"Authorization": "Bearer local-manager"})
    assert response.status_code == 201
    assert response.json()["channel"] == "taobao" and response.json()["receiver"]["phone"] == ""
