"""Pure tracking logic: what a carrier state means for the order, and how a track is merged.

A track is merged by event time. A checkpoint is known by (time, text), so a duplicated push
adds nothing; the parcel's state is the state of its newest checkpoint, so a push that arrives
late with an older track fills in history but never moves the parcel backwards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ParcelStatus(StrEnum):
    """Our view of a parcel; `in_transit` keeps the order `shipped`."""

    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


# 快递100 `state` codes and their labels (the `status` of a checkpoint with resultv2).
STATE_LABELS: dict[str, str] = {
    "0": "在途",
    "1": "揽收",
    "2": "疑难",
    "3": "签收",
    "4": "退签",
    "5": "派件",
    "6": "退回",
    "7": "转投",
    "8": "清关",
    "14": "拒签",
}
_IN_TRANSIT = {"0", "1", "5", "7", "8", "101", "102", "103", "1001", "1002", "1003", "501"}
_DELIVERED = {"3", "301", "302", "303", "304"}
_RETURNED = {"4", "6", "14"}
_PROBLEM = {"2", "401"}
_LABEL_STATES: dict[str, str] = {
    **{label: code for code, label in STATE_LABELS.items()},
    "代签": "303",
    "本人签收": "301",
    "派件异常后签收": "302",
    "投柜或驿站签收": "304",
    "投柜或站签收": "304",
    "待揽收": "102",
    "下单": "101",
    "到达派件城市": "1001",
    "干线": "1002",
    "待取件": "501",
    "退件": "6",
    "拒收": "14",
    "派件异常": "2",
    "揽收异常": "2",
    "销单": "401",
}


def state_of_label(label: str) -> str | None:
    """The state code of a checkpoint's label (签收, 代签, 投柜或驿站签收 ...), None if unknown."""
    return _LABEL_STATES.get(label.strip())


def parcel_status(state: str) -> ParcelStatus:
    """揽收/在途/派件/转投 (and 清关) keep shipped; 签收, 代签, 投柜或驿站签收 are delivered; 疑难,
    拒签, 退签, 退回 are an exception. An unknown code is in transit: it never ends a parcel."""
    if state in _DELIVERED:
        return ParcelStatus.DELIVERED
    if state in _RETURNED or state in _PROBLEM:
        return ParcelStatus.EXCEPTION
    return ParcelStatus.IN_TRANSIT


def tracking_status(state: str) -> str:
    """The `status` of shipment.tracking_updated: in_transit | delivered | returned | exception."""
    if state in _RETURNED:
        return "returned"
    return parcel_status(state).value


def describe_state(state: str) -> str:
    return STATE_LABELS.get(state) or {"301": "本人签收", "303": "代签", "304": "投柜或驿站签收"}.get(state, "在途")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    time: datetime
    context: str
    state: str  # the carrier's state code at this checkpoint
    area: str = ""

    @property
    def key(self) -> tuple[datetime, str]:
        return (self.time, self.context)

    @property
    def order_key(self) -> tuple[datetime, int]:
        """Newest first by time; at the same instant a final state outranks a passing one."""
        rank = {ParcelStatus.IN_TRANSIT: 0, ParcelStatus.EXCEPTION: 1, ParcelStatus.DELIVERED: 2}
        return (self.time, rank[parcel_status(self.state)])


@dataclass(frozen=True, slots=True)
class TrackReport:
    """What the carrier said about one waybill (a push or a query answer)."""

    carrier: str
    waybill_no: str
    checkpoints: tuple[Checkpoint, ...]


@dataclass(frozen=True, slots=True)
class Merge:
    added: tuple[Checkpoint, ...]  # checkpoints not known before, oldest first
    advanced: tuple[Checkpoint, ...]  # the added ones newer than the previous latest, oldest first
    latest: Checkpoint | None  # the newest checkpoint after the merge

    @property
    def status(self) -> ParcelStatus | None:
        return parcel_status(self.latest.state) if self.latest else None


def latest_of(checkpoints: Iterable[Checkpoint]) -> Checkpoint | None:
    return max(checkpoints, key=lambda c: c.order_key, default=None)


def merge(known: Sequence[Checkpoint], incoming: Iterable[Checkpoint]) -> Merge:
    """Merge `incoming` into the `known` track. Duplicates (same time and text) are dropped; only
    checkpoints newer than the known latest advance the parcel."""
    seen = {c.key for c in known}
    previous = latest_of(known)
    added: list[Checkpoint] = []
    for checkpoint in incoming:
        if checkpoint.key in seen:
            continue
        seen.add(checkpoint.key)
        added.append(checkpoint)
    added.sort(key=lambda c: c.order_key)
    advanced = tuple(c for c in added if previous is None or c.order_key > previous.order_key)
    latest = advanced[-1] if advanced else previous
    return Merge(tuple(added), advanced, latest)
