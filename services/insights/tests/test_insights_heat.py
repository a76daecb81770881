"""The heat analysis on a generated history where one cell is planted to repurchase twice as
often as the rest: it must come out on top, thin cells must be marked, and the picture must be a
real PNG and SVG of the right size."""

from __future__ import annotations

import random
import struct
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from insights.orders.model import Placement, customer_key
from insights.orders.repository import record_placements
from insights_factory import order
from insights_support import CS, MANAGER, InsightsEnv
from orderhub_contracts.timezone import SHANGHAI
from orderhub_devstack.testing import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
FIRST_MONDAY = datetime(2026, 10, 5, tzinfo=SHANGHAI)  # four weeks of first orders from here
RANGE = {"from": "2026-10-05", "to": "2026-11-01"}
PLANTED = (3, 15)  # Wednesday 15:00-16:00, as in the case
THIN = (7, 3)  # Sunday 03:00: two customers, both came back
COUPON = "满199减20"


def _history(secret: str, seed: int = 7) -> list[Placement]:
    """40 first-time customers per weekday x hour; 8 of them (16 in the planted cell) order again
    within 7 days, 4 more only after 10 days (too late to count)."""
    rng = random.Random(seed)
    placements: list[Placement] = []
    phones = (f"139{n:08d}" for n in range(10**8))
    for weekday in range(1, 8):
        for hour in range(24):
            cell = (weekday, hour)
            size, again = (2, 2) if cell == THIN else (40, 16 if cell == PLANTED else 8)
            for n in range(size):
                key = customer_key(next(phones), secret)
                week = rng.randrange(4)
                first = FIRST_MONDAY + timedelta(days=7 * week + weekday - 1, hours=hour, minutes=rng.randrange(60))
                used = (COUPON,) if rng.random() < (0.8 if cell == PLANTED else 0.1) else ()
                placements.append(Placement(uuid.uuid4().hex, key, "taobao", first, used))
                if n < again:
                    later = first + timedelta(days=rng.uniform(0.5, 6.9))
                    placements.append(Placement(uuid.uuid4().hex, key, "douyin", later, ()))
                elif n < again + 4:
                    placements.append(Placement(uuid.uuid4().hex, key, "pinduoduo", first + timedelta(days=10), ()))
    rng.shuffle(placements)  # events arrive in any order
    return placements


@pytest.fixture(scope="module")
async def history(insights: InsightsEnv) -> None:
    async with insights.engine.begin() as conn:
        await record_placements(conn, _history(insights.settings.customer_key_secret.get_secret_value()))


async def _heat(insights: InsightsEnv, **params: str) -> dict[str, Any]:
    response = await insights.client.get("/v1/heat", params={**RANGE, **params}, headers=MANAGER)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_planted_cell_comes_out_on_top(insights: InsightsEnv, history: None) -> None:
    body = await _heat(insights)
    assert body["window_days"] == 7 and body["customers"] == 167 * 40 + 2
    top = body["top"][0]
    assert (top["weekday"], top["hour"], top["weekday_name"]) == (*PLANTED, "周三")
    assert top["rate"] == pytest.approx(0.4) and top["customers"] == 40
    assert all(cell["rate"] == pytest.approx(0.2) for cell in body["top"][1:])
    thin = next(c for c in body["cells"] if (c["weekday"], c["hour"]) == THIN)
    assert thin["thin"] and thin["rate"] == 1.0  # 2 of 2 came back, but that proves nothing
    assert THIN not in {(c["weekday"], c["hour"]) for c in body["top"]}


async def test_the_same_split_by_coupon(insights: InsightsEnv, history: None) -> None:
    shares = (await insights.client.get("/v1/heat/coupons", params=RANGE, headers=MANAGER)).json()
    by_coupon = {s["coupon"]: s for s in shares}
    assert set(by_coupon) == {COUPON, "无优惠"}
    assert sum(s["customers"] for s in shares) == 167 * 40 + 2
    assert by_coupon[COUPON]["rate"] > by_coupon["无优惠"]["rate"]  # the planted cell used it
    only = await _heat(insights, coupon=COUPON)
    assert only["coupon"] == COUPON and only["customers"] == by_coupon[COUPON]["customers"]


async def test_the_picture_is_a_png_and_an_svg(insights: InsightsEnv, history: None) -> None:
    png = await insights.client.get("/v1/heat/picture.png", params=RANGE, headers=MANAGER)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.content[16:24])
    assert (width, height) == (1300, 460)
    svg = await insights.client.get("/v1/heat/picture.svg", params=RANGE, headers=MANAGER)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    assert root.tag.endswith("svg") and root.attrib["width"].startswith("936")  # 13 in at 72 pt
    assert (await insights.client.get("/v1/heat/picture.gif", params=RANGE, headers=MANAGER)).status_code == 422
    assert (await insights.client.get("/v1/heat", params=RANGE, headers=CS)).status_code == 403


async def test_orders_arriving_out_of_order_still_give_the_first_order(insights: InsightsEnv) -> None:
    phone = f"137{uuid.uuid4().int % 10**8:08d}"
    first_at = datetime(2026, 9, 8, 9, 30, tzinfo=SHANGHAI)  # a Tuesday
    from orderhub_contracts.events import OrderPlaced

    await insights.publish(OrderPlaced(order=order(phone, first_at + timedelta(days=2))))
    await insights.publish(OrderPlaced(order=order(phone, first_at, coupons=("店铺券10元",))))
    await insights.publish(OrderPlaced(order=order("", first_at)))  # no phone: not a customer

    async def counted() -> dict[str, Any] | None:
        body = await _heat(insights, **{"from": "2026-09-08", "to": "2026-09-08"})
        return body if body["customers"] == 1 else None

    body = await eventually(counted, timeout_s=30)
    assert [(c["weekday"], c["hour"], c["repurchased"]) for c in body["cells"]] == [(2, 9, 1)]
    shares = await insights.client.get("/v1/heat/coupons", params={"date": "2026-09-08"}, headers=MANAGER)
    assert [s["coupon"] for s in shares.json()] == ["店铺券10元"]
