from __future__ import annotations

from orderhub_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class AftersalesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", extra="ignore")

    http_port: int = 8004
    ingest_url: str = "http://127.0.0.1:8001"  # who a mini-program session token belongs to
    session_cache_s: float = 30.0
    photo_max_bytes: int = 5 * 1024 * 1024
    refund_interval_s: float = 1.0  # how often due and pending refunds are run
    refund_provider: str = "local"  # local | wechatpay
