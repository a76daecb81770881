"""Notify settings (`NOTIFY_*`). Every value has a working local default."""

from __future__ import annotations

import json
from datetime import time
from typing import Literal

from orderhub_runtime.settings import ServiceSettings
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from notify.routing import RoutingTable, local_routing

# Placeholder keys for the local group robots; real keys come from NOTIFY_WECOM_ROBOT_KEYS.
LOCAL_ROBOT_KEYS = {"warehouse_group": "local-warehouse-group-robot", "cs_group": "local-cs-group-robot"}


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    http_port: int = 8005
    sms_provider: Literal["recording", "aliyun", "tencent"] = "recording"
    wecom_provider: Literal["recording", "wecom"] = "recording"
    provider_timeout_s: float = Field(default=5.0, gt=0)
    # Aliyun SMS (dysmsapi). Template codes map ours to the approved ones: {"shipment_dispatched": "SMS_1234"}.
    aliyun_base_url: str = "https://dysmsapi.aliyuncs.com"
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: SecretStr = SecretStr("")
    # Tencent Cloud SMS (API 3.0, TC3-HMAC-SHA256).
    tencent_base_url: str = "https://sms.tencentcloudapi.com"
    tencent_secret_id: str = ""
    tencent_secret_key: SecretStr = SecretStr("")
    tencent_sms_sdk_app_id: str = ""
    tencent_region: str = "ap-guangzhou"
    # Both SMS providers: the approved signature, and our template codes mapped to the provider's
    # approved templates ({"shipment_dispatched": "SMS_1234"} for Aliyun, {"shipment_dispatched": "1234567"}
    # for Tencent); an unmapped template is sent under our own code.
    sms_sign_name: str = "订单中枢"
    sms_template_codes: dict[str, str] = Field(default_factory=dict)
    # Tencent templates number their variables: our variable names in placeholder order, per
    # template ({"shipment_dispatched": ["order_id", "carrier", "waybill_no"]}); default: the order
    # in which our own template text uses them.
    tencent_template_params: dict[str, list[str]] = Field(default_factory=dict)
    # WeCom: robots (keys below) and application messages (corp credentials).
    wecom_base_url: str = "https://qyapi.weixin.qq.com"
    wecom_corp_id: str = ""
    wecom_corp_secret: SecretStr = SecretStr("")
    wecom_agent_id: int = 0
    wecom_robot_mentions: dict[str, list[str]] = Field(default_factory=dict)  # robot -> mentioned_mobile_list
    wecom_robot_formats: dict[str, Literal["text", "markdown"]] = Field(default_factory=dict)  # robot -> msgtype

    # The sender: how many messages it takes at once, when it looks without being woken, retries.
    sender_batch_size: int = Field(default=200, ge=1)
    sender_poll_interval_s: float = Field(default=1.0, gt=0)
    sender_concurrency: int = Field(default=4, ge=1)  # claimed batches with the providers at once
    max_attempts: int = Field(default=5, ge=1)
    retry_base_s: float = Field(default=2.0, gt=0)
    retry_max_s: float = Field(default=600.0, gt=0)
    # A message `sending` this long without an answer (a timeout, or a crash between the provider
    # call and the commit) is resolved: looked up at the provider where possible, else sent again.
    # Must exceed provider_timeout_s so a live call is never taken for a lost one.
    sending_stale_after_s: float = Field(default=30.0, gt=0)

    # Limits (0 = no limit): per phone for SMS, per robot for WeCom groups (WeCom allows 20/min).
    sms_per_phone_per_minute: int = Field(default=3, ge=0)
    sms_per_phone_per_hour: int = Field(default=10, ge=0)
    sms_per_phone_per_day: int = Field(default=20, ge=0)
    wecom_per_robot_per_minute: int = Field(default=20, ge=0)
    # Non-urgent customer SMS are held during quiet hours (Asia/Shanghai) and sent when they end.
    # An empty NOTIFY_QUIET_HOURS_START / _END turns them off.
    quiet_hours_start: time | None = time(22, 0)
    quiet_hours_end: time | None = time(8, 0)
    urgent_templates: list[str] = Field(default_factory=list)
    # JSON, e.g. {"regional_managers": {"江苏省": "user:zhang.wei"}, "default_regional_manager": "user:li.na",
    #             "roles": {"ops_manager": "user:wang.ops", "warehouse_group": "robot:warehouse_group"}}
    routing: RoutingTable = Field(default_factory=local_routing)
    # JSON {"<robot name>": "<webhook key>"}; secret, so routes and the delivery log name robots, never keys.
    wecom_robot_keys: SecretStr = SecretStr(json.dumps(LOCAL_ROBOT_KEYS))

    @field_validator("quiet_hours_start", "quiet_hours_end", mode="before")
    @classmethod
    def _blank_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _every_robot_has_a_key(self) -> NotifySettings:
        keys = self.robot_keys()
        missing = sorted(name for name in self.routing.robot_names() if not keys.get(name))
        if missing:
            raise ValueError(f"NOTIFY_WECOM_ROBOT_KEYS has no key for the routed robot(s): {', '.join(missing)}")
        if self.sms_provider == "aliyun" and not (
            self.aliyun_access_key_id and self.aliyun_access_key_secret.get_secret_value()
        ):
            raise ValueError("NOTIFY_SMS_PROVIDER=aliyun needs NOTIFY_ALIYUN_ACCESS_KEY_ID and _SECRET")
        if self.sms_provider == "tencent" and not (
            self.tencent_secret_id and self.tencent_secret_key.get_secret_value() and self.tencent_sms_sdk_app_id
        ):
            raise ValueError(
                "NOTIFY_SMS_PROVIDER=tencent needs NOTIFY_TENCENT_SECRET_ID, _SECRET_KEY and _SMS_SDK_APP_ID"
            )
        if self.wecom_provider == "wecom" and not (self.wecom_corp_id and self.wecom_corp_secret.get_secret_value()):
            raise ValueError("NOTIFY_WECOM_PROVIDER=wecom needs NOTIFY_WECOM_CORP_ID and NOTIFY_WECOM_CORP_SECRET")
        if self.sending_stale_after_s <= self.provider_timeout_s:
            raise ValueError("NOTIFY_SENDING_STALE_AFTER_S must exceed NOTIFY_PROVIDER_TIMEOUT_S")
        return self

    def robot_keys(self) -> dict[str, str]:
        raw = self.wecom_robot_keys.get_secret_value().strip() or "{}"
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"NOTIFY_WECOM_ROBOT_KEYS is not JSON: {exc.msg}") from None
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise ValueError('NOTIFY_WECOM_ROBOT_KEYS must be a JSON object {"<robot name>": "<key>"}')
        return {str(name): value for name, value in parsed.items()}
