"""POP signing: API sign = UPPER(MD5(secret + sorted name+value + secret)) over every parameter
but `sign`; the message service path sign = base64(md5_hex(client_id + ts_ms + secret))."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from urllib.parse import quote


def pop_sign(params: Mapping[str, str], secret: str) -> str:
    text = "".join(f"{name}{params[name]}" for name in sorted(params) if name != "sign")
    return hashlib.md5(f"{secret}{text}{secret}".encode()).hexdigest().upper()


def signed(params: Mapping[str, str], secret: str) -> dict[str, str]:
    out = dict(params)
    out["sign"] = pop_sign(out, secret)
    return out


def message_sign(client_id: str, timestamp_ms: int, secret: str) -> str:
    # base64 of the hex digest text, not of the raw digest (as the platform's SDKs do it).
    hex_digest = hashlib.md5(f"{client_id}{timestamp_ms}{secret}".encode()).hexdigest()
    return base64.b64encode(hex_digest.encode()).decode()


def message_path(client_id: str, timestamp_ms: int, secret: str) -> str:
    sign = quote(message_sign(client_id, timestamp_ms, secret), safe="")
    return f"/message/{quote(client_id, safe='')}/{timestamp_ms}/{sign}"
