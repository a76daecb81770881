"""Typed domain errors carry their HTTP status; one set of handlers maps them (and validation
errors) to a single JSON error shape: {"error": {"code", "message", "details"}}.

A database that cannot be reached (restarting, refusing, pool exhausted) is a 503
`database_unavailable` with Retry-After, not a 500: the request was fine and may be retried."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


DATABASE_RETRY_AFTER_S = 2
_HTTP_CODES = {413: "payload_too_large"}
# Server-side states in which no statement can run: shutting down, starting up, out of slots.
_UNAVAILABLE_PG = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.ConnectionFailureError,
)


def is_database_unavailable(exc: BaseException) -> bool:
    """True for connection-level failures (the server is away), false for errors in the
    statement or the data, which a retry would not fix. Follows the SQLAlchemy wrapper to the
    driver's error and the chain of causes."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (OSError, PoolTimeoutError, *_UNAVAILABLE_PG)):
            return True
        if isinstance(current, asyncpg.exceptions.InterfaceError) and "closed" in str(current):
            return True  # "connection is closed" / "the underlying connection is closed"
        if isinstance(current, DBAPIError):
            if current.connection_invalidated:
                return True
            if isinstance(current.orig, BaseException):
                pending.append(current.orig)
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return False


class _Throttle:
    """At most one log line per interval for a repeated condition (a database restart must not
    write one line per request)."""

    def __init__(self, interval_s: float) -> None:
        self._interval = interval_s
        self._last = -interval_s

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self._last < self._interval:
            return False
        self._last = now
        return True


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        fields = ", ".join(d["field"] or "body" for d in details)
        return JSONResponse(error_body("invalid_request", f"invalid request: {fields}", details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    throttle = _Throttle(10.0)

    async def _infrastructure(_: Request, exc: Exception) -> JSONResponse:
        if not is_database_unavailable(exc):
            log.exception("http.unhandled_error", error=repr(exc))
            return JSONResponse(error_body("internal_error", "internal error; it has been logged"), 500)
        if throttle.ready():
            log.warning("http.database_unavailable", error=f"{type(exc).__name__}: {exc}"[:300])
        body = error_body("database_unavailable", "the database is unavailable; retry shortly")
        return JSONResponse(body, 503, headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)})

    # Registered per class (not in the catch-all below) so Starlette answers without re-raising.
    for kind in (OSError, DBAPIError, PoolTimeoutError, asyncpg.exceptions.PostgresError, asyncpg.InterfaceError):
        app.add_exception_handler(kind, _infrastructure)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        if is_database_unavailable(exc):
            return await _infrastructure(_, exc)
        log.exception("http.unhandled_error", error=repr(exc))
        return JSONResponse(error_body("internal_error", "internal error; it has been logged"), 500)
