"""Insights settings (`INSIGHTS_*`)."""

from __future__ import annotations

from orderhub_runtime.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict


class InsightsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INSIGHTS_", extra="ignore")

    http_port: int = 8006
    # Customers are keyed by a keyed hash of their phone: the read model never holds the number.
    customer_key_secret: SecretStr = SecretStr("local-insights-customer-key")
    # Heat analysis: a repurchase counts within this many days of the customer's first order.
    repurchase_window_days: int = Field(default=7, ge=1, le=365)
    # Cells with fewer first-time customers are marked as too thin to trust, not coloured.
    min_customers_per_cell: int = Field(default=30, ge=1)
    # 快: anomalies of these levels count (level 1 needs no person).
    response_min_level: int = Field(default=2, ge=1, le=3)
    # 省: the same person doing the same thing to the same order within this window counts once.
    repeat_window_s: int = Field(default=60, ge=1)
    # 稳 belongs to fulfillment, which owns the carriers' tracks: /v1/kpi asks its public API.
    fulfillment_url: str = "http://127.0.0.1:8003"
    status_accuracy_timeout_s: float = Field(default=30.0, gt=0)
