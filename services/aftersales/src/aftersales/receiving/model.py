"""The receipt at the dock: what arrived compared with what was asked back (pure), and photos."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orderhub_contracts.returns import Condition, ReceivedLine, ReturnLine

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class RecordReceipt:
    ticket_id: str
    lines: tuple[ReceivedLine, ...]
    actor: str


@dataclass(frozen=True)
class CompleteReceipt:
    """A discrepancy settled (a photo is on file): the ticket is received as it actually arrived."""

    ticket_id: str
    actor: str
    note: str = ""


@dataclass(frozen=True)
class AddPhoto:
    ticket_id: str
    data: bytes
    actor: str


@dataclass(frozen=True)
class Photo:
    photo_id: str
    ticket_id: str
    sha256: str
    content_type: str
    size_bytes: int


def compare(asked: Sequence[ReturnLine], arrived: Sequence[ReceivedLine]) -> list[str]:
    """What differs between the request and the parcel, in Chinese for the alert; [] = it matches."""
    wanted = {line.sku: line.quantity for line in asked}
    got: dict[str, int] = {}
    problems: list[str] = []
    for line in arrived:
        got[line.sku] = got.get(line.sku, 0) + line.quantity
        if line.condition is Condition.DAMAGED:
            problems.append(f"{line.sku} 破损 {line.quantity} 件")
    for sku, quantity in wanted.items():
        if got.get(sku, 0) < quantity:
            problems.append(f"{sku} 少 {quantity - got.get(sku, 0)} 件")
        elif got.get(sku, 0) > quantity:
            problems.append(f"{sku} 多 {got[sku] - quantity} 件")
    problems += [f"{sku} 不在退货申请中（{quantity} 件）" for sku, quantity in got.items() if sku not in wanted]
    return problems


def image_type(data: bytes) -> str | None:
    """The image type from the bytes themselves (never the name or the header the client sent)."""
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(PNG_MAGIC):
        return "image/png"
    return None
