"""Builds the insights app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from insights.api.contacts import router as contacts_router
from insights.api.heat import router as heat_router
from insights.api.kpi import router as kpi_router
from insights.deps import InsightsDeps
from insights.handlers import build_batch_handlers, build_handlers
from insights.settings import InsightsSettings
from insights.tables import messaging


def build_spec(settings: InsightsSettings, runtime: RuntimeSettings) -> ServiceSpec[InsightsDeps]:
    deps = InsightsDeps.build(settings)
    return ServiceSpec(
        name="insights",
        title="OrderHub insights",
        settings=settings,
        runtime=runtime,
        tables=messaging,
        deps=deps,
        handlers=build_handlers(deps),
        batch_handlers=build_batch_handlers(deps),
        routers=[kpi_router, heat_router, contacts_router],
        on_stop=[deps.http.aclose],
    )


def create_app(settings: InsightsSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    return create_service_app(build_spec(settings or InsightsSettings(), runtime or RuntimeSettings()))
