"""The TMC wire format ("top-link" protocol 2), binary WebSocket frames:

    u8 protocol version (2) | u8 message type | headers... | u16 0 (end of headers)

each header a little-endian u16 type: status code (u32), status phrase / token (u32 length + UTF-8),
flag (u32), or custom (name as u32 length + UTF-8, then a u8 value format and the value). Message
types: CONNECT 0, CONNECTACK 1, SEND 2, SENDACK 3; a SEND carries `__kind`: pull request 1,
confirm 2, data 3, failed 20. Written from the public TMC SDKs' codecs (the protocol has no
published specification)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

PROTOCOL_VERSION = 2
CONNECT, CONNECTACK, SEND, SENDACK = 0, 1, 2, 3
KIND_PULL, KIND_CONFIRM, KIND_DATA, KIND_FAILED = 1, 2, 3, 20
_END, _CUSTOM, _STATUS_CODE, _STATUS_PHRASE, _FLAG, _TOKEN = 0, 1, 2, 3, 4, 5
_VOID, _STRING, _BYTE, _INT16, _INT32, _INT64, _DATE, _BYTES = 0, 1, 2, 3, 4, 5, 6, 7

Value = str | int | bytes | None


@dataclass
class Frame:
    message_type: int
    content: dict[str, Value] = field(default_factory=dict)
    status_code: int | None = None
    status_phrase: str | None = None
    token: str | None = None
    flag: int | None = None


class FrameError(ValueError):
    """Bytes that are not a top-link frame."""


def _text(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("<I", len(raw)) + raw


def _value(name: str, value: Value) -> bytes:
    if value is None:
        return bytes([_VOID])
    if name == "__kind" and isinstance(value, int):
        return struct.pack("<BB", _BYTE, value)
    if isinstance(value, bool):
        raise FrameError(f"no top-link format for a bool ({name})")
    if isinstance(value, int):
        return struct.pack("<BQ", _INT64, value)
    if isinstance(value, bytes):
        return struct.pack("<BI", _BYTES, len(value)) + value
    return bytes([_STRING]) + _text(value)


def encode(frame: Frame) -> bytes:
    out = bytearray(struct.pack("<BB", PROTOCOL_VERSION, frame.message_type))
    if frame.status_code is not None:
        out += struct.pack("<HI", _STATUS_CODE, frame.status_code)
    if frame.status_phrase is not None:
        out += struct.pack("<H", _STATUS_PHRASE) + _text(frame.status_phrase)
    if frame.flag is not None:
        out += struct.pack("<HI", _FLAG, frame.flag)
    if frame.token is not None:
        out += struct.pack("<H", _TOKEN) + _text(frame.token)
    for name, value in frame.content.items():
        out += struct.pack("<H", _CUSTOM) + _text(name) + _value(name, value)
    out += struct.pack("<H", _END)
    return bytes(out)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise FrameError("truncated top-link frame")
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return int(value)

    def raw(self) -> bytes:
        size = self.take("<I")
        if self.at + size > len(self.data):
            raise FrameError("truncated top-link frame")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def text(self) -> str:
        return self.raw().decode()

    def value(self) -> Value:
        fmt = self.take("<B")
        readers = {_BYTE: "<B", _INT16: "<H", _INT32: "<I", _INT64: "<Q", _DATE: "<Q"}
        if fmt == _VOID:
            return None
        if fmt in readers:
            return self.take(readers[fmt])
        if fmt == _BYTES:
            return self.raw()
        if fmt == _STRING:
            return self.text()
        raise FrameError(f"unknown top-link value format {fmt}")


def decode(data: bytes) -> Frame:
    reader = _Reader(data)
    reader.take("<B")  # protocol version
    frame = Frame(message_type=reader.take("<B"))
    while (header := reader.take("<H")) != _END:
        if header == _CUSTOM:
            name = reader.text()
            frame.content[name] = reader.value()
        elif header == _STATUS_CODE:
            frame.status_code = reader.take("<I")
        elif header == _STATUS_PHRASE:
            frame.status_phrase = reader.text()
        elif header == _FLAG:
            frame.flag = reader.take("<I")
        elif header == _TOKEN:
            frame.token = reader.text()
        else:
            raise FrameError(f"unknown top-link header type {header}")
    return frame
