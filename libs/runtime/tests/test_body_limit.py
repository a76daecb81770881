"""Request bodies above ORDERHUB_HTTP_MAX_BODY_BYTES are refused with 413 without being read
whole, whether they declare their length or stream in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, FastAPI, Request
from orderhub_runtime.errors import install_error_handlers
from orderhub_runtime.http import BodyLimitMiddleware
from pydantic import BaseModel

LIMIT = 1024


class Note(BaseModel):
    text: str


def _app(read: list[int]) -> FastAPI:
    router = APIRouter()

    @router.post("/v1/notes")
    async def note(body: Note) -> dict[str, int]:
        return {"length": len(body.text)}

    @router.post("/v1/raw")
    async def raw(request: Request) -> dict[str, int]:
        async for chunk in request.stream():
            read.append(len(chunk))
        return {"read": sum(read)}

    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=LIMIT)
    app.include_router(router)
    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_declared_length_over_the_limit_is_refused_before_the_route() -> None:
    read: list[int] = []
    async with _client(_app(read)) as client:
        response = await client.post("/v1/raw", content=b"x" * (5 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert read == []


async def test_a_streamed_body_is_counted_and_cut_off() -> None:
    read: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"y" * 512

    async with _client(_app(read)) as client:
        streamed = await client.post("/v1/raw", content=chunks())
        json_streamed = await client.post("/v1/notes", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413, streamed.text
    assert streamed.json()["error"]["code"] == "payload_too_large"
    assert sum(read) <= LIMIT
    assert json_streamed.status_code == 413, json_streamed.text
    assert json_streamed.json()["error"]["code"] == "payload_too_large"


async def test_bodies_within_the_limit_pass() -> None:
    async with _client(_app([])) as client:
        response = await client.post("/v1/notes", json={"text": "a" * 900})
        invalid = await client.post("/v1/notes", json={"wrong": 1})
    assert response.status_code == 200
    assert response.json() == {"length": 900}
    assert invalid.status_code == 422
