"""Builds the rules app: settings → deps → ServiceSpec → FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.db import Database
from orderhub_runtime.settings import RuntimeSettings

from rules.api.anomalies import router as anomalies_router
from rules.api.lists import router as lists_router
from rules.api.rules import router as rules_router
from rules.api.stream import router as stream_router
from rules.deps import RulesDeps
from rules.handlers import build_batch_handlers, build_handlers
from rules.rulesets.service import seed_default
from rules.settings import RulesSettings
from rules.tables import messaging
from rules.timers.service import timer_task


async def seed_rule_set(db: Database) -> None:
    """Store the default rule set on a fresh database, before the consumer or any route needs
    it: the only place the defaults are written (a GET never seeds)."""
    async with db.transaction() as tx:
        await seed_default(tx)


def build_spec(settings: RulesSettings | None = None, runtime: RuntimeSettings | None = None) -> ServiceSpec[RulesDeps]:
    deps = RulesDeps.build(settings or RulesSettings())
    return ServiceSpec(
        name="rules",
        title="OrderHub rules",
        settings=deps.settings,
        deps=deps,
        runtime=runtime or RuntimeSettings(),
        tables=messaging,
        handlers=build_handlers(deps),
        batch_handlers=build_batch_handlers(deps),
        routers=[stream_router, anomalies_router, rules_router, lists_router],
        on_start=[seed_rule_set],
        background=[timer_task(deps)],
    )


def create_app(settings: RulesSettings | None = None, runtime: RuntimeSettings | None = None) -> FastAPI:
    return create_service_app(build_spec(settings, runtime))
