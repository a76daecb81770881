"""Builds the notify app: settings → deps (templates validated, routes and providers from
settings) → ServiceSpec → FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from notify.api.messages import router
from notify.deps import NotifyDeps, ProviderWrapper
from notify.handlers import build_batch_handlers, build_handlers
from notify.messages.sender import sender_task
from notify.provider_metrics import counting
from notify.settings import NotifySettings
from notify.tables import messaging


def build_spec(
    settings: NotifySettings | None = None,
    runtime: RuntimeSettings | None = None,
    *,
    wrap_providers: ProviderWrapper | None = None,
) -> ServiceSpec[NotifyDeps]:
    """`wrap_providers` lets a test or benchmark stand between the sender and its providers."""
    # Every provider call is counted for /metrics, around whatever a test or benchmark wraps in.
    deps = NotifyDeps.build(settings or NotifySettings(), counting(wrap_providers))
    return ServiceSpec(
        name="notify",
        title="OrderHub notify",
        settings=deps.settings,
        deps=deps,
        runtime=runtime or RuntimeSettings(),
        tables=messaging,
        handlers=build_handlers(deps),
        batch_handlers=build_batch_handlers(deps),
        routers=[router],
        background=[sender_task(deps)],
        on_stop=[deps.close],
    )


def create_app(
    settings: NotifySettings | None = None,
    runtime: RuntimeSettings | None = None,
    *,
    wrap_providers: ProviderWrapper | None = None,
) -> FastAPI:
    return create_service_app(build_spec(settings, runtime, wrap_providers=wrap_providers))
