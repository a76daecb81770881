"""Realistic synthetic orders for the search benchmark, bulk-loaded with COPY. Small home
appliances across six channels over about a year; phones uniform, so a last-4 value matches
1 order in 10 000; products skewed, so some words match one order in eight."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
from ingest.orders.repository import ORDER_COLUMNS as PLACED_ORDER_COLUMNS
from orderhub_contracts.timezone import SHANGHAI

BRANDS = ("美的", "格力", "小米", "苏泊尔", "九阳", "飞利浦", "艾美特", "先锋", "松下", "德尔玛", "摩飞", "志高")
# (product, weight): a long tail, as in a real shop.
PRODUCTS = (
    ("加湿器", 12),
    ("电热水壶", 10),
    ("空气炸锅", 9),
    ("电风扇", 8),
    ("暖风机", 7),
    ("电饭煲", 7),
    ("落地扇", 6),
    ("取暖器", 6),
    ("养生壶", 5),
    ("豆浆机", 4),
    ("破壁机", 4),
    ("电暖器", 3),
    ("除湿机", 3),
    ("空气净化器", 3),
    ("电烤箱", 3),
    ("榨汁机", 2),
    ("挂烫机", 2),
    ("电炖锅", 2),
    ("咖啡机", 1),
    ("煮蛋器", 1),
)
SPECS = ("4L大容量", "5L", "家用", "静音", "卧室", "智能遥控", "升级款", "白色", "灰色", "迷你", "定时", "恒温")
CHANNELS = (("taobao", 35), ("pinduoduo", 25), ("douyin", 20), ("miniprogram", 10), ("phone", 5), ("shopee", 5))
STATUSES = (
    ("completed", 50),
    ("delivered", 15),
    ("shipped", 15),
    ("allocated", 8),
    ("validated", 5),
    ("created", 3),
    ("on_hold", 2),
    ("cancelled", 1),
    ("after_sales", 1),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
CITIES = (
    ("浙江省", "杭州市", "西湖区"),
    ("广东省", "深圳市", "南山区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("上海市", "上海市", "浦东新区"),
    ("北京市", "北京市", "朝阳区"),
    ("四川省", "成都市", "武侯区"),
)
REMARKS = ("", "", "", "", "周末送货", "请尽快发货", "送人的，不要放发票", "电话联系后再送")
START = datetime(2025, 11, 24, tzinfo=UTC)
SECONDS_PER_ORDER = 31.0  # 1M orders over about a year
ORDER_COLUMNS = (*PLACED_ORDER_COLUMNS, "snapshot")
ITEM_COLUMNS = ("order_id", "line_no", "sku", "title", "quantity", "unit_price_fen", "paid_fen", "presale")


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _channel_order_no(rng: random.Random, channel: str, seq: int, created: datetime) -> str:
    tail = f"{seq:07d}"
    if channel == "pinduoduo":
        return f"{created:%y%m%d}-{rng.randrange(10**8, 10**9)}{tail}"
    if channel == "phone":
        return f"TEL{created:%Y%m%d}{tail}"
    if channel == "miniprogram":
        return f"MP{rng.randrange(10**6, 10**7)}{tail}"
    if channel == "shopee":
        return f"{created:%y%m%d}{rng.choice('ABCDEFGHJK')}{rng.randrange(10**4, 10**5)}{tail}"
    return f"{rng.randrange(10**11, 10**12)}{tail}"  # taobao, douyin: long digit strings


def generate(rng: random.Random, seq: int) -> tuple[tuple[object, ...], list[tuple[object, ...]]]:
    created = START + timedelta(seconds=seq * SECONDS_PER_ORDER + rng.random() * 30)
    channel = _pick(rng, CHANNELS)
    number = _channel_order_no(rng, channel, seq, created)
    order_id = f"DABE{created.astimezone(SHANGHAI):%Y%m%d%H%M}{number[-5:]}"
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    items: list[tuple[object, ...]] = []
    titles: list[dict[str, object]] = []
    total = 0
    for line_no in range(1, rng.choices((1, 2, 3), (70, 22, 8))[0] + 1):
        product = _pick(rng, PRODUCTS)
        title = f"{rng.choice(BRANDS)} {product} {' '.join(rng.sample(SPECS, 2))}"
        sku, quantity, price = f"SKU-{rng.randrange(1000, 9999)}", rng.choice((1, 1, 1, 2)), rng.randrange(99, 999)
        price *= 100
        total += quantity * price
        items.append((order_id, line_no, sku, title, quantity, price, quantity * price, False))
        titles.append({"sku": sku, "title": title, "quantity": quantity, "unit_price_fen": price})
    city = rng.choice(CITIES)
    status = _pick(rng, STATUSES)
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    street, detail, remark = "文三路", f"{rng.randrange(1, 300)}号", rng.choice(REMARKS)
    # A whole canonical order, as intake stores it: the order page reads it back (console benchmark).
    receiver = dict(zip(("province", "city", "district"), city, strict=True))
    snapshot = json.dumps(
        {
            "order_id": order_id,
            "channel": channel,
            "channel_order_no": number,
            "created_at": created.isoformat(),
            "paid_at": (created + timedelta(minutes=1)).isoformat(),
            "receiver": {"name": name, "phone": phone, **receiver, "street": street, "detail": detail},
            "items": titles,
            "buyer_remark": remark,
        },
        ensure_ascii=False,
    )
    order = (
        order_id,
        channel,
        number,
        f"{channel}-shop-{rng.randrange(1, 4)}",
        status,
        created,
        created,
        created + timedelta(minutes=1),
        "CNY",
        name,
        phone,
        phone[-4:],
        *city,
        street,
        detail,
        remark,
        "",
        total,
        total,
        0,
        snapshot,
    )
    return order, items


def _batches(count: int, batch: int, seed: int) -> Iterator[tuple[list[tuple[object, ...]], ...]]:
    rng = random.Random(seed)
    for start in range(0, count, batch):
        orders: list[tuple[object, ...]] = []
        items: list[tuple[object, ...]] = []
        for seq in range(start, min(start + batch, count)):
            order, lines = generate(rng, seq)
            orders.append(order)
            items.extend(lines)
        yield orders, items


async def load(
    conn: asyncpg.Connection,
    count: int,
    *,
    schema: str = "ingest",
    seed: int = 20261124,
    batch: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> None:
    """COPY `count` orders and their lines into an empty ingest schema."""
    loaded = 0
    for orders, items in _batches(count, batch, seed):
        async with conn.transaction():
            await conn.copy_records_to_table("orders", records=orders, columns=ORDER_COLUMNS, schema_name=schema)
            await conn.copy_records_to_table("order_items", records=items, columns=ITEM_COLUMNS, schema_name=schema)
        loaded += len(orders)
        if progress is not None:
            progress(loaded)
