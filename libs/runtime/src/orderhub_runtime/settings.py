"""Settings from the environment. Shared bus and platform settings carry the `ORDERHUB_` prefix;
each service adds its own small class with its own prefix (`INGEST_`, `RULES_`, ...)."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["cs", "warehouse", "manager", "ops"]


class StaffMember(BaseModel):
    name: str
    role: Role


LOCAL_STAFF_TOKENS: dict[str, StaffMember] = {
    "local-cs": StaffMember(name="本地客服", role="cs"),
    "local-warehouse": StaffMember(name="本地仓管", role="warehouse"),
    "local-manager": StaffMember(name="本地主管", role="manager"),
    "local-ops": StaffMember(name="本地运维", role="ops"),
}


class RuntimeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERHUB_", extra="ignore")

    env: Literal["local", "test", "production"] = "local"
    log_level: str = "INFO"
    log_format: Literal["auto", "console", "json"] = "auto"

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    topic_partitions: int = Field(default=6, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    # `min.insync.replicas` of the topics a service creates (2 on a 3-broker cluster, so that an
    # acks=all write survives one broker down); unset: the broker's default (and the embedded one's).
    topic_min_insync_replicas: int | None = Field(default=None, ge=1)
    # Short group timeouts keep joins fast on the embedded broker; request timeout must exceed them.
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 1000
    kafka_request_timeout_ms: int = 30000
    kafka_fetch_max_wait_ms: int = 20
    kafka_linger_ms: int = 2

    # How often a service checks that the broker is reachable, and the longest pause between
    # checks (backing off) while it is not.
    broker_check_interval_s: float = Field(default=2.0, gt=0)
    broker_retry_max_s: float = Field(default=5.0, gt=0)
    # How long start-up waits for the broker before serving HTTP without it (connecting later).
    broker_startup_wait_s: float = Field(default=10.0, ge=0)
    # Bounds on shutdown, so a service stops promptly even with the broker away.
    shutdown_drain_timeout_s: float = Field(default=5.0, ge=0)

    consumer_batch_size: int = Field(default=200, ge=1)
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_ms: int = 200

    outbox_batch_size: int = Field(default=500, ge=1)
    outbox_poll_interval_s: float = 1.0
    outbox_retention_hours: int = Field(default=168, ge=1)
    # A memory-only broker that restarts comes up empty: re-publish retained events into it.
    outbox_replay_on_new_broker: bool = True

    # Request bodies above this are refused with 413 before being read whole.
    http_max_body_bytes: int = Field(default=1024 * 1024, ge=1)

    # How often the outbox backlog and the age of its oldest row are sampled for /metrics.
    metrics_sample_interval_s: float = Field(default=5.0, gt=0)

    # JSON object: {"token": {"name": "...", "role": "cs"}}. Empty outside local mode means no staff.
    staff_tokens: SecretStr = SecretStr("")

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @property
    def is_local(self) -> bool:
        return self.env in ("local", "test")

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return not self.is_local
        return self.log_format == "json"

    def staff_directory(self) -> dict[str, StaffMember]:
        raw = self.staff_tokens.get_secret_value().strip()
        if not raw:
            return dict(LOCAL_STAFF_TOKENS) if self.is_local else {}
        parsed = json.loads(raw)
        return {token: StaffMember.model_validate(member) for token, member in parsed.items()}


class ServiceSettings(BaseSettings):
    """Base for each service's own settings; subclasses set `env_prefix`.

    Secret defaults exist so that local mode works out of the box; outside local mode a service
    refuses to start while any of them is still in force (`refuse_development_secrets`)."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: SecretStr = SecretStr("")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    db_pool_size: int = Field(default=10, ge=1)

    def development_secrets(self) -> dict[str, set[str]]:
        """Setting name -> values that are only ever right for development: by default every
        secret's non-empty default. Services add their known development keys."""
        known: dict[str, set[str]] = {}
        for name, info in type(self).model_fields.items():
            default = info.default
            if isinstance(default, SecretStr) and default.get_secret_value():
                known[name] = {default.get_secret_value()}
        return known

    def refuse_development_secrets(self) -> None:
        """Raise, naming each setting, if a secret still holds a development value."""
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        offending = sorted(
            f"{prefix}{name.upper()}"
            for name, values in self.development_secrets().items()
            if _secret_text(getattr(self, name, None)) in values
        )
        if offending:
            raise ValueError(
                "development secrets are not accepted outside local mode; set real values for: " + ", ".join(offending)
            )


def _secret_text(value: object) -> str | None:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value if isinstance(value, str) else None
