from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Literal

from orderhub_runtime.settings import ServiceSettings
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

DEFAULT_STATE_DIR = Path("/var/tmp/orderhub")
# Installed by `make install` (Debian package fonts-wqy-microhei): TrueType outlines that reportlab embeds.
DEFAULT_CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


class FulfillmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FULFILLMENT_", extra="ignore", populate_by_name=True)

    http_port: int = 8003
    # Who issues waybill numbers and tracks parcels: 快递100 (the simulator in local mode, see
    # `make simulate`), or `local` (database-sequence numbers, no tracking; for tests).
    carrier: Literal["local", "kuaidi100"] = "local"
    carrier_timeout_s: float = Field(default=10.0, gt=0)

    # 快递100 account (https://api.kuaidi100.com/manager/page/myinfo/enterprise). The defaults
    # are the simulator's (`python -m orderhub_simulators kuaidi100`, port 9311).
    kuaidi100_api_url: str = "http://127.0.0.1:9311"  # real: https://api.kuaidi100.com
    kuaidi100_poll_url: str = "http://127.0.0.1:9311"  # real: https://poll.kuaidi100.com
    kuaidi100_key: str = "sim-kuaidi100-key"
    kuaidi100_secret: SecretStr = SecretStr("sim-kuaidi100-secret")
    kuaidi100_customer: str = "SIMCUSTOMER"
    kuaidi100_company: str = "zhongtong"  # kuaidicom of the carrier the e-waybill account is with
    kuaidi100_partner_id: str = "sim-partner"  # the e-waybill account (电子面单账号) at that carrier
    kuaidi100_partner_key: SecretStr = SecretStr("sim-partner-key")
    kuaidi100_partner_secret: SecretStr = SecretStr("")
    kuaidi100_partner_name: str = ""
    kuaidi100_net: str = (
        ""  # the account's network: taobao, cainiao, pinduoduoWx, douyin ... (empty: the carrier's own)
    )
    # Where 快递100 pushes tracks: this service's POST /webhooks/carriers/kuaidi100, reachable from the internet.
    kuaidi100_callback_url: str = "http://127.0.0.1:8003/webhooks/carriers/kuaidi100"
    kuaidi100_salt: SecretStr = SecretStr("sim-callback-salt")
    sender_name: str = "OrderHub 仓库"
    sender_mobile: str = "13900000000"
    sender_address: str = "浙江省杭州市余杭区仓前街道文一西路1号"

    # Tracking: a parcel without news for this long is queried actively (well before R17's 48 h).
    tracking_query_after_s: float = Field(default=12 * 3600, gt=0)
    carrier_jobs_poll_s: float = Field(default=1.0, gt=0)  # subscriptions, cancellations, queries
    # The status-accuracy KPI reads the customer's view from ingest's API, with this staff token.
    ingest_url: str = "http://127.0.0.1:8001"
    ingest_token: SecretStr = SecretStr("local-manager")
    kpi_sample_size: int = Field(default=50, ge=1, le=10_000)
    # An order is completed this long after delivery when no after-sales case is open.
    complete_after_s: float = Field(default=7 * 24 * 3600, ge=0)
    # In-stock parcels must leave this many hours after payment (发货时效).
    in_stock_ship_hours: int = Field(default=24, ge=1, le=24 * 14)
    # Rules whose anomaly.raised is a remark flag printed on the paper (R12 备注需关注, R14 预售现货混合).
    remark_flag_rules: tuple[str, ...] = ("R12", "R14")
    # The board flags parcels with less than this many hours left as urgent.
    urgent_within_hours: int = Field(default=4, ge=1, le=48)

    # Where local files live (spool, WMS folders); shared with the dev stack.
    state_dir: Path = Field(
        default=DEFAULT_STATE_DIR, validation_alias=AliasChoices("FULFILLMENT_STATE_DIR", "ORDERHUB_STATE_DIR")
    )
    # The printer: ipp://host:631/printers/NAME (or http://, ipps://), or file:///folder (a spool
    # folder whose files are the printed documents). Empty: the spool folder under the state dir.
    printer_url: str = ""
    print_poll_s: float = Field(default=1.0, gt=0)
    print_retry_max_s: float = Field(default=60.0, gt=0)
    print_timeout_s: float = Field(default=10.0, gt=0)
    # Print a pick list as soon as it is generated.
    picklist_auto_print: bool = False
    picklist_max_orders: int = Field(default=50, ge=1, le=500)
    # A TrueType font with CJK glyphs, embedded into every PDF.
    cjk_font: Path = DEFAULT_CJK_FONT

    # WMS bridge: the export is read at `wms_read_at` and printed at `wms_print_at` (Asia/Shanghai).
    wms_inbox_dir: Path | None = None
    wms_output_dir: Path | None = None
    wms_read_at: time = time(8, 55)
    wms_print_at: time = time(9, 0)
    wms_poll_s: float = Field(default=30.0, gt=0)
    # An export changed in the last this many seconds is still being written: the next round reads it.
    wms_settle_s: float = Field(default=10.0, ge=0)
    wms_input_name: str = "待发货清单.xlsx"

    @property
    def in_stock_window(self) -> timedelta:
        return timedelta(hours=self.in_stock_ship_hours)

    @property
    def spool_dir(self) -> Path:
        return self.state_dir / "fulfillment" / "spool"

    @property
    def printer(self) -> str:
        return self.printer_url or self.spool_dir.as_uri()

    @property
    def wms_inbox(self) -> Path:
        return self.wms_inbox_dir or self.state_dir / "fulfillment" / "wms" / "inbox"

    @property
    def wms_output(self) -> Path:
        return self.wms_output_dir or self.state_dir / "fulfillment" / "wms" / "output"
