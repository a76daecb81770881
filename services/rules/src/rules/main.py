"""Builds the rules app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceContext, ServiceSpec, create_service_app
from orderhub_runtime.logging import get_logger
from orderhub_runtime.settings import RuntimeSettings

from rules.api.anomalies import router as anomalies_router
from rules.api.lists import router as lists_router
from rules.api.rules import router as rules_router
from rules.api.stream import router as stream_router
from rules.engine.money import configure_rates
from rules.handlers import build_batch_handlers, build_handlers
from rules.rulebook import RuleBook, seed_default
from rules.settings import RulesSettings
from rules.tables import messaging
from rules.timer_worker import timer_task

log = get_logger(__name__)


async def seed_rule_set(ctx: ServiceContext[RulesSettings]) -> None:
    """Store the default rule set on a fresh database at start-up. Not fatal: the first handler
    or API call that needs the rule set seeds it too."""
    try:
        async with ctx.db.transaction() as tx:
            await seed_default(tx.conn)
    except Exception as exc:
        log.warning("rules.seed_deferred", error=repr(exc))


def build_spec(
    settings: RulesSettings | None = None, runtime: RuntimeSettings | None = None
) -> ServiceSpec[RulesSettings]:
    settings = settings or RulesSettings()
    configure_rates(settings.cny_reference_rates)
    rulebook = RuleBook()
    return ServiceSpec(
        name="rules",
        title="OrderHub rules",
        settings=settings,
        deps=settings,
        runtime=runtime or RuntimeSettings(),
        tables=messaging,
        handlers=build_handlers(rulebook, settings),
        batch_handlers=build_batch_handlers(rulebook, settings),
        routers=[stream_router, anomalies_router, rules_router, lists_router],
        background=[seed_rule_set, timer_task(rulebook, settings.timer_poll_s)],
    )


def create_app(settings: RulesSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    return create_service_app(build_spec(settings, runtime))
