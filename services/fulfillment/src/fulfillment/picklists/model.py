"""The sheet's data: a wave of orders with their lines, remarks and deadlines, and its summary.

Plain values so that the sheet renders (and is stored, and reprinted) without the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from orderhub_contracts.phone import mask_phones_in_text
from orderhub_contracts.timezone import as_shanghai

from fulfillment.outbound.model import Zone

ZONE_LABEL = {Zone.IN_STOCK: "现货区", Zone.PRESALE: "预售区"}
NO_BIN = "未定库位"


@dataclass(frozen=True)
class CreatePicklist:
    """Build a wave of the most urgent unpicked outbound orders (optionally one zone or carrier)."""

    max_orders: int
    created_by: str
    zone: Zone | None = None
    carrier: str | None = None


@dataclass(frozen=True)
class PicklistSummary:
    picklist_id: str
    status: str  # open | closed
    zone: str | None
    carrier: str | None
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    orders: int


@dataclass(frozen=True)
class SheetLine:
    sku: str
    title: str
    quantity: int
    bin: str  # shelf location, e.g. A-03-02; empty when the catalogue has none


@dataclass(frozen=True)
class SheetOrder:
    outbound_id: str
    order_id: str
    channel_order_no: str
    zone: Zone
    ship_deadline: datetime | None
    presale_ship_date: date | None  # presale: when shipping starts
    carrier: str
    waybill_no: str
    receiver_name: str
    receiver_phone: str  # masked, e.g. 138****5678
    buyer_remark: str
    seller_memo: str
    gift_note: str
    remark_flags: tuple[str, ...]  # what the rules said about the remarks
    lines: tuple[SheetLine, ...]

    @property
    def lines_by_bin(self) -> list[SheetLine]:
        return sorted(self.lines, key=lambda line: bin_key(line.bin, line.sku))

    @property
    def remarks(self) -> list[tuple[str, str]]:
        """(label, text) of every remark present, in full; a mobile number typed into one is masked
        (paper never shows a full phone number)."""
        found = [("买家留言", self.buyer_remark), ("卖家备注", self.seller_memo), ("礼品留言", self.gift_note)]
        if self.remark_flags:
            found.append(("规则提示", "；".join(self.remark_flags)))
        return [(label, mask_phones_in_text(text)) for label, text in found if text.strip()]

    @property
    def headline(self) -> str:
        """The top line: the ship deadline (in red on paper), or for presale when shipping starts."""
        if self.zone is Zone.PRESALE and self.presale_ship_date is not None:
            day = self.presale_ship_date
            return f"预计{day.month}月{day.day}日开始发货 · {ZONE_LABEL[self.zone]}"
        if self.ship_deadline is not None:
            return f"发货截止 {as_shanghai(self.ship_deadline):%m-%d %H:%M} · {ZONE_LABEL[self.zone]}"
        return f"无发货时限 · {ZONE_LABEL[self.zone]}"


@dataclass(frozen=True)
class SkuTotal:
    sku: str
    title: str
    bin: str
    quantity: int
    orders: int


@dataclass(frozen=True)
class PickSheet:
    picklist_id: str
    created_at: datetime
    created_by: str
    zone: Zone | None
    carrier: str | None
    orders: tuple[SheetOrder, ...]

    @property
    def totals(self) -> list[SkuTotal]:
        """Each SKU to pick, summed over the wave, in walking order (by bin)."""
        quantity: dict[str, int] = {}
        orders: dict[str, int] = {}
        first: dict[str, SheetLine] = {}
        for order in self.orders:
            for line in order.lines:
                quantity[line.sku] = quantity.get(line.sku, 0) + line.quantity
                orders[line.sku] = orders.get(line.sku, 0) + 1
                first.setdefault(line.sku, line)
        totals = [SkuTotal(sku, first[sku].title, first[sku].bin, quantity[sku], orders[sku]) for sku in quantity]
        return sorted(totals, key=lambda t: bin_key(t.bin, t.sku))

    @property
    def title(self) -> str:
        scope = []
        if self.zone is not None:
            scope.append(ZONE_LABEL[self.zone])
        if self.carrier:
            scope.append(self.carrier)
        return "拣货单" + (f"（{'，'.join(scope)}）" if scope else "")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (times as ISO 8601 text), read back by `from_json`."""
        data = asdict(self) | {"created_at": self.created_at.isoformat()}
        data["orders"] = [
            asdict(order)
            | {
                "ship_deadline": order.ship_deadline.isoformat() if order.ship_deadline else None,
                "presale_ship_date": order.presale_ship_date.isoformat() if order.presale_ship_date else None,
            }
            for order in self.orders
        ]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PickSheet:
        return cls(
            picklist_id=data["picklist_id"],
            created_at=datetime.fromisoformat(data["created_at"]),
            created_by=data["created_by"],
            zone=Zone(data["zone"]) if data["zone"] else None,
            carrier=data["carrier"],
            orders=tuple(_order(o) for o in data["orders"]),
        )


def _order(data: Mapping[str, Any]) -> SheetOrder:
    deadline, presale = data["ship_deadline"], data["presale_ship_date"]
    return SheetOrder(
        outbound_id=data["outbound_id"],
        order_id=data["order_id"],
        channel_order_no=data["channel_order_no"],
        zone=Zone(data["zone"]),
        ship_deadline=datetime.fromisoformat(deadline) if deadline else None,
        presale_ship_date=date.fromisoformat(presale) if presale else None,
        carrier=data["carrier"],
        waybill_no=data["waybill_no"],
        receiver_name=data["receiver_name"],
        receiver_phone=data["receiver_phone"],
        buyer_remark=data["buyer_remark"],
        seller_memo=data["seller_memo"],
        gift_note=data["gift_note"],
        remark_flags=tuple(data["remark_flags"]),
        lines=tuple(SheetLine(**line) for line in data["lines"]),
    )


def bin_key(bin_code: str, sku: str) -> tuple[int, list[tuple[int, int | str]], str]:
    """Walking order: bins in natural order (A-2 before A-10), lines without a bin last."""
    if not bin_code:
        return (1, [], sku)
    parts: list[tuple[int, int | str]] = []
    for part in bin_code.replace("_", "-").split("-"):
        parts.append((0, int(part)) if part.isdigit() else (1, part.upper()))
    return (0, parts, sku)
