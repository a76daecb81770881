"""IPP printer simulator: a network printer speaking IPP/1.1 over HTTP (RFC 8010/8011).

- `POST /ipp/print` (also `/` and `/printers/{name}`), content type `application/ipp`: the
  request's version, operation id, request id and attribute groups are parsed, the document is
  what follows the end-of-attributes tag. `Print-Job` keeps the document and answers `job-id`,
  `job-uri` and `job-state`; `Validate-Job` and `Get-Printer-Attributes` are answered; any other
  operation gets `server-error-operation-not-supported`. A request without
  `attributes-charset` / `attributes-natural-language` first gets `client-error-bad-request`.
- Switch the printer (`POST /_sim/printer {"mode": ...}`): `accepting`; `refusing` answers
  `server-error-not-accepting-jobs` (0x0506) like a paused printer; `down` answers HTTP 503 like
  a print server whose printer is off. (Stop the server for a printer that does not answer.)
- `GET /_sim/received` lists the jobs; `GET /_sim/documents/{job_id}` answers a document.
  With `SIM_IPP_SPOOL_DIR` set, each document is also written there as `<job id>-<job name>`."""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel

from orderhub_simulators.registry import SimulatorSpec

IPP = "application/ipp"
PrinterMode = Literal["accepting", "refusing", "down"]

OPERATIONS = {0x0002: "Print-Job", 0x0004: "Validate-Job", 0x000B: "Get-Printer-Attributes"}
OK, BAD_REQUEST, NOT_SUPPORTED, VERSION_NOT_SUPPORTED, NOT_ACCEPTING = 0x0000, 0x0400, 0x0501, 0x0503, 0x0506
# tags (RFC 8010 §3.5)
OPERATION, JOB, PRINTER, END = 0x01, 0x02, 0x04, 0x03
INTEGER, BOOLEAN, ENUM, TEXT, NAME, KEYWORD, URI, CHARSET, LANGUAGE = (
    0x21,
    0x22,
    0x23,
    0x41,
    0x42,
    0x44,
    0x45,
    0x47,
    0x48,
)


@dataclass(frozen=True)
class IppRequest:
    version: tuple[int, int]
    operation_id: int
    request_id: int
    groups: list[tuple[int, dict[str, list[bytes]]]]  # (delimiter tag, attributes) in order
    document: bytes

    def operation_attribute(self, name: str) -> str:
        for tag, attributes in self.groups:
            if tag == OPERATION and name in attributes:
                return attributes[name][0].decode("utf-8", "replace")
        return ""


def parse_request(data: bytes) -> IppRequest:
    """Raises ValueError on a message that is not IPP."""
    if len(data) < 9:
        raise ValueError("shorter than an IPP header")
    major, minor, operation_id, request_id = struct.unpack(">BBHi", data[:8])
    groups: list[tuple[int, dict[str, list[bytes]]]] = []
    pos, last = 8, ""
    while True:
        if pos >= len(data):
            raise ValueError("no end-of-attributes tag")
        tag = data[pos]
        pos += 1
        if tag == END:
            break
        if tag < 0x10:
            groups.append((tag, {}))
            continue
        if not groups:
            raise ValueError("an attribute before any group")
        (name_len,) = struct.unpack(">H", data[pos : pos + 2])
        name = data[pos + 2 : pos + 2 + name_len].decode("utf-8", "replace")
        pos += 2 + name_len
        (value_len,) = struct.unpack(">H", data[pos : pos + 2])
        value = data[pos + 2 : pos + 2 + value_len]
        if len(value) != value_len:
            raise ValueError("truncated attribute")
        pos += 2 + value_len
        last = name or last
        groups[-1][1].setdefault(last, []).append(value)
    return IppRequest((major, minor), operation_id, request_id, groups, data[pos:])


def _attr(tag: int, name: str, value: bytes) -> bytes:
    encoded = name.encode()
    return struct.pack(">BH", tag, len(encoded)) + encoded + struct.pack(">H", len(value)) + value


def _int(value: int) -> bytes:
    return struct.pack(">i", value)


def encode_response(status: int, request_id: int, groups: list[tuple[int, list[bytes]]], message: str = "") -> bytes:
    operation = [_attr(CHARSET, "attributes-charset", b"utf-8"), _attr(LANGUAGE, "attributes-natural-language", b"en")]
    if message:
        operation.append(_attr(TEXT, "status-message", message.encode()))
    body = bytes([OPERATION]) + b"".join(operation)
    for tag, attributes in groups:
        body += bytes([tag]) + b"".join(attributes)
    return struct.pack(">BBHi", 1, 1, status, request_id) + body + bytes([END])


class ModeIn(BaseModel):
    mode: PrinterMode


@dataclass
class IppPrinterState:
    mode: PrinterMode = "accepting"
    spool_dir: Path | None = None
    jobs: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[int, bytes] = field(default_factory=dict)
    requests: int = 0

    def print_job(self, request: IppRequest) -> int:
        job_id = len(self.jobs) + 1
        name = request.operation_attribute("job-name") or f"job-{job_id}"
        self.documents[job_id] = request.document
        self.jobs.append(
            {
                "job_id": job_id,
                "job_name": name,
                "user": request.operation_attribute("requesting-user-name"),
                "document_format": request.operation_attribute("document-format"),
                "size": len(request.document),
                "sha256": hashlib.sha256(request.document).hexdigest(),
            }
        )
        if self.spool_dir is not None:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            (self.spool_dir / f"{job_id}-{Path(name).name}").write_bytes(request.document)
        return job_id


def answer(state: IppPrinterState, request: IppRequest, base_url: str) -> bytes:
    rid = request.request_id
    if request.version[0] not in (1, 2):
        return encode_response(VERSION_NOT_SUPPORTED, rid, [])
    if not request.operation_attribute("attributes-charset") or not request.operation_attribute(
        "attributes-natural-language"
    ):
        return encode_response(BAD_REQUEST, rid, [], "attributes-charset and natural-language come first")
    operation = OPERATIONS.get(request.operation_id)
    accepting = state.mode == "accepting"
    if operation is None:
        return encode_response(NOT_SUPPORTED, rid, [])
    if operation == "Get-Printer-Attributes":
        printer = [
            _attr(URI, "printer-uri-supported", f"{base_url}ipp/print".encode()),
            _attr(ENUM, "printer-state", _int(3 if accepting else 5)),  # idle / stopped
            _attr(BOOLEAN, "printer-is-accepting-jobs", b"\x01" if accepting else b"\x00"),
            _attr(NAME, "printer-name", b"orderhub-sim"),
        ]
        return encode_response(OK, rid, [(PRINTER, printer)])
    if not accepting:
        return encode_response(NOT_ACCEPTING, rid, [], "printer is not accepting jobs")
    if operation == "Validate-Job":
        return encode_response(OK, rid, [])
    job_id = state.print_job(request)
    job = [
        _attr(URI, "job-uri", f"{base_url}jobs/{job_id}".encode()),
        _attr(INTEGER, "job-id", _int(job_id)),
        _attr(ENUM, "job-state", _int(9)),  # completed
        _attr(KEYWORD, "job-state-reasons", b"job-completed-successfully"),
    ]
    return encode_response(OK, rid, [(JOB, job)])


def create_app(state: IppPrinterState | None = None) -> FastAPI:
    spool = os.environ.get("SIM_IPP_SPOOL_DIR")
    app = FastAPI(title="IPP printer simulator")
    app.state.printer = state or IppPrinterState(spool_dir=Path(spool) if spool else None)

    async def ipp(request: Request) -> Response:
        printer: IppPrinterState = request.app.state.printer
        printer.requests += 1
        if printer.mode == "down":
            return Response(status_code=503)
        try:
            parsed = parse_request(await request.body())
        except (ValueError, struct.error) as exc:
            raise HTTPException(400, f"not an IPP request: {exc}") from exc
        return Response(answer(printer, parsed, str(request.base_url)), media_type=IPP)

    for path in ("/", "/ipp/print", "/printers/{name}"):
        app.add_api_route(path, ipp, methods=["POST"], include_in_schema=path == "/ipp/print")

    @app.post("/_sim/printer")
    async def switch(body: ModeIn, request: Request) -> dict[str, str]:
        request.app.state.printer.mode = body.mode
        return {"mode": body.mode}

    @app.get("/_sim/received")
    async def received(request: Request) -> dict[str, Any]:
        printer: IppPrinterState = request.app.state.printer
        return {"mode": printer.mode, "items": printer.jobs}

    @app.get("/_sim/documents/{job_id}")
    async def document(job_id: int, request: Request) -> Response:
        body = request.app.state.printer.documents.get(job_id)
        if body is None:
            raise HTTPException(404, "no such job")
        return Response(body, media_type="application/octet-stream")

    return app


SIMULATOR = SimulatorSpec(
    name="ipp-printer",
    default_port=8631,
    create_app=create_app,
    description="network printer speaking IPP/1.1 (Print-Job) over HTTP; can refuse or be off",
)
