"""Builds the aftersales app: settings -> deps -> ServiceSpec -> FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI
from orderhub_runtime.app import ServiceSpec, create_service_app
from orderhub_runtime.settings import RuntimeSettings

from aftersales.api.coupons import router as coupons_router
from aftersales.api.dock import router as dock_router
from aftersales.api.miniprogram import router as miniprogram_router
from aftersales.api.order_refs import router as order_refs_router
from aftersales.api.returns import router as returns_router
from aftersales.api.routing import router as routing_router
from aftersales.api.wechatpay import router as wechatpay_router
from aftersales.customers import CustomerSessions, IngestSessions
from aftersales.deps import AftersalesDeps
from aftersales.handlers import build_batch_handlers, build_handlers
from aftersales.refunds.providers import LocalRefunds, RefundProvider
from aftersales.refunds.runner import refund_loop
from aftersales.refunds.wechatpay import WeChatPayRefunds
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
        handlers=build_handlers(deps),
        batch_handlers=build_batch_handlers(deps),
        routers=[
            order_refs_router,
            coupons_router,
            miniprogram_router,
            returns_router,
            dock_router,
            routing_router,
            wechatpay_router,
        ],
        background=[refund_loop(deps.refunds, deps.settings.refund_interval_s)],
        on_stop=[deps.sessions.close, deps.refunds.aclose],
    )


def build_refunds(settings: AftersalesSettings) -> RefundProvider:
    if settings.refund_provider == "local":
        return LocalRefunds()
    if settings.refund_provider == "wechatpay":
        return WeChatPayRefunds(settings.wechatpay)
    raise ValueError(f"unknown refund provider {settings.refund_provider!r}; known: wechatpay, local")


def create_app(
    settings: AftersalesSettings | None = None,
    runtime: RuntimeSettings | None = None,
    *,
    sessions: CustomerSessions | None = None,
    refunds: RefundProvider | None = None,
) -> FastAPI:
    settings = settings or AftersalesSettings()
    deps = AftersalesDeps(
        settings=settings,
        sessions=sessions or IngestSessions(settings.ingest_url, ttl_s=settings.session_cache_s),
        refunds=refunds or build_refunds(settings),
    )
    return create_service_app(build_spec(deps, runtime or RuntimeSettings()))
