"""What the sender needs from a provider. Real providers (Aliyun / Tencent SMS, WeCom robot and
app messages) implement these; the local ones record instead of sending.

Error classes: `permanent` (bad number, bad robot key, template rejected) is never retried;
`ambiguous` (a timeout: the provider may have sent it) is resolved with `find_sent` where the
provider offers a lookup before anything is sent again; anything else (5xx, connect failures,
throttling) is transient and retried with backoff."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from notify.routing import WeComTarget


@dataclass(frozen=True, slots=True)
class ProviderResult:
    message_id: str  # the provider's ID for the message (Aliyun BizId, Tencent SerialNo, ...)


# Provider-neutral error codes (ProviderError.reason) for what callers act on.
INVALID_PHONE = "invalid_phone"
RATE_LIMITED = "rate_limited"
BAD_ROBOT_KEY = "bad_robot_key"


class ProviderError(Exception):
    """`code` is the provider's own (isv.MOBILE_NUMBER_ILLEGAL, wecom.93000, ...); `reason`, when
    given, is the provider-neutral code the delivery log and NotificationFailed carry (the rules
    service acts on `invalid_phone` whichever provider said so)."""

    def __init__(
        self, code: str, detail: str = "", *, permanent: bool, ambiguous: bool = False, reason: str = ""
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.permanent = permanent
        self.ambiguous = ambiguous
        self.reason = reason or code

    @property
    def described(self) -> str:
        """What the delivery log keeps as the error detail: the provider's code and words."""
        return f"{self.code}: {self.detail}" if self.detail else self.code


def timeout_error(detail: str) -> ProviderError:
    return ProviderError("timeout", detail, permanent=False, ambiguous=True)


class SmsProvider(Protocol):
    @property
    def name(self) -> str: ...

    async def send(self, phone: str, template_code: str, params: Mapping[str, str], out_id: str) -> ProviderResult:
        """Send template `template_code` (our code; the provider maps it to its own) filled with
        `params`; `out_id` is our message ID (Aliyun OutId / Tencent SessionContext)."""
        ...

    async def find_sent(self, phone: str, out_id: str, since: datetime) -> ProviderResult | None:
        """The provider's record of a send of `out_id` to `phone` at or after `since`, or None
        when it has none; raises ProviderError when it cannot tell."""
        ...


class WeComProvider(Protocol):
    @property
    def name(self) -> str: ...

    async def send(self, target: WeComTarget, text: str, dedupe_key: str) -> ProviderResult:
        """A text message to a user (app message) or a group (robot webhook)."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderSet:
    sms: SmsProvider
    wecom: WeComProvider

    async def aclose(self) -> None:
        for provider in (self.sms, self.wecom):
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()
