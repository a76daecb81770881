"""Realistic random orders for the push-style simulators (`/_sim/generate`, `make run`): Chinese
receivers with province / city / district / street and mobile numbers, the merchant's products,
buyer remarks; and a background stream that keeps creating orders and paying most of them."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英"]
ADDRESSES = [
    ("浙江省", "杭州市", "西湖区", "文新街道", "文三路 {n} 号"),
    ("浙江省", "杭州市", "余杭区", "五常街道", "文一西路 {n} 号"),
    ("广东省", "深圳市", "南山区", "粤海街道", "科技园南区 {n} 栋"),
    ("北京市", "北京市", "朝阳区", "望京街道", "阜通东大街 {n} 号院"),
    ("上海市", "上海市", "浦东新区", "张江镇", "碧波路 {n} 弄"),
    ("河南省", "济源市", "济源市", "沁园街道", "济源大道 {n} 号"),
    ("四川省", "成都市", "武侯区", "玉林街道", "玉林北路 {n} 号"),
]
PRODUCTS = [  # merchant code, title, price in fen
    ("HUM-3L", "加湿器 3L 静音卧室", 12900),
    ("HUM-FLT", "加湿器滤芯 2 只装", 2990),
    ("AC-1001", "变频空调 1.5 匹", 259900),
    ("FAN-02", "落地扇 遥控款", 19900),
    ("KET-17", "电热水壶 1.7L", 8900),
    ("PUR-A1", "空气净化器 除甲醛", 89900),
]
REMARKS = ["", "", "", "周末送货", "请放快递柜", "送人的, 不要放发票", "尽快发货谢谢"]


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "186", "158", "177", "199"]) + f"{rng.randrange(10**8):08d}"


def address(rng: random.Random) -> tuple[str, str, str, str, str]:
    province, city, district, street, detail = rng.choice(ADDRESSES)
    return province, city, district, street, detail.format(n=rng.randrange(1, 999))


def lines(rng: random.Random) -> list[tuple[str, str, int, int]]:
    """(sku, title, unit price in fen, quantity) for 1-3 distinct products."""
    picked = rng.sample(PRODUCTS, rng.randint(1, 3))
    return [(sku, title, price, rng.randint(1, 3)) for sku, title, price in picked]


@dataclass
class OrderStream:
    """Creates an order every `interval_s` (and later updates some of them) until stopped."""

    make: Callable[[], Awaitable[None]]
    interval_s: float = 2.0
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def start(self, interval_s: float) -> None:
        self.interval_s = interval_s
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _run(self) -> None:
        while True:
            await self.make()
            await asyncio.sleep(self.interval_s)
