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
from fulfillment.api.picklists import router as picklists_router
from fulfillment.api.print_jobs import router as print_jobs_router
from fulfillment.api.products import router as products_router
from fulfillment.api.scans import router as scans_router
from fulfillment.api.shipments import router as shipments_router
from fulfillment.api.stock import router as stock_router
from fulfillment.api.wms_bridge import router as wms_bridge_router
from fulfillment.carriers import build_carrier
from fulfillment.deps import Clock, FulfillmentDeps, system_clock
from fulfillment.handlers import build_batch_handlers, build_handlers
from fulfillment.kpi.customer_view import IngestOrderViews
from fulfillment.printing.printers import IppPrinter, build_printer
from fulfillment.printing.worker import print_worker
from fulfillment.settings import FulfillmentSettings
from fulfillment.tables import messaging
from fulfillment.tracking.batcher import PushBatcher, push_task
from fulfillment.tracking.worker import carrier_task
from fulfillment.wms_bridge.worker import wms_bridge_worker


def build_deps(settings: FulfillmentSettings, clock: Clock = system_clock) -> FulfillmentDeps:
    printer = build_printer(settings.printer, timeout_s=settings.print_timeout_s)
    views = IngestOrderViews(
        httpx.AsyncClient(timeout=settings.carrier_timeout_s),
        base_url=settings.ingest_url,
        token=settings.ingest_token.get_secret_value(),
    )
    carrier = build_carrier(settings)
    pushes = PushBatcher(carrier.name, timedelta(seconds=settings.complete_after_s))
    return FulfillmentDeps(settings=settings, carrier=carrier, printer=printer, clock=clock, views=views, pushes=pushes)


def build_spec(deps: FulfillmentDeps, runtime: RuntimeSettings) -> ServiceSpec[FulfillmentDeps]:
    printer = deps.printer
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
            picklists_router,
            print_jobs_router,
            wms_bridge_router,
            shipments_router,
            carrier_webhooks_router,
            kpi_router,
        ],
        background=[print_worker, wms_bridge_worker, carrier_task(deps), push_task(deps.pushes)],
        on_stop=[deps.carrier.aclose, deps.views.aclose, *([printer.close] if isinstance(printer, IppPrinter) else [])],
    )


def create_app(
    settings: FulfillmentSettings | None = None, runtime: RuntimeSettings | None = None, clock: Clock = system_clock
) -> FastAPI:
    deps = build_deps(settings or FulfillmentSettings(), clock)
    return create_service_app(build_spec(deps, runtime or RuntimeSettings()))
