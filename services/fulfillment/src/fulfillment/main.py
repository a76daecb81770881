"""Builds the fulfillment app: settings -> deps -> ServiceSpec -> FastAPI app."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from fulfillment.api.board import router as board_router
from fulfillment.api.carrier_webhooks import router as carrier_webhooks_router
from fulfillment.api.kpi import router as kpi_router
from fulfillment.api.outbound import router as outbound_router
from fulfillment.api.products import router as products_router
from fulfillment.api.scans import router as scans_router
from fulfillment.api.shipments import router as shipments_router
from fulfillment.api.stock import router as stock_router
from fulfillment.carriers import build_carrier
from fulfillment.deps import FulfillmentDeps
from fulfillment.handlers import build_batch_handlers, build_handlers
from fulfillment.kpi.customer_view import IngestOrderViews
from fulfillment.settings import FulfillmentSettings
from fulfillment.tables import messaging
from fulfillment.tracking.batcher import PushBatcher, push_task
from fulfillment.tracking.worker import carrier_task


def build_deps(settings: FulfillmentSettings) -> FulfillmentDeps:
    views = IngestOrderViews(
        httpx.AsyncClient(timeout=settings.carrier_timeout_s),
        base_url=settings.ingest_url,
        token=settings.ingest_token.get_secret_value(),
    )
    carrier = build_carrier(settings)
    pushes = PushBatcher(carrier.name, timedelta(seconds=settings.complete_after_s))
    return FulfillmentDeps(settings=settings, carrier=carrier, views=views, pushes=pushes)


def build_spec(deps: FulfillmentDeps, runtime: RuntimeSettings) -> ServiceSpec[FulfillmentDeps]:
    return ServiceSpec(
        name="fulfillment",
        title="OrderHub fulfillment",
        settings=deps.settings,
        deps=deps,
        runtime=runtime,
        tables=messaging,
        handlers=build_handlers(deps),
        batch_handlers=build_batch_handlers(deps),
        routers=[
            stock_router,
            outbound_router,
            products_router,
            board_router,
            scans_router,
            shipments_router,
            carrier_webhooks_router,
            kpi_router,
        ],
        background=[carrier_task(deps), push_task(deps.pushes)],
        on_stop=[deps.carrier.aclose, deps.views.aclose],
    )


def create_app(settings: FulfillmentSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    deps = build_deps(settings or FulfillmentSettings())
    return create_service_app(build_spec(deps, runtime or RuntimeSettings()))
