"""The console's own behaviour, against stand-ins for the services: sessions and their cookie,
CSRF on every POST, pages by role, the masked phone and its logged reveal, validation errors."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from console.main import create_app
from console.sessions import COOKIE_NAME
from console.settings import ConsoleSettings
from fake_services import BASE, LOCAL_SETTINGS, ORDER_ID, FakeServices, login
from orderhub_runtime.settings import RuntimeSettings
from structlog.testing import capture_logs

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest_asyncio.fixture(loop_scope="session")
async def browser(services: FakeServices) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ConsoleSettings(**LOCAL_SETTINGS), RuntimeSettings(env="test"), transport=services.transport())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def test_pages_need_a_session(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/orders")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/orders"
    htmx = await browser.get("/anomalies", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/login"


async def test_login_sets_an_encrypted_httponly_samesite_cookie(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/login")
    assert "员工令牌" in page.text
    refused = await browser.post("/login", data={"token": "local-cs", "csrf_token": "forged"})
    assert refused.status_code == 403 and "页面已过期" in refused.text
    await browser.get("/login")
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', (await browser.get("/login")).text)
    assert form_token is not None
    wrong = await browser.post("/login", data={"token": "nobody", "csrf_token": form_token.group(1)})
    assert wrong.status_code == 401 and "令牌无效" in wrong.text

    await login(browser, "local-cs")
    cookie = next(c for c in browser.cookies.jar if c.name == COOKIE_NAME)
    assert cookie.has_nonstandard_attr("HttpOnly") and "local-cs" not in str(cookie.value)
    response = await browser.get("/orders")
    assert "本地客服（客服）" in response.text and "x-frame-options" in response.headers


async def test_every_post_needs_the_session_csrf_token_and_our_origin(browser: httpx.AsyncClient) -> None:
    csrf = await login(browser, "local-cs")
    path = f"/orders/{ORDER_ID}/reveal-phone"
    assert "安全校验未通过" in (await browser.post(path)).text
    assert (await browser.post(path, data={"csrf_token": "forged"})).status_code == 403
    other_site = await browser.post(path, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert other_site.status_code == 403
    assert (await browser.post(path, headers={"X-CSRF-Token": csrf, "Origin": BASE})).status_code == 200
    assert (await browser.post(path, data={"csrf_token": csrf})).status_code == 200


async def test_pages_by_role(browser: httpx.AsyncClient) -> None:
    await login(browser, "local-warehouse")
    page = await browser.get("/stock")
    assert "库存" in page.text and "异常队列" not in page.text
    refused = await browser.get("/anomalies")
    assert refused.status_code == 403 and "此页面仅供客服、主管、运维使用" in refused.text
    assert (await browser.get("/rules")).status_code == 403
    await login(browser, "local-manager")
    for path in ("/anomalies", "/rules", "/stock", "/orders"):
        assert (await browser.get(path)).status_code == 200, path


async def test_phone_is_masked_and_a_reveal_is_logged(browser: httpx.AsyncClient, services: FakeServices) -> None:
    csrf = await login(browser, "local-cs")
    page = await browser.get(f"/orders/{ORDER_ID}")
    assert page.status_code == 200 and "138****5678" in page.text and "13812345678" not in page.text
    assert "变频空调 1.5匹" in page.text and "周末送货" in page.text and "order.placed" in page.text
    assert "2026-02-18 14:22:00" in page.text, "times in Asia/Shanghai"
    assert "SF0001" in page.text and "快件已到达【杭州转运中心】" in page.text, "each parcel with its track"
    with capture_logs() as logs:
        revealed = await browser.post(f"/orders/{ORDER_ID}/reveal-phone", headers={"X-CSRF-Token": csrf})
    assert "13812345678" in revealed.text
    event = next(e for e in logs if e["event"] == "order.phone_revealed")
    assert event["order_id"] == ORDER_ID and event["staff"] == "本地客服"
    assert services.calls[-1][3] == "local-cs", "the console calls with the agent's own token"

    services.phone_api = False
    missing = await browser.post(f"/orders/{ORDER_ID}/reveal-phone", headers={"X-CSRF-Token": csrf})
    assert "尚未提供完整号码查询接口" in missing.text


async def test_rule_edit_shows_the_validation_errors(browser: httpx.AsyncClient) -> None:
    csrf = await login(browser, "local-manager")
    form = {"condition": "paid_total_cny_fen >= 300000", "level": "2", "base_version": "3", "csrf_token": csrf}
    refused = await browser.post("/rules/R11", data=form)
    assert "example must_trigger does not trigger" in refused.text and "rule-errors" in refused.text
    saved = await browser.post("/rules/R11", data={**form, "condition": "paid_total_cny_fen >= 250000"})
    assert "已保存（规则集版本 4）" in saved.text


async def test_a_revoked_or_tampered_session_logs_out(services: FakeServices) -> None:
    app = create_app(ConsoleSettings(**LOCAL_SETTINGS), RuntimeSettings(env="test"), transport=services.transport())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        await login(client, "local-cs")
        client.cookies.set(COOKIE_NAME, "tampered")
        assert (await client.get("/orders")).status_code == 303


async def test_production_refuses_the_development_session_secret() -> None:
    with pytest.raises(ValueError, match="CONSOLE_SESSION_SECRET"):
        create_app(ConsoleSettings(), RuntimeSettings(env="production"))
    app = create_app(ConsoleSettings(session_secret="a-real-secret"), RuntimeSettings(env="production"))
    assert app.state.deps.secure_cookies, "outside local mode the cookie is Secure"


async def test_live_feed_relays_the_rules_stream_with_the_agents_token(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    await login(browser, "local-cs")
    feed = await browser.get("/events/anomalies")
    assert feed.headers["content-type"].startswith("text/event-stream")
    assert feed.text.startswith(": listening") and "触发限购规则" in feed.text
    assert services.calls[-1][2:4] == ("/v1/anomalies/stream", "local-cs")
    services.stream_down = True
    retry = await browser.get("/events/anomalies")
    assert retry.status_code == 200 and retry.text.startswith("retry: 5000"), "the browser tries again later"
    await login(browser, "local-warehouse")
    assert (await browser.get("/events/anomalies")).status_code == 403
