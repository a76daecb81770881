"""Console settings (`CONSOLE_*`). Every value has a working local default."""

from __future__ import annotations

from orderhub_runtime.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

# Development key for the session cookies; refused outside local mode (refuse_development_secrets).
LOCAL_SESSION_SECRET = "local-console-session-secret-change-me"


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    http_port: int = 8007
    ingest_url: str = "http://127.0.0.1:8001"
    rules_url: str = "http://127.0.0.1:8002"
    fulfillment_url: str = "http://127.0.0.1:8003"
    aftersales_url: str = "http://127.0.0.1:8004"
    notify_url: str = "http://127.0.0.1:8005"
    # The KPI and heat-map read models; empty where that service is not deployed (the pages say so).
    insights_url: str = "http://127.0.0.1:8006"
    # Session cookies are encrypted and signed with this key (Fernet); any string, hashed to a key.
    session_secret: SecretStr = SecretStr(LOCAL_SESSION_SECRET)
    # A session lasts one working shift; after that the person logs in again.
    session_max_age_s: int = Field(default=12 * 3600, ge=60)
    # Outside local mode the cookie is sent over HTTPS only (Secure); local mode serves plain HTTP.
    secure_cookies: bool | None = None
    service_timeout_s: float = Field(default=10.0, gt=0)

    def service_urls(self) -> dict[str, str]:
        return {
            "ingest": self.ingest_url.rstrip("/"),
            "rules": self.rules_url.rstrip("/"),
            "fulfillment": self.fulfillment_url.rstrip("/"),
            "aftersales": self.aftersales_url.rstrip("/"),
            "notify": self.notify_url.rstrip("/"),
            **({"insights": self.insights_url.rstrip("/")} if self.insights_url else {}),
        }
