"""Refund amounts (pure) and the ledger's rows. A line's refund is its share of what was paid for
it after the order-level discounts and coupons; refunding every unit of every line refunds exactly
what was paid, never a fen more (the order's ledger caps it again in the database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.returns import ReceivedLine, ReturnLine, ReturnType

WECHATPAY = "wechatpay"
PLATFORM = "platform"
PENDING = "pending"
SUCCEEDED = "succeeded"


@dataclass(frozen=True)
class LineNet:
    quantity: int
    net_fen: int  # paid for the line after its share of the order discount


@dataclass(frozen=True)
class Refund:
    refund_no: str  # the provider's out_refund_no
    ticket_id: str
    order_id: str
    amount_fen: int
    currency: str
    method: str
    status: str
    provider_refund_id: str
    lines: tuple[ReturnLine, ...]
    created_at: datetime | None = None
    settled_at: datetime | None = None


@dataclass(frozen=True)
class RefundRequest:
    """What the payment provider is asked: refund `amount_fen` of the payment `out_trade_no`."""

    refund_no: str
    out_trade_no: str
    amount_fen: int
    total_fen: int
    currency: str
    reason: str


@dataclass(frozen=True)
class RefundAnswer:
    provider_refund_id: str
    status: str  # SUCCESS | PROCESSING | ABNORMAL | CLOSED (WeChat Pay's refund status)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"


def line_nets(items: Sequence[Mapping[str, Any]], discount_fen: int) -> dict[str, LineNet]:
    """Per SKU, quantity bought and what was paid for it after the order discount; the discount is
    shared in proportion to what each SKU was paid, the rounding remainder to the last SKU."""
    paid: dict[str, int] = {}
    quantity: dict[str, int] = {}
    for item in items:
        sku = str(item["sku"])
        line_paid = item.get("paid_fen")
        amount = int(line_paid) if line_paid is not None else int(item["quantity"]) * int(item["unit_price_fen"])
        paid[sku] = paid.get(sku, 0) + amount
        quantity[sku] = quantity.get(sku, 0) + int(item["quantity"])
    total = sum(paid.values())
    discount = min(discount_fen, total)
    nets: dict[str, LineNet] = {}
    left = discount
    skus = list(paid)
    for i, sku in enumerate(skus):
        share = left if i == len(skus) - 1 else (discount * paid[sku] // total if total else 0)
        left -= share
        nets[sku] = LineNet(quantity[sku], paid[sku] - share)
    return nets


def _allocated(line: LineNet, units: int) -> int:
    units = min(units, line.quantity)
    return line.net_fen * units // line.quantity


def refund_amount(nets: Mapping[str, LineNet], lines: Sequence[ReturnLine], before: Mapping[str, int]) -> int:
    """The refund for `lines`, given the units of each SKU refunded before (so the last unit of a
    line takes its rounding remainder and the whole line adds up to what was paid for it)."""
    amount = 0
    for line in lines:
        net = nets.get(line.sku)
        if net is None:
            continue
        done = before.get(line.sku, 0)
        amount += _allocated(net, done + line.quantity) - _allocated(net, done)
    return amount


def units_to_refund(
    return_type: ReturnType, asked: Sequence[ReturnLine], received: Sequence[ReceivedLine] | None
) -> tuple[ReturnLine, ...]:
    """Refund-only: what was asked. A return: what was asked and actually came back (any condition)."""
    if return_type is ReturnType.REFUND_ONLY:
        return tuple(asked)
    got: dict[str, int] = {}
    for line in received or ():
        got[line.sku] = got.get(line.sku, 0) + line.quantity
    units = [
        ReturnLine(sku=line.sku, quantity=min(line.quantity, got[line.sku])) for line in asked if got.get(line.sku)
    ]
    return tuple(units)
