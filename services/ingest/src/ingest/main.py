"""Builds the ingest app: settings -> deps -> ServiceSpec -> FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from ingest.api.miniprogram import router as miniprogram_router
from ingest.api.ops import router as ops_router
from ingest.api.orders import router
from ingest.api.search import router as search_router
from ingest.api.webhooks import router as webhooks_router
from ingest.channels.miniprogram.service import reconciler
from ingest.channels.tasks import channel_tasks
from ingest.deps import IngestDeps, build_deps
from ingest.handlers import build_batch_handlers
from ingest.settings import IngestSettings
from ingest.tables import messaging


def build_spec(
    settings: IngestSettings | None = None, runtime: RuntimeSettings | None = None
) -> ServiceSpec[IngestDeps]:
    settings = settings or IngestSettings()
    runtime = runtime or RuntimeSettings()
    deps = build_deps(settings, runtime)
    return ServiceSpec(
        name="ingest",
        title="OrderHub ingest",
        settings=settings,
        deps=deps,
        runtime=runtime,
        tables=messaging,
        batch_handlers=build_batch_handlers(deps),
        # search first: /v1/orders/{order_id} would match it
        routers=[search_router, router, webhooks_router, ops_router, miniprogram_router],
        # channel fetch worker, per-shop sync, message streams; WeChat Pay payment reconciler
        background=[channel_tasks, reconciler],
        on_stop=[deps.hub.aclose],
    )


def create_app(settings: IngestSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    return create_service_app(build_spec(settings, runtime))
