from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Literal

from orderhub_runtime.settings import ServiceSettings
from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

DEFAULT_STATE_DIR = Path("/var/tmp/orderhub")
# Installed by `make install` (Debian package fonts-wqy-microhei): TrueType outlines that reportlab embeds.
DEFAULT_CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


class FulfillmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FULFILLMENT_", extra="ignore", populate_by_name=True)

    http_port: int = 8003
    # Which carrier issues waybill numbers; only the local (offline, deterministic) one exists so far.
    carrier: Literal["local"] = "local"
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
