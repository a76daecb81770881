"""Reading the WMS export and writing it back with the 「客户备注」 column (openpyxl)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from fulfillment.wms_bridge.model import (
    ORDER_HEADERS,
    REMARK_HEADER,
    UNKNOWN_ORDER,
    Export,
    OrderRemarks,
    UnreadableExport,
    cell_text,
)

HEADER_SCAN_ROWS = 10  # the header may sit under a title row or two
_KNOWN = {h.replace(" ", "").lower() for h in ORDER_HEADERS}


def read_export(path: Path) -> Export:
    """The first sheet's header row and rows. Raises UnreadableExport with the reason."""
    if path.suffix.lower() != ".xlsx":
        raise UnreadableExport(f"不是 xlsx 文件（{path.suffix or '无扩展名'}）")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableExport(f"无法读取 xlsx：{type(exc).__name__}: {exc}") from exc
    try:
        if not book.worksheets:
            raise UnreadableExport("工作簿没有工作表")
        rows = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    return _locate(rows)


def _locate(rows: Sequence[tuple[object, ...]]) -> Export:
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        header = tuple(cell_text(v) for v in row)
        for column, title in enumerate(header):
            if title.replace(" ", "").lower() in _KNOWN:
                data = [r for r in rows[index + 1 :] if any(cell_text(v) for v in r)]
                if not data:
                    raise UnreadableExport("表中没有数据行")
                return Export(header=_trim(header), rows=data, order_column=column)
    if not any(any(cell_text(v) for v in r) for r in rows):
        raise UnreadableExport("表是空的")
    raise UnreadableExport(f"找不到订单号列（表头应含 {'/'.join(ORDER_HEADERS[:5])} 之一）")


def _trim(header: tuple[str, ...]) -> tuple[str, ...]:
    end = len(header)
    while end and not header[end - 1]:
        end -= 1
    return header[:end]


def remark_cell(export: Export, row: tuple[object, ...], remarks: Mapping[str, OrderRemarks]) -> str:
    found = remarks.get(export.order_key(row))
    return UNKNOWN_ORDER if found is None else found.text


def write_annotated(export: Export, remarks: Mapping[str, OrderRemarks]) -> bytes:
    """The export's rows, in order, with 「客户备注」 appended as the last column (wrapped; an
    unknown order's 「未找到订单」 in red)."""
    width = max([len(export.header), *(_used_width(r) for r in export.rows)])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "带备注发货单"
    sheet.append([*export.header, *[""] * (width - len(export.header)), REMARK_HEADER])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    wrap, red = Alignment(wrap_text=True, vertical="top"), Font(color="C00000", bold=True)
    for number, row in enumerate(export.rows, start=2):
        values = [*row[:width], *[None] * (width - min(width, len(row)))]
        remark = remark_cell(export, row, remarks)
        sheet.append([*values, remark])
        cell = sheet.cell(row=number, column=width + 1)
        cell.alignment = wrap
        if remark == UNKNOWN_ORDER:
            cell.font = red
    sheet.column_dimensions[get_column_letter(width + 1)].width = 48
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _used_width(row: tuple[object, ...]) -> int:
    end = len(row)
    while end and cell_text(row[end - 1]) == "":
        end -= 1
    return end


def order_keys(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The order column's values of a written sheet (global order IDs or channel order numbers)."""
    known = [i for i, title in enumerate(header) if title.replace(" ", "").lower() in _KNOWN]
    if not known:
        return []
    column = known[0]
    return [row[column] for row in rows if column < len(row) and row[column]]


def read_annotated(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a written 带备注发货单.xlsx, as text (for its PDF)."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = [[cell_text(v) for v in r] for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    return (rows[0], rows[1:]) if rows else ([], [])
