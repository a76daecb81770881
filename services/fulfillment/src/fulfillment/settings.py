from __future__ import annotations

from datetime import timedelta
from typing import Literal

from orderhub_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class FulfillmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FULFILLMENT_", extra="ignore")

    http_port: int = 8003
    # Which carrier issues waybill numbers; only the local (offline, deterministic) one exists so far.
    carrier: Literal["local"] = "local"
    # In-stock parcels must leave this many hours after payment (发货时效).
    in_stock_ship_hours: int = Field(default=24, ge=1, le=24 * 14)
    # Rules whose anomaly.raised is a remark flag printed on the paper (R12 备注需关注, R14 预售现货混合).
    remark_flag_rules: tuple[str, ...] = ("R12", "R14")
    # The board flags parcels with less than this many hours left as urgent.
    urgent_within_hours: int = Field(default=4, ge=1, le=48)

    @property
    def in_stock_window(self) -> timedelta:
        return timedelta(hours=self.in_stock_ship_hours)
