"""Print jobs and the printers they go to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class JobStatus(StrEnum):
    QUEUED = "queued"  # not tried yet
    SENDING = "sending"  # being sent; a worker that died while sending leaves it to be sent again
    RETRYING = "retrying"  # tried, the printer was off or refused: tried again later
    PRINTED = "printed"


@dataclass(frozen=True)
class SubmitPrint:
    """Put a document in the printer queue. A `dedupe_key` already queued adds nothing."""

    document: str  # file name, e.g. 带备注发货单-20261202.pdf
    body: bytes
    source: str  # what it is: picklist:PL..., wms_bridge:run 7
    content_type: str = "application/pdf"
    dedupe_key: str | None = None


@dataclass(frozen=True)
class PrintJob:
    job_id: int
    document: str
    printer: str
    source: str
    status: JobStatus
    attempts: int
    error: str
    printer_job_id: str
    size: int
    next_attempt_at: datetime
    created_at: datetime
    printed_at: datetime | None


@dataclass(frozen=True)
class DueJob:
    job_id: int
    document: str
    content_type: str
    body: bytes
    attempts: int


class Printer(Protocol):
    """Where documents go: an IPP printer or a spool folder."""

    @property
    def url(self) -> str: ...

    async def send(self, job_id: int, document: str, body: bytes, content_type: str) -> str:
        """Print; answers the printer's own job reference. Raises PrinterUnavailable."""
        ...
