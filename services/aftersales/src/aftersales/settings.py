from __future__ import annotations

from orderhub_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class AftersalesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", extra="ignore")

    http_port: int = 8004
