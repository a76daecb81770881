"""The live stream of new anomalies for the customer-service screen (server-sent events)."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn
from orderhub_contracts.events import OrderPlaced
from orderhub_devstack.ports import free_port
from orderhub_devstack.testing import eventually
from orderhub_runtime.bus.relay import asyncpg_dsn
from rules.api.stream import anomaly_feed

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")


def parse(frame: str) -> tuple[str, dict[str, Any]]:
    fields = dict(line.split(": ", 1) for line in frame.strip().splitlines())
    return fields["event"], json.loads(fields["data"])


async def test_new_anomalies_arrive_with_their_popup_text(rules: RulesHarness) -> None:
    dsn = asyncpg_dsn(rules.stack.service_database_urls["rules"])
    feed = anomaly_feed(dsn, rules.ctx.db, min_level=2)
    try:
        assert await anext(feed) == ": listening\n\n"
        tagged = rules.order(buyer_remark="开发票")  # R12 is level 1: below min_level, not shown
        order = rules.order(items=rules.HIGH_VALUE, buyer_remark="请改地址到上海市浦东新区")  # R11 and R12-ADDR
        await rules.deliver(OrderPlaced(order=tagged))
        await rules.deliver(OrderPlaced(order=order))
        shown: list[dict[str, Any]] = []
        while len(shown) < 2:
            event, data = parse(await asyncio.wait_for(anext(feed), timeout=20))
            assert event == "anomaly" and data["order_id"] != tagged.order_id
            if data["order_id"] == order.order_id:
                shown.append(data)
    finally:
        await feed.aclose()
    by_rule = {d["rule_id"]: d for d in shown}
    assert by_rule["R12-ADDR"]["popup"] == "客户备注要求修改地址，请核实新地址后处理"
    assert by_rule["R11"]["popup"] == "R11 大额订单（复核）"  # no popup text of its own
    assert (by_rule["R11"]["level"], by_rule["R11"]["level_name"], by_rule["R11"]["province"]) == (2, "复核", "浙江省")


async def test_keep_alive_when_nothing_happens(rules: RulesHarness) -> None:
    dsn = asyncpg_dsn(rules.stack.service_database_urls["rules"])
    feed = anomaly_feed(dsn, rules.ctx.db, min_level=3, keep_alive_s=0.05)
    try:
        assert await anext(feed) == ": listening\n\n"
        assert await anext(feed) == ": keep-alive\n\n"
    finally:
        await feed.aclose()


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("local-warehouse", 403)])
async def test_stream_needs_a_staff_token(rules: RulesHarness, token: str | None, status: int) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await rules.client.get("/v1/anomalies/stream", headers=headers)
    assert response.status_code == status


async def test_stream_over_http(rules: RulesHarness) -> None:
    """The real endpoint on a real socket: the service app (already started) served by uvicorn."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(rules.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server), timeout_s=20)
        order = rules.order(name="")  # R06, level 3
        headers = {"Authorization": "Bearer local-cs"}
        url = f"http://127.0.0.1:{port}/v1/anomalies/stream?min_level=3"
        async with httpx.AsyncClient(timeout=20) as client, client.stream("GET", url, headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            assert await anext(lines) == ": listening"
            await rules.deliver(OrderPlaced(order=order))
            frame: list[str] = []
            while True:
                line = await asyncio.wait_for(anext(lines), timeout=20)
                if line:
                    frame.append(line)
                    continue
                if frame and frame[0].startswith("id:"):
                    event, data = parse("\n".join(frame))
                    if data["order_id"] == order.order_id:
                        break
                frame = []
        assert (event, data["rule_id"], data["popup"]) == ("anomaly", "R06", "R06 收货信息缺失（拦截）")
    finally:
        server.should_exit = True
        await serving


async def _started(server: uvicorn.Server) -> bool:
    return server.started
