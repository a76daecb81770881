"""CloudEvents 1.0 over Kafka in binary mode: attributes travel as `ce_*` headers, the value is
the JSON data, and the key is the order ID so one order's events stay in order on one partition."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
# CloudEvents extension attributes (lowercase alphanumerics only, per the spec).
CORRELATION_HEADER = "ce_correlationid"
CAUSATION_HEADER = "ce_causationid"


class InvalidEnvelope(ValueError):
    """A Kafka record that is not a well-formed binary-mode CloudEvent."""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str
    time: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    data: dict[str, Any]
    correlation_id: str = ""
    causation_id: str = ""


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def encode(envelope: Envelope) -> KafkaRecord:
    headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", envelope.id.encode()),
        ("ce_source", envelope.source.encode()),
        ("ce_type", envelope.type.encode()),
        ("ce_time", envelope.time.isoformat().encode()),
        ("ce_subject", envelope.subject.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if envelope.correlation_id:
        headers.append((CORRELATION_HEADER, envelope.correlation_id.encode()))
    if envelope.causation_id:
        headers.append((CAUSATION_HEADER, envelope.causation_id.encode()))
    value = json.dumps(envelope.data, ensure_ascii=False, separators=(",", ":")).encode()
    return KafkaRecord(key=envelope.subject.encode(), value=value, headers=headers)


def decode_headers(headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, raw in headers:
        try:
            out[name] = raw.decode() if raw is not None else ""
        except UnicodeDecodeError:
            out[name] = raw.hex()
    return out


def decode(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> Envelope:
    h = decode_headers(headers)
    if h.get("ce_specversion") != SPEC_VERSION:
        raise InvalidEnvelope(f"ce_specversion is {h.get('ce_specversion')!r}, expected {SPEC_VERSION!r}")
    missing = [n for n in ("ce_id", "ce_source", "ce_type", "ce_time") if not h.get(n)]
    if missing:
        raise InvalidEnvelope(f"missing CloudEvents headers: {', '.join(missing)}")
    try:
        data = json.loads(value or b"null")
    except json.JSONDecodeError as exc:
        raise InvalidEnvelope(f"value is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidEnvelope("value must be a JSON object")
    subject = h.get("ce_subject") or (key.decode() if key else "")
    try:
        return Envelope(
            id=h["ce_id"],
            source=h["ce_source"],
            type=h["ce_type"],
            subject=subject,
            time=datetime.fromisoformat(h["ce_time"]),
            data=data,
            correlation_id=h.get(CORRELATION_HEADER, ""),
            causation_id=h.get(CAUSATION_HEADER, ""),
        )
    except (ValidationError, ValueError) as exc:
        raise InvalidEnvelope(str(exc)) from exc
