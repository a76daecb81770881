from __future__ import annotations

from typing import Literal

from orderhub_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class FulfillmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FULFILLMENT_", extra="ignore")

    http_port: int = 8003
    # Which carrier issues waybill numbers; only the local (offline, deterministic) one exists so far.
    carrier: Literal["local"] = "local"
