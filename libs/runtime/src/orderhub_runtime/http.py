"""ASGI middleware binding a correlation ID to every request (and echoing it back)."""

from __future__ import annotations

import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderhub_runtime.context import set_correlation_id

CORRELATION_HTTP_HEADER = "x-correlation-id"


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(CORRELATION_HTTP_HEADER.encode(), b"").decode()
        correlation_id = incoming[:100] or str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        set_correlation_id(correlation_id)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((CORRELATION_HTTP_HEADER.encode(), correlation_id.encode()))
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            await self.app(scope, receive, send_with_header)
