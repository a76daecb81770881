"""Builds the aftersales app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from aftersales.api import router
from aftersales.handlers import BATCH_HANDLERS
from aftersales.settings import AftersalesSettings
from aftersales.tables import messaging


def build_spec(
    settings: AftersalesSettings | None = None, runtime: RuntimeSettings | None = None
) -> ServiceSpec[AftersalesSettings]:
    return ServiceSpec(
        name="aftersales",
        title="OrderHub aftersales",
        settings=(settings := settings or AftersalesSettings()),
        deps=settings,
        runtime=runtime or RuntimeSettings(),
        tables=messaging,
        batch_handlers=BATCH_HANDLERS,
        routers=[router],
    )


def create_app(settings: AftersalesSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    return create_service_app(build_spec(settings, runtime))
