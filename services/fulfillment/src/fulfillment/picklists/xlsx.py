"""The pick list as an Excel workbook: sheet 「拣货单」 (orders by urgency, lines by bin, remarks in
full and wrapped) and sheet 「汇总」 (each SKU's total, in walking order)."""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet
from orderhub_contracts.timezone import as_shanghai

from fulfillment.picklists.model import NO_BIN, PickSheet, SheetOrder
from fulfillment.printing.paper import qr_png

WIDTHS = {"A": 14, "B": 22, "C": 48, "D": 8, "E": 8}
LINE_HEADER = ("库位", "SKU", "商品", "数量", "已拣")
RED = Font(color="C00000", bold=True, size=13)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")
THIN = Side(style="thin", color="999999")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CHARS_PER_ROW = 90  # of a merged A:E row, at Excel's default font: for the wrapped row's height


def _merged(ws: Worksheet, row: int, text: str, *, font: Font | None = None) -> None:
    ws.cell(row=row, column=1, value=text).alignment = WRAP
    if font is not None:
        ws.cell(row=row, column=1).font = font
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    lines = sum(max(1, math.ceil(len(part) / CHARS_PER_ROW)) for part in text.split("\n"))
    ws.row_dimensions[row].height = max(15.0, 15.0 * lines)  # Excel does not grow merged rows itself


def _order(ws: Worksheet, row: int, number: int, order: SheetOrder) -> int:
    _merged(ws, row, f"【{number}】{order.headline}", font=RED)
    row += 1
    _merged(
        ws,
        row,
        f"运单号 {order.waybill_no or '（未出单）'} · {order.carrier} · 订单 {order.order_id} · 平台单号 "
        f"{order.channel_order_no} · 出库单 {order.outbound_id} · 收件人 {order.receiver_name} {order.receiver_phone}",
    )
    row += 1
    for label, text in order.remarks:
        _merged(ws, row, f"{label}：{text}", font=BOLD)
        row += 1
    for col, title in enumerate(LINE_HEADER, start=1):
        cell = ws.cell(row=row, column=col, value=title)
        cell.fill, cell.border, cell.font = HEADER_FILL, GRID, BOLD
    row += 1
    for line in order.lines_by_bin:
        values: tuple[str | int, ...] = (line.bin or NO_BIN, line.sku, line.title, line.quantity, "□")
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border, cell.alignment = GRID, WRAP
        row += 1
    return row + 1


def _summary(ws: Worksheet, sheet: PickSheet) -> None:
    ws.append([f"拣货汇总 · 波次 {sheet.picklist_id} · 按库位一次走完"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["库位", "SKU", "商品", "总数", "订单数"])
    for cell in ws[2]:
        cell.fill, cell.border, cell.font = HEADER_FILL, GRID, BOLD
    totals = sheet.totals
    for t in totals:
        ws.append([t.bin or NO_BIN, t.sku, t.title, t.quantity, t.orders])
    ws.append(["合计", f"{len(totals)} 种", "", sum(t.quantity for t in totals), len(sheet.orders)])
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width


def render_xlsx(sheet: PickSheet) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "拣货单"
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws["A1"] = sheet.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "波次号"
    ws["B2"] = sheet.picklist_id
    ws["B2"].font = Font(bold=True, size=14)
    ws["A3"] = "生成"
    ws["B3"] = f"{as_shanghai(sheet.created_at):%Y-%m-%d %H:%M} · {sheet.created_by}"
    ws["A4"] = "订单数"
    ws["B4"] = len(sheet.orders)
    code = SheetImage(io.BytesIO(qr_png(sheet.picklist_id)))
    ws.add_image(code, "D1")
    row = 7
    for number, order in enumerate(sheet.orders, start=1):
        row = _order(ws, row, number, order)
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    _summary(book.create_sheet("汇总"), sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
