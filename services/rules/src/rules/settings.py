from __future__ import annotations

from orderhub_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from rules.engine.money import DEFAULT_CNY_RATES


class RulesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RULES_", extra="ignore")

    http_port: int = 8002
    # Timers: when each is due. The rules decide whether it is an anomaly when it fires.
    unpaid_after_s: float = 15 * 60  # R04: check for payment this long after creation
    ship_deadline_warning_s: float = 4 * 3600  # R16: check this long before the ship deadline
    in_stock_ship_within_s: float = 24 * 3600  # R16: deadline after payment when fulfillment gives none
    logistics_stall_s: float = 48 * 3600  # R17: check when no tracking update came for this long
    timer_poll_s: float = 1.0
    # Yuan per unit of each order currency, for thresholds written in yuan (R11), as JSON:
    # RULES_CNY_REFERENCE_RATES='{"MYR": 1.55}'. An order in a currency missing here is refused.
    cny_reference_rates: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_CNY_RATES))
