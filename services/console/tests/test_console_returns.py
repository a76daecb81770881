"""Returns against stand-ins for the aftersales returns API: approve and reject in the queue, and
the PDA receipt at the dock (matching, or a discrepancy settled with a photo)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from console.main import create_app
from console.settings import ConsoleSettings
from fake_services import BASE, LOCAL_SETTINGS, ORDER_ID, TICKET_ID, FakeServices, login
from orderhub_runtime.settings import RuntimeSettings

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest_asyncio.fixture(loop_scope="session")
async def client(services: FakeServices) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ConsoleSettings(**LOCAL_SETTINGS), RuntimeSettings(env="test"), transport=services.transport())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http


async def test_agent_approves_and_rejects_returns(client: httpx.AsyncClient, services: FakeServices) -> None:
    csrf = await login(client, "local-cs")
    queue = await client.get("/returns")
    assert TICKET_ID in queue.text and "不制冷" in queue.text and "同意" in queue.text
    approved = await client.post(f"/returns/{TICKET_ID}/approve", data={"note": "已核实", "csrf_token": csrf})
    assert "已同意，退货运单将发给顾客" in approved.text and "RL0001" in approved.text
    assert services.calls[-1][4] == {"note": "已核实"}
    no_reason = await client.post(f"/returns/{TICKET_ID}/reject", data={"note": " ", "csrf_token": csrf})
    assert "拒绝需填写原因" in no_reason.text
    rejected = await client.post(f"/returns/{TICKET_ID}/reject", data={"note": "超过七天", "csrf_token": csrf})
    assert "已拒绝" in rejected.text and services.calls[-1][4] == {"reason": "超过七天"}
    order = await client.get(f"/orders/{ORDER_ID}")
    assert TICKET_ID in order.text and "待审核" in order.text, "the order page lists its tickets"


async def test_dock_receives_a_return_and_photographs_a_discrepancy(client: httpx.AsyncClient) -> None:
    csrf = await login(client, "local-warehouse")
    assert (await client.get("/returns")).status_code == 403, "the queue is customer service's"
    scanned = await client.post("/pda/returns/scan", data={"waybill_no": "RL0001", "csrf_token": csrf})
    assert "确认收货" in scanned.text and 'name="qty-AC-1001"' in scanned.text
    unknown = await client.post("/pda/returns/scan", data={"waybill_no": "RL9", "csrf_token": csrf})
    assert "没有这个退货运单" in unknown.text

    form = {"sku": "AC-1001", "qty-AC-1001": "1", "cond-AC-1001": "good", "csrf_token": csrf}
    received = await client.post(f"/pda/returns/{TICKET_ID}/receipt", data=form)
    assert "仓库已收货" in received.text
    short = await client.post(f"/pda/returns/{TICKET_ID}/receipt", data={**form, "qty-AC-1001": "0"})
    assert "收货差异" in short.text and 'name="picture"' in short.text
    photo = await client.post(
        f"/pda/returns/{TICKET_ID}/photo",
        files={"picture": ("p.png", b"\x89PNG\r\n\x1a\n", "image/png")},
        headers={"X-CSRF-Token": csrf},
    )
    assert "照片已上传" in photo.text and "仓库已收货" in photo.text


async def test_returns_say_when_aftersales_has_no_such_api_yet(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.returns_api = False
    csrf = await login(client, "local-cs")
    assert "退货接口尚未上线" in (await client.get("/returns")).text
    assert "售后工单接口尚未上线" in (await client.get(f"/orders/{ORDER_ID}")).text
    await login(client, "local-warehouse")
    csrf = await login(client, "local-warehouse")
    scan = await client.post("/pda/returns/scan", data={"waybill_no": "RL0001", "csrf_token": csrf})
    assert "退货接口尚未上线" in scan.text


async def test_manager_edits_return_routing_and_duty(client: httpx.AsyncClient, services: FakeServices) -> None:
    csrf = await login(client, "local-manager")
    page = await client.get("/return-routing")
    assert "空调：张三，李四" in page.text and "设为离岗" in page.text
    bad = await client.post("/return-routing", data={"routes": "空调 张三", "csrf_token": csrf})
    assert "第 1 行应写成" in bad.text
    saved = await client.post(
        "/return-routing", data={"routes": "空调：张三、王五\n\n小家电: 李四", "csrf_token": csrf}
    )
    assert "分派规则已保存" in saved.text
    put = next(c for c in services.calls if c[0] == "PUT" and c[2] == "/v1/return-routing")
    assert put[4] == {
        "routes": [{"category": "空调", "agents": ["张三", "王五"]}, {"category": "小家电", "agents": ["李四"]}]
    }
    off = await client.post("/return-routing/duty", data={"agent": "张三", "on_duty": "false", "csrf_token": csrf})
    assert "张三 已离岗" in off.text
