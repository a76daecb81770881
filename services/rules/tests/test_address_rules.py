"""Addresses on the real database: the resolved address (divisions and codes) is kept on the
order, R02 holds only what a courier could not deliver and its evidence names the failed part and
what the system understood, R08 matches the resolved divisions (functional zones, old names)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from orderhub_contracts.events import OrderAddressChanged, OrderPlaced
from rules import tables
from rules.orders import repository as orders
from sqlalchemy import select

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")
MANAGER = {"Authorization": "Bearer local-manager"}
SUZHOU_PARK = {
    "province": "江苏省",
    "city": "苏州市",
    "district": "苏州工业园区",
    "street": "",
    "detail": "星湖街328号",
}


async def stored(rules: RulesHarness, order_id: str) -> dict[str, Any] | None:
    async with rules.db.connect() as conn:
        return await orders.resolved_address(conn, order_id)


async def test_a_phone_order_in_a_functional_zone_is_validated_with_its_division_codes(rules: RulesHarness) -> None:
    order = rules.order(**SUZHOU_PARK)
    await rules.deliver(OrderPlaced(order=order))
    assert await rules.anomalies(order.order_id) == []
    assert "order.validated" in await rules.outbox_types(order.order_id)
    resolved = await stored(rules, order.order_id)
    assert resolved is not None
    assert (resolved["province"], resolved["city"], resolved["district"]) == ("江苏省", "苏州市", "苏州工业园区")
    assert resolved["codes"] == {"province": "320000", "city": "320500", "district": "320571"}
    assert resolved["deliverable"] is True and resolved["problem"] == ""
    async with rules.db.connect() as conn:
        code = await conn.scalar(
            select(tables.orders.c.division_code).where(tables.orders.c.order_id == order.order_id)
        )
    assert code == "320571"


async def test_r02_evidence_names_the_failed_part_and_what_was_understood(rules: RulesHarness) -> None:
    order = rules.order(**{**SUZHOU_PARK, "district": "朝阳区"})  # a Beijing district under Suzhou
    await rules.deliver(OrderPlaced(order=order))
    found = await rules.anomalies(order.order_id)
    assert [a["rule_id"] for a in found] == ["R02"]
    evidence = found[0]["evidence"]
    assert evidence["address_problem"] == "区县不属于该城市：朝阳区不在苏州市"
    assert evidence["address_understood"] == "江苏省 苏州市（320500） 星湖街328号"
    assert evidence["division_codes"] == ["320000", "320500", ""]
    assert evidence["address_notes"] == []
    resolved = await stored(rules, order.order_id)
    assert resolved is not None and resolved["deliverable"] is False
    assert resolved["problem"] == evidence["address_problem"]


async def test_a_detail_too_short_is_held_naming_the_detail(rules: RulesHarness) -> None:
    order = rules.order(street="", detail="3号")
    await rules.deliver(OrderPlaced(order=order))
    found = await rules.anomalies(order.order_id)
    assert [a["rule_id"] for a in found] == ["R02"]
    assert found[0]["evidence"]["address_problem"] == "详细地址过短：“3号”"


async def test_a_changed_receiver_updates_the_resolved_address(rules: RulesHarness) -> None:
    order = rules.order()
    await rules.deliver(OrderPlaced(order=order))
    change = OrderAddressChanged(
        order_id=order.order_id,
        receiver=order.receiver.model_copy(update=SUZHOU_PARK),
        previous=order.receiver,
        changed_by="本地客服",
        changed_at=datetime.now(UTC),
    )
    await rules.deliver(change)
    resolved = await stored(rules, order.order_id)
    assert resolved is not None and resolved["codes"]["district"] == "320571"


@pytest.mark.parametrize(
    ("region", "receiver"),
    [
        # Marked under today's name, ordered under the old one (下城区 became 拱墅区 in 2021).
        ({"province": "浙江", "city": "杭州", "district": "拱墅区"}, {"district": "下城区", "street": "延安路"}),
        # Marked under its old name by a manager: stored under today's name.
        ({"province": "浙江省", "city": "杭州市", "district": "江干区"}, {"district": "上城区", "street": "钱江路"}),
        # A functional zone, the order typed in short form without province.
        (
            {"province": "江苏", "city": "苏州", "district": "苏州工业园区"},
            {"province": "", "city": "", "district": "", "street": "苏州园区", "detail": "星湖街328号"},
        ),
    ],
)
async def test_r08_matches_the_resolved_divisions(
    rules: RulesHarness, region: dict[str, str], receiver: dict[str, str]
) -> None:
    put = await rules.client.put("/v1/unserved-regions", json={**region, "note": "暂停配送"}, headers=MANAGER)
    assert put.status_code == 200, put.text
    try:
        order = rules.order(**receiver)
        await rules.deliver(OrderPlaced(order=order))
        assert [a["rule_id"] for a in await rules.anomalies(order.order_id)] == ["R08"]
        elsewhere = rules.order()  # 西湖区: still served
        await rules.deliver(OrderPlaced(order=elsewhere))
        assert await rules.anomalies(elsewhere.order_id) == []
    finally:
        params = {k: v for k, v in region.items() if k in ("province", "city", "district")}
        assert (await rules.client.delete("/v1/unserved-regions", params=params, headers=MANAGER)).status_code == 204
