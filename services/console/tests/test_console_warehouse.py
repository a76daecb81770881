"""The warehouse pages against stand-ins for the fulfillment API of the warehouse branches:
the board in urgency order (red under 4 h), a pick list built and printed, the PDA scan; and
each page saying plainly when the service it needs does not offer the API yet."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from console.main import create_app
from console.settings import ConsoleSettings
from fake_services import BASE, LOCAL_SETTINGS, ORDER_ID, PICKLIST_ID, FakeServices, login
from orderhub_runtime.settings import RuntimeSettings

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest_asyncio.fixture(loop_scope="session")
async def warehouse(services: FakeServices) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ConsoleSettings(**LOCAL_SETTINGS), RuntimeSettings(env="test"), transport=services.transport())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def test_board_then_pick_list_then_printer(warehouse: httpx.AsyncClient, services: FakeServices) -> None:
    csrf = await login(warehouse, "local-warehouse")
    board = await warehouse.get("/board")
    assert board.status_code == 200 and "发货看板" in board.text
    assert board.text.index(ORDER_ID) < board.text.index("DABE20260218150000002"), "most urgent first"
    assert 'class="urgent"' in board.text, "under 4 h left is red"

    created = await warehouse.post("/picklists", data={"csrf_token": csrf, "max_orders": "20", "zone": ""})
    assert created.status_code == 303 and created.headers["location"] == f"/picklists/{PICKLIST_ID}"
    assert services.calls[-1][4] == {"max_orders": 20, "zone": None}
    sheet = await warehouse.get(created.headers["location"])
    assert "发货截止 02-19 14:25" in sheet.text and "周末送货" in sheet.text
    pdf = await warehouse.get(f"/picklists/{PICKLIST_ID}/sheet.pdf")
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    printed = await warehouse.post(f"/picklists/{PICKLIST_ID}/print", headers={"X-CSRF-Token": csrf})
    assert "打印任务 #7" in printed.text
    assert (await warehouse.get("/printing")).status_code == 200


async def test_pda_scans_a_parcel_out(warehouse: httpx.AsyncClient) -> None:
    csrf = await login(warehouse, "local-warehouse")
    page = await warehouse.get("/pda")
    assert "确认发货" in page.text and "退货签收" in page.text
    shipped = await warehouse.post("/pda/ship", data={"waybill_no": " LC0001 ", "csrf_token": csrf})
    assert "发货成功" in shipped.text and "pda-result ok" in shipped.text
    unknown = await warehouse.post("/pda/ship", data={"waybill_no": "LC9999", "csrf_token": csrf})
    assert "运单 LC9999 不存在" in unknown.text and "pda-result error" in unknown.text


async def test_pages_say_when_the_service_has_no_such_api_yet(
    warehouse: httpx.AsyncClient, services: FakeServices
) -> None:
    services.warehouse_api = False
    csrf = await login(warehouse, "local-warehouse")
    assert "发货看板接口尚未上线" in (await warehouse.get("/board")).text
    assert "接口尚未上线" in (await warehouse.get("/printing")).text
    scan = await warehouse.post("/pda/ship", data={"waybill_no": "LC0001", "csrf_token": csrf})
    assert "发货扫描接口尚未上线" in scan.text
