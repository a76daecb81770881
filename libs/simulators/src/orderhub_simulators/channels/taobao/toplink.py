"""The TMC binary frame format (top-link protocol 2), as the simulator reads and writes it:
version byte, message-type byte, then little-endian u16-tagged headers ending with tag 0. Tag 1 is
a named custom value (u8 format: 0 void, 1 counted UTF-8 string, 2 u8, 3 u16, 4 u32, 5 u64,
6 u64 ms date, 7 counted bytes), 2 a u32 status code, 3 a counted status phrase, 4 a u32 flag and
5 a counted token. Message types 0 connect, 1 connect ack, 2 send, 3 send ack; `__kind` in a send:
1 pull request, 2 confirm, 3 data, 20 failed."""

from __future__ import annotations

import struct
from typing import Any

CONNECT, CONNECTACK, SEND = 0, 1, 2
KIND_PULL, KIND_CONFIRM, KIND_DATA = 1, 2, 3
_FIXED = {2: "<B", 3: "<H", 4: "<I", 5: "<Q", 6: "<Q"}


def _counted(data: bytes, at: int) -> tuple[bytes, int]:
    (size,) = struct.unpack_from("<I", data, at)
    end = at + 4 + size
    if end > len(data):
        raise ValueError("counted value runs past the frame")
    return data[at + 4 : end], end


def read(data: bytes) -> dict[str, Any]:
    """A frame as a dict: `_type`, `_status`, `_phrase`, `_flag`, `_token` and the custom values."""
    out: dict[str, Any] = {"_type": data[1]}
    at = 2
    while True:
        (tag,) = struct.unpack_from("<H", data, at)
        at += 2
        if tag == 0:
            return out
        if tag in (2, 4):
            (out["_status" if tag == 2 else "_flag"],) = struct.unpack_from("<I", data, at)
            at += 4
        elif tag in (3, 5):
            raw, at = _counted(data, at)
            out["_phrase" if tag == 3 else "_token"] = raw.decode()
        elif tag == 1:
            name, at = _counted(data, at)
            fmt = data[at]
            at += 1
            if fmt in _FIXED:
                (value,) = struct.unpack_from(_FIXED[fmt], data, at)
                at += struct.calcsize(_FIXED[fmt])
            elif fmt in (1, 7):
                raw, at = _counted(data, at)
                value = raw.decode() if fmt == 1 else raw
            else:
                value = None
            out[name.decode()] = value
        else:
            raise ValueError(f"unknown header tag {tag}")


def _put_counted(raw: bytes) -> bytes:
    return struct.pack("<I", len(raw)) + raw


def write(
    message_type: int,
    values: dict[str, Any],
    *,
    status: int | None = None,
    phrase: str | None = None,
    token: str | None = None,
) -> bytes:
    parts = [bytes([2, message_type])]
    if status is not None:
        parts.append(struct.pack("<HI", 2, status))
    if phrase is not None:
        parts.append(struct.pack("<H", 3) + _put_counted(phrase.encode()))
    if token is not None:
        parts.append(struct.pack("<H", 5) + _put_counted(token.encode()))
    for name, value in values.items():
        parts.append(struct.pack("<H", 1) + _put_counted(name.encode()))
        if name == "__kind":
            parts.append(struct.pack("<BB", 2, value))
        elif isinstance(value, int):
            parts.append(struct.pack("<BQ", 5, value))
        else:
            parts.append(b"\x01" + _put_counted(str(value).encode()))
    parts.append(struct.pack("<H", 0))
    return b"".join(parts)
