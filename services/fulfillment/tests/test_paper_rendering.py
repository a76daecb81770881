"""Pure tests of the paper: walking order, headlines, the sheet's JSON, wrapping that drops
nothing, the WMS export's order column found by its header."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fulfillment.outbound.model import Zone
from fulfillment.picklists.model import PickSheet, SheetLine, SheetOrder, bin_key
from fulfillment.printing.paper import register_cjk_font, wrap_text
from fulfillment.settings import DEFAULT_CJK_FONT
from fulfillment.wms_bridge.excel import read_export
from fulfillment.wms_bridge.files import pending_exports
from fulfillment.wms_bridge.model import NO_REMARK, OrderRemarks, UnreadableExport, cell_text
from openpyxl import Workbook
from orderhub_contracts.timezone import SHANGHAI


def _order(zone: Zone = Zone.IN_STOCK, **extra: object) -> SheetOrder:
    values: dict[str, object] = {
        "outbound_id": "OB1",
        "order_id": "DABE1",
        "channel_order_no": "TB1",
        "zone": zone,
        "ship_deadline": datetime(2026, 12, 3, 6, 30, tzinfo=UTC),
        "presale_ship_date": date(2026, 12, 15) if zone is Zone.PRESALE else None,
        "carrier": "ZTO",
        "waybill_no": "ZT1",
        "receiver_name": "张三",
        "receiver_phone": "138****5678",
        "buyer_remark": "请开发票",
        "seller_memo": "",
        "gift_note": "生日快乐",
        "remark_flags": ("R12 备注需关注",),
        "lines": (SheetLine("B", "乙", 1, "A-10-01"), SheetLine("A", "甲", 2, "A-2-01"), SheetLine("C", "丙", 1, "")),
    }
    return SheetOrder(**(values | extra))  # type: ignore[arg-type]


def test_lines_walk_the_shelves_in_natural_bin_order_unknown_bins_last() -> None:
    assert [line.sku for line in _order().lines_by_bin] == ["A", "B", "C"]
    assert sorted(["B-1", "A-10", "A-2", ""], key=lambda b: bin_key(b, "")) == ["A-2", "A-10", "B-1", ""]


def test_headlines_deadline_or_presale_start() -> None:
    assert _order().headline == "发货截止 12-03 14:30 · 现货区"  # Asia/Shanghai
    assert _order(Zone.PRESALE).headline == "预计12月15日开始发货 · 预售区"


def test_remarks_in_full_and_masked_phones() -> None:
    order = _order(buyer_remark="电话13812345678，下午送")
    assert order.remarks == [
        ("买家留言", "电话138****5678，下午送"),
        ("礼品留言", "生日快乐"),
        ("规则提示", "R12 备注需关注"),
    ]


def test_the_sheet_survives_its_json() -> None:
    sheet = PickSheet(
        "PL20261202-0001",
        datetime(2026, 12, 2, 8, 0, tzinfo=SHANGHAI),
        "仓管",
        Zone.PRESALE,
        "ZTO",
        (_order(Zone.PRESALE), _order()),
    )
    assert PickSheet.from_json(sheet.to_json()) == sheet
    assert [(t.sku, t.quantity, t.orders) for t in sheet.totals] == [("A", 4, 2), ("B", 2, 2), ("C", 2, 2)]


def test_wrapping_drops_nothing() -> None:
    register_cjk_font(DEFAULT_CJK_FONT)
    text = "买家留言：请开增值税专用发票，抬头「杭州某某电器有限公司」 Please deliver on weekdays only.\n第二行" * 5
    wrapped = wrap_text(text, 120, 8)
    assert len(wrapped.splitlines()) > 10
    assert wrapped.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_order_remarks_text() -> None:
    assert OrderRemarks("DABE1", "TB1", "", "", "", ()).text == NO_REMARK
    assert (
        OrderRemarks("DABE1", "TB1", "留言", "备注", "", ("R12",)).text
        == "买家留言：留言\n卖家备注：备注\n规则提示：R12"
    )
    assert cell_text(1.234567890123e12) == "1234567890123" and cell_text(None) == ""


@pytest.mark.parametrize(
    "header", ["订单号", "平台订单号", "原始单号", "内部订单号", "订单编号", "order_id", "Order ID"]
)
def test_the_order_column_is_found_by_its_header(tmp_path: Path, header: str) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["WMS 导出"])
    sheet.append(["序号", "收件人", header])
    sheet.append([1, "张三", "DABE20261202135816114"])
    path = tmp_path / "待发货清单.xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    if header == "快递单号":  # a waybill column is no order column
        with pytest.raises(UnreadableExport, match="找不到订单号列"):
            read_export(path)
        return
    export = read_export(path)
    assert export.order_column == 2 and [export.order_key(r) for r in export.rows] == ["DABE20261202135816114"]


def test_an_export_still_being_copied_waits(tmp_path: Path) -> None:
    (tmp_path / "待发货清单.xlsx").write_bytes(b"PK")
    (tmp_path / ".待发货清单.xlsx.part").write_bytes(b"PK")
    assert pending_exports(tmp_path, settle_s=60) == []
    os.utime(tmp_path / "待发货清单.xlsx", (time.time() - 120, time.time() - 120))
    assert pending_exports(tmp_path, settle_s=60) == [tmp_path / "待发货清单.xlsx"]
