"""Builds the console app: settings -> deps -> a plain FastAPI app with the runtime's logging,
error mapping, correlation IDs and health checks. No database and no broker of its own: every
page reads and writes through the services' public APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from orderhub_runtime.errors import install_error_handlers
from orderhub_runtime.http import CorrelationMiddleware
from orderhub_runtime.logging import get_logger
from orderhub_runtime.settings import RuntimeSettings

from console.api import anomalies, auth, health, kpi, orders, pda, returns, routing, rules, stock, warehouse
from console.deps import build_deps
from console.errors import SecurityHeadersMiddleware, install_page_errors
from console.settings import ConsoleSettings

log = get_logger(__name__)
STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: ConsoleSettings | None = None,
    runtime: RuntimeSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """`transport` lets a test stand in for the services the console calls."""
    settings = settings or ConsoleSettings()
    runtime = runtime or RuntimeSettings()
    if not runtime.is_local:
        settings.refuse_development_secrets()
    deps = build_deps(settings, runtime, transport)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("service.started", services=settings.service_urls())
        try:
            yield
        finally:
            await deps.close()
            log.info("service.stopped")

    app = FastAPI(title="OrderHub console", version="0.1.0", lifespan=lifespan, docs_url="/docs")
    app.state.deps = deps
    install_error_handlers(app)
    install_page_errors(app)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CorrelationMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (health, auth, orders, anomalies, returns, routing, rules, stock, kpi, warehouse, pda):
        app.include_router(module.router)
    return app
