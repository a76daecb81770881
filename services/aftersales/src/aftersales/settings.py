from __future__ import annotations

from orderhub_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class AftersalesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", extra="ignore")

    http_port: int = 8004
    # The compensation coupon of a void-and-reorder: from this budget pool, this much, valid this long.
    compensation_pool: str = "marketing"
    compensation_coupon_fen: int = Field(default=500, gt=0)
    compensation_coupon_valid_days: int = Field(default=30, gt=0)
