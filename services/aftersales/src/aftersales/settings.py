from __future__ import annotations

from orderhub_contracts.wechatpay_devkeys import LOCAL_MERCHANT_PRIVATE_KEY, LOCAL_PLATFORM_PUBLIC_KEY
from orderhub_runtime.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from aftersales.refunds.wechatpay import WeChatPayConfig


class AftersalesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", extra="ignore")

    http_port: int = 8004
    ingest_url: str = "http://127.0.0.1:8001"  # who a mini-program session token belongs to
    session_cache_s: float = 30.0
    photo_max_bytes: int = 5 * 1024 * 1024
    refund_interval_s: float = 1.0  # how often due and pending refunds are run
    refund_provider: str = "wechatpay"  # wechatpay | local (in-process, for trying things out)
    # WeChat Pay APIv3 as the merchant (local mode: the simulator of `make simulate`, port 8713).
    wechatpay_base_url: str = "http://127.0.0.1:8713"
    wechatpay_mch_id: str = "1900000109"
    wechatpay_merchant_private_key: SecretStr = SecretStr(LOCAL_MERCHANT_PRIVATE_KEY)
    wechatpay_merchant_serial: str = "4D6E0C5A1B2C3D4E5F60718293A4B5C6D7E8F901"
    wechatpay_platform_public_key: str = LOCAL_PLATFORM_PUBLIC_KEY
    wechatpay_apiv3_key: SecretStr = SecretStr("local-miniprogram-apiv3-key-0032")  # 32 bytes
    wechatpay_notify_url: str = "http://127.0.0.1:8004/webhooks/wechatpay/refund"

    # The compensation coupon of a void-and-reorder: from this budget pool, this much, valid this long.
    compensation_pool: str = "marketing"
    compensation_coupon_fen: int = Field(default=500, gt=0)
    compensation_coupon_valid_days: int = Field(default=30, gt=0)

    @property
    def wechatpay(self) -> WeChatPayConfig:
        return WeChatPayConfig(
            base_url=self.wechatpay_base_url,
            mch_id=self.wechatpay_mch_id,
            merchant_key_pem=self.wechatpay_merchant_private_key.get_secret_value(),
            merchant_serial=self.wechatpay_merchant_serial,
            platform_public_key_pem=self.wechatpay_platform_public_key,
            apiv3_key=self.wechatpay_apiv3_key.get_secret_value().encode(),
            notify_url=self.wechatpay_notify_url,
        )

    def development_secrets(self) -> dict[str, set[str]]:
        known = super().development_secrets()
        known["wechatpay_platform_public_key"] = {LOCAL_PLATFORM_PUBLIC_KEY}
        return known
