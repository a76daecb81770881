"""The managers' KPI and heat-map pages, with insights deployed (stand-in) and without it."""

from __future__ import annotations

import httpx
import pytest
from console.main import create_app
from console.settings import ConsoleSettings
from fake_services import BASE, LOCAL_SETTINGS, FakeServices, login
from orderhub_runtime.settings import RuntimeSettings

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _client(insights_url: str) -> httpx.AsyncClient:
    settings = ConsoleSettings(**LOCAL_SETTINGS, insights_url=insights_url)
    app = create_app(settings, RuntimeSettings(env="test"), transport=FakeServices().transport())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


async def test_kpis_and_heat_map_from_insights() -> None:
    async with _client("http://insights.test") as client:
        await login(client, "local-manager")
        kpi = await client.get("/kpi?days=2")
        assert "8.4 分钟" in kpi.text and "张三" in kpi.text and "293.0" in kpi.text
        assert "98.0%" in kpi.text and "抽样 50 单，与快递轨迹一致 49 单，不一致 1 单" in kpi.text
        heat = await client.get("/heat")
        assert heat.status_code == 200 and 'id="heat-grid"' in heat.text
        assert "周五 20:00 — 35.0%" in heat.text and "样本不足" in heat.text


async def test_pages_say_when_insights_is_not_deployed() -> None:
    async with _client("") as client:
        await login(client, "local-manager")
        kpi = await client.get("/kpi")
        assert kpi.status_code == 200 and "指标服务（insights）尚未上线" in kpi.text
        assert "热力图暂不可用" in (await client.get("/heat")).text
        await login(client, "local-cs")
        assert (await client.get("/heat")).status_code == 403
