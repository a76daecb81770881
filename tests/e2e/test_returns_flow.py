"""The returns loop end to end, all five services as processes and the WeChat simulator: a customer
logs in, orders and pays in the mini-program; the parcel ships; the customer files a return
(POST /v1/miniprogram/returns), the agent of the product's category approves it, the return waybill
reaches the customer (mini-program and SMS), the warehouse scans and receives the parcel, the good
item goes back on stock, WeChat Pay refunds it and the customer gets the refund SMS; the order went
through after_sales and back to delivered."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from e2e_flow import CS, WAREHOUSE, messages_for, set_stock, unique_phone, wait_for_status
from orderhub_contracts.topics import SERVICES
from orderhub_devstack.bootstrap import bootstrap_database, drop_database, service_passwords
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.system import ANY_TIME_OF_DAY, SystemUnderTest
from orderhub_devstack.testing import eventually
from orderhub_simulators.channels.miniprogram.app import create_app as create_weixin
from orderhub_simulators.channels.miniprogram.state import WeixinState
from orderhub_simulators.testing import serve

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
MANAGER = {"Authorization": "Bearer local-manager"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def returns_system(
    orderhub_stack: StackInfo, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[SystemUnderTest, WeixinState]]:
    database = f"orderhub_e2e_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_database(orderhub_stack.admin_url, database, SERVICES, service_passwords(SERVICES))
    log_dir: Path = tmp_path_factory.mktemp("e2e-returns-logs")
    weixin = WeixinState()
    async with serve(create_weixin(weixin)) as port:
        sim_url = f"http://127.0.0.1:{port}"
        sut = SystemUnderTest(database_urls=urls, log_dir=log_dir)
        ingest, aftersales = sut.url("ingest"), sut.url("aftersales")
        sut.extra_env = {
            **ANY_TIME_OF_DAY,
            "INGEST_MINIPROGRAM_BASE_URL": sim_url,
            "INGEST_MINIPROGRAM_PAY_BASE_URL": sim_url,
            "INGEST_MINIPROGRAM_NOTIFY_URL": f"{ingest}/webhooks/wechatpay",
            "AFTERSALES_INGEST_URL": ingest,
            "AFTERSALES_REFUND_PROVIDER": "wechatpay",
            "AFTERSALES_WECHATPAY_BASE_URL": sim_url,
            "AFTERSALES_WECHATPAY_NOTIFY_URL": f"{aftersales}/webhooks/wechatpay/refund",
            "AFTERSALES_REFUND_INTERVAL_S": "0.2",
            # the loop takes seconds here, not days: 4 SMS to one phone within a minute
            "NOTIFY_SMS_PER_PHONE_PER_MINUTE": "10",
        }
        weixin.pusher.target_url = f"{ingest}/webhooks/wechatpay"
        try:
            await sut.start_broker()
            await sut.migrate()
            await sut.start_services()
            yield sut, weixin
        finally:
            sut.shutdown()
            await drop_database(orderhub_stack.admin_url, database)


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_from_the_mini_program_return_to_the_refund_sms(
    returns_system: tuple[SystemUnderTest, WeixinState],
) -> None:
    sut, weixin = returns_system
    ingest, fulfillment, aftersales = sut.url("ingest"), sut.url("fulfillment"), sut.url("aftersales")
    sku, category, agent = f"RET-{uuid.uuid4().hex[:6].upper()}", "厨房电器", "客服小王"
    async with httpx.AsyncClient(timeout=10) as client:
        product = {"title": "电热水壶", "category": category, "list_price_fen": 8900}
        await _ok(await client.put(f"{fulfillment}/v1/products/{sku}", json=product, headers=WAREHOUSE))
        await set_stock(client, sut, sku, 10)
        routing = {"routes": [{"category": category, "agents": [agent]}]}
        await _ok(await client.put(f"{aftersales}/v1/return-routing", json=routing, headers=MANAGER))

        code, openid = weixin.login_code()
        token = (await _ok(await client.post(f"{ingest}/v1/miniprogram/session", json={"code": code})))["token"]
        me = {"Authorization": f"Bearer {token}"}
        body = {
            "items": [{"sku": sku, "title": "电热水壶", "quantity": 2, "unit_price_fen": 8900}],
            "receiver": {
                "name": "赵六",
                "phone": unique_phone(),
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "street": "文新街道",
                "detail": "文三路 200 号 3 幢 501 室",
            },
        }
        order = await _ok(await client.post(f"{ingest}/v1/miniprogram/orders", json=body, headers=me), 201)
        order_id = order["order_id"]
        await weixin.pay(out_trade_no=order["out_trade_no"], total_fen=order["amount_fen"], openid=openid)
        placed = await wait_for_status(client, sut, order_id, "allocated", needs=("shipment.created",))
        waybill = next(e for e in placed["timeline"] if e["event_type"] == "shipment.created")["data"]["waybill_no"]
        await _ok(await client.post(f"{fulfillment}/v1/scans/ship", json={"waybill_no": waybill}, headers=WAREHOUSE))
        await wait_for_status(client, sut, order_id, "shipped", needs=("order.shipped",))

        # the customer files; the ticket goes to the category's agent
        filed_at = time.monotonic()
        ask = {
            "order_id": order_id,
            "type": "return_refund",
            "lines": [{"sku": sku, "quantity": 1}],
            "reason": "不加热",
        }

        async def filed() -> dict[str, Any] | None:  # aftersales may not have seen the shipment yet
            response = await client.post(f"{aftersales}/v1/miniprogram/returns", json=ask, headers=me)
            return dict(response.json()) if response.status_code == 201 else None

        ticket_id = (await eventually(filed, timeout_s=30, interval_s=0.3))["ticket_id"]
        ticket = await _ok(await client.get(f"{aftersales}/v1/returns/{ticket_id}", headers=CS))
        assert (ticket["assignee"], ticket["category"]) == (agent, category)
        await wait_for_status(client, sut, order_id, "after_sales", needs=("return.requested",))

        # the agent approves; fulfillment issues the return waybill; the customer sees it
        await _ok(await client.post(f"{aftersales}/v1/returns/{ticket_id}/approve", json={}, headers=CS))

        async def with_waybill() -> dict[str, Any] | None:
            mine = await _ok(await client.get(f"{aftersales}/v1/miniprogram/returns/{ticket_id}", headers=me))
            return dict(mine) if mine["return_waybill_no"] else None

        return_waybill = (await eventually(with_waybill, timeout_s=30, interval_s=0.2))["return_waybill_no"]

        # the warehouse scans the parcel, sees the order and what was asked back, receives it
        scan = await _ok(await client.get(f"{aftersales}/v1/returns/scan/{return_waybill}", headers=WAREHOUSE))
        assert scan["order"]["order_id"] == order_id and scan["ticket"]["reason"] == "不加热"
        before = (await _ok(await client.get(f"{fulfillment}/v1/stock/{sku}", headers=WAREHOUSE)))["on_hand"]
        receipt = {"lines": [{"sku": sku, "quantity": 1, "condition": "good"}]}
        await _ok(await client.post(f"{aftersales}/v1/returns/{ticket_id}/receipt", json=receipt, headers=WAREHOUSE))

        async def refunded() -> dict[str, Any] | None:
            mine = await _ok(await client.get(f"{aftersales}/v1/miniprogram/returns/{ticket_id}", headers=me))
            return dict(mine) if mine["refund_fen"] else None

        assert (await eventually(refunded, timeout_s=30, interval_s=0.2))["refund_fen"] == 8900
        elapsed = time.monotonic() - filed_at
        assert [r["out_trade_no"] for r in weixin.refunds.values()] == [order["out_trade_no"]]

        view = await wait_for_status(
            client, sut, order_id, "delivered", needs=("return.refunded", "aftersales.settled")
        )
        statuses = [h["to_status"] for h in view["status_history"]]
        assert statuses[-2:] == ["after_sales", "delivered"]

        async def sms() -> set[str] | None:
            found = {m["template"] for m in await messages_for(client, sut, order_id) if m["status"] == "sent"}
            return found if {"return_waybill", "order_refunded"} <= found else None

        assert await eventually(sms, timeout_s=30, interval_s=0.2)

        async def restocked() -> bool:
            level = await _ok(await client.get(f"{fulfillment}/v1/stock/{sku}", headers=WAREHOUSE))
            return bool(level["on_hand"] == before + 1)  # the good item is back on the shelf

        assert await eventually(restocked, timeout_s=30, interval_s=0.2)
        clock = await _ok(await client.get(f"{aftersales}/v1/returns/clock", headers=CS))
        assert clock["tickets"] == 1 and clock["median_to_refund_s"] <= elapsed
    assert clock["median_to_refund_s"] < clock["case_target_s"]  # the case's 6 min 48 s, machine time only
