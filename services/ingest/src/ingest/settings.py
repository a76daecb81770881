"""Ingest settings (`INGEST_*`). Every platform base URL, key and secret is configuration; local
mode defaults are app key `local-<channel>`, secret `local-<channel>-secret` and the local
simulator's URL (see services/ingest/README.md for connecting a real shop)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from orderhub_contracts.wechatpay_devkeys import LOCAL_MERCHANT_PRIVATE_KEY, LOCAL_PLATFORM_PUBLIC_KEY
from orderhub_runtime.settings import ServiceSettings
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

# Local simulator ports (libs/simulators): one per channel.
SIMULATOR_PORTS = {"douyin": 8711, "shopee": 8712, "miniprogram": 8713, "taobao": 8714, "pinduoduo": 8715}


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """What one channel adapter needs: credentials, endpoints and the shops it syncs."""

    channel: str
    app_key: str
    app_secret: str
    base_url: str
    message_url: str  # push / message-stream endpoint where the platform has one (TMC, PDD)
    access_token: str
    shop_ids: tuple[str, ...]
    sync_interval_s: float
    sync_overlap_s: float
    sync_lookback_s: float
    # Channel-specific settings beyond the common ones (Shopee: partner_id, shop_id, callback_url).
    options: Mapping[str, str] = field(default_factory=dict)


def _local(channel: str) -> str:
    return f"http://127.0.0.1:{SIMULATOR_PORTS[channel]}"


class IngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore")

    http_port: int = 8001

    taobao_app_key: str = "local-taobao"
    taobao_app_secret: SecretStr = SecretStr("local-taobao-secret")
    taobao_base_url: str = _local("taobao")
    taobao_message_url: str = _local("taobao").replace("http", "ws", 1)
    taobao_access_token: SecretStr = SecretStr("local-taobao-session")
    taobao_shop_ids: str = "local-taobao-shop"  # comma-separated; each gets a periodic sync

    pinduoduo_app_key: str = "local-pinduoduo"
    pinduoduo_app_secret: SecretStr = SecretStr("local-pinduoduo-secret")
    pinduoduo_base_url: str = _local("pinduoduo")
    pinduoduo_message_url: str = _local("pinduoduo").replace("http", "ws", 1)
    pinduoduo_access_token: SecretStr = SecretStr("local-pinduoduo-token")
    pinduoduo_shop_ids: str = "local-pinduoduo-shop"

    douyin_app_key: str = "local-douyin"
    douyin_app_secret: SecretStr = SecretStr("local-douyin-secret")
    douyin_base_url: str = _local("douyin")
    douyin_access_token: SecretStr = SecretStr("local-douyin-token")
    douyin_shop_ids: str = "local-douyin-shop"

    shopee_app_key: str = "local-shopee"  # Shopee calls it partner_key's owner app; kept for symmetry
    shopee_app_secret: SecretStr = SecretStr("local-shopee-secret")  # the partner key (signs calls and pushes)
    shopee_base_url: str = _local("shopee")
    shopee_partner_id: int = 100001
    shopee_shop_id: int = 200001  # the Shopee MY shop (also the one synced)
    shopee_access_token: SecretStr = SecretStr("local-shopee-token")
    shopee_callback_url: str = "http://127.0.0.1:8001/webhooks/shopee"  # exactly as registered with Shopee

    miniprogram_app_key: str = "local-miniprogram"  # the mini-program appid
    miniprogram_app_secret: SecretStr = SecretStr("local-miniprogram-secret")  # its AppSecret (code2session)
    miniprogram_base_url: str = _local("miniprogram")  # api.weixin.qq.com and api.mch.weixin.qq.com in production
    miniprogram_mch_id: str = "1900000109"
    miniprogram_apiv3_key: SecretStr = SecretStr("local-miniprogram-apiv3-key-0032")  # 32 bytes
    # WeChat Pay platform public key (PEM). Empty in local mode: the simulator's published dev key is used.
    miniprogram_platform_public_key: SecretStr = SecretStr("")
    miniprogram_notify_url: str = "http://127.0.0.1:8001/webhooks/wechatpay"
    miniprogram_pay_base_url: str = _local("miniprogram")  # WeChat Pay API: https://api.mch.weixin.qq.com
    # The merchant's API private key (PEM) and its certificate serial, signing WeChat Pay API calls.
    # Empty in local mode: the simulator's published dev merchant key is used (refused in production).
    miniprogram_merchant_private_key: SecretStr = SecretStr("")
    miniprogram_merchant_serial: str = "4D6E0C5A1B2C3D4E5F60718293A4B5C6D7E8F901"
    miniprogram_session_ttl_s: int = 7 * 24 * 3600
    # The payment reconciler asks WeChat Pay this often about unpaid orders that went to payment in
    # the last `window` (a lost notification costs at most one interval); 0 switches it off.
    miniprogram_reconcile_interval_s: float = 60.0
    miniprogram_reconcile_window_s: float = 2 * 3600.0
    # An unpaid mini-program order closes by itself this long after it was placed (R04 reminds at
    # 15 min); the closer looks every `interval` (0 switches it off).
    miniprogram_unpaid_close_after_s: float = 30 * 60.0
    miniprogram_unpaid_close_interval_s: float = 60.0
    # Order changes: the address can simply be replaced this long after the order was created
    # (and while its label is not on paper); later it is an intercept or a void-and-reorder.
    address_freeze_window_s: float = 15 * 60.0
    # Carriers (as fulfillment names them, e.g. ["ZTO", "SF"]) that re-address a parcel already picked
    # up (快递100 interceptOrder MODIFY_ADDR); for others a change after shipping is refused.
    address_intercept_carriers: tuple[str, ...] = ()

    sync_interval_s: float = 60.0
    sync_overlap_s: float = 300.0  # each incremental sync re-reads this much before the watermark
    sync_lookback_s: float = 3 * 24 * 3600.0  # first sync of a shop starts this far back
    fetch_poll_interval_s: float = 0.5
    fetch_batch_size: int = 20
    channels_enabled: bool = True  # background fetch worker and per-shop sync

    def development_secrets(self) -> dict[str, set[str]]:
        """Every secret's local default, and the WeChat Pay simulator's keys
        (`orderhub_contracts.wechatpay_devkeys`): an empty key means "use the development key", so
        empty is refused outside local mode too."""
        known = super().development_secrets()
        for name, key in (
            ("miniprogram_platform_public_key", LOCAL_PLATFORM_PUBLIC_KEY),
            ("miniprogram_merchant_private_key", LOCAL_MERCHANT_PRIVATE_KEY),
        ):
            known.setdefault(name, set()).update({"", key, key.strip()})
        return known

    def channel(self, name: str) -> ChannelConfig:
        """The configuration of one channel, by name (taobao, pinduoduo, douyin, shopee, miniprogram)."""
        raw = self.model_dump()
        secret = getattr(self, f"{name}_app_secret")
        token = getattr(self, f"{name}_access_token", SecretStr(""))
        if name == "shopee":
            shops: tuple[str, ...] = (str(self.shopee_shop_id),)
        else:
            shops = tuple(s.strip() for s in str(raw.get(f"{name}_shop_ids", "")).split(",") if s.strip())
        return ChannelConfig(
            channel=name,
            app_key=str(raw[f"{name}_app_key"]),
            app_secret=secret.get_secret_value(),
            base_url=str(raw[f"{name}_base_url"]).rstrip("/"),
            message_url=str(raw.get(f"{name}_message_url", "")),
            access_token=token.get_secret_value(),
            shop_ids=shops,
            sync_interval_s=self.sync_interval_s,
            sync_overlap_s=self.sync_overlap_s,
            sync_lookback_s=self.sync_lookback_s,
            options=self._channel_options(name),
        )

    def _channel_options(self, name: str) -> dict[str, str]:
        if name == "shopee":
            return {
                "partner_id": str(self.shopee_partner_id),
                "shop_id": str(self.shopee_shop_id),
                "callback_url": self.shopee_callback_url,
            }
        return {}
