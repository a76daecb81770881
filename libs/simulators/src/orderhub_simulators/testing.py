"""For tests: a simulator app served over real HTTP/WebSocket in-process, on a free 127.0.0.1 port.

Tests that only speak HTTP can use an ASGI transport instead; this is for WebSocket clients and for
code under test that opens its own connections to a base URL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI


@contextlib.asynccontextmanager
async def serve(app: FastAPI, *, port: int = 0) -> AsyncIterator[int]:
    """Serve `app` until the block ends; yields the port it listens on (`port`, or a free one)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn offers no started event
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task
