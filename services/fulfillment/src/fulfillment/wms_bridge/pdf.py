"""带备注发货单.pdf: the annotated export as a landscape A4 table, Chinese text in the embedded
CJK font; long cells (remarks above all) wrap, nothing is cut."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from orderhub_contracts.phone import mask_phones_in_text
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from fulfillment.printing.paper import FONT_NAME, RED, para, register_cjk_font, style, wrap_text
from fulfillment.wms_bridge.model import PHONE_HEADERS, UNKNOWN_ORDER

CHUNK = 40  # rows per table: one long table would be re-measured at every page break
PAGE_WIDTH = landscape(A4)[0] - 20 * mm
REMARK_WIDTH = 80 * mm
SIZE = 8
PADDING = 3


def _widths(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    columns = len(header) - 1
    sample = rows[:200]
    need = [max(4, min(24, max([len(header[c]), *(len(r[c]) for r in sample if c < len(r))]))) for c in range(columns)]
    rest = PAGE_WIDTH - REMARK_WIDTH
    return [rest * n / sum(need) for n in need] + [REMARK_WIDTH]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: list[float]) -> Table:
    """Cells are plain text wrapped beforehand (see wrap_text): fast for thousands of rows."""
    room = [w - 2 * PADDING for w in widths]
    data = [[wrap_text(h, room[i], SIZE) for i, h in enumerate(header)]]
    style: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE),
        ("LEADING", (0, 0), (-1, -1), SIZE * 1.25),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    last = len(header) - 1
    phones = {i for i, h in enumerate(header) if any(p in h.lower() for p in PHONE_HEADERS)}
    for number, row in enumerate(rows, start=1):
        padded = [*row[: len(header)], *[""] * (len(header) - len(row))]
        padded = [mask_phones_in_text(v) if i in phones else v for i, v in enumerate(padded)]
        data.append([wrap_text(value, room[i], SIZE) for i, value in enumerate(padded)])
        if padded[last] == UNKNOWN_ORDER:
            style.append(("TEXTCOLOR", (last, number), (last, number), RED))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def render_pdf(header: Sequence[str], rows: Sequence[Sequence[str]], *, day: date, source: str, font: Path) -> bytes:
    register_cjk_font(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=12 * mm,
        title=f"带备注发货单 {day:%Y-%m-%d}",
        author="OrderHub",
        initialFontName=FONT_NAME,
    )
    unknown = sum(1 for r in rows if r and r[-1] == UNKNOWN_ORDER)
    title = para(
        f"带备注发货单 · {day:%Y-%m-%d} · 共 {len(rows)} 行，未找到订单 {unknown} 行 · 来源 {source}", style(12)
    )
    widths = _widths(header, rows)
    story: list[Flowable] = [title, Spacer(1, 3 * mm)]
    for start in range(0, len(rows), CHUNK):
        story.append(_table(header, rows[start : start + CHUNK], widths))

    def footer(canvas: Canvas, _doc: object) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 8)
        canvas.drawString(10 * mm, 6 * mm, f"带备注发货单 {day:%Y-%m-%d} · 第 {canvas.getPageNumber()} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
