"""A minimal IPP/1.1 client for `Print-Job` (RFC 8010 encoding, RFC 8011 semantics).

The request is the binary IPP message followed by the document, POSTed over HTTP with the
content type `application/ipp`; `ipp://host/path` means `http://host:631/path`."""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

PRINT_JOB = 0x0002
# delimiter tags
OPERATION_ATTRIBUTES = 0x01
JOB_ATTRIBUTES = 0x02
END_OF_ATTRIBUTES = 0x03
# value tags
INTEGER = 0x21
ENUM = 0x23
TEXT = 0x41
NAME = 0x42
KEYWORD = 0x44
URI = 0x45
CHARSET = 0x47
LANGUAGE = 0x48
MIME_TYPE = 0x49

_request_ids = itertools.count(1)


class PrinterUnavailable(Exception):
    """The printer could not be reached or did not accept the job; the job stays queued."""


@dataclass(frozen=True)
class IppResponse:
    status_code: int
    request_id: int
    attributes: dict[str, list[bytes]]

    @property
    def ok(self) -> bool:
        return self.status_code < 0x0100  # successful-ok and its variants

    def integer(self, name: str) -> int | None:
        values = self.attributes.get(name)
        return struct.unpack(">i", values[0])[0] if values and len(values[0]) == 4 else None

    def text(self, name: str) -> str:
        values = self.attributes.get(name)
        return values[0].decode("utf-8", "replace") if values else ""


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    encoded = name.encode()
    return struct.pack(">BH", tag, len(encoded)) + encoded + struct.pack(">H", len(value)) + value


def encode_print_job(
    printer_uri: str, document: bytes, *, job_name: str, user: str, document_format: str, request_id: int
) -> bytes:
    header = struct.pack(">BBHi", 1, 1, PRINT_JOB, request_id)
    attributes = b"".join(
        (
            bytes([OPERATION_ATTRIBUTES]),
            _attribute(CHARSET, "attributes-charset", b"utf-8"),
            _attribute(LANGUAGE, "attributes-natural-language", b"zh-cn"),
            _attribute(URI, "printer-uri", printer_uri.encode()),
            _attribute(NAME, "requesting-user-name", user.encode()),
            _attribute(NAME, "job-name", job_name.encode()),
            _attribute(MIME_TYPE, "document-format", document_format.encode()),
            bytes([END_OF_ATTRIBUTES]),
        )
    )
    return header + attributes + document


def decode_response(data: bytes) -> IppResponse:
    if len(data) < 9:
        raise ValueError("IPP response too short")
    _major, _minor, status, request_id = struct.unpack(">BBHi", data[:8])
    attributes: dict[str, list[bytes]] = {}
    pos, last = 8, ""
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag == END_OF_ATTRIBUTES:
            break
        if tag < 0x10:  # a delimiter: the next attribute group starts
            continue
        (name_len,) = struct.unpack(">H", data[pos : pos + 2])
        name = data[pos + 2 : pos + 2 + name_len].decode("utf-8", "replace")
        pos += 2 + name_len
        (value_len,) = struct.unpack(">H", data[pos : pos + 2])
        value = data[pos + 2 : pos + 2 + value_len]
        pos += 2 + value_len
        last = name or last  # an empty name adds a value to the previous attribute
        attributes.setdefault(last, []).append(value)
    return IppResponse(status_code=status, request_id=request_id, attributes=attributes)


def http_url(printer_uri: str) -> str:
    parts = urlsplit(printer_uri)
    if parts.scheme in ("ipp", "ipps"):
        netloc = parts.netloc if parts.port else f"{parts.netloc}:631"
        scheme = "https" if parts.scheme == "ipps" else "http"
        return urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    return printer_uri


async def print_job(
    client: httpx.AsyncClient,
    printer_uri: str,
    document: bytes,
    *,
    job_name: str,
    document_format: str = "application/pdf",
    user: str = "orderhub",
) -> str:
    """Send one document; answers the printer's job id. Raises PrinterUnavailable otherwise."""
    ipp_uri = printer_uri.replace("http://", "ipp://", 1).replace("https://", "ipps://", 1)
    body = encode_print_job(
        ipp_uri, document, job_name=job_name, user=user, document_format=document_format, request_id=next(_request_ids)
    )
    try:
        response = await client.post(http_url(printer_uri), content=body, headers={"Content-Type": "application/ipp"})
    except httpx.HTTPError as exc:
        raise PrinterUnavailable(f"printer unreachable: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise PrinterUnavailable(f"printer answered HTTP {response.status_code}")
    try:
        answer = decode_response(response.content)
    except (ValueError, struct.error) as exc:
        raise PrinterUnavailable(f"printer sent an unreadable IPP answer: {exc}") from exc
    if not answer.ok:
        message = answer.text("status-message")
        raise PrinterUnavailable(f"printer refused the job: IPP status 0x{answer.status_code:04x} {message}".strip())
    job_id = answer.integer("job-id")
    return "" if job_id is None else str(job_id)
