"""Stock values: a SKU's level, the quantities an order needs, what it is short of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from orderhub_contracts.events import ShortLine
from orderhub_contracts.order import LineItem
from orderhub_runtime.errors import Conflict


@dataclass(frozen=True)
class StockLevel:
    sku: str
    on_hand: int
    reserved: int
    updated_at: datetime

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class StockSet:
    """The outcome of setting a SKU's stock: its level and the waiting orders it allocated."""

    level: StockLevel
    allocated_orders: list[str]


class OnHandBelowReserved(Conflict):
    def __init__(self, sku: str, on_hand: int, reserved: int) -> None:
        super().__init__(
            f"cannot set on_hand of {sku} to {on_hand}: {reserved} units are reserved for open orders",
            details={"sku": sku, "requested_on_hand": on_hand, "reserved": reserved},
        )


class StockRowChanged(RuntimeError):
    """A locked row did not take the increment: a bug, never a business outcome."""

    def __init__(self, sku: str) -> None:
        super().__init__(f"stock row {sku} changed under its lock")


def line_quantities(items: tuple[LineItem, ...]) -> dict[str, int]:
    """Quantity per SKU; an order may list one SKU on several lines."""
    totals: dict[str, int] = {}
    for item in items:
        totals[item.sku] = totals.get(item.sku, 0) + item.quantity
    return totals


def shortages(quantities: Mapping[str, int], available: Mapping[str, int]) -> list[ShortLine]:
    """Lines that cannot be covered; an unknown SKU has nothing available."""
    return [
        ShortLine(sku=sku, requested=qty, available=max(available.get(sku, 0), 0))
        for sku, qty in sorted(quantities.items())
        if available.get(sku, 0) < qty
    ]
