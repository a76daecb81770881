"""Choosing the providers from settings (`NOTIFY_SMS_PROVIDER`, `NOTIFY_WECOM_PROVIDER`)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from notify.providers.aliyun import ALIYUN, AliyunSmsProvider
from notify.providers.base import ProviderSet, SmsProvider, WeComProvider
from notify.providers.recording import RECORDING, RecordingSmsProvider, RecordingWeComProvider
from notify.providers.wecom import WECOM, WeComApiProvider
from notify.settings import NotifySettings


def provider_names(settings: NotifySettings) -> dict[str, str]:
    """Channel -> provider name, as written on each message when it is recorded."""
    sms = {"recording": RECORDING, "aliyun": ALIYUN}[settings.sms_provider]
    wecom = {"recording": RECORDING, "wecom": WECOM}[settings.wecom_provider]
    return {"sms": sms, "wecom": wecom}


def _client(settings: NotifySettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=settings.provider_timeout_s, limits=httpx.Limits(max_connections=50))


def build_providers(settings: NotifySettings, engine: AsyncEngine) -> ProviderSet:
    sms: SmsProvider
    wecom: WeComProvider
    if settings.sms_provider == "aliyun":
        sms = AliyunSmsProvider(
            _client(settings),
            base_url=settings.aliyun_base_url,
            access_key_id=settings.aliyun_access_key_id,
            access_key_secret=settings.aliyun_access_key_secret.get_secret_value(),
            sign_name=settings.sms_sign_name,
            template_codes=settings.sms_template_codes,
        )
    else:
        sms = RecordingSmsProvider(engine)
    if settings.wecom_provider == "wecom":
        wecom = WeComApiProvider(
            _client(settings),
            base_url=settings.wecom_base_url,
            robot_keys=settings.robot_keys(),
            robot_mentions=settings.wecom_robot_mentions,
            corp_id=settings.wecom_corp_id,
            corp_secret=settings.wecom_corp_secret.get_secret_value(),
            agent_id=settings.wecom_agent_id,
        )
    else:
        wecom = RecordingWeComProvider(engine)
    return ProviderSet(sms=sms, wecom=wecom)
