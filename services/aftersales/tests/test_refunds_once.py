"""The money goes back once: concurrent approvals and refund requests, a crash between the
provider's call and the commit, and repeated refunds of one order all give exactly one refund
per ticket, never more in total than was paid."""

from __future__ import annotations

import asyncio

import pytest
from aftersales.order_refs.repository import get_order_ref
from aftersales.refunds import service
from aftersales.refunds.model import Refund, RefundRequest
from aftersales.refunds.runner import run_refund
from aftersales.tickets import service as tickets
from aftersales.tickets.model import ApproveReturn
from aftersales_harness import ALICE, CS, AftersalesEnv
from orderhub_runtime.db import Tx

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_two_concurrent_approvals_give_one_refund(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (2, 30_000)}, discount_fen=3_000)
    ticket_id = await aftersales.filed(order.order_id, {sku: 1}, kind="refund_only")
    approvals = await asyncio.gather(aftersales.approve(ticket_id), aftersales.approve(ticket_id))
    assert sorted(r.status_code for r in approvals) == [200, 409]
    refunds = await asyncio.gather(
        *(aftersales.client.post(f"/v1/returns/{ticket_id}/refund", headers=CS) for _ in range(4))
    )
    assert {r.status_code for r in refunds} == {200}
    assert {r.json()["refund_no"] for r in refunds} == {f"RF{ticket_id}"}
    await aftersales.until_status(ticket_id, "closed")
    assert aftersales.counting.refunded_fen(order.channel_order_no) == 28_500  # (60000 - 3000) / 2
    ledger = (await aftersales.client.get("/v1/refunds", params={"order": order.order_id}, headers=CS)).json()
    assert [(r["ticket_id"], r["amount_fen"], r["status"]) for r in ledger] == [(ticket_id, 28_500, "succeeded")]
    assert (await aftersales.ticket_events(ticket_id, order.order_id)).count("return.refunded") == 1
    mine = await aftersales.client.get(f"/v1/miniprogram/returns/{ticket_id}", headers=ALICE)
    assert mine.json()["refund_fen"] == 28_500


async def test_a_crash_between_the_refund_call_and_the_commit_resends_the_same_refund(
    aftersales: AftersalesEnv,
) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (1, 19_900)})
    ticket_id = await aftersales.filed(order.order_id, {sku: 1}, kind="refund_only")

    # Approved and booked (one transaction, so the background loop cannot get there first), sent to
    # the provider, then the process dies before the settling commit.
    async def approve_and_book(tx: Tx) -> tuple[Refund, RefundRequest]:
        await tickets.approve(tx, ApproveReturn(ticket_id, actor="测试客服"))
        return await service.book_refund(tx, ticket_id)

    refund, request = await aftersales.db.run_in_transaction(approve_and_book)
    answer = await aftersales.counting.refund(request)
    assert answer.succeeded and refund.status == "pending"
    # After the restart (the background loop, or a retry), the same refund number goes out again.
    await run_refund(aftersales.db, aftersales.refunds, ticket_id)
    await run_refund(aftersales.db, aftersales.refunds, ticket_id)
    await aftersales.until_status(ticket_id, "closed")
    sent = [r for r in aftersales.counting.calls if r.out_trade_no == order.channel_order_no]
    assert {r.refund_no for r in sent} == {f"RF{ticket_id}"}
    assert aftersales.counting.refunded_fen(order.channel_order_no) == 19_900
    async with aftersales.engine.connect() as conn:
        ref = await get_order_ref(conn, order.order_id)
        ledger = await service.ledger(conn, order.order_id)
    assert ref is not None and ref.refunded_fen == 19_900
    assert [(r.amount_fen, r.status) for r in ledger] == [(19_900, "succeeded")]


async def test_tickets_of_one_order_never_refund_more_than_was_paid(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (3, 3_333)}, discount_fen=1)
    filed = [await aftersales.filed(order.order_id, {sku: 1}, kind="refund_only") for _ in range(3)]
    assert (await aftersales.file(order.order_id, {sku: 1}, kind="refund_only")).status_code == 422
    await asyncio.gather(*(aftersales.approve(t) for t in filed))
    await asyncio.gather(*(run_refund(aftersales.db, aftersales.refunds, t) for t in filed))
    for ticket_id in filed:
        await aftersales.until_status(ticket_id, "closed")
    async with aftersales.engine.connect() as conn:
        ref = await get_order_ref(conn, order.order_id)
        ledger = await service.ledger(conn, order.order_id)
    assert ref is not None and ref.refunded_fen == ref.paid_fen == 9_998
    assert sum(r.amount_fen for r in ledger) == 9_998 and len(ledger) == 3
    assert aftersales.counting.refunded_fen(order.channel_order_no) == 9_998
