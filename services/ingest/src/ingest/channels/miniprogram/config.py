"""The mini-program's WeChat Pay configuration from settings. Local and test mode fall back to the
simulator's published development keys; anywhere else a missing key is an error, never a fallback."""

from __future__ import annotations

from orderhub_contracts.wechatpay_devkeys import LOCAL_MERCHANT_PRIVATE_KEY, LOCAL_PLATFORM_PUBLIC_KEY

from ingest.channels.miniprogram.wechatpay import PayConfig
from ingest.settings import IngestSettings


def pay_config(settings: IngestSettings, *, local: bool) -> PayConfig:
    platform_key = settings.miniprogram_platform_public_key.get_secret_value()
    merchant_key = settings.miniprogram_merchant_private_key.get_secret_value()
    if not (platform_key.strip() and merchant_key.strip()) and not local:
        raise RuntimeError(
            "INGEST_MINIPROGRAM_PLATFORM_PUBLIC_KEY and INGEST_MINIPROGRAM_MERCHANT_PRIVATE_KEY are required"
        )
    return PayConfig(
        appid=settings.miniprogram_app_key,
        mch_id=settings.miniprogram_mch_id,
        apiv3_key=settings.miniprogram_apiv3_key.get_secret_value().encode(),
        public_key_pem=platform_key if platform_key.strip() else LOCAL_PLATFORM_PUBLIC_KEY,
        merchant_key_pem=merchant_key if merchant_key.strip() else LOCAL_MERCHANT_PRIVATE_KEY,
        merchant_serial=settings.miniprogram_merchant_serial,
        base_url=settings.miniprogram_pay_base_url.rstrip("/"),
        notify_url=settings.miniprogram_notify_url,
    )
