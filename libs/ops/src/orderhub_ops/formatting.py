"""Turning Kafka records into text: CloudEvents headers, timestamps, JSON values, tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from orderhub_contracts.envelope import CORRELATION_HEADER, decode_headers

from orderhub_ops.reader import Record

CE_FIELDS: tuple[str, ...] = ("ce_type", "ce_id", "ce_subject", "ce_source", "ce_time", CORRELATION_HEADER)


def headers_of(rec: Record) -> list[tuple[str, bytes]]:
    return [(str(k), bytes(v) if v is not None else b"") for k, v in (rec.headers or ())]


def header_map(rec: Record) -> dict[str, str]:
    """Headers decoded as text (non-UTF-8 values as hex); for repeated names the last one wins."""
    return decode_headers(headers_of(rec))


def text(raw: bytes | None) -> str:
    if raw is None:
        return ""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.hex()


def key_text(rec: Record) -> str:
    return text(rec.key)


def format_ts(ms: int | None) -> str:
    if ms is None or ms < 0:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def value_json(raw: bytes | None) -> tuple[bool, Any]:
    """(True, parsed) if the value is JSON, else (False, text-or-hex)."""
    if raw is None:
        return True, None
    try:
        return True, json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False, text(raw)


def render_value(raw: bytes | None, *, compact: bool) -> str:
    ok, value = value_json(raw)
    if not ok:
        return f"(not JSON) {value}"
    if compact:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, ensure_ascii=False, indent=2)


def record_json(rec: Record) -> dict[str, Any]:
    """One record as a JSON-able object (used by `tail --json`)."""
    headers = header_map(rec)
    ok, value = value_json(rec.value)
    out: dict[str, Any] = {
        "topic": rec.topic,
        "partition": rec.partition,
        "offset": rec.offset,
        "timestamp": format_ts(rec.timestamp),
        "key": key_text(rec) if rec.key is not None else None,
    }
    out.update({name: headers.get(name) for name in CE_FIELDS})
    out["headers"] = headers
    out["value"] = value
    if not ok:
        out["value_is_json"] = False
    return out


def record_text(rec: Record, *, compact: bool) -> str:
    headers = header_map(rec)
    head = (
        f"{rec.topic} p={rec.partition} o={rec.offset} {format_ts(rec.timestamp)} "
        f"key={key_text(rec) if rec.key is not None else '-'}"
    )
    ce = "  " + " ".join(f"{name}={headers[name]}" for name in CE_FIELDS if name in headers)
    value = render_value(rec.value, compact=compact)
    if compact:
        return f"{head}\n{ce}\n  {value}"
    return f"{head}\n{ce}\n" + "\n".join("  " + line for line in value.splitlines())


def table(header: Sequence[str], rows: Sequence[Sequence[object]], *, right: Sequence[int] = ()) -> str:
    """A plain aligned text table; columns listed in `right` are right-aligned."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
