"""Mini-program refunds through WeChat Pay v3 (the simulator over real HTTP): signed calls, the
same out_refund_no answered with the same refund after a crash, and the result notification
verified and decrypted before it settles anything."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aftersales.refunds import service
from aftersales.refunds.model import Refund, RefundRequest
from aftersales.refunds.runner import run_refund
from aftersales.refunds.wechatpay import WeChatPayRefunds
from aftersales.settings import AftersalesSettings
from aftersales.tickets import service as tickets
from aftersales.tickets.model import ApproveReturn
from aftersales_harness import AftersalesEnv, running_aftersales
from orderhub_devstack.stack import StackInfo
from orderhub_runtime.db import Tx
from orderhub_simulators.channels.miniprogram import wechatpay as sim_keys
from orderhub_simulators.channels.miniprogram.app import create_app as create_sim
from orderhub_simulators.channels.miniprogram.refundapi import refund_notification
from orderhub_simulators.channels.miniprogram.state import WeixinState
from orderhub_simulators.testing import serve

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def wechat(orderhub_stack: StackInfo) -> AsyncIterator[tuple[AftersalesEnv, WeixinState]]:
    state = WeixinState()
    async with serve(create_sim(state)) as port:
        base = f"http://127.0.0.1:{port}"
        provider = WeChatPayRefunds(AftersalesSettings(wechatpay_base_url=base, wechatpay_notify_url="").wechatpay)
        # a slow loop: the test drives the refunds itself
        async with running_aftersales(orderhub_stack, provider, refund_interval_s=3600.0) as env:
            yield env, state
        await provider.aclose()


async def _paid_refund_only(env: AftersalesEnv, state: WeixinState) -> tuple[str, str]:
    sku = env.sku()
    order = await env.place({sku: (2, 4_950)}, discount_fen=900)
    state.payment_push(out_trade_no=order.channel_order_no, total_fen=9_000)  # paid on WeChat Pay
    ticket_id = await env.filed(order.order_id, {sku: 1}, kind="refund_only")
    return ticket_id, order.channel_order_no


async def test_refund_call_signed_and_idempotent_across_a_crash(wechat: tuple[AftersalesEnv, WeixinState]) -> None:
    env, state = wechat
    ticket_id, trade_no = await _paid_refund_only(env, state)

    async def approve_and_book(tx: Tx) -> tuple[Refund, RefundRequest]:
        await tickets.approve(tx, ApproveReturn(ticket_id, actor="测试客服"))
        return await service.book_refund(tx, ticket_id)

    _, request = await env.db.run_in_transaction(approve_and_book)
    first = await env.refunds.refund(request)  # ... and the process dies before settling
    assert first.succeeded
    await run_refund(env.db, env.refunds, ticket_id)  # after the restart: the same refund number
    await env.until_status(ticket_id, "closed")
    refunds = [r for r in state.refunds.values() if r["out_trade_no"] == trade_no]
    assert (
        len(refunds) == 1
        and refunds[0]["amount"]["refund"] == 4_500
        and refunds[0]["refund_id"] == first.provider_refund_id
    )
    ledger = (await env.ticket(ticket_id))["refund"]
    assert ledger["provider_refund_id"] == first.provider_refund_id and ledger["method"] == "wechatpay"


async def test_the_result_notification_is_verified_before_it_settles(wechat: tuple[AftersalesEnv, WeixinState]) -> None:
    env, state = wechat
    ticket_id, _ = await _paid_refund_only(env, state)

    async def approve_and_book(tx: Tx) -> tuple[Refund, RefundRequest]:
        await tickets.approve(tx, ApproveReturn(ticket_id, actor="测试客服"))
        return await service.book_refund(tx, ticket_id)

    refund, request = await env.db.run_in_transaction(approve_and_book)
    await env.refunds.refund(request)
    body, headers = refund_notification(state, state.refunds[refund.refund_no])
    forged = body.replace(b"REFUND.SUCCESS", b"REFUND.SUCCESS ")
    refused = await env.client.post("/webhooks/wechatpay/refund", content=forged, headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "FAIL"
    wrong_key = sim_keys.signed_headers(sim_keys.private_key(), body) | {"wechatpay-timestamp": "1"}
    assert (await env.client.post("/webhooks/wechatpay/refund", content=body, headers=wrong_key)).status_code == 401
    assert await env.status(ticket_id) == "approved"
    for _ in range(2):  # WeChat Pay notifies again until answered: still one settlement
        ok = await env.client.post("/webhooks/wechatpay/refund", content=body, headers=headers)
        assert ok.status_code == 204
    assert await env.status(ticket_id) == "closed"
    order_id = (await env.ticket(ticket_id))["order_id"]
    assert (await env.ticket_events(ticket_id, order_id)).count("return.refunded") == 1
