"""Builds the ingest app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from ingest.api.miniprogram import router as miniprogram_router
from ingest.api.ops import router as ops_router
from ingest.api.orders import router
from ingest.api.search import router as search_router
from ingest.api.webhooks import router as webhooks_router
from ingest.channels.service import channel_tasks
from ingest.projection.handlers import BATCH_HANDLERS
from ingest.settings import IngestSettings
from ingest.tables import messaging


def build_spec(
    settings: IngestSettings | None = None, runtime: RuntimeSettings | None = None
) -> ServiceSpec[IngestSettings]:
    return ServiceSpec(
        name="ingest",
        title="OrderHub ingest",
        settings=(settings := settings or IngestSettings()),
        deps=settings,
        runtime=runtime or RuntimeSettings(),
        tables=messaging,
        batch_handlers=BATCH_HANDLERS,
        # search first: /v1/orders/{order_id} would match it
        routers=[search_router, router, webhooks_router, ops_router, miniprogram_router],
        background=[channel_tasks],  # channel fetch worker, per-shop sync, message streams
    )


def create_app(settings: IngestSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    return create_service_app(build_spec(settings, runtime))
