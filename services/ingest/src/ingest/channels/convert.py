"""Conversions every normaliser needs: platform times, money, phone numbers, exact JSON numbers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orderhub_contracts.money import to_fen
from orderhub_contracts.phone import normalize_phone
from orderhub_contracts.timezone import SHANGHAI

# A privacy (virtual) number with its extension, e.g. Douyin's "18400913965-7576".
_VIRTUAL_NUMBER = re.compile(r"^\s*(\+?\d[\d ]{9,16})-(\d{1,6})\s*$")


def loads_exact(raw: bytes | str) -> Any:
    """JSON with every non-integer number as Decimal, so "31.99" never becomes a binary float."""
    return json.loads(raw, parse_float=Decimal)


def from_unix(seconds: int | str | None) -> datetime | None:
    """Unix seconds to an aware datetime; 0 / empty means "not yet" (e.g. pay_time of an unpaid order)."""
    if seconds in (None, "", 0, "0"):
        return None
    return datetime.fromtimestamp(int(str(seconds)), UTC)


def from_gmt8(text: str | None) -> datetime | None:
    """A platform "yyyy-MM-dd HH:mm:ss" string, which is Beijing time (GMT+8)."""
    if not text or not str(text).strip():
        return None
    return datetime.strptime(str(text).strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)


def yuan_to_fen(amount: str | int | Decimal | None) -> int:
    """A yuan (or other major-unit) decimal, as a string or exact Decimal, to integer minor units."""
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return 0
    return to_fen(amount)


def platform_phone(raw: str | None) -> str:
    """Normalise a receiver phone; a privacy number keeps its extension ("main-ext")."""
    value = (raw or "").strip()
    virtual = _VIRTUAL_NUMBER.match(value)
    if virtual:
        return f"{normalize_phone(virtual.group(1))}-{virtual.group(2)}"
    return normalize_phone(value)


def text(value: Any, limit: int = 0) -> str:
    """A platform text field as a stripped str ('' for null); optionally cut to `limit` characters."""
    result = "" if value is None else str(value).strip()
    return result[:limit] if limit else result
