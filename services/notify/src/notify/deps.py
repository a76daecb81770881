"""The notify service's own dependencies, built once by `main.create_app`, and the aliases routes
receive them with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from orderhub_runtime.app import provided
from orderhub_runtime.auth import require_staff
from orderhub_runtime.db import make_engine
from orderhub_runtime.settings import StaffMember
from sqlalchemy.ext.asyncio import AsyncEngine

from notify.messages.limits import Limits
from notify.providers.base import ProviderSet
from notify.providers.factory import build_providers, provider_names
from notify.routing import RecipientResolver
from notify.settings import NotifySettings
from notify.templates.book import EventTemplates, load_templates
from notify.templates.data import TEMPLATES
from notify.templates.variables import PROVIDED

ProviderWrapper = Callable[[ProviderSet], ProviderSet]


@dataclass(frozen=True)
class NotifyDeps:
    settings: NotifySettings
    providers: ProviderSet  # closed by `close` (the app's on_stop)
    provider_names: Mapping[str, str]  # channel -> provider name, written on each message
    templates: EventTemplates
    routing: RecipientResolver
    limits: Limits
    # The recording providers write their sends in transactions of their own, as a remote
    # provider would: through an engine of their own, disposed by `close`.
    provider_engine: AsyncEngine

    @classmethod
    def build(cls, settings: NotifySettings, wrap_providers: ProviderWrapper | None = None) -> NotifyDeps:
        """`wrap_providers` lets a test or benchmark stand between the sender and its providers.
        Nothing connects here: engines and HTTP clients connect on first use."""
        book = load_templates(TEMPLATES, PROVIDED)
        variables = {code: template.variables for code, template in book.items()}
        url = settings.database_url.get_secret_value()
        if not url:
            raise RuntimeError("NOTIFY_DATABASE_URL is not set")
        engine = make_engine(url, pool_size=settings.db_pool_size)
        providers = build_providers(settings, engine, variables)
        return cls(
            settings=settings,
            providers=wrap_providers(providers) if wrap_providers is not None else providers,
            provider_names=provider_names(settings),
            templates=EventTemplates.required(book),
            routing=RecipientResolver(settings.routing),
            limits=limits_of(settings),
            provider_engine=engine,
        )

    async def close(self) -> None:
        await self.providers.aclose()
        await self.provider_engine.dispose()


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


Deps = Annotated[NotifyDeps, Depends(provided(NotifyDeps))]
Staff = Annotated[StaffMember, Depends(require_staff())]  # any staff role
