"""Builds the notify app: templates validated, routes and providers from settings."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from notify.api.messages import router
from notify.contexts import PROVIDED
from notify.dispatches import DispatchNotifier
from notify.handlers import Notifier
from notify.limits import Limits
from notify.providers.base import ProviderSet
from notify.providers.factory import build_providers, provider_names
from notify.returns import ReturnNotifier
from notify.routing import RecipientResolver
from notify.sender import Sender
from notify.settings import NotifySettings
from notify.tables import messaging
from notify.template_data import TEMPLATES
from notify.templates import load_templates

ProviderWrapper = Callable[[ProviderSet], ProviderSet]


def build_spec(
    settings: NotifySettings | None = None,
    runtime: RuntimeSettings | None = None,
    *,
    wrap_providers: ProviderWrapper | None = None,
) -> ServiceSpec[NotifySettings]:
    """`wrap_providers` lets a test or benchmark stand between the sender and its providers."""
    settings = settings or NotifySettings()
    templates = load_templates(TEMPLATES, PROVIDED)
    notifier = Notifier(
        templates=templates,
        resolver=RecipientResolver(settings.routing),
        provider_names=provider_names(settings),
    )
    dispatches = DispatchNotifier(templates, RecipientResolver(settings.routing), provider_names(settings))
    returns = ReturnNotifier(templates, RecipientResolver(settings.routing), provider_names(settings))
    configured = settings
    variables = {code: template.variables for code, template in templates.items()}
    wrap = wrap_providers or (lambda providers: providers)
    sender = Sender(settings, limits_of(settings), lambda engine: wrap(build_providers(configured, engine, variables)))
    return ServiceSpec(
        name="notify",
        title="OrderHub notify",
        settings=settings,
        deps=settings,
        runtime=runtime or RuntimeSettings(),
        tables=messaging,
        handlers=notifier.handlers() | dispatches.handlers() | returns.handlers(),
        batch_handlers=notifier.batch_handlers() | dispatches.batch_handlers() | returns.batch_handlers(),
        routers=[router],
        background=[sender.run],
    )


def limits_of(settings: NotifySettings) -> Limits:
    return Limits(
        sms_per_minute=settings.sms_per_phone_per_minute,
        sms_per_hour=settings.sms_per_phone_per_hour,
        sms_per_day=settings.sms_per_phone_per_day,
        robot_per_minute=settings.wecom_per_robot_per_minute,
        quiet_start=settings.quiet_hours_start,
        quiet_end=settings.quiet_hours_end,
        urgent_templates=frozenset(settings.urgent_templates),
    )


def create_app(
    settings: NotifySettings | None = None,
    runtime: RuntimeSettings | None = None,
    *,
    wrap_providers: ProviderWrapper | None = None,
) -> FastAPI:
    return create_service_app(build_spec(settings, runtime, wrap_providers=wrap_providers))
