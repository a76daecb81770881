"""The bridge's values: an export's rows, the remarks found for them, a run's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from orderhub_contracts.phone import mask_phones_in_text

REMARK_HEADER = "客户备注"
UNKNOWN_ORDER = "未找到订单"
NO_REMARK = "（无备注）"
OUTPUT_STEM = "带备注发货单"
# Headers of the order column, compared without spaces and case: the global ID or the channel's number.
ORDER_HEADERS = (
    "订单号",
    "平台订单号",
    "原始单号",
    "内部订单号",
    "订单编号",
    "线上订单号",
    "平台单号",
    "外部订单号",
    "网店订单号",
    "全局订单号",
    "order_id",
    "orderid",
    "order_no",
    "orderno",
    "order number",
)


# Columns of the export that hold phone numbers: masked on the printed PDF.
PHONE_HEADERS = ("电话", "手机", "联系方式", "phone", "mobile", "tel")


class RunStatus(StrEnum):
    ANNOTATED = "annotated"  # read and written as 带备注发货单.xlsx; printed at the print time
    PRINTED = "printed"  # its PDF is in the printer queue
    FAILED = "failed"  # the file could not be read: moved aside, reported


class UnreadableExport(Exception):
    """Not an xlsx, no order column, or no rows: the reason is reported as given."""


@dataclass(frozen=True)
class Export:
    """The export's first sheet: the header row, the data rows (in order), the order column."""

    header: tuple[str, ...]
    rows: list[tuple[object, ...]]
    order_column: int

    def order_key(self, row: tuple[object, ...]) -> str:
        return cell_text(row[self.order_column] if self.order_column < len(row) else None)


@dataclass(frozen=True)
class OrderRemarks:
    order_id: str
    channel_order_no: str
    buyer_remark: str
    seller_memo: str
    gift_note: str
    remark_flags: tuple[str, ...]

    @property
    def text(self) -> str:
        parts = [
            ("买家留言", self.buyer_remark),
            ("卖家备注", self.seller_memo),
            ("礼品留言", self.gift_note),
            ("规则提示", "；".join(self.remark_flags)),
        ]
        found = [f"{label}：{value}" for label, value in parts if value.strip()]
        return mask_phones_in_text("\n".join(found)) if found else NO_REMARK


@dataclass(frozen=True)
class SheetOrder:
    """An outbound order on a printed sheet, moved to `picking` by the print."""

    order_id: str
    outbound_id: str
    waybill_no: str


@dataclass(frozen=True)
class BridgeRun:
    run_id: int
    business_date: date
    file_name: str
    status: RunStatus
    rows_read: int
    matched: int
    unknown: int
    output_files: tuple[str, ...]
    print_job_id: int | None
    error: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Folders:
    inbox: Path  # the WMS drops 待发货清单.xlsx here
    output: Path  # 带备注发货单.xlsx / .pdf, one folder per business day
    processed: Path  # read exports, kept
    rejected: Path  # unreadable exports, each with a .reason.txt

    @classmethod
    def under(cls, inbox: Path, output: Path) -> Folders:
        return cls(inbox=inbox, output=output, processed=inbox.parent / "processed", rejected=inbox.parent / "rejected")


def cell_text(value: object) -> str:
    """A cell as text: numbers without a trailing .0 (Excel stores long order numbers as floats)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
