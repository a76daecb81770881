"""Facts other services report, on the real broker and database: a stock shortage (R09), an
address change once a waybill exists (R15, an interception of an order already validated) and
an SMS that could not be delivered to an invalid number (R03)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.events import (
    NotificationFailed,
    OrderAddressChanged,
    OrderPlaced,
    OrderRemarksChanged,
    ShipmentCreated,
    ShortLine,
    StockShortage,
)
from orderhub_contracts.order import CanonicalOrder

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")


def waybill(order: CanonicalOrder) -> ShipmentCreated:
    return ShipmentCreated(
        order_id=order.order_id,
        outbound_id=f"OB-{order.order_id}",
        carrier="YTO",
        waybill_no=f"YT{order.order_id[-10:]}",
        receiver=order.receiver,
        items=order.items,
    )


def moved(order: CanonicalOrder) -> OrderAddressChanged:
    return OrderAddressChanged(
        order_id=order.order_id,
        receiver=order.receiver.model_copy(update={"detail": "200号1幢"}),
        previous=order.receiver,
        changed_by="本地客服",
        changed_at=datetime.now(UTC),
    )


async def test_r09_stock_shortage_holds_the_order(rules: RulesHarness) -> None:
    order = rules.order()
    await rules.deliver(OrderPlaced(order=order))
    lines = (ShortLine(sku="KT-1001", requested=1, available=0),)
    await rules.deliver(StockShortage(order_id=order.order_id, lines=lines))
    (anomaly,) = await rules.anomalies(order.order_id)
    assert (anomaly["rule_id"], anomaly["evidence"]) == ("R09", {"short_skus": ["KT-1001"]})
    assert await rules.outbox_types(order.order_id) == ["order.validated", "anomaly.raised", "order.held"]

    await rules.deliver(StockShortage(order_id=order.order_id, lines=lines))  # still open: not raised twice
    assert len(await rules.anomalies(order.order_id)) == 1

    released = await rules.act("release", anomaly["anomaly_id"], note="已补货")
    assert released.json()["order_validated"] is True  # held after validation: cleared again on release
    assert (await rules.outbox_types(order.order_id)).count("order.validated") == 2


async def test_r15_address_change_after_the_waybill_is_intercepted(rules: RulesHarness) -> None:
    before, after = rules.order(), rules.order()
    for order in (before, after):
        await rules.deliver(OrderPlaced(order=order))
    await rules.deliver(moved(before))  # no waybill yet: a plain edit
    assert await rules.anomalies(before.order_id) == []

    await rules.deliver(waybill(after))
    await rules.deliver(moved(after))
    (anomaly,) = await rules.anomalies(after.order_id)
    assert (anomaly["rule_id"], anomaly["level"]) == ("R15", 3)
    assert ("wecom", "warehouse_lead") in [(a["kind"], a["target"]) for a in anomaly["actions"]]
    events = await rules.events(after.order_id, "order.held")
    assert [e.type for e in events] == ["order.validated", "anomaly.raised", "order.held"]


@pytest.mark.parametrize(
    ("channel", "error", "raised"), [("sms", "invalid_phone", True), ("sms", "rate_limited", False)]
)
async def test_r03_undeliverable_sms_to_an_invalid_number(
    rules: RulesHarness, channel: str, error: str, raised: bool
) -> None:
    order = rules.order()
    await rules.deliver(OrderPlaced(order=order))
    failure = NotificationFailed(
        message_id=f"m-{order.order_id}",
        order_id=order.order_id,
        channel=channel,
        template="order_shipped",
        recipient_masked="139****0000",
        provider="local",
        error_code=error,
        permanent=True,
    )
    await rules.deliver(failure)
    assert [a["rule_id"] for a in await rules.anomalies(order.order_id)] == (["R03"] if raised else [])


async def test_r03_invalid_number_and_r01_village_with_10_digits_at_placement(rules: RulesHarness) -> None:
    invalid = rules.order(phone="12012345678")  # 11 digits, but no mobile range
    await rules.deliver(OrderPlaced(order=invalid))
    assert [a["rule_id"] for a in await rules.anomalies(invalid.order_id)] == ["R03"]

    village = rules.order(street="红星村", detail="三组12号", phone="1381234567")  # 10 digits
    await rules.deliver(OrderPlaced(order=village))
    found = await rules.anomalies(village.order_id)
    assert [(a["rule_id"], a["level"]) for a in found] == [("R01", 3), ("R03", 2)]
    assert found[0]["evidence"]["receiver_phone"] == "138****4567"


async def test_a_changed_receiver_is_checked_again(rules: RulesHarness) -> None:
    vague, blacklisted = rules.order(), rules.order()
    for order in (vague, blacklisted):
        await rules.deliver(OrderPlaced(order=order))
    to_nowhere = moved(vague)
    to_nowhere = to_nowhere.model_copy(update={"receiver": to_nowhere.receiver.model_copy(update={"district": "某区"})})
    await rules.deliver(to_nowhere)
    assert [a["rule_id"] for a in await rules.anomalies(vague.order_id)] == ["R02"]

    change = moved(blacklisted)
    address = change.receiver.full_address
    added = await rules.client.post(
        "/v1/blacklist", json={"kind": "address", "value": address}, headers={"Authorization": "Bearer local-cs"}
    )
    assert added.status_code == 201
    try:
        await rules.deliver(change)
        (anomaly,) = await rules.anomalies(blacklisted.order_id)
        assert (anomaly["rule_id"], anomaly["evidence"]["address_blacklisted"]) == ("R13", True)
    finally:
        await rules.client.post(
            "/v1/blacklist/remove",
            json={"kind": "address", "value": address},
            headers={"Authorization": "Bearer local-cs"},
        )


async def test_a_changed_remark_is_checked_again(rules: RulesHarness) -> None:
    order = rules.order()
    await rules.deliver(OrderPlaced(order=order))
    await rules.deliver(
        OrderRemarksChanged(order_id=order.order_id, buyer_remark="请改地址到上海市浦东新区", seller_memo="")
    )
    (anomaly,) = await rules.anomalies(order.order_id)
    assert (anomaly["rule_id"], anomaly["level"]) == ("R12-ADDR", 2)
    assert (await rules.outbox_types(order.order_id))[-2:] == ["anomaly.raised", "order.held"]
