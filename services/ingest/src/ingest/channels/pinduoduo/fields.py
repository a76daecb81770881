"""Reading POP order fields: 元 amounts (strings or numbers) to fen, times that are either
'yyyy-MM-dd HH:mm:ss' GMT+8 strings or unix timestamps, to aware datetimes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from orderhub_contracts.money import to_fen
from orderhub_contracts.timezone import SHANGHAI

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_MS_THRESHOLD = 10**11  # a unix time above this is in milliseconds (10**11 s is the year 5138)


class OrderFormatError(ValueError):
    """A payload that cannot be read as a Pinduoduo order."""


def fen(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, float):  # only when a caller parsed JSON without Decimal
        value = Decimal(repr(value))
    return to_fen(value)


def when(value: Any) -> datetime | None:
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, int | float | Decimal) or str(value).strip().isdigit():
        seconds = int(value)
        if seconds >= _MS_THRESHOLD:
            seconds //= 1000
        return datetime.fromtimestamp(seconds, SHANGHAI)
    try:
        return datetime.strptime(str(value).strip(), _TIME_FORMAT).replace(tzinfo=SHANGHAI)
    except ValueError as exc:
        raise OrderFormatError(f"not a POP time: {value!r}") from exc


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def is_encrypted(value: str) -> bool:
    """POP ciphertexts: names/addresses wrapped in ~…~, phones in $…$."""
    return len(value) > 2 and value[0] == value[-1] and value[0] in "~$"
