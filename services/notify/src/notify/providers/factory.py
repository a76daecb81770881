"""Choosing the providers from settings (`NOTIFY_SMS_PROVIDER`, `NOTIFY_WECOM_PROVIDER`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from notify.providers.aliyun import ALIYUN, AliyunSmsProvider
from notify.providers.base import ProviderSet, SmsProvider, WeComProvider
from notify.providers.recording import RECORDING, RecordingSmsProvider, RecordingWeComProvider
from notify.providers.tencent import TENCENT, TencentSmsProvider
from notify.providers.wecom import WECOM, WeComApiProvider
from notify.settings import NotifySettings


def provider_names(settings: NotifySettings) -> dict[str, str]:
    """Channel -> provider name, as written on each message when it is recorded."""
    sms = {"recording": RECORDING, "aliyun": ALIYUN, "tencent": TENCENT}[settings.sms_provider]
    wecom = {"recording": RECORDING, "wecom": WECOM}[settings.wecom_provider]
    return {"sms": sms, "wecom": wecom}


def _client(settings: NotifySettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=settings.provider_timeout_s, limits=httpx.Limits(max_connections=50))


def build_providers(
    settings: NotifySettings, engine: AsyncEngine, template_variables: Mapping[str, Sequence[str]] | None = None
) -> ProviderSet:
    """`template_variables`: each template's variables in order of use (Tencent's default order)."""
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
    elif settings.sms_provider == "tencent":
        sms = TencentSmsProvider(
            _client(settings),
            base_url=settings.tencent_base_url,
            secret_id=settings.tencent_secret_id,
            secret_key=settings.tencent_secret_key.get_secret_value(),
            sdk_app_id=settings.tencent_sms_sdk_app_id,
            region=settings.tencent_region,
            sign_name=settings.sms_sign_name,
            template_ids=settings.sms_template_codes,
            param_order={**(template_variables or {}), **settings.tencent_template_params},
        )
    else:
        sms = RecordingSmsProvider(engine)
    if settings.wecom_provider == "wecom":
        wecom = WeComApiProvider(
            _client(settings),
            base_url=settings.wecom_base_url,
            robot_keys=settings.robot_keys(),
            robot_mentions=settings.wecom_robot_mentions,
            robot_formats=settings.wecom_robot_formats,
            corp_id=settings.wecom_corp_id,
            corp_secret=settings.wecom_corp_secret.get_secret_value(),
            agent_id=settings.wecom_agent_id,
        )
    else:
        wecom = RecordingWeComProvider(engine)
    return ProviderSet(sms=sms, wecom=wecom)
