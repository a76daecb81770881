"""Each network provider against its simulator: requests signed and shaped as the real API wants
them, answers sorted into sent / permanent / transient / ambiguous, and the lookups that settle
an ambiguous send without sending it again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from notify.providers.aliyun import AliyunSmsProvider
from notify.providers.base import ProviderError, ProviderResult
from notify.providers.tencent import TencentSmsProvider
from notify.providers.wecom import WeComApiProvider
from notify.routing import WeComTarget
from orderhub_devstack.testing import eventually

if TYPE_CHECKING:
    from conftest import Simulator, Simulators

pytestmark = pytest.mark.asyncio(loop_scope="session")
PHONE = "13800138000"
PARAMS = {"order_id": "DABE202611240001", "carrier": "顺丰速运", "waybill_no": "SF1234567890"}
ORDER = ["order_id", "carrier", "waybill_no"]


def aliyun(sim: Simulator, *, secret: str = "sim-access-key-secret", timeout_s: float = 5.0) -> AliyunSmsProvider:
    return AliyunSmsProvider(
        httpx.AsyncClient(timeout=timeout_s),
        base_url=sim.url,
        access_key_id="sim-access-key-id",
        access_key_secret=secret,
        sign_name="订单中枢",
        template_codes={"shipment_dispatched": "SMS_100001"},
    )


def tencent(sim: Simulator, *, secret: str = "sim-secret-key", timeout_s: float = 5.0) -> TencentSmsProvider:
    return TencentSmsProvider(
        httpx.AsyncClient(timeout=timeout_s),
        base_url=sim.url,
        secret_id="sim-secret-id",
        secret_key=secret,
        sdk_app_id="1400000001",
        region="ap-guangzhou",
        sign_name="订单中枢",
        template_ids={"shipment_dispatched": "1234567"},
        param_order={"shipment_dispatched": ORDER},
    )


def wecom_provider(sim: Simulator, **overrides: Any) -> WeComApiProvider:
    options: dict[str, Any] = {
        "base_url": sim.url,
        "robot_keys": {"warehouse_group": "sim-warehouse-robot-key", "gone": "removed-robot-key"},
        "robot_mentions": {"warehouse_group": ["13800001111"]},
        "corp_id": "sim-corp-id",
        "corp_secret": "sim-corp-secret",
        "agent_id": 1000002,
        **overrides,
    }
    return WeComApiProvider(httpx.AsyncClient(timeout=5.0), **options)


async def refused(call: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await call
    return caught.value


# ---- Aliyun SMS ----------------------------------------------------------------------------
async def test_aliyun_send_is_signed_and_carries_template_params_and_out_id(sims: Simulators) -> None:
    provider = aliyun(sims.aliyun)
    result = await provider.send(PHONE, "shipment_dispatched", PARAMS, "msg-1")
    assert result.message_id.endswith("^0"), "Aliyun's BizId"
    [sent] = sims.aliyun.received("SendSms")
    assert (sent["phone"], sent["template_code"], sent["out_id"]) == (PHONE, "SMS_100001", "msg-1")
    assert (sent["sign_name"], sent["template_param"]) == ("订单中枢", PARAMS)


async def test_aliyun_refusals_are_sorted_into_permanent_and_transient(sims: Simulators) -> None:
    provider = aliyun(sims.aliyun)
    bad_sig = await refused(aliyun(sims.aliyun, secret="wrong").send(PHONE, "shipment_dispatched", PARAMS, "m"))
    assert (bad_sig.code, bad_sig.permanent) == ("SignatureDoesNotMatch", True)
    illegal = await refused(provider.send("12345678901", "shipment_dispatched", PARAMS, "m"))
    assert (illegal.code, illegal.reason, illegal.permanent) == ("isv.MOBILE_NUMBER_ILLEGAL", "invalid_phone", True)
    await sims.aliyun.fault("rate_limited")
    limited = await refused(provider.send(PHONE, "shipment_dispatched", PARAMS, "m"))
    assert (limited.code, limited.reason, limited.permanent, limited.ambiguous) == (
        "isv.BUSINESS_LIMIT_CONTROL",
        "rate_limited",
        False,
        False,
    )
    await sims.aliyun.fault("server_error")
    server = await refused(provider.send(PHONE, "shipment_dispatched", PARAMS, "m"))
    assert (server.code, server.permanent, server.ambiguous) == ("http_500", False, False)
    assert sims.aliyun.received("SendSms") == []


async def test_an_aliyun_timeout_is_ambiguous_and_query_send_details_settles_it(sims: Simulators) -> None:
    provider = aliyun(sims.aliyun, timeout_s=0.3)
    since = datetime.now(UTC) - timedelta(seconds=1)
    assert await provider.find_sent(PHONE, "msg-slow", since) is None
    await sims.aliyun.fault("slow", delay_s=0.8)
    timeout = await refused(provider.send(PHONE, "shipment_dispatched", PARAMS, "msg-slow"))
    assert (timeout.code, timeout.permanent, timeout.ambiguous) == ("timeout", False, True)

    async def found() -> ProviderResult | None:
        return await provider.find_sent(PHONE, "msg-slow", since)

    assert (await eventually(found)).message_id, "the send went out; the lookup says so"
    assert len(sims.aliyun.received("SendSms")) == 1


# ---- Tencent Cloud SMS ---------------------------------------------------------------------
async def test_tencent_send_is_tc3_signed_with_positional_params_and_session_context(sims: Simulators) -> None:
    result = await tencent(sims.tencent).send(PHONE, "shipment_dispatched", PARAMS, "msg-2")
    [sent] = sims.tencent.received("SendSms")
    assert result.message_id == sent["serial_no"] and result.message_id
    assert (sent["phone"], sent["template_id"], sent["session_context"]) == ("+86" + PHONE, "1234567", "msg-2")
    assert sent["template_params"] == [PARAMS[name] for name in ORDER], "in the approved template's order"


async def test_tencent_refusals_are_sorted_into_permanent_and_transient(sims: Simulators) -> None:
    provider = tencent(sims.tencent)
    bad_sig = await refused(tencent(sims.tencent, secret="wrong").send(PHONE, "shipment_dispatched", PARAMS, "m"))
    assert (bad_sig.code, bad_sig.permanent) == ("AuthFailure.SignatureFailure", True)
    await sims.tencent.fault("illegal_number")
    illegal = await refused(provider.send(PHONE, "shipment_dispatched", PARAMS, "m"))
    assert (illegal.code, illegal.reason, illegal.permanent) == (
        "InvalidParameterValue.IncorrectPhoneNumber",
        "invalid_phone",
        True,
    )
    await sims.tencent.fault("rate_limited")
    limited = await refused(provider.send(PHONE, "shipment_dispatched", PARAMS, "m"))
    assert (limited.reason, limited.permanent) == ("rate_limited", False)
    await sims.tencent.fault("server_error")
    server = await refused(provider.send(PHONE, "shipment_dispatched", PARAMS, "m"))
    assert (server.code, server.permanent) == ("http_500", False)
    missing = await refused(provider.send(PHONE, "shipment_dispatched", {"order_id": "x"}, "m"))
    assert (missing.code, missing.permanent) == ("template_params", True)
    assert sims.tencent.received("SendSms") == []


async def test_a_tencent_timeout_is_settled_by_the_delivery_reports(sims: Simulators) -> None:
    provider = tencent(sims.tencent, timeout_s=0.3)
    since = datetime.now(UTC)
    await sims.tencent.fault("slow", delay_s=0.8)
    timeout = await refused(provider.send(PHONE, "shipment_dispatched", PARAMS, "msg-slow"))
    assert timeout.ambiguous and not timeout.permanent
    assert await provider.find_sent("13900139000", "msg-slow", since) is None

    async def found() -> ProviderResult | None:
        return await provider.find_sent(PHONE, "msg-slow", since)

    result = await eventually(found)
    [sent] = sims.tencent.received("SendSms")
    assert result.message_id == sent["serial_no"]


# ---- WeCom ---------------------------------------------------------------------------------
async def test_a_robot_gets_text_with_the_configured_mentions(sims: Simulators) -> None:
    target = WeComTarget.parse("robot:warehouse_group")
    result = await wecom_provider(sims.wecom).send(target, "发货超时风险", "msg-3")
    [hook] = sims.wecom.received("webhook")
    assert (hook["key"], hook["msgtype"], hook["content"]) == ("sim-warehouse-robot-key", "text", "发货超时风险")
    assert hook["mentioned_mobile_list"] == ["13800001111"]
    assert result.message_id == "robot:msg-3"


async def test_a_robot_can_be_configured_for_markdown(sims: Simulators) -> None:
    provider = wecom_provider(sims.wecom, robot_formats={"warehouse_group": "markdown"})
    await provider.send(WeComTarget.parse("robot:warehouse_group"), "**发货超时风险**", "msg-md")
    [hook] = sims.wecom.received("webhook")
    assert (hook["msgtype"], hook["content"], hook["mentioned_mobile_list"]) == ("markdown", "**发货超时风险**", [])


async def test_robot_errors_bad_key_is_permanent_rate_limit_and_5xx_are_transient(sims: Simulators) -> None:
    provider = wecom_provider(sims.wecom)
    gone = await refused(provider.send(WeComTarget.parse("robot:gone"), "x", "m"))
    assert (gone.code, gone.reason, gone.permanent) == ("wecom.93000", "bad_robot_key", True)
    group = WeComTarget.parse("robot:warehouse_group")
    await sims.wecom.fault("rate_limited")
    limited = await refused(provider.send(group, "x", "m"))
    assert (limited.code, limited.reason, limited.permanent) == ("wecom.45009", "rate_limited", False)
    await sims.wecom.fault("server_error")
    server = await refused(provider.send(group, "x", "m"))
    assert (server.code, server.permanent) == ("http_502", False)


async def test_app_messages_fetch_a_token_once_and_reuse_it_until_it_expires(sims: Simulators) -> None:
    provider = wecom_provider(sims.wecom)
    manager = WeComTarget.parse("user:zj-manager")
    first = await provider.send(manager, "请核实订单 A", "m1")
    await provider.send(manager, "请核实订单 B", "m2")
    assert sims.wecom.app.state.wecom.token_requests == 1, "cached, not fetched per message"
    assert first.message_id
    sims.wecom.app.state.wecom.tokens.clear()  # WeCom invalidated it (40014): fetched again, sent once
    await provider.send(manager, "请核实订单 C", "m3")
    assert sims.wecom.app.state.wecom.token_requests == 2
    contents = [r["content"] for r in sims.wecom.received("app_message")]
    assert contents == ["请核实订单 A", "请核实订单 B", "请核实订单 C"]
    unknown = await refused(provider.send(WeComTarget.parse("user:nobody"), "x", "m4"))
    assert (unknown.code, unknown.permanent) == ("wecom.81013", True)


async def test_an_expired_token_is_replaced_before_it_is_used(sims: Simulators) -> None:
    sims.wecom.app.state.wecom.token_ttl_s = 1.0  # expires_in 1: cached for at most that long
    provider = wecom_provider(sims.wecom)
    manager = WeComTarget.parse("user:js-manager")
    await provider.send(manager, "一", "m1")

    async def sent_with_a_new_token() -> bool:
        await provider.send(manager, "二", "m2")
        return bool(sims.wecom.app.state.wecom.token_requests == 2)

    assert await eventually(sent_with_a_new_token, interval_s=0.5)
    assert all(r["content"] in ("一", "二") for r in sims.wecom.received("app_message"))
