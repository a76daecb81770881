"""GET /v1/orders/search across channels: global ID, channel order number, phone last 4, product
words and combinations such as 加湿器 + 5678; masked phones, items and remarks in the results."""

from __future__ import annotations

import random
import string
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from ingest.orders.model import PlaceOrder
from ingest.orders.service import accept_order
from ingest.search.criteria import build_criteria, id_time_range
from ingest.search.plan import SearchStats, walk_budget
from ingest.search.repository import search_orders, walk_statement
from ingest.tables import messaging
from orderhub_contracts.address import Receiver
from orderhub_contracts.order import Channel, LineItem
from orderhub_contracts.timezone import SHANGHAI
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")
STAFF = {"Authorization": "Bearer local-warehouse"}
T0 = datetime(2026, 11, 21, 9, 30, tzinfo=SHANGHAI)


def receiver(phone: str) -> Receiver:
    return Receiver(
        name="张三", phone=phone, province="浙江省", city="杭州市", district="西湖区", street="文三路", detail="100号"
    )


@pytest_asyncio.fixture(loop_scope="session")
async def placed(ingest_engine: AsyncEngine) -> dict[str, Any]:
    """Three orders of three channels whose titles share a word no other test uses."""
    db = Database(ingest_engine, OutboxWriter(messaging.outbox, source="orderhub/ingest"), lambda: None)
    word = "".join(random.choices(string.ascii_lowercase, k=10))
    tail = uuid.uuid4().hex[:8].upper()
    commands = {
        "taobao": PlaceOrder(
            Channel.TAOBAO,
            f"40{tail}1",
            T0,
            receiver("13812345678"),
            (LineItem(sku="HUM-4L", title=f"{word} 美的加湿器 4L 静音", quantity=1, unit_price_fen=19900),),
            buyer_remark="周末送货，别放门口",
        ),
        "douyin": PlaceOrder(
            Channel.DOUYIN,
            f"69{tail}2",
            T0 + timedelta(minutes=5),
            receiver("13900001234"),
            (LineItem(sku="HUM-5L", title=f"{word} 加湿器 5L", quantity=2, unit_price_fen=15900),),
        ),
        "shopee": PlaceOrder(
            Channel.SHOPEE,
            f"2611{tail}S",
            T0 + timedelta(minutes=9),
            receiver("+60 12-345 5678"),
            (LineItem(sku="FAN-1", title=f"{word} Ｆａｎ 电风扇", quantity=1, unit_price_fen=8990),),
            currency="MYR",
            seller_memo="ship with care",
        ),
    }
    ids = {}
    for channel, command in commands.items():
        async with db.transaction() as tx:
            ids[channel] = (await accept_order(tx, command)).order_id
    return {"word": word, "ids": ids, "commands": commands}


async def search(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/v1/orders/search", params=params, headers=STAFF)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_product_word_and_phone_last4_find_the_one_order(
    client: httpx.AsyncClient, placed: dict[str, Any]
) -> None:
    for q in (f"{placed['word']} 加湿器 5678", f"{placed['word']}加湿器5678", f"5678，{placed['word']}/加湿器"):
        result = await search(client, q=q)
        assert [h["order_id"] for h in result["results"]] == [placed["ids"]["taobao"]], q
    hit = result["results"][0]
    assert (hit["channel"], hit["status"], hit["buyer_remark"]) == ("taobao", "created", "周末送货，别放门口")
    assert hit["receiver"] == {"name": "张三", "phone": "138****5678"}
    assert hit["items"] == [{"sku": "HUM-4L", "title": f"{placed['word']} 美的加湿器 4L 静音", "quantity": 1}]
    assert result["terms"]["phone_last4"] == ["5678"] and "加湿器" in result["terms"]["product_words"]


async def test_words_search_every_channel_newest_first(client: httpx.AsyncClient, placed: dict[str, Any]) -> None:
    everything = await search(client, q=placed["word"])
    assert [h["channel"] for h in everything["results"]] == ["shopee", "douyin", "taobao"]
    assert not everything["has_more"]
    shopee = everything["results"][0]
    assert shopee["totals"]["currency"] == "MYR" and shopee["seller_memo"] == "ship with care"
    assert shopee["created_at"].endswith("+08:00")  # shown in Shanghai time
    # Full-width and upper case in the title, plain in the query (and the other way round).
    assert [h["channel"] for h in (await search(client, q=f"{placed['word']} FAN"))["results"]] == ["shopee"]
    humidifiers = await search(client, product=f"{placed['word']} 加湿器")
    assert [h["channel"] for h in humidifiers["results"]] == ["douyin", "taobao"]
    assert [h["channel"] for h in (await search(client, q=placed["word"], channel="douyin"))["results"]] == ["douyin"]
    paged = await search(client, q=placed["word"], limit="2")
    assert len(paged["results"]) == 2 and paged["has_more"]
    assert (await search(client, q=f"{placed['word']} 洗碗机"))["results"] == []


async def test_the_receiver_name_or_a_part_of_it_finds_the_order(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine
) -> None:
    db = Database(ingest_engine, OutboxWriter(messaging.outbox, source="orderhub/ingest"), lambda: None)
    name = "".join(random.choices("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜", k=4))
    tail = uuid.uuid4().hex[:8].upper()
    ids = []
    for n, (who, phone) in enumerate(((name, "13812340001"), (name, "13812340002"), ("Tan Ah Kow", "0123459999"))):
        command = PlaceOrder(
            Channel.TAOBAO,
            f"41{tail}{n}",
            T0 + timedelta(minutes=n),
            receiver(phone).model_copy(update={"name": who}),
            (LineItem(sku="KET-1", title="电热水壶 1.7L", quantity=1, unit_price_fen=9900),),
        )
        async with db.transaction() as tx:
            ids.append((await accept_order(tx, command)).order_id)
    assert [h["order_id"] for h in (await search(client, q=name))["results"]] == [ids[1], ids[0]]  # the exact name
    assert {h["order_id"] for h in (await search(client, q=name[1:3]))["results"]} >= {ids[0], ids[1]}  # a part
    only = await search(client, q=f"{name} 0002")  # with the phone's last 4
    assert [(h["order_id"], h["receiver"]["name"]) for h in only["results"]] == [(ids[1], name)]
    assert [h["order_id"] for h in (await search(client, q=f"{name} 水壶", channel="taobao"))["results"]] == [
        ids[1],
        ids[0],
    ]  # a name and a product word: both must match
    malay = await search(client, q="tan kow 9999", channel_order_no=f"41{tail}2")
    assert [h["order_id"] for h in malay["results"]] == [ids[2]]


async def test_global_id_and_channel_order_number_find_the_order(
    client: httpx.AsyncClient, placed: dict[str, Any]
) -> None:
    taobao, douyin = placed["ids"]["taobao"], placed["ids"]["douyin"]
    assert [h["order_id"] for h in (await search(client, q=taobao))["results"]] == [taobao]
    assert [h["order_id"] for h in (await search(client, order_id=taobao.lower()))["results"]] == [taobao]
    number = placed["commands"]["douyin"].channel_order_no
    assert [h["order_id"] for h in (await search(client, q=number))["results"]] == [douyin]
    assert [h["order_id"] for h in (await search(client, channel_order_no=number[:-1]))["results"]] == [douyin]
    # A term that matches but contradicts another: nothing.
    assert (await search(client, q=f"{number} 5678"))["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "加"}, "q"),
        ({"q": "  "}, "q"),
        ({"phone_last4": "12a4"}, "phone_last4"),
        ({"order_id": "XYZ"}, "order_id"),
        ({"q": "ab " * 9}, "q"),
    ],
)
async def test_unsearchable_queries_are_refused_with_the_reason(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/orders/search", params=params, headers=STAFF)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_query" and error["details"][0]["field"] == field


async def test_search_needs_a_staff_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/orders/search", params={"q": "加湿器"})).status_code == 401


async def test_the_newest_first_walk_is_chosen_for_common_words_only() -> None:
    # 1M orders, 10 a page; bigram frequencies as ANALYZE reports them.
    stats = SearchStats(
        gram_freq={"加湿": 0.12, "湿器": 0.125, "煮蛋": 0.0002, "蛋器": 0.0002},
        value_freq={"channel": {"shopee": 0.05}},
        rows=1_000_000,
        pages=100_000,
    )
    assert stats.word_freq("加湿器") == 0.12  # at most as frequent as its rarest bigram
    assert walk_budget(build_criteria(q="加湿器"), stats) == 1000  # ~175 rows expected: walk at least 1000
    assert walk_budget(build_criteria(q="加湿器", channel="shopee"), stats) == 10500  # 0.6 %: 3 500 rows
    assert walk_budget(build_criteria(q="煮蛋器"), stats) == 0  # 200 matches: the index visits just those
    assert walk_budget(build_criteria(q="加湿机"), stats) == 0  # 湿机 is not even tracked
    assert walk_budget(build_criteria(q="加湿器", channel="phone"), stats) == 0  # not among the common values
    assert walk_budget(build_criteria(q="加湿器 5678"), stats) == 0  # the phone index does it
    assert walk_budget(build_criteria(q="加湿器"), None) == 0  # never analysed: the planner decides


async def test_a_walk_that_finds_less_than_a_page_falls_back_to_the_index(
    client: httpx.AsyncClient, placed: dict[str, Any], ingest_engine: AsyncEngine
) -> None:
    criteria = build_criteria(q=placed["word"])
    async with ingest_engine.begin() as conn:
        walked = (await conn.execute(walk_statement(criteria, 1))).mappings().all()
    assert len(walked) <= 1  # one order examined: not a full page, so search_orders asks the index
    async with ingest_engine.begin() as conn:
        rows = await search_orders(conn, criteria, walk_budget=1)
    assert [r["channel"] for r in rows] == ["shopee", "douyin", "taobao"]


async def test_an_id_prefix_bounds_the_creation_time() -> None:
    def span(prefix: str) -> tuple[str, str] | None:
        found = id_time_range(prefix)
        return None if found is None else (f"{found[0]:%Y-%m-%d %H:%M}", f"{found[1]:%Y-%m-%d %H:%M}")

    assert span("DABE2025120412") == ("2025-12-04 12:00", "2025-12-04 13:00")
    assert span("DABE20251204123") == ("2025-12-04 12:00", "2025-12-04 13:00")  # a partial field widens
    assert span("DABE20260218142278901-ABCD") == ("2026-02-18 14:22", "2026-02-18 14:23")
    assert span("DABE202612") == ("2026-12-01 00:00", "2027-01-01 00:00")
    assert span("DABE2026") == ("2026-01-01 00:00", "2027-01-01 00:00")
    assert span("DABE") is None and span("DABE202613") is None
    found = id_time_range("DABE2026021814")
    assert found is not None and found[0].utcoffset() == timedelta(hours=8)
