"""A realistic stream of shop orders into running channel simulators, through their `/_sim`
controls: new orders (mostly paid, some waiting for payment), and later changes to earlier ones
(payment, a new address, a seller memo, a cancellation), each shaped as that platform's API
returns it. The simulator then pushes or streams the change to ingest like the real platform.

A simulator can bring its own feed (`SimulatorSpec.feed`); the built-in ones, one per platform,
are in `orderhub_simulators.platform_feeds`."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import httpx

GMT8 = timezone(timedelta(hours=8))
EVENTS = ("created", "paid", "address", "memo", "cancelled")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
_PLACES = (
    ("浙江省", "杭州市", "西湖区", "文新街道", "文三路{n}号{b}幢{r}室"),
    ("广东省", "深圳市", "南山区", "粤海街道", "科技园南路{n}号{b}栋{r}"),
    ("江苏省", "南京市", "鼓楼区", "湖南路街道", "中山北路{n}号{b}单元{r}"),
    ("上海市", "上海市", "浦东新区", "张江镇", "碧波路{n}弄{b}号{r}室"),
    ("四川省", "成都市", "武侯区", "玉林街道", "玉林北路{n}号{b}栋{r}"),
    ("河南省", "济源市", "", "沁园街道", "沁园路{n}号{b}院{r}"),  # a province-administered county
)
_PRODUCTS = (
    ("HUM-4L", "美的加湿器 4L 静音", 19900),
    ("KET-17", "苏泊尔电热水壶 1.7L", 12900),
    ("FRY-5L", "小米空气炸锅 5L", 32900),
    ("FAN-02", "艾美特落地扇 遥控款", 25900),
    ("HTR-20", "格力暖风机 家用", 29900),
    ("RICE-4", "九阳电饭煲 4L", 35900),
    ("PUR-01", "飞利浦空气净化器", 129900),
    ("EGG-1", "小熊煮蛋器", 4990),
)
_REMARKS = ("", "", "", "周末送货", "请尽快发货", "送人的，不要放发票", "电话联系后再送", "放快递柜")
_MEMOS = ("赠品: 滤芯一个", "加急", "客户要求顺丰", "换白色")


@dataclass(frozen=True)
class SampleOrder:
    """One shop order, independent of any platform's wire shape."""

    seq: int
    created: datetime
    name: str
    phone: str
    place: tuple[str, ...]
    items: tuple[tuple[str, str, int, int], ...]  # sku, title, quantity, unit price in fen
    paid: bool = True
    remark: str = ""
    memo: str = ""
    cancelled: bool = False
    modified: datetime = datetime(2026, 1, 1, tzinfo=GMT8)  # the platform's modification time

    @property
    def total_fen(self) -> int:
        return sum(q * p for _, _, q, p in self.items)


def sample_order(rng: random.Random, seq: int) -> SampleOrder:
    place = rng.choice(_PLACES)
    detail = place[4].format(n=rng.randrange(1, 300), b=rng.randrange(1, 12), r=rng.randrange(101, 1806))
    lines = rng.sample(_PRODUCTS, rng.choices((1, 2, 3), (75, 20, 5))[0])
    now = datetime.now(GMT8).replace(microsecond=0)
    return SampleOrder(
        seq=seq,
        created=now - timedelta(seconds=rng.randrange(5, 90)),
        name=rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(("", *_GIVEN)),
        phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
        place=(*place[:4], detail),
        items=tuple((sku, title, rng.choice((1, 1, 1, 2)), price) for sku, title, price in lines),
        paid=rng.random() < 0.85,
        remark=rng.choice(_REMARKS),
        modified=now,
    )


def change(rng: random.Random, order: SampleOrder) -> tuple[SampleOrder, str]:
    """A later change the platform reports about an order (its modification time moves on)."""
    now = max(datetime.now(GMT8).replace(microsecond=0), order.modified + timedelta(seconds=1))
    if not order.paid:
        return replace(order, paid=True, modified=now), "paid"
    kind = rng.choices(("address", "memo", "cancelled"), (3, 5, 2))[0]
    if kind == "address":
        moved = sample_order(rng, order.seq)
        return replace(order, place=moved.place, phone=moved.phone, modified=now), kind
    if kind == "memo":
        return replace(order, memo=rng.choice(_MEMOS), modified=now), kind
    return replace(order, cancelled=True, modified=now), kind


def yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


# feed(client with the simulator's base URL, order, event) -> the platform order number, or "" when
# the platform has no such change (nothing was sent).
Feed = Callable[[httpx.AsyncClient, SampleOrder, str], Awaitable[str]]


async def stream_orders(
    clients: dict[str, httpx.AsyncClient],
    feeds: dict[str, Feed],
    *,
    rate: float,
    count: int | None,
    seed: int,
    log: Callable[[str], None] = print,
) -> int:
    """Feed `count` events (None: until cancelled) at `rate` per second (0: as fast as they go) into
    the simulators, each reached through its client (base URL set), spread over the channels.
    About one event in five changes an earlier order. Returns how many were delivered."""
    rng = random.Random(seed)
    names = sorted(n for n in clients if n in feeds)
    if not names:
        return 0
    open_orders: list[tuple[str, SampleOrder]] = []
    sent = delivered = 0
    base_seq = int(time.time()) % 10**7 * 100  # fresh order numbers on every run
    while count is None or sent < count:
        if open_orders and rng.random() < 0.2:
            name, before = open_orders.pop(rng.randrange(len(open_orders)))
            order, event = change(rng, before)
        else:
            name, order, event = rng.choice(names), sample_order(rng, base_seq + sent), "created"
        try:
            number = await feeds[name](clients[name], order, event)
        except httpx.HTTPError as exc:
            log(f"{name:<10} {event:<9} not delivered: {exc!r}")
        else:
            if not number:  # a change this platform does not make (e.g. a memo on the mini-program)
                sent += 1
                continue
            delivered += 1
            log(f"{name:<10} {event:<9} {number}  {order.items[0][1]}  ¥{yuan_text(order.total_fen)}")
            if not order.cancelled:
                open_orders = [*open_orders[-200:], (name, order)]
        sent += 1
        if rate > 0:
            await asyncio.sleep(1.0 / rate)
    return delivered
