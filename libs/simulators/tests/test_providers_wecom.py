"""The WeCom simulator: group robot webhooks (text with mentions, markdown, per-robot 20/min,
bad key 93000) and application messages (gettoken, token expiry, invalid users, duplicate check)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from orderhub_simulators.providers.wecom import DEFAULT_CORP, create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")
CORP_ID, CORP_SECRET = DEFAULT_CORP


class Sim:
    def __init__(self, **options: Any) -> None:
        self.app = create_app(**options)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://sim")

    async def robot(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = (await self.http.post("/cgi-bin/webhook/send", params={"key": key}, json=body)).json()
        return answer

    async def token(self, secret: str = CORP_SECRET) -> dict[str, Any]:
        params = {"corpid": CORP_ID, "corpsecret": secret}
        answer: dict[str, Any] = (await self.http.get("/cgi-bin/gettoken", params=params)).json()
        return answer

    async def app_message(self, token: str, touser: str, content: str, **extra: Any) -> dict[str, Any]:
        body = {"touser": touser, "msgtype": "text", "agentid": 1000002, "text": {"content": content}, **extra}
        response = await self.http.post("/cgi-bin/message/send", params={"access_token": token}, json=body)
        answer: dict[str, Any] = response.json()
        return answer

    def received(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.app.state.sim.received if r["kind"] == kind]


def text(content: str, mobiles: list[str] | None = None) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mobiles or []}}


async def test_a_robot_takes_text_with_mentions_and_markdown() -> None:
    sim = Sim(robot_keys={"wh-key"})
    assert await sim.robot("wh-key", text("发货超时风险", ["13800001111"])) == {"errcode": 0, "errmsg": "ok"}
    markdown = {"msgtype": "markdown", "markdown": {"content": '**订单异常** <font color="warning">拦截</font>'}}
    assert (await sim.robot("wh-key", markdown))["errcode"] == 0
    first, second = sim.received("webhook")
    assert (first["msgtype"], first["mentioned_mobile_list"]) == ("text", ["13800001111"])
    assert second["msgtype"] == "markdown"


async def test_robot_errors_unknown_key_oversize_and_the_20_per_minute_limit() -> None:
    sim = Sim(robot_keys={"wh-key"})
    assert (await sim.robot("nope", text("x")))["errcode"] == 93000
    assert (await sim.robot("wh-key", text("长" * 700)))["errcode"] == 45002, "over 2048 bytes of UTF-8"
    answers = [(await sim.robot("wh-key", text(f"第{i}条")))["errcode"] for i in range(21)]
    assert answers == [0] * 20 + [45009]
    assert len(sim.received("webhook")) == 20


async def test_robot_faults_on_demand() -> None:
    sim = Sim()
    await sim.http.post("/_sim/faults", json={"mode": "rate_limited"})
    await sim.http.post("/_sim/faults", json={"mode": "bad_key"})
    await sim.http.post("/_sim/faults", json={"mode": "server_error"})
    assert (await sim.robot("k", text("a")))["errcode"] == 45009
    assert (await sim.robot("k", text("a")))["errcode"] == 93000
    response = await sim.http.post("/cgi-bin/webhook/send", params={"key": "k"}, json=text("a"))
    assert response.status_code == 502
    assert (await sim.robot("k", text("a")))["errcode"] == 0


async def test_app_messages_need_a_token_from_gettoken() -> None:
    sim = Sim(users={"zhang.wei"})
    assert (await sim.token(secret="wrong"))["errcode"] == 40001
    token = await sim.token()
    assert token["errcode"] == 0 and token["expires_in"] == 7200
    assert (await sim.app_message("forged", "zhang.wei", "hi"))["errcode"] == 40014
    answer = await sim.app_message(token["access_token"], "zhang.wei|ghost", "请核实订单")
    assert (answer["errcode"], answer["invaliduser"]) == (0, "ghost") and answer["msgid"]
    assert (await sim.app_message(token["access_token"], "ghost", "x"))["errcode"] == 81013
    [received] = sim.received("app_message")
    assert (received["touser"], received["content"]) == ("zhang.wei", "请核实订单")


async def test_an_expired_token_is_refused_with_42001() -> None:
    sim = Sim(token_ttl_s=0.0)
    token = (await sim.token())["access_token"]
    assert (await sim.app_message(token, "anyone", "x"))["errcode"] == 42001


async def test_the_duplicate_check_drops_a_repeat_within_the_interval() -> None:
    sim = Sim()
    token = (await sim.token())["access_token"]
    for _ in range(2):
        answer = await sim.app_message(
            token, "li.na", "同一条", enable_duplicate_check=1, duplicate_check_interval=1800
        )
        assert answer["errcode"] == 0
    await sim.app_message(token, "li.na", "同一条")  # without the check: delivered again
    assert len(sim.received("app_message")) == 2
