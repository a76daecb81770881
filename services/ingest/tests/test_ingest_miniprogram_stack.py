"""The mini-program on the real stack: a customer logs in through WeChat code2session, places an
unpaid order through OrderHub's API and pays; only the verified, decrypted WeChat Pay notification
makes it paid (order.paid), once however often WeChat retries; bad notifications are refused and archived."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from ingest.catalogue.service import record_products
from ingest.changes.closer import close_unpaid_once
from ingest.channels.miniprogram.service import reconcile_once
from ingest.tables import orders, raw_pushes
from ingest.wallet.service import record_issued
from ingest_channel_stack import SteppedEnv, stepped_stack
from orderhub_contracts.events import CouponIssued, ProductUpdated
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import read_topic
from orderhub_simulators import feed
from orderhub_simulators.catalogue import sample_catalogue
from orderhub_simulators.channels.miniprogram import customers, wechatpay
from orderhub_simulators.channels.miniprogram.app import create_app as create_sim
from orderhub_simulators.channels.miniprogram.feed import feed_miniprogram
from orderhub_simulators.channels.miniprogram.state import WeixinState
from sqlalchemy import select

pytestmark = pytest.mark.asyncio(loop_scope="session")


Env = SteppedEnv[WeixinState]
CS = {"Authorization": "Bearer local-cs"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(orderhub_stack: StackInfo) -> AsyncIterator[Env]:
    """Ingest in a database and under a topic prefix of its own, with no background channel work:
    the tests run the fetch worker and the sync themselves, one step at a time."""
    sim = WeixinState()
    async with stepped_stack(
        orderhub_stack,
        "miniprogram",
        sim,
        create_sim(sim),
        webhook="/webhooks/wechatpay",
        url_settings=["miniprogram_base_url", "miniprogram_pay_base_url"],
    ) as stepped:
        await seed_catalogue(stepped)
        yield stepped


async def seed_catalogue(env: Env) -> None:
    """The catalogue as fulfillment would announce it: every SKU the tests and simulators order."""
    products = [(sku, title, price) for sku, (title, price) in sample_catalogue().items()]
    products += [("HUM-3L", "加湿器 3L", 12950), ("GIFT", "赠品", 0)]
    now = datetime.now(UTC)
    events = [
        ProductUpdated(sku=sku, title=title, category="家电", list_price_fen=price, updated_at=now)
        for sku, title, price in products
    ]
    await env.ctx.db.run_in_transaction(lambda tx: record_products(tx, events))


RECEIVER = {
    "name": "赵六",
    "phone": "139 0000 5678",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "street": "文新街道",
    "detail": "文三路 200 号",
}
ORDER = {
    "items": [{"sku": "HUM-3L", "title": "加湿器 3L", "quantity": 2, "unit_price_fen": 12950}],
    "receiver": RECEIVER,
    "buyer_remark": "工作日送",
}


async def login(env: Env, openid: str = "") -> dict[str, str]:
    code, _ = env.sim.login_code(openid)
    response = await env.http.post("/v1/miniprogram/session", json={"code": code})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def place(env: Env, auth: dict[str, str]) -> dict[str, Any]:
    response = await env.http.post("/v1/miniprogram/orders", json=ORDER, headers=auth)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_login_order_pay_makes_the_order_paid_once(env: Env) -> None:
    auth = await login(env)
    order = await place(env, auth)
    assert order["paid"] is False and order["amount_fen"] == 25900 and order["receiver_phone"] == "139****5678"
    assert await env.count(order["order_id"], "order.placed") == 1
    assert await env.count(order["order_id"], "order.paid") == 0
    env.sim.pusher.controls.duplicate_next = 1  # WeChat Pay retries: the same notification twice
    await env.sim.pay(out_trade_no=order["out_trade_no"], total_fen=order["amount_fen"])
    assert [d["status"] for d in env.sim.pusher.delivered[-2:]] == [204, 204]
    mine = await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=auth)
    assert mine.json()["paid"] is True
    assert await env.count(order["order_id"], "order.paid") == 1
    paid = await read_topic(
        env.bootstrap,
        "orders.v1",
        prefix=env.runtime.topic_prefix,
        until=lambda seen: any(e.subject == order["order_id"] and e.type == "order.paid" for e in seen),
    )
    events = [e for e in paid if e.subject == order["order_id"]]
    assert [e.type for e in events] == ["order.placed", "order.paid"]
    assert events[1].data["paid_total_fen"] == 25900


async def test_customers_see_only_their_own_orders(env: Env) -> None:
    alice, bob = await login(env, "o-alice"), await login(env, "o-bob")
    order = await place(env, alice)
    assert (await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=bob)).status_code == 404
    assert order["order_id"] in [
        o["order_id"] for o in (await env.http.get("/v1/miniprogram/orders", headers=alice)).json()
    ]
    assert order["order_id"] not in [
        o["order_id"] for o in (await env.http.get("/v1/miniprogram/orders", headers=bob)).json()
    ]
    assert (await env.http.get("/v1/miniprogram/orders")).status_code == 401
    assert (await env.http.get("/v1/miniprogram/orders", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_login_code_is_single_use_and_checked_by_wechat(env: Env) -> None:
    code, _ = env.sim.login_code()
    assert (await env.http.post("/v1/miniprogram/session", json={"code": code})).status_code == 200
    again = await env.http.post("/v1/miniprogram/session", json={"code": code})
    assert again.status_code == 401 and again.json()["error"]["details"]["errcode"] == 40029


async def test_unverified_or_mismatched_notifications_pay_nothing_and_are_archived(env: Env) -> None:
    order = await place(env, await login(env))
    key = wechatpay.private_key()

    def notice(total: int, trade_no: str = order["out_trade_no"]) -> bytes:
        txn = wechatpay.transaction(
            appid=env.sim.appid, mchid=env.sim.mch_id, out_trade_no=trade_no, total_fen=total, openid="o-x"
        )
        return wechatpay.notification(env.sim.apiv3_key.encode(), txn)

    body = notice(order["amount_fen"])
    unsigned = await env.http.post("/webhooks/wechatpay", content=body)
    forged = await env.http.post(
        "/webhooks/wechatpay",
        content=body.replace(b"SUCCESS", b"SUCCESS "),
        headers=wechatpay.signed_headers(key, body),
    )
    stale = await env.http.post(
        "/webhooks/wechatpay",
        content=body,
        headers=wechatpay.signed_headers(key, body, timestamp=int(time.time()) - 3600),
    )
    short = notice(1)
    underpaid = await env.http.post("/webhooks/wechatpay", content=short, headers=wechatpay.signed_headers(key, short))
    stranger = notice(100, "MP0000000000000000000000")
    unknown = await env.http.post(
        "/webhooks/wechatpay", content=stranger, headers=wechatpay.signed_headers(key, stranger)
    )
    assert [r.status_code for r in (unsigned, forged, stale, underpaid, unknown)] == [401, 401, 401, 400, 400]
    assert all(r.json()["code"] == "FAIL" for r in (unsigned, forged, stale, underpaid, unknown))
    assert "replayed" in stale.json()["message"] and "25900" in underpaid.json()["message"]
    assert await env.count(order["order_id"], "order.paid") == 0
    async with env.db.read() as conn:
        reasons = (
            (
                await conn.execute(
                    select(raw_pushes.c.reason).where(
                        raw_pushes.c.channel == "miniprogram", raw_pushes.c.verdict == "rejected"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert any("not a mini-program order" in r for r in reasons) and any("missing header" in r for r in reasons)
    good = await env.http.post("/webhooks/wechatpay", content=body, headers=wechatpay.signed_headers(key, body))
    assert good.status_code == 204 and good.content == b""
    assert await env.count(order["order_id"], "order.paid") == 1


async def test_simulated_customers_order_and_pay_through_the_api(env: Env) -> None:
    env.sim.ingest_url = ""  # relative to the in-process app
    rng = random.Random(7)
    visits = [await customers.shop_once(env.sim, env.http, rng, pay_share=0.7) for _ in range(6)]
    paid = {p["out_trade_no"] for p in env.sim.payments}
    for order in visits:
        expected_paid = order["out_trade_no"] in paid
        assert await env.count(order["order_id"], "order.placed") == 1
        assert await env.count(order["order_id"], "order.paid") == int(expected_paid)


async def test_feed_places_through_the_api_and_pays_later(env: Env) -> None:
    env.sim.ingest_url = ""
    order = dataclasses.replace(feed.sample_order(random.Random(5), int(time.time()) % 10**6 * 10 + 3), paid=False)
    async with httpx.AsyncClient(base_url=env.sim_url) as sim:
        trade_no = await feed_miniprogram(sim, order, "created")
        placed = env.sim.placed[f"feed-{order.seq}"]
        assert placed["out_trade_no"] == trade_no and placed["amount_fen"] == order.total_fen
        assert await env.count(placed["order_id"], "order.paid") == 0
        assert await feed_miniprogram(sim, order, "paid") == trade_no
    assert await env.count(placed["order_id"], "order.paid") == 1


async def test_free_orders_and_wechat_refusing_our_credentials_get_clear_answers(env: Env) -> None:
    auth = await login(env)
    free = {**ORDER, "items": [{"sku": "GIFT", "title": "赠品", "quantity": 1, "unit_price_fen": 0}]}
    refused = await env.http.post("/v1/miniprogram/orders", json=free, headers=auth)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_sku"  # no price: not on sale
    code, _ = env.sim.login_code()
    env.sim.app_secret = "rotated-on-the-wechat-side"
    try:
        down = await env.http.post("/v1/miniprogram/session", json={"code": code})
    finally:
        env.sim.app_secret = "local-miniprogram-secret"
    assert down.status_code == 503 and down.json()["error"]["code"] == "wechat_unavailable"


async def test_the_order_comes_with_signed_payment_parameters(env: Env) -> None:
    order = await place(env, await login(env, "o-payer"))
    payment = order["payment"]
    assert payment["signType"] == "RSA" and payment["package"].startswith("prepay_id=wx")
    prepay = env.sim.prepays[order["out_trade_no"]]
    assert prepay["amount"]["total"] == order["amount_fen"] and prepay["payer"]["openid"] == "o-payer"
    assert prepay["notify_url"].endswith("/webhooks/wechatpay")
    message = f"{env.sim.appid}\n{payment['timeStamp']}\n{payment['nonceStr']}\n{payment['package']}\n".encode()
    merchant = serialization.load_pem_public_key(env.sim.merchant_public_key_pem.strip().encode())
    assert isinstance(merchant, rsa.RSAPublicKey)
    merchant.verify(base64.b64decode(payment["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())


async def test_a_lost_notification_is_found_by_asking_wechat_pay(env: Env) -> None:
    auth = await login(env)
    order = await place(env, auth)
    env.sim.pusher.controls.drop_next = 1
    await env.sim.pay(out_trade_no=order["out_trade_no"], total_fen=order["amount_fen"])
    assert await env.count(order["order_id"], "order.paid") == 0  # the notification never came
    # What the mini-program does once its payment sheet closes: ask for a check, then read.
    checked = await env.http.post(f"/v1/miniprogram/orders/{order['order_id']}/payment-check", headers=auth)
    assert checked.status_code == 200 and checked.json()["paid"] is True
    seen = await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=auth)
    assert seen.status_code == 200 and seen.json()["paid"] is True
    assert await env.count(order["order_id"], "order.paid") == 1
    late = env.sim.payment_push(out_trade_no=order["out_trade_no"], total_fen=order["amount_fen"])
    answer = await env.http.post("/webhooks/wechatpay", content=late.body, headers=late.headers)
    assert answer.status_code == 204  # acknowledged, so WeChat Pay stops retrying; nothing new
    assert await env.count(order["order_id"], "order.paid") == 1
    again = await env.http.post(f"/v1/miniprogram/orders/{order['order_id']}/payment", headers=auth)
    assert again.status_code == 409


async def test_payment_can_be_prepared_again_after_wechat_pay_refused_us(env: Env) -> None:
    auth = await login(env)
    rightful = env.sim.merchant_public_key_pem
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    env.sim.merchant_public_key_pem = stranger.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    try:
        order = await place(env, auth)  # the order is kept, unpaid, without payment parameters
        assert order["payment"] is None and order["paid"] is False
        refused = await env.http.post(f"/v1/miniprogram/orders/{order['order_id']}/payment", headers=auth)
        assert refused.status_code == 503
    finally:
        env.sim.merchant_public_key_pem = rightful
    prepared = await env.http.post(f"/v1/miniprogram/orders/{order['order_id']}/payment", headers=auth)
    assert prepared.status_code == 200 and prepared.json()["payment"]["package"].startswith("prepay_id=")
    unpaid = await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=auth)
    assert unpaid.json()["paid"] is False  # WeChat Pay says NOTPAY


async def test_a_retried_order_request_with_its_idempotency_key_places_one_order(env: Env) -> None:
    auth = await login(env, "o-flaky-network")
    first = await env.http.post("/v1/miniprogram/orders", json=ORDER, headers={**auth, "Idempotency-Key": "k-1"})
    retries = await asyncio.gather(
        *(
            env.http.post("/v1/miniprogram/orders", json=ORDER, headers={**auth, "Idempotency-Key": "k-1"})
            for _ in range(3)
        )
    )
    assert first.status_code == 201 and [r.status_code for r in retries] == [200, 200, 200]
    assert {r.json()["order_id"] for r in retries} == {first.json()["order_id"]}
    assert all(r.json()["payment"] for r in retries)  # still unpaid: payment prepared again
    other = await env.http.post("/v1/miniprogram/orders", json=ORDER, headers={**auth, "Idempotency-Key": "k-2"})
    assert other.status_code == 201 and other.json()["order_id"] != first.json()["order_id"]
    someone_else = await env.http.post(
        "/v1/miniprogram/orders", json=ORDER, headers={**(await login(env)), "Idempotency-Key": "k-1"}
    )
    assert someone_else.status_code == 201  # keys are per customer
    assert await env.count(first.json()["order_id"], "order.placed") == 1
    bad = await env.http.post("/v1/miniprogram/orders", json=ORDER, headers={**auth, "Idempotency-Key": "x" * 65})
    assert bad.status_code == 422


async def test_reading_an_order_never_asks_wechat_pay_the_reconciler_does(env: Env) -> None:
    auth = await login(env)
    order = await place(env, auth)
    env.sim.pusher.controls.drop_next = 1
    await env.sim.pay(out_trade_no=order["out_trade_no"], total_fen=order["amount_fen"])
    seen = await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=auth)
    assert seen.status_code == 200 and seen.json()["paid"] is False  # a GET only reads
    assert await env.count(order["order_id"], "order.paid") == 0
    await reconcile_once(env.ctx.db, env.ctx.deps)  # one round of the background reconciler
    assert await env.count(order["order_id"], "order.paid") == 1
    seen = await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=auth)
    assert seen.json()["paid"] is True
    await reconcile_once(env.ctx.db, env.ctx.deps)  # a paid order is not asked about again
    assert await env.count(order["order_id"], "order.paid") == 1


async def test_a_receiver_name_with_bidi_controls_is_refused_and_remarks_are_masked(env: Env) -> None:
    auth = await login(env)
    spoofed: dict[str, object] = {**ORDER, "receiver": {**RECEIVER, "name": "\u202e六赵"}}
    refused = await env.http.post("/v1/miniprogram/orders", json=spoofed, headers=auth)
    assert refused.status_code == 422 and "U+202E" in refused.text
    assert refused.json()["error"]["details"][0]["field"] == "receiver.name"
    with_phone = {**ORDER, "buyer_remark": "到了打 139 1234 5678"}
    placed = await env.http.post("/v1/miniprogram/orders", json=with_phone, headers=auth)
    assert placed.status_code == 201 and placed.json()["buyer_remark"] == "到了打 139****5678"
    listed = (await env.http.get("/v1/miniprogram/orders", headers=auth)).json()
    assert [o["buyer_remark"] for o in listed] == ["到了打 139****5678"]


# --- Prices the customer cannot set, the customer's own cancel and coupons -------------------------


async def test_a_forged_price_is_refused_and_the_catalogue_price_is_charged(env: Env) -> None:
    auth = await login(env)
    forged = {**ORDER, "items": [{"sku": "HUM-3L", "title": "加湿器 3L", "quantity": 1, "unit_price_fen": 1}]}
    refused = await env.http.post("/v1/miniprogram/orders", json=forged, headers=auth)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "price_not_ours"
    assert refused.json()["error"]["details"]["prices_fen"] == {"HUM-3L": 12950}
    unknown = {**ORDER, "items": [{"sku": "NOPE-1", "quantity": 1}]}
    missing = await env.http.post("/v1/miniprogram/orders", json=unknown, headers=auth)
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "unknown_sku"
    chosen = {**ORDER, "items": [{"sku": "HUM-3L", "title": "随便写", "quantity": 3}]}
    placed = await env.http.post("/v1/miniprogram/orders", json=chosen, headers=auth)
    assert placed.status_code == 201 and placed.json()["amount_fen"] == 3 * 12950


async def test_the_customer_cancels_their_own_order_before_shipping(env: Env) -> None:
    alice, bob = await login(env, "o-cancel-a"), await login(env, "o-cancel-b")
    order = await place(env, alice)
    path = f"/v1/miniprogram/orders/{order['order_id']}/cancel"
    assert (await env.http.post(path, json={}, headers=bob)).status_code == 404
    cancelled = await env.http.post(path, json={"reason": "拍错了"}, headers=alice)
    assert cancelled.status_code == 200 and cancelled.json()["already_cancelled"] is False
    mine = await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=alice)
    assert mine.json()["status"] == "cancelled"


async def test_an_unpaid_order_closes_by_itself_and_a_paid_one_does_not(env: Env) -> None:
    auth = await login(env, "o-slow-payer")
    unpaid, paid = await place(env, auth), await place(env, auth)
    await env.sim.pay(out_trade_no=paid["out_trade_no"], total_fen=paid["amount_fen"])
    later = datetime.now(UTC) + timedelta(minutes=31)
    assert await close_unpaid_once(env.ctx.db, env.ctx.deps, now=later) >= 1
    closed = await env.http.get(f"/v1/miniprogram/orders/{unpaid['order_id']}", headers=auth)
    still = await env.http.get(f"/v1/miniprogram/orders/{paid['order_id']}", headers=auth)
    assert (closed.json()["status"], still.json()["status"]) == ("cancelled", "created")


async def test_a_coupon_is_redeemed_once(env: Env) -> None:
    auth = await login(env, "o-coupon")
    voided = await place(env, auth)
    code = f"CP{random.randrange(16**12):012X}"
    issued = CouponIssued(
        order_id=voided["order_id"],
        coupon_code=code,
        customer_phone="13900005678",
        amount_fen=500,
        pool="marketing",
        valid_until=datetime.now(UTC) + timedelta(days=30),
    )
    await env.ctx.db.run_in_transaction(lambda tx: record_issued(tx, [issued]))
    coupons = (await env.http.get("/v1/miniprogram/coupons", headers=auth)).json()
    assert [(c["coupon_code"], c["used"]) for c in coupons] == [(code, False)]
    with_coupon = {**ORDER, "coupon_code": code}
    both = await asyncio.gather(
        *(env.http.post("/v1/miniprogram/orders", json=with_coupon, headers=auth) for _ in range(2))
    )  # two orders racing for one coupon: one gets it
    assert sorted(r.status_code for r in both) == [201, 409]
    first = next(r for r in both if r.status_code == 201)
    assert first.json()["amount_fen"] == 25900 - 500
    second = await env.http.post("/v1/miniprogram/orders", json=with_coupon, headers=auth)
    assert second.status_code == 409 and second.json()["error"]["code"] == "coupon_not_usable"
    someone_else = await env.http.post("/v1/miniprogram/orders", json=with_coupon, headers=await login(env))
    assert someone_else.status_code == 404
    async with env.ctx.db.read() as conn:
        snapshot = await conn.scalar(select(orders.c.snapshot).where(orders.c.order_id == first.json()["order_id"]))
    assert snapshot["discounts"] == [{"source": "orderhub", "code": code, "name": "改地址补偿券", "amount_fen": 500}]
    staff_view = await env.http.get(f"/v1/orders/{first.json()['order_id']}", headers=CS)
    assert staff_view.json()["totals"]["discounts"] == [
        {"source": "orderhub", "code": code, "name": "改地址补偿券", "label": "改地址补偿券", "amount_fen": 500}
    ]
    coupons = (await env.http.get("/v1/miniprogram/coupons", headers=auth)).json()
    assert coupons[0]["used"] is True and coupons[0]["redeemed_order_id"] == first.json()["order_id"]


async def test_the_customer_changes_the_address_of_their_own_order(env: Env) -> None:
    alice, bob = await login(env, "o-move-a"), await login(env, "o-move-b")
    order = await place(env, alice)
    path = f"/v1/miniprogram/orders/{order['order_id']}/address"
    moved = {"receiver": {**ORDER["receiver"], "detail": "文三路 300 号"}, "reason": "搬家了"}
    assert (await env.http.post(path, json=moved, headers=bob)).status_code == 404
    changed = await env.http.post(path, json=moved, headers=alice)
    assert changed.status_code == 200 and changed.json()["outcome"] == "changed"
    mine = await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=alice)
    assert "文三路 300 号" in mine.json()["address"]


async def test_a_payment_after_the_order_closed_is_recorded_for_a_refund_not_applied(env: Env) -> None:
    auth = await login(env, "o-too-late")
    order = await place(env, auth)
    await close_unpaid_once(env.ctx.db, env.ctx.deps, now=datetime.now(UTC) + timedelta(minutes=31))
    await env.sim.pay(out_trade_no=order["out_trade_no"], total_fen=order["amount_fen"])
    mine = (await env.http.get(f"/v1/miniprogram/orders/{order['order_id']}", headers=auth)).json()
    assert mine["status"] == "cancelled"
    assert await env.count(order["order_id"], "order.paid") == 0
    staff_view = (await env.http.get(f"/v1/orders/{order['order_id']}", headers=CS)).json()
    assert any("需原路退款" in e["summary"] for e in staff_view["timeline"])
