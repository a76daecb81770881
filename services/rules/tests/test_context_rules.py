"""Rules that read the service's own history and lists, on the real database: the purchase limit
per phone and Asia/Shanghai day (R05), duplicates across channels (R07), the blacklist (R13)
and regions not served (R08), with the staff APIs that manage those lists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from orderhub_contracts.events import OrderPlaced
from orderhub_contracts.order import Channel, LineItem

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")
MANAGER = {"Authorization": "Bearer local-manager"}
CS = {"Authorization": "Bearer local-cs"}


def item(sku: str) -> tuple[LineItem, ...]:
    return (LineItem(sku=sku, title="空气炸锅", quantity=1, unit_price_fen=39900),)


async def rule_ids(rules: RulesHarness, **changes: Any) -> list[str]:
    order = rules.order(**changes)
    await rules.deliver(OrderPlaced(order=order))
    return [a["rule_id"] for a in await rules.anomalies(order.order_id)]


async def test_r05_fourth_order_of_a_limited_sku_in_a_shanghai_day(rules: RulesHarness) -> None:
    sku = f"LIM-{uuid.uuid4().hex[:6]}"
    put = await rules.client.put(f"/v1/limited-skus/{sku}", json={"note": "秒杀款每人每天限3单"}, headers=MANAGER)
    assert put.status_code == 200 and sku in [e["key"] for e in put.json()]
    phone = rules.fresh_phone()
    # 2026-03-02 in Shanghai runs from 03-01 16:00 to 03-02 16:00 UTC; 20 min apart, never R07.
    day_start = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    seen = [
        await rule_ids(rules, phone=phone, items=item(sku), created_at=day_start + timedelta(minutes=20 * i))
        for i in range(3)
    ]
    assert seen == [[], [], []]
    last_minute = day_start + timedelta(hours=23, minutes=50)
    assert await rule_ids(rules, phone=phone, items=item(sku), created_at=last_minute) == ["R05"]
    # The first order of the next Shanghai day (11 min later, still 03-02 in UTC): counted afresh.
    next_day = day_start + timedelta(days=1, minutes=1)
    assert next_day.date() == last_minute.date()
    assert await rule_ids(rules, phone=phone, items=item(sku), created_at=next_day) == []

    another = rules.fresh_phone()  # the limit is per phone
    assert await rule_ids(rules, phone=another, items=item(sku), created_at=last_minute) == []
    removed = await rules.client.delete(f"/v1/limited-skus/{sku}", headers=MANAGER)
    assert removed.status_code == 204


async def test_r05_popup_text_reaches_the_anomaly(rules: RulesHarness) -> None:
    sku = f"LIM-{uuid.uuid4().hex[:6]}"
    await rules.client.put(f"/v1/limited-skus/{sku}", headers=MANAGER)
    phone, start = rules.fresh_phone(), datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    for i in range(3):
        await rule_ids(rules, phone=phone, items=item(sku), created_at=start + timedelta(minutes=11 * i))
    order = rules.order(phone=phone, items=item(sku), created_at=start + timedelta(minutes=40))
    await rules.deliver(OrderPlaced(order=order))
    (anomaly,) = await rules.anomalies(order.order_id)
    assert anomaly["evidence"]["max_limited_sku_orders_today"] == 4
    assert {"kind": "popup", "target": "cs", "text": "触发限购规则，需人工复核身份"} in anomaly["actions"]


async def test_r07_same_phone_and_skus_within_10_minutes_across_channels(rules: RulesHarness) -> None:
    sku, phone = f"DUP-{uuid.uuid4().hex[:6]}", rules.fresh_phone()
    start = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)
    assert await rule_ids(rules, phone=phone, items=item(sku), created_at=start, channel=Channel.TAOBAO) == []
    again = start + timedelta(minutes=9, seconds=59)
    assert await rule_ids(rules, phone=phone, items=item(sku), created_at=again, channel=Channel.DOUYIN) == ["R07"]
    later = again + timedelta(minutes=10)
    assert await rule_ids(rules, phone=phone, items=item(sku), created_at=later, channel=Channel.PINDUODUO) == []
    other_sku = item(f"{sku}-B")  # a different SKU set is another order, not a duplicate
    assert await rule_ids(rules, phone=phone, items=other_sku, created_at=later + timedelta(minutes=1)) == []


async def test_r13_blacklist_by_phone_and_by_address(rules: RulesHarness) -> None:
    phone = rules.fresh_phone()
    spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    added = await rules.client.post(
        "/v1/blacklist", json={"kind": "phone", "value": spaced, "reason": "恶意退货"}, headers=CS
    )
    assert added.status_code == 201, added.text
    assert added.json()["key"] == f"{phone[:3]}****{phone[-4:]}" and added.json()["created_by"] == "本地客服"
    listed = (await rules.client.get("/v1/blacklist", params={"kind": "phone"}, headers=CS)).json()
    assert phone not in str(listed)
    assert await rule_ids(rules, phone=phone) == ["R13"]

    detail = f"{uuid.uuid4().hex[:4]}号"
    address = f"浙江省 杭州市 西湖区 文三路 {detail}"
    await rules.client.post("/v1/blacklist", json={"kind": "address", "value": address}, headers=CS)
    assert await rule_ids(rules, street="文三路", detail=detail) == ["R13"]

    for kind, value in (("phone", phone), ("address", address)):
        removed = await rules.client.post("/v1/blacklist/remove", json={"kind": kind, "value": value}, headers=CS)
        assert removed.status_code == 204
    assert await rule_ids(rules, phone=phone, items=item("KT-2002")) == []  # another SKU: not R07
    gone = await rules.client.post("/v1/blacklist/remove", json={"kind": "phone", "value": phone}, headers=CS)
    assert gone.status_code == 404


async def test_r08_region_not_served(rules: RulesHarness) -> None:
    region = {"province": "西藏", "city": "阿里地区", "note": "快递不到"}
    put = await rules.client.put("/v1/unserved-regions", json=region, headers=MANAGER)
    assert put.status_code == 200, put.text
    assert "西藏自治区/阿里地区/" in [e["key"] for e in put.json()]
    try:
        remote = {
            "province": "西藏自治区",
            "city": "阿里地区",
            "district": "噶尔县",
            "street": "狮泉河镇",
            "detail": "幸福路12号",
        }
        assert await rule_ids(rules, **remote) == ["R08"]
        lhasa = {**remote, "city": "拉萨市", "district": "城关区"}
        assert await rule_ids(rules, **lhasa) == []
    finally:
        params = {"province": "西藏自治区", "city": "阿里地区"}
        assert (await rules.client.delete("/v1/unserved-regions", params=params, headers=MANAGER)).status_code == 204
    unknown = await rules.client.put("/v1/unserved-regions", json={"province": "火星"}, headers=MANAGER)
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_region"


@pytest.mark.parametrize(
    ("method", "path", "token", "status"),
    [
        ("PUT", "/v1/limited-skus/X", "local-cs", 403),
        ("PUT", "/v1/unserved-regions", "local-ops", 403),
        ("POST", "/v1/blacklist", "local-warehouse", 403),
        ("GET", "/v1/blacklist", "local-ops", 200),
    ],
)
async def test_list_roles(rules: RulesHarness, method: str, path: str, token: str, status: int) -> None:
    body = {"kind": "phone", "value": "13800000000"} if method == "POST" else None
    response = await rules.client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
