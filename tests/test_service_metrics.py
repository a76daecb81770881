"""Series the services add through the runtime's metrics API: notify counts every provider
call by channel, provider and outcome, whatever providers are configured."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pytest
from notify.provider_metrics import counted
from notify.providers.base import ProviderError, ProviderResult, ProviderSet
from notify.routing import WeComTarget
from prometheus_client import REGISTRY


class _Sms:
    name = "test-sms"

    async def send(self, phone: str, template_code: str, params: Mapping[str, str], out_id: str) -> ProviderResult:
        if phone == "bad":
            raise ProviderError("isv.MOBILE_NUMBER_ILLEGAL", permanent=True, reason="invalid_phone")
        if phone == "slow":
            raise ProviderError("timeout", permanent=False, ambiguous=True)
        return ProviderResult(message_id=f"biz-{out_id}")

    async def find_sent(self, phone: str, out_id: str, since: datetime) -> ProviderResult | None:
        return None


class _WeCom:
    name = "test-wecom"

    async def send(self, target: WeComTarget, text: str, dedupe_key: str) -> ProviderResult:
        raise ProviderError("wecom.45009", permanent=False)


def _count(channel: str, provider: str, outcome: str) -> float:
    labels = {"channel": channel, "provider": provider, "outcome": outcome}
    return REGISTRY.get_sample_value("orderhub_notify_provider_calls_total", labels) or 0.0


async def test_notify_counts_provider_calls_by_outcome() -> None:
    providers = counted(ProviderSet(sms=_Sms(), wecom=_WeCom()))
    before = {o: _count("sms", "test-sms", o) for o in ("sent", "rejected", "ambiguous")}
    assert (await providers.sms.send("13800000000", "T1", {}, "m1")).message_id == "biz-m1"
    for phone in ("bad", "slow"):
        with pytest.raises(ProviderError):
            await providers.sms.send(phone, "T1", {}, "m2")
    with pytest.raises(ProviderError):
        await providers.wecom.send(WeComTarget(kind="robot", id="k"), "hi", "m3")
    assert providers.sms.name == "test-sms"
    assert await providers.sms.find_sent("13800000000", "m1", datetime.now().astimezone()) is None
    assert {o: _count("sms", "test-sms", o) - before[o] for o in before} == {"sent": 1, "rejected": 1, "ambiguous": 1}
    assert _count("wecom", "test-wecom", "failed") >= 1
