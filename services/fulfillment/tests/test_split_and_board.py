"""A mixed order (R14) becomes two parcels; the board lists open parcels most urgent first, in
their zones, with bins, remarks and the rules' remark flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fulfillment_harness import FulfillmentEnv
from orderhub_contracts.events import AnomalyRaised, OrderHeld
from orderhub_contracts.timezone import SHANGHAI

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _on_board(board: dict[str, Any], zone: str, order_ids: list[str]) -> list[dict[str, Any]]:
    return [item for item in board[zone] if item["order_id"] in order_ids]


async def test_a_mixed_order_is_split_into_two_parcels(fulfillment: FulfillmentEnv) -> None:
    kettle, fryer = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_product(kettle, bin_location="A-03-12")
    await fulfillment.put_product(fryer, bin_location="P-01-01", presale_ship_date="2026-12-20")
    await fulfillment.put_stock(kettle, 5)
    await fulfillment.put_stock(fryer, 5)  # the presale quota
    paid = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    order = fulfillment.order({kettle: 1, fryer: 2}, paid_at=paid)
    await fulfillment.validate(order)

    in_stock, presale = await fulfillment.outbounds(order.order_id, 2)
    assert (in_stock["zone"], [i["sku"] for i in in_stock["items"]]) == ("in_stock", [kettle])
    assert (presale["zone"], [i["sku"] for i in presale["items"]]) == ("presale", [fryer])
    assert datetime.fromisoformat(in_stock["ship_deadline"]) == datetime(2026, 12, 3, 23, 30, tzinfo=SHANGHAI)
    assert datetime.fromisoformat(presale["ship_deadline"]) == datetime(2026, 12, 21, 0, 0, tzinfo=SHANGHAI)
    assert in_stock["waybill_no"] != presale["waybill_no"]
    assert in_stock["outbound_id"] != presale["outbound_id"]
    created = await fulfillment.events(order.order_id, "shipment.created", count=2)
    assert sorted(e.data["waybill_no"] for e in created) == sorted([in_stock["waybill_no"], presale["waybill_no"]])
    # The in-stock parcel's shipment.created comes last: one-deadline-per-order readers keep it.
    assert created[-1].data["waybill_no"] == in_stock["waybill_no"]
    assert ((await fulfillment.stock(kettle))["reserved"], (await fulfillment.stock(fryer))["reserved"]) == (1, 2)


async def test_the_board_is_most_urgent_first_with_everything_the_paper_needs(fulfillment: FulfillmentEnv) -> None:
    sku, presale_sku, unknown = fulfillment.sku(), fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_product(sku, bin_location="C-07-03", title="电饭煲 4L")
    await fulfillment.put_product(presale_sku, bin_location="P-02-05", presale_ship_date="2099-01-01")
    for s in (sku, presale_sku, unknown):
        await fulfillment.put_stock(s, 50)
    now = datetime.now(UTC)
    relaxed = fulfillment.order({sku: 1}, paid_at=now)  # 24 h left
    overdue = fulfillment.order({sku: 1, unknown: 1}, paid_at=now - timedelta(hours=30))
    urgent = fulfillment.order(
        {sku: 2}, paid_at=now - timedelta(hours=21), seller_memo="周六送达", gift_note="生日快乐！"
    )
    presale = fulfillment.order({presale_sku: 1}, paid_at=now)
    flag = AnomalyRaised(
        anomaly_id=f"a-{urgent.order_id}",
        order_id=urgent.order_id,
        rule_id="R12",
        rule_name="备注需关注",
        level=1,
        holds=False,
        evidence={"buyer_remark": urgent.buyer_remark},
    )
    # The flag arrives before the clearance: it waits for the outbound order.
    await fulfillment.handled(await fulfillment.publish(flag))
    for order in (relaxed, overdue, urgent, presale):
        await fulfillment.validate(order)
    for order in (relaxed, overdue, urgent, presale):
        await fulfillment.outbounds(order.order_id)

    board = await fulfillment.board()
    ids = [relaxed.order_id, overdue.order_id, urgent.order_id, presale.order_id]
    listed = _on_board(board, "in_stock", ids)
    assert [i["order_id"] for i in listed] == [overdue.order_id, urgent.order_id, relaxed.order_id]
    assert [(i["overdue"], i["urgent"]) for i in listed] == [(True, False), (False, True), (False, False)]
    assert listed[0]["minutes_left"] < 0 and listed[0]["time_left_text"].startswith("已超时")
    assert listed[1]["time_left_text"].startswith("剩余2小时") or listed[1]["time_left_text"].startswith("剩余3小时")
    deadlines = [i["ship_deadline"] for i in board["in_stock"]]
    assert deadlines == sorted(deadlines), "the whole zone is most urgent first"
    assert board["overdue"] >= 1 and board["urgent"] >= 1

    urgent_item = listed[1]
    assert urgent_item["items"] == [
        {"sku": sku, "title": f"商品 {sku}", "quantity": 2, "bin_location": "C-07-03", "catalogued": True}
    ]
    assert (urgent_item["buyer_remark"], urgent_item["seller_memo"], urgent_item["gift_note"]) == (
        "请开发票",
        "周六送达",
        "生日快乐！",
    )
    assert urgent_item["remark_flags"] == ["R12 备注需关注"]
    assert urgent_item["receiver_phone"] == "138****5678"
    assert urgent_item["waybill_no"].startswith("LC") and urgent_item["channel"] == "miniprogram"
    assert urgent_item["channel_order_no"] == urgent.channel_order_no
    assert {i["sku"]: (i["bin_location"], i["catalogued"]) for i in listed[0]["items"]} == {
        sku: ("C-07-03", True),
        unknown: ("", False),  # not in the catalogue: still allocated, in stock, shown as such
    }

    [presale_item] = _on_board(board, "presale", ids)
    assert (presale_item["order_id"], presale_item["zone"]) == (presale.order_id, "presale")
    assert presale_item["items"][0]["bin_location"] == "P-02-05"
    only_presale = await fulfillment.board(zone="presale")
    assert only_presale["in_stock"] == [] and presale.order_id in [i["order_id"] for i in only_presale["presale"]]


async def test_a_flag_raised_after_allocation_reaches_the_parcel(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 5)
    order = fulfillment.order({sku: 1})
    await fulfillment.validate(order)
    await fulfillment.outbounds(order.order_id)
    flag = AnomalyRaised(
        anomaly_id=f"a-{order.order_id}",
        order_id=order.order_id,
        rule_id="R12",
        rule_name="备注需关注",
        level=1,
        holds=False,
        evidence={},
    )
    other = flag.model_copy(update={"anomaly_id": f"b-{order.order_id}", "rule_id": "R11", "rule_name": "大额订单"})
    await fulfillment.handled(await fulfillment.publish(flag), await fulfillment.publish(other))
    [outbound] = await fulfillment.outbounds(order.order_id)
    assert outbound["remark_flags"] == ["R12 备注需关注"]  # R11 is not a remark flag


async def test_the_board_needs_the_warehouse(fulfillment: FulfillmentEnv) -> None:
    response = await fulfillment.client.get("/v1/board", headers={"Authorization": "Bearer local-cs"})
    assert response.status_code == 403


async def test_a_mixed_order_ships_its_in_stock_part_while_the_presale_part_waits_for_stock(
    fulfillment: FulfillmentEnv,
) -> None:
    kettle, fryer = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_product(fryer, presale_ship_date="2026-12-20")  # no presale quota recorded
    await fulfillment.put_stock(kettle, 5)
    order = fulfillment.order({kettle: 1, fryer: 2}, paid_at=datetime(2026, 12, 2, 15, 30, tzinfo=UTC))
    await fulfillment.handled(await fulfillment.validate(order))

    [in_stock] = await fulfillment.outbounds(order.order_id)
    assert (in_stock["zone"], [i["sku"] for i in in_stock["items"]]) == ("in_stock", [kettle])
    state = await fulfillment.fulfillment_of(order.order_id)
    assert len(state["items"]) == 1 and state["awaiting_stock"], "the presale part waits in the queue"
    assert ((await fulfillment.stock(kettle))["reserved"], (await fulfillment.stock(fryer))["reserved"]) == (1, 0)
    assert await fulfillment.outbox_count(order.order_id, "stock.shortage") == 0, "no R09 hold for the in-stock part"

    # The in-stock parcel leaves; the order is not shipped while its presale part is to come.
    scanned = await fulfillment.scan_ship(in_stock["waybill_no"])
    assert scanned.status_code == 200 and scanned.json()["order_shipped"] is False
    assert await fulfillment.outbox_count(order.order_id, "order.shipped") == 0

    # The quota arrives: the presale parcel is reserved and gets its own outbound and waybill.
    assert (await fulfillment.put_stock(fryer, 5)).status_code == 200
    _, presale = await fulfillment.outbounds(order.order_id, 2)
    assert (presale["zone"], [i["sku"] for i in presale["items"]]) == ("presale", [fryer])
    assert [i["quantity"] for i in presale["items"]] == [2]
    assert datetime.fromisoformat(presale["ship_deadline"]) == datetime(2026, 12, 21, 0, 0, tzinfo=SHANGHAI)
    assert presale["waybill_no"] != in_stock["waybill_no"]
    assert not (await fulfillment.fulfillment_of(order.order_id))["awaiting_stock"]
    assert (await fulfillment.stock(fryer))["reserved"] == 2
    assert len(await fulfillment.events(order.order_id, "shipment.created", count=2)) == 2

    scanned = await fulfillment.scan_ship(presale["waybill_no"])
    assert scanned.status_code == 200 and scanned.json()["order_shipped"] is True


async def test_a_mixed_order_short_of_its_in_stock_part_waits_whole(fulfillment: FulfillmentEnv) -> None:
    kettle, fryer = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_product(fryer, presale_ship_date="2099-01-01")
    await fulfillment.put_stock(fryer, 5)
    order = fulfillment.order({kettle: 1, fryer: 1})
    await fulfillment.handled(await fulfillment.validate(order))

    state = await fulfillment.fulfillment_of(order.order_id)
    assert state["items"] == [] and state["awaiting_stock"], "the presale part never goes ahead of the in-stock one"
    assert (await fulfillment.stock(fryer))["reserved"] == 0
    assert await fulfillment.outbox_count(order.order_id, "stock.shortage") == 1

    assert (await fulfillment.put_stock(kettle, 1)).status_code == 200
    in_stock, presale = await fulfillment.outbounds(order.order_id, 2)
    assert (in_stock["zone"], presale["zone"]) == ("in_stock", "presale")
    assert ((await fulfillment.stock(kettle))["reserved"], (await fulfillment.stock(fryer))["reserved"]) == (1, 1)


async def test_a_waiting_presale_part_waits_out_a_hold_and_goes_with_the_release(fulfillment: FulfillmentEnv) -> None:
    kettle, fryer = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_product(fryer, presale_ship_date="2099-01-01")
    await fulfillment.put_stock(kettle, 5)
    order = fulfillment.order({kettle: 1, fryer: 1})
    await fulfillment.handled(await fulfillment.validate(order))
    [in_stock] = await fulfillment.outbounds(order.order_id)

    held = OrderHeld(order_id=order.order_id, rule_ids=("R11",), reasons=("大额订单",))
    await fulfillment.handled(await fulfillment.publish(held))
    assert (await fulfillment.put_stock(fryer, 5)).json()["allocated_orders"] == [], "held: the quota waits"
    state = await fulfillment.fulfillment_of(order.order_id)
    assert [i["status"] for i in state["items"]] == ["intercepted"] and state["awaiting_stock"]

    await fulfillment.handled(await fulfillment.validate(order))  # released
    again, presale = await fulfillment.outbounds(order.order_id, 2)
    assert (again["outbound_id"], again["status"]) == (in_stock["outbound_id"], "created")
    assert (presale["zone"], presale["status"]) == ("presale", "created")
    assert not (await fulfillment.fulfillment_of(order.order_id))["awaiting_stock"]
    assert (await fulfillment.stock(fryer))["reserved"] == 1
