"""Commands, rows and results of tracking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fulfillment.carriers.tracking import Checkpoint, ParcelStatus


@dataclass(frozen=True, slots=True)
class TrackDispatch:
    """The parcel left with the carrier: record it and subscribe its track."""

    order_id: str
    outbound_id: str
    carrier: str
    waybill_no: str
    phone: str
    dispatched_at: datetime


@dataclass(frozen=True, slots=True)
class Shipment:
    waybill_no: str
    order_id: str
    outbound_id: str
    carrier: str
    provider: str
    phone_tail: str
    status: ParcelStatus
    carrier_state: str
    latest_at: datetime | None
    latest_context: str
    dispatched_at: datetime
    delivered_at: datetime | None
    queried_at: datetime | None


@dataclass(frozen=True, slots=True)
class TrackedCheckpoint:
    checkpoint: Checkpoint
    source: str  # push | query
    received_at: datetime


class JobKind(StrEnum):
    SUBSCRIBE = "subscribe"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class CarrierJob:
    job_id: int
    kind: JobKind
    provider: str
    carrier: str
    waybill_no: str
    phone_tail: str
    attempts: int


class Applied(StrEnum):
    UNKNOWN = "unknown"  # not a waybill of ours
    UNCHANGED = "unchanged"  # duplicate, or only older checkpoints
    ADVANCED = "advanced"  # the parcel has a newer checkpoint


@dataclass(frozen=True, slots=True)
class ApplyResult:
    applied: Applied
    added: int = 0
    status: ParcelStatus | None = None
