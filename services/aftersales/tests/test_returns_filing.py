"""Filing a return from the mini-program: one's own orders only, never more than was bought, and
the ticket's way through review (every transition an event, every refused one refused)."""

from __future__ import annotations

import pytest
from aftersales_harness import ALICE, BOB, CS, WAREHOUSE, AftersalesEnv
from orderhub_contracts.events import OrderCancelled
from orderhub_contracts.order import Channel

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_customer_files_for_their_own_order_and_sees_it(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (2, 19_900)})
    response = await aftersales.file(order.order_id, {sku: 1})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "requested" and body["status_name"] == "待审核" and body["type_name"] == "退货退款"
    mine = await aftersales.client.get("/v1/miniprogram/returns", headers=ALICE)
    assert body["ticket_id"] in [t["ticket_id"] for t in mine.json()]
    events = await aftersales.events(order.order_id)
    assert [t for t, _ in events] == ["return.requested", "aftersales.case_opened"]


async def test_another_customers_order_or_ticket_is_not_found(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (1, 5_000)})
    assert (await aftersales.file(order.order_id, {sku: 1}, who=BOB)).status_code == 404
    ticket_id = await aftersales.filed(order.order_id, {sku: 1})
    assert (await aftersales.client.get(f"/v1/miniprogram/returns/{ticket_id}", headers=BOB)).status_code == 404
    assert (await aftersales.client.post(f"/v1/miniprogram/returns/{ticket_id}/cancel", headers=BOB)).status_code == 404
    bobs = await aftersales.client.get("/v1/miniprogram/returns", headers=BOB)
    assert ticket_id not in [t["ticket_id"] for t in bobs.json()]
    platform = await aftersales.place({sku: (1, 5_000)}, buyer_id="", channel=Channel.TAOBAO)
    assert (await aftersales.file(platform.order_id, {sku: 1})).status_code == 404
    no_token = await aftersales.client.get("/v1/miniprogram/returns")
    assert no_token.status_code == 401
    staff_token = await aftersales.client.get("/v1/miniprogram/returns", headers=CS)
    assert staff_token.status_code == 401


async def test_never_more_than_bought_minus_already_returned(aftersales: AftersalesEnv) -> None:
    a, b = aftersales.sku(), aftersales.sku()
    order = await aftersales.place({a: (2, 10_000), b: (1, 3_000)})
    too_many = await aftersales.file(order.order_id, {a: 3})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["details"] == [{"sku": a, "asked": 3, "left": 2}]
    not_bought = await aftersales.file(order.order_id, {"OTHER-SKU": 1})
    assert not_bought.status_code == 422
    await aftersales.filed(order.order_id, {a: 1})
    assert (await aftersales.file(order.order_id, {a: 2})).status_code == 422  # one is being returned
    cancelled = await aftersales.filed(order.order_id, {a: 1})
    assert (await aftersales.file(order.order_id, {a: 1})).status_code == 422
    cancel = await aftersales.client.post(f"/v1/miniprogram/returns/{cancelled}/cancel", headers=ALICE)
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert (await aftersales.file(order.order_id, {a: 1, b: 1})).status_code == 201  # cancelled frees it


async def test_refund_only_before_shipping_cancels_the_order_instead(aftersales: AftersalesEnv) -> None:
    a, b = aftersales.sku(), aftersales.sku()
    order = await aftersales.place({a: (2, 8_800), b: (1, 1_200)}, shipped=False, discount_fen=800)
    assert (await aftersales.file(order.order_id, {a: 1})).status_code == 409  # a return needs a parcel
    filed = await aftersales.file(order.order_id, {a: 1}, kind="refund_only")
    assert filed.status_code == 201, filed.text
    ticket_id = filed.json()["ticket_id"]
    assert sorted((line["sku"], line["quantity"]) for line in filed.json()["lines"]) == sorted([(a, 2), (b, 1)])
    events = await aftersales.ticket_events(ticket_id, order.order_id)
    assert events == ["return.requested", "return.order_cancel_requested"]
    waiting = await aftersales.approve(ticket_id)  # not before the order is cancelled
    assert waiting.status_code == 409
    await aftersales.publish(OrderCancelled(order_id=order.order_id, reason="售后：未发货仅退款"))
    await aftersales.until_status(ticket_id, "closed")
    assert (await aftersales.ticket(ticket_id))["refund"]["amount_fen"] == 2 * 8_800 + 1_200 - 800


async def test_reject_shows_the_reason_and_closes(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (1, 8_800)})
    ticket_id = await aftersales.filed(order.order_id, {sku: 1})
    reject = await aftersales.client.post(
        f"/v1/returns/{ticket_id}/reject", json={"reason": "已超过七天无理由退货期限"}, headers=CS
    )
    assert reject.status_code == 200 and reject.json()["status"] == "closed"
    mine = await aftersales.client.get(f"/v1/miniprogram/returns/{ticket_id}", headers=ALICE)
    assert mine.json()["reject_reason"] == "已超过七天无理由退货期限"
    assert await aftersales.ticket_events(ticket_id, order.order_id) == [
        "return.requested",
        "return.rejected",
        "return.closed",
    ]
    assert [t for t, _ in await aftersales.events(order.order_id)][-1] == "aftersales.settled"
    # every refused transition of a closed ticket
    assert (await aftersales.approve(ticket_id)).status_code == 409
    again = await aftersales.client.post(f"/v1/returns/{ticket_id}/reject", json={"reason": "x"}, headers=CS)
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    assert (await aftersales.receipt(ticket_id, [(sku, 1, "good")])).status_code == 409
    cancel = await aftersales.client.post(f"/v1/miniprogram/returns/{ticket_id}/cancel", headers=ALICE)
    assert cancel.status_code == 409


async def test_refused_transitions_along_the_way(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (1, 8_800)})
    ticket_id = await aftersales.filed(order.order_id, {sku: 1})
    assert (await aftersales.receipt(ticket_id, [(sku, 1, "good")])).status_code == 409  # not approved yet
    complete = await aftersales.client.post(f"/v1/returns/{ticket_id}/receipt/complete", json={}, headers=WAREHOUSE)
    assert complete.status_code == 409
    assert (await aftersales.client.post(f"/v1/returns/{ticket_id}/refund", headers=CS)).status_code == 409
    await aftersales.with_waybill(ticket_id)
    assert (await aftersales.approve(ticket_id)).status_code == 409
    warehouse_approves = await aftersales.client.post(f"/v1/returns/{ticket_id}/approve", json={}, headers=WAREHOUSE)
    assert warehouse_approves.status_code == 403
    assert (await aftersales.receipt(ticket_id, [(sku, 1, "good")])).status_code == 200
    cancel = await aftersales.client.post(f"/v1/miniprogram/returns/{ticket_id}/cancel", headers=ALICE)
    assert cancel.status_code == 409  # the parcel is received: too late to withdraw
