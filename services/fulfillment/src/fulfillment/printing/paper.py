"""What every printed document shares: the embedded CJK font, paragraph styles, barcodes."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph

FONT_NAME = "OrderHubCJK"
RED = colors.HexColor("#C00000")


class FontMissing(RuntimeError):
    """The CJK font is not installed: `make install` installs it (fonts-wqy-microhei)."""


@cache
def register_cjk_font(path: Path) -> str:
    """Register the TrueType font (a .ttc's first face) so that PDFs embed a subset of it.
    Idempotent: reportlab keeps registered fonts process-wide."""
    if not path.is_file():
        raise FontMissing(f"CJK font not found at {path}: run `make install` or set FULFILLMENT_CJK_FONT")
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))  # a .ttc's first face
    return FONT_NAME


def style(size: float = 9, *, color: colors.Color = colors.black, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle(
        f"cjk-{size}-{color.hexval()}",
        fontName=FONT_NAME,
        fontSize=size,
        leading=leading or size * 1.3,
        textColor=color,
        wordWrap="CJK",  # wrap anywhere between CJK characters: long remarks wrap, never cut
    )


def para(text: str, paragraph_style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped, line breaks kept)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), paragraph_style)


def wrap_text(text: str, width: float, size: float) -> str:
    """`text` broken into lines no wider than `width` points at `size` in the CJK font (between any
    two CJK characters; inside a latin word only when the word alone is too wide). Much faster
    than a Paragraph in a long table: the table then only draws lines of plain text."""
    font = pdfmetrics.getFont(FONT_NAME)
    lines: list[str] = []
    for part in text.split("\n"):
        line, used, last_space = "", 0.0, -1
        for ch in part:
            w = font.stringWidth(ch, size)
            if used + w > width and line:
                if ch != " " and ch.isascii() and 0 < last_space < len(line) - 1 and line[-1].isascii():
                    lines.append(line[:last_space])  # carry the latin word over whole
                    line = line[last_space + 1 :]
                else:
                    lines.append(line)
                    line = ""
                used, last_space = font.stringWidth(line, size), -1
            if ch == " ":
                last_space = len(line)
            line += ch
            used += w
        lines.append(line)
    return "\n".join(lines)


def code128(value: str, *, height: float = 28, width: float = 0.9) -> Flowable:
    """A Code 128 barcode drawn straight on the canvas (a graphics Drawing would pull in an
    unembedded Helvetica)."""
    barcode: Flowable = Code128(value, barHeight=height, barWidth=width, humanReadable=False, quiet=True)
    return barcode


def _qr_matrix(value: str) -> list[list[bool]]:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    count: int = code.getModuleCount()  # type: ignore[no-untyped-call]
    dark = code.isDark
    return [[bool(dark(row, col)) for col in range(count)] for row in range(count)]  # type: ignore[no-untyped-call]


class QrCode(Flowable):
    def __init__(self, value: str, size: float) -> None:
        super().__init__()
        self.matrix = _qr_matrix(value)
        self.width = self.height = size

    def draw(self) -> None:
        count = len(self.matrix)
        module = self.width / (count + 2)
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for row, cells in enumerate(self.matrix):
            for col, dark in enumerate(cells):
                if dark:
                    canvas.rect((col + 1) * module, (count - row) * module, module, module, stroke=0, fill=1)


def qr(value: str, *, size: float = 60) -> Flowable:
    return QrCode(value, size)


def qr_png(value: str, *, scale: int = 4, border: int = 2) -> bytes:
    """The QR code of `value` as a PNG (for Excel sheets)."""
    matrix = _qr_matrix(value)
    count = len(matrix)
    side = (count + 2 * border) * scale
    image = Image.new("1", (side, side), 1)
    draw = ImageDraw.Draw(image)
    for row in range(count):
        for col in range(count):
            if matrix[row][col]:
                x, y = (col + border) * scale, (row + border) * scale
                draw.rectangle((x, y, x + scale - 1, y + scale - 1), fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
