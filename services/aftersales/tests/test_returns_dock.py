"""The receiving dock: the PDA scan shows the original order; a receipt that matches goes on to the
refund; one short, one with a wrong SKU, one damaged are discrepancies that cannot be completed
without a photo (and a photo must be a JPEG or PNG by its bytes)."""

from __future__ import annotations

import hashlib

import pytest
from aftersales_harness import ALICE, CS, JPEG, PNG, WAREHOUSE, AftersalesEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_scan_shows_the_order_and_a_matching_receipt_is_refunded(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (2, 12_900)})
    ticket_id = await aftersales.filed(order.order_id, {sku: 2})
    waybill = await aftersales.with_waybill(ticket_id)
    mine = await aftersales.client.get(f"/v1/miniprogram/returns/{ticket_id}", headers=ALICE)
    assert mine.json()["return_waybill_no"] == waybill and mine.json()["status_name"] == "待寄回"

    assert (await aftersales.client.get(f"/v1/returns/scan/{waybill}", headers=CS)).status_code == 403
    scan = await aftersales.client.get(f"/v1/returns/scan/{waybill}", headers=WAREHOUSE)
    assert scan.status_code == 200
    view = scan.json()
    assert view["ticket"]["ticket_id"] == ticket_id and view["ticket"]["reason"] == "不想要了"
    assert view["ticket"]["lines"] == [{"sku": sku, "quantity": 2}]
    assert view["order"]["order_id"] == order.order_id and view["order"]["receiver_phone"] == "138****5678"
    assert (await aftersales.client.get("/v1/returns/scan/RWNOSUCH", headers=WAREHOUSE)).status_code == 404

    receipt = await aftersales.receipt(ticket_id, [(sku, 2, "good")])
    assert receipt.status_code == 200 and receipt.json()["status"] == "received"
    await aftersales.until_status(ticket_id, "closed")
    mine = await aftersales.client.get(f"/v1/miniprogram/returns/{ticket_id}", headers=ALICE)
    assert mine.json()["refund_fen"] == 25_800
    assert await aftersales.ticket_events(ticket_id, order.order_id) == [
        "return.requested",
        "return.approved",
        "return.waybill_issued",
        "return.received",
        "return.refunded",
        "return.closed",
    ]


@pytest.mark.parametrize(
    ("arrived", "problem"),
    [
        ([("A", 1, "good")], "A 少 1 件"),
        ([("A", 2, "good"), ("WRONG", 1, "good")], "WRONG 不在退货申请中（1 件）"),
        ([("A", 1, "good"), ("A", 1, "damaged")], "A 破损 1 件"),
        ([("A", 3, "good")], "A 多 1 件"),
    ],
    ids=["short", "wrong-sku", "damaged", "more"],
)
async def test_a_mismatch_is_a_discrepancy_that_needs_a_photo(
    aftersales: AftersalesEnv, arrived: list[tuple[str, int, str]], problem: str
) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (3, 10_000)})
    ticket_id = await aftersales.filed(order.order_id, {sku: 2})
    await aftersales.with_waybill(ticket_id)
    lines = [(sku if s == "A" else f"{s}-{sku}", q, c) for s, q, c in arrived]
    receipt = await aftersales.receipt(ticket_id, lines)
    assert receipt.status_code == 200 and receipt.json()["status"] == "discrepancy"
    assert problem.replace("A", sku).replace("WRONG", f"WRONG-{sku}") in receipt.json()["problems"]
    events = await aftersales.events(order.order_id)
    alert = [data for t, data in events if t == "return.discrepancy"]
    assert alert and alert[0]["problems"] == receipt.json()["problems"]

    complete = f"/v1/returns/{ticket_id}/receipt/complete"
    refused = await aftersales.client.post(complete, json={}, headers=WAREHOUSE)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "photo_required"
    not_image = await aftersales.client.post(
        f"/v1/returns/{ticket_id}/photos", content=b"%PDF-1.4 fake", headers=WAREHOUSE
    )
    assert not_image.status_code == 415
    named_like_jpeg = await aftersales.client.post(
        f"/v1/returns/{ticket_id}/photos",
        content=b"GIF89a" + b"\x00" * 10,
        headers=WAREHOUSE | {"Content-Type": "image/jpeg"},
    )
    assert named_like_jpeg.status_code == 415
    too_big = await aftersales.client.post(
        f"/v1/returns/{ticket_id}/photos", content=JPEG + b"\x00" * 70_000, headers=WAREHOUSE
    )
    assert too_big.status_code == 413
    assert await aftersales.status(ticket_id) == "discrepancy"
    photo = await aftersales.client.post(f"/v1/returns/{ticket_id}/photos", content=PNG, headers=WAREHOUSE)
    assert photo.status_code == 201
    assert photo.json()["sha256"] == hashlib.sha256(PNG).hexdigest() and photo.json()["content_type"] == "image/png"
    stored = await aftersales.client.get(f"/v1/returns/{ticket_id}/photos/{photo.json()['photo_id']}", headers=CS)
    assert stored.content == PNG
    customer = await aftersales.client.get(f"/v1/returns/{ticket_id}/photos/{photo.json()['photo_id']}", headers=ALICE)
    assert customer.status_code == 401

    done = await aftersales.client.post(complete, json={"note": "按实收退款"}, headers=WAREHOUSE)
    assert done.status_code == 200 and done.json()["status"] == "received"
    await aftersales.until_status(ticket_id, "closed")
    refunded = sum(q for s, q, _ in lines if s == sku)
    assert (await aftersales.ticket(ticket_id))["refund"]["amount_fen"] == min(refunded, 2) * 10_000


async def test_an_exchange_is_exchanged_once_received_and_never_refunded(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (1, 9_900)})
    ticket_id = await aftersales.filed(order.order_id, {sku: 1}, kind="exchange")
    await aftersales.with_waybill(ticket_id)
    receipt = await aftersales.receipt(ticket_id, [(sku, 1, "good")])
    assert receipt.status_code == 200 and receipt.json()["status"] == "closed"
    assert await aftersales.ticket_events(ticket_id, order.order_id) == [
        "return.requested",
        "return.approved",
        "return.waybill_issued",
        "return.received",
        "return.exchanged",
        "return.closed",
    ]
    assert (await aftersales.ticket(ticket_id))["refund"] is None
    assert (await aftersales.client.post(f"/v1/returns/{ticket_id}/refund", headers=CS)).status_code == 409


async def test_the_customer_withdraws_before_the_parcel_arrives(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (1, 9_900)})
    ticket_id = await aftersales.filed(order.order_id, {sku: 1})
    waybill = await aftersales.with_waybill(ticket_id)
    cancel = await aftersales.client.post(f"/v1/miniprogram/returns/{ticket_id}/cancel", headers=ALICE)
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert (await aftersales.receipt(ticket_id, [(sku, 1, "good")])).status_code == 409  # the dock is refused
    scan = await aftersales.client.get(f"/v1/returns/scan/{waybill}", headers=WAREHOUSE)
    assert scan.json()["ticket"]["status_name"] == "已撤销"
    assert [t for t, _ in await aftersales.events(order.order_id)][-2:] == [
        "aftersales.case_closed",
        "aftersales.settled",
    ]
