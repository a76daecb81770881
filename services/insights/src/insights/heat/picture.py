"""The heat map as a picture (PNG or SVG), drawn with matplotlib. Thin cells (too few customers
to trust) are hatched grey and carry no number, so nobody reads a 2-customer 100% as a finding."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Literal

import matplotlib

matplotlib.use("Agg")  # no display: render to bytes only

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.patches import Patch, Rectangle

from insights.heat.model import WEEKDAYS, HeatMap

Format = Literal["png", "svg"]
# Families tried in order: `make install` installs WenQuanYi Micro Hei (fonts-wqy-microhei), the
# font the printed paper embeds too; the others are used where a host has them instead.
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
CJK_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """A font family that has Chinese glyphs, registering a known font file if needed."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in CJK_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def render(heat: HeatMap, fmt: Format) -> bytes:
    family = cjk_family()
    with plt.rc_context({"font.family": [family] if family else ["sans-serif"], "svg.fonttype": "path"}):
        figure, axes = plt.subplots(figsize=(13, 4.6), dpi=100)
        try:
            _draw(axes, heat)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format=fmt)
            return buffer.getvalue()
        finally:
            plt.close(figure)


def _draw(axes: Axes, heat: HeatMap) -> None:
    rates = [c.rate or 0.0 for c in heat.cells if not heat.thin(c)]
    norm = Normalize(vmin=0.0, vmax=max(rates, default=0.0) or 1.0)
    colours = plt.get_cmap("YlOrRd")
    for cell in heat.cells:
        x, y = cell.hour, cell.weekday - 1
        if heat.thin(cell):
            axes.add_patch(Rectangle((x, y), 1, 1, facecolor="#e6e6e6", hatch="//", edgecolor="#b0b0b0", lw=0.3))
            continue
        shade = float(norm(cell.rate or 0.0))
        axes.add_patch(Rectangle((x, y), 1, 1, facecolor=colours(shade), edgecolor="white", lw=0.5))
        ink = "white" if shade > 0.6 else "black"  # readable on the dark end of the scale
        axes.text(x + 0.5, y + 0.5, f"{(cell.rate or 0.0) * 100:.0f}%", ha="center", va="center", fontsize=7, color=ink)
    axes.set_xlim(0, 24)
    axes.set_ylim(7, 0)
    axes.set_xticks([h + 0.5 for h in range(24)], [f"{h}" for h in range(24)], fontsize=8)
    axes.set_yticks([d + 0.5 for d in range(7)], list(WEEKDAYS), fontsize=9)
    axes.set_xlabel("首单下单时间（小时，北京时间）")
    scope = "全部顾客" if heat.coupon is None else f"首单使用：{heat.coupon}"
    overall = f"{heat.rate * 100:.1f}%" if heat.rate is not None else "—"
    axes.set_title(f"首单后{heat.window_days}天复购率（{scope}；{heat.customers}位顾客，总体{overall}）", fontsize=11)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap=colours)
    plt.colorbar(mappable, ax=axes, fraction=0.025, pad=0.01, format=lambda v, _: f"{v * 100:.0f}%")
    axes.legend(
        handles=[
            Patch(facecolor="#e6e6e6", hatch="//", edgecolor="#b0b0b0", label=f"样本不足（<{heat.min_customers}位）")
        ],
        loc="upper left",
        bbox_to_anchor=(0.0, -0.12),
        fontsize=8,
        frameon=False,
    )
