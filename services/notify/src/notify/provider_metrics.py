"""Provider calls counted for Prometheus by channel, provider and outcome, around whatever
providers are configured: `orderhub_notify_provider_calls_total` (the SMS failure alert in
deploy/prometheus/alerts.yaml is written against it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from orderhub_runtime import metrics

from notify.providers.base import ProviderError, ProviderResult, ProviderSet, SmsProvider, WeComProvider
from notify.routing import WeComTarget

PROVIDER_CALLS = metrics.counter(
    "orderhub_notify_provider_calls_total",
    "Provider sends by channel, provider and outcome (sent, rejected, failed, ambiguous)",
    ["channel", "provider", "outcome"],
)


def _outcome(exc: ProviderError) -> str:
    if exc.ambiguous:
        return "ambiguous"
    return "rejected" if exc.permanent else "failed"


class _CountedSms:
    def __init__(self, inner: SmsProvider) -> None:
        self._inner = inner

    @property
    def name(self) -> str:
        return self._inner.name

    async def send(self, phone: str, template_code: str, params: Mapping[str, str], out_id: str) -> ProviderResult:
        try:
            result = await self._inner.send(phone, template_code, params, out_id)
        except ProviderError as exc:
            PROVIDER_CALLS.labels(channel="sms", provider=self.name, outcome=_outcome(exc)).inc()
            raise
        PROVIDER_CALLS.labels(channel="sms", provider=self.name, outcome="sent").inc()
        return result

    async def find_sent(self, phone: str, out_id: str, since: datetime) -> ProviderResult | None:
        return await self._inner.find_sent(phone, out_id, since)

    async def aclose(self) -> None:
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            await close()


class _CountedWeCom:
    def __init__(self, inner: WeComProvider) -> None:
        self._inner = inner

    @property
    def name(self) -> str:
        return self._inner.name

    async def send(self, target: WeComTarget, text: str, dedupe_key: str) -> ProviderResult:
        try:
            result = await self._inner.send(target, text, dedupe_key)
        except ProviderError as exc:
            PROVIDER_CALLS.labels(channel="wecom", provider=self.name, outcome=_outcome(exc)).inc()
            raise
        PROVIDER_CALLS.labels(channel="wecom", provider=self.name, outcome="sent").inc()
        return result

    async def aclose(self) -> None:
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            await close()


def counted(providers: ProviderSet) -> ProviderSet:
    return ProviderSet(sms=_CountedSms(providers.sms), wecom=_CountedWeCom(providers.wecom))


def counting(wrap: Callable[[ProviderSet], ProviderSet] | None) -> Callable[[ProviderSet], ProviderSet]:
    """A provider wrapper that counts the calls, outside `wrap` (what the sender sees)."""
    return lambda providers: counted(wrap(providers) if wrap is not None else providers)
