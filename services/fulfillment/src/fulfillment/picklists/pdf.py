"""The pick list as PDF (A4): per order its deadline in red, waybill, every remark in full and its
lines in walking order; then a summary page with each SKU's total. The CJK font is embedded."""

from __future__ import annotations

import io
from pathlib import Path

from orderhub_contracts.carriers import carrier_name
from orderhub_contracts.timezone import as_shanghai
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable, HRFlowable

from fulfillment.picklists.model import NO_BIN, PickSheet, SheetOrder
from fulfillment.printing.paper import FONT_NAME, RED, code128, para, qr, register_cjk_font, style

_GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (3, 1), (3, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
)


def _header(sheet: PickSheet) -> list[Flowable]:
    created = as_shanghai(sheet.created_at)
    lines = sum(len(o.lines) for o in sheet.orders)
    facts = para(
        f"{sheet.title}\n波次号 {sheet.picklist_id}\n生成 {created:%Y-%m-%d %H:%M} · {sheet.created_by}"
        f"\n{len(sheet.orders)} 单 · {lines} 行\n按紧急程度排序，每单商品按库位排序",
        style(11, leading=15),
    )
    codes = Table([[code128(sheet.picklist_id), qr(sheet.picklist_id)]], colWidths=[80 * mm, 24 * mm])
    table = Table([[facts, codes]], colWidths=[78 * mm, 106 * mm])
    for t in (codes, table):
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_NAME), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return [table, Spacer(1, 3 * mm)]


def _order(number: int, order: SheetOrder) -> list[Flowable]:
    head = para(f"【{number}】{order.headline}", style(13, color=RED))
    waybill = para(f"运单号 {order.waybill_no or '（未出单）'} · {carrier_name(order.carrier)}", style(11))
    facts = para(
        f"订单 {order.order_id} · 平台单号 {order.channel_order_no} · 出库单 {order.outbound_id}"
        f" · 收件人 {order.receiver_name} {order.receiver_phone}",
        style(9),
    )
    remarks = [para(f"{label}：{text}", style(10, leading=13)) for label, text in order.remarks]
    rows: list[list[object]] = [["库位", "SKU", "商品", "数量", "已拣"]]
    rows += [
        [line.bin or NO_BIN, para(line.sku, style(8)), para(line.title, style(9)), str(line.quantity), "□"]
        for line in order.lines_by_bin
    ]
    table = Table(rows, colWidths=[26 * mm, 38 * mm, 92 * mm, 14 * mm, 14 * mm], repeatRows=1)
    table.setStyle(_GRID)
    top = KeepTogether([head, waybill, facts])
    return [CondPageBreak(30 * mm), top, *remarks, Spacer(1, 1 * mm), table, Spacer(1, 2 * mm), _rule()]


def _rule() -> Flowable:
    return HRFlowable(width="100%", thickness=0.6, color=colors.grey, spaceBefore=1 * mm, spaceAfter=3 * mm)


def _summary(sheet: PickSheet) -> list[Flowable]:
    totals = sheet.totals
    rows: list[list[object]] = [["库位", "SKU", "商品", "总数", "订单数"]]
    rows += [
        [t.bin or NO_BIN, para(t.sku, style(8)), para(t.title, style(9)), str(t.quantity), str(t.orders)]
        for t in totals
    ]
    rows.append(["合计", f"{len(totals)} 种", "", str(sum(t.quantity for t in totals)), str(len(sheet.orders))])
    table = Table(rows, colWidths=[26 * mm, 38 * mm, 92 * mm, 14 * mm, 14 * mm], repeatRows=1)
    table.setStyle(_GRID)
    title = para(f"拣货汇总 · 波次 {sheet.picklist_id} · 按库位一次走完", style(13))
    return [PageBreak(), title, Spacer(1, 3 * mm), table]


def render_pdf(sheet: PickSheet, font: Path) -> bytes:
    register_cjk_font(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=13 * mm,
        rightMargin=13 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"拣货单 {sheet.picklist_id}",
        author="OrderHub",
        initialFontName=FONT_NAME,  # no unembedded Helvetica in the page streams
    )
    story: list[Flowable] = _header(sheet)
    for number, order in enumerate(sheet.orders, start=1):
        story += _order(number, order)
    story += _summary(sheet)

    def footer(canvas: Canvas, _doc: object) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 8)
        canvas.drawString(13 * mm, 8 * mm, f"波次 {sheet.picklist_id} · 第 {canvas.getPageNumber()} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
