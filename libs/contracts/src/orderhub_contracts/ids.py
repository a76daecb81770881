"""The global order ID: DABE + creation minute (Asia/Shanghai, yyyyMMddHHmm) + the last 5
characters of the channel order number, e.g. DY20260218142278901 at 14:22 on 2026-02-18 ->
DABE20260218142278901."""

from __future__ import annotations

import hashlib
from datetime import datetime

from orderhub_contracts.timezone import SHANGHAI

PREFIX = "DABE"
_SUFFIX_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def base_order_id(created_at: datetime, channel_order_no: str) -> str:
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    stamp = created_at.astimezone(SHANGHAI).strftime("%Y%m%d%H%M")
    tail = channel_order_no.strip()[-5:]
    if not tail:
        raise ValueError("channel order number is empty")
    return f"{PREFIX}{stamp}{tail}"


def collision_suffix(channel: str, channel_order_no: str, length: int = 4) -> str:
    """Deterministic disambiguator for a channel order whose base ID another order holds."""
    digest = hashlib.sha256(f"{channel}:{channel_order_no.strip()}".encode()).digest()
    value = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(length):
        value, idx = divmod(value, 32)
        chars.append(_SUFFIX_ALPHABET[idx])
    return "".join(chars)


def candidate_order_ids(created_at: datetime, channel: str, channel_order_no: str) -> list[str]:
    """IDs to try in order: the base ID, then ever longer deterministic suffixes."""
    base = base_order_id(created_at, channel_order_no)
    return [base] + [f"{base}-{collision_suffix(channel, channel_order_no, n)}" for n in (4, 8, 12)]
