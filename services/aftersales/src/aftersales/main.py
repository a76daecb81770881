"""Builds the aftersales app: settings -> deps -> ServiceSpec -> FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from aftersales.api.order_refs import router as order_refs_router
from aftersales.deps import AftersalesDeps
from aftersales.handlers import build_batch_handlers
from aftersales.settings import AftersalesSettings
from aftersales.tables import messaging


def build_spec(deps: AftersalesDeps, runtime: RuntimeSettings) -> ServiceSpec[AftersalesDeps]:
    return ServiceSpec(
        name="aftersales",
        title="OrderHub aftersales",
        settings=deps.settings,
        deps=deps,
        runtime=runtime,
        tables=messaging,
        batch_handlers=build_batch_handlers(deps),
        routers=[order_refs_router],
    )


def create_app(settings: AftersalesSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    deps = AftersalesDeps(settings=settings or AftersalesSettings())
    return create_service_app(build_spec(deps, runtime or RuntimeSettings()))
