"""The IPP printer simulator parses real IPP requests and answers with IPP responses."""

from __future__ import annotations

import struct

import httpx
import pytest
from orderhub_simulators.providers.ipp_printer import IppPrinterState, create_app, parse_request


def _attr(tag: int, name: str, value: bytes) -> bytes:
    return struct.pack(">BH", tag, len(name)) + name.encode() + struct.pack(">H", len(value)) + value


def _request(operation: int, *, charset: bool = True, document: bytes = b"", job_name: str = "拣货单.pdf") -> bytes:
    attributes = b"\x01"
    if charset:
        attributes += _attr(0x47, "attributes-charset", b"utf-8") + _attr(0x48, "attributes-natural-language", b"zh-cn")
    attributes += _attr(0x45, "printer-uri", b"ipp://127.0.0.1/ipp/print")
    attributes += _attr(0x42, "job-name", job_name.encode())
    attributes += _attr(0x49, "document-format", b"application/pdf")
    return struct.pack(">BBHi", 1, 1, operation, 7) + attributes + b"\x03" + document


def _status(body: bytes) -> tuple[int, int]:
    _major, _minor, status, request_id = struct.unpack(">BBHi", body[:8])
    return status, request_id


@pytest.fixture
def printer() -> tuple[IppPrinterState, httpx.AsyncClient]:
    state = IppPrinterState()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://printer")
    return state, client


def test_a_request_is_parsed_into_operation_attributes_and_document() -> None:
    parsed = parse_request(_request(0x0002, document=b"%PDF-1.7 body"))
    assert parsed.operation_id == 0x0002 and parsed.request_id == 7
    assert parsed.operation_attribute("job-name") == "拣货单.pdf"
    assert parsed.document == b"%PDF-1.7 body"
    with pytest.raises(ValueError):
        parse_request(b"\x01\x01\x00\x02\x00\x00\x00\x01\x01")  # no end-of-attributes tag


async def test_print_job_keeps_the_document_and_answers_a_job_id(
    printer: tuple[IppPrinterState, httpx.AsyncClient],
) -> None:
    state, client = printer
    headers = {"Content-Type": "application/ipp"}
    response = await client.post("/ipp/print", content=_request(0x0002, document=b"%PDF doc"), headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "application/ipp"
    assert _status(response.content) == (0x0000, 7)
    assert b"job-id" in response.content
    assert state.jobs[0]["job_name"] == "拣货单.pdf" and state.documents[1] == b"%PDF doc"
    assert (await client.get("/_sim/documents/1")).content == b"%PDF doc"


async def test_refusing_down_bad_and_unsupported(printer: tuple[IppPrinterState, httpx.AsyncClient]) -> None:
    state, client = printer
    headers = {"Content-Type": "application/ipp"}
    await client.post("/_sim/printer", json={"mode": "refusing"})
    refused = await client.post("/ipp/print", content=_request(0x0002, document=b"x"), headers=headers)
    assert _status(refused.content)[0] == 0x0506 and not state.jobs
    await client.post("/_sim/printer", json={"mode": "down"})
    assert (await client.post("/ipp/print", content=_request(0x0002), headers=headers)).status_code == 503
    await client.post("/_sim/printer", json={"mode": "accepting"})
    bad = await client.post("/ipp/print", content=_request(0x0002, charset=False), headers=headers)
    assert _status(bad.content)[0] == 0x0400
    unsupported = await client.post("/ipp/print", content=_request(0x0009), headers=headers)
    assert _status(unsupported.content)[0] == 0x0501
    attributes = await client.post("/ipp/print", content=_request(0x000B), headers=headers)
    assert _status(attributes.content)[0] == 0x0000 and b"printer-is-accepting-jobs" in attributes.content
