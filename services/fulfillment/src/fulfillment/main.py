"""Builds the fulfillment app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from fulfillment.api.outbound import router as outbound_router
from fulfillment.api.stock import router as stock_router
from fulfillment.carriers import CarrierProvider, build_carrier
from fulfillment.handlers import build_batch_handlers, build_handlers
from fulfillment.settings import FulfillmentSettings
from fulfillment.tables import messaging


def build_spec(
    settings: FulfillmentSettings, runtime: RuntimeSettings, carrier: CarrierProvider
) -> ServiceSpec[FulfillmentSettings]:
    return ServiceSpec(
        name="fulfillment",
        title="OrderHub fulfillment",
        settings=settings,
        deps=settings,
        runtime=runtime,
        tables=messaging,
        handlers=build_handlers(carrier),
        batch_handlers=build_batch_handlers(carrier),
        routers=[stock_router, outbound_router],
    )


def create_app(settings: FulfillmentSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    settings = settings or FulfillmentSettings()
    carrier = build_carrier(settings.carrier)
    app = create_service_app(build_spec(settings, runtime or RuntimeSettings(), carrier))
    app.state.carrier = carrier  # for routes that allocate (a stock raise)
    return app
