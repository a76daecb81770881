"""Reading TOP field values: 元 strings to fen, GMT+8 wall-clock strings to aware datetimes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from orderhub_contracts.money import to_fen
from orderhub_contracts.timezone import SHANGHAI

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class TradeFormatError(ValueError):
    """A trade payload that cannot be read as a Taobao trade."""


def fen(value: Any, default: int = 0) -> int:
    """'200.07' -> 20007. Missing or empty -> default; more than 2 decimals is refused by to_fen."""
    if value is None or value == "":
        return default
    if isinstance(value, float):  # only when a caller parsed JSON without Decimal
        value = Decimal(repr(value))
    return to_fen(value)


def gmt8(value: Any) -> datetime | None:
    """TOP times are 'yyyy-MM-dd HH:mm:ss' in GMT+8; anything else that is not empty is refused."""
    if value is None or value == "":
        return None
    try:
        return datetime.strptime(str(value).strip(), _TIME_FORMAT).replace(tzinfo=SHANGHAI)
    except ValueError as exc:
        raise TradeFormatError(f"not a TOP time: {value!r}") from exc


def gmt8_or_none(value: Any) -> datetime | None:
    """For fields that are sometimes free text (e.g. est_con_time '付款后15天内发货')."""
    try:
        return gmt8(value)
    except TradeFormatError:
        return None


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def listed(container: Any, key: str) -> list[dict[str, Any]]:
    """TOP JSON wraps lists as {"orders": {"order": [...]}} unless simplify=true gives [...]."""
    if container is None:
        return []
    if isinstance(container, dict):
        container = container.get(key, [])
    if not isinstance(container, list):
        raise TradeFormatError(f"expected a list of {key}")
    return [entry for entry in container if isinstance(entry, dict)]
