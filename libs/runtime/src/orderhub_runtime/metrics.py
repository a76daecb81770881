"""Prometheus metrics: the series every service exports from the runtime (HTTP, consumer, relay,
outbox, dead letters), served on GET /metrics, and a small typed API for a service's own.

A service adds its own series once, at import or in `create_app`:

    ORDERS = metrics.counter("orderhub_ingest_orders_total", "Orders by status", ["status"])
    ORDERS.labels(status="created").inc()

Metrics live in the process-wide default registry (one service per process; it also carries the
process collectors). Declaring the same series again answers the existing one, so building a
second app in one process (tests) is harmless; the same name with another type or other labels
is an error."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

M = TypeVar("M", bound=MetricWrapperBase)
_declared: dict[str, tuple[MetricWrapperBase, tuple[str, ...]]] = {}
# Seconds; from sub-millisecond handlers to a slow request.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def _existing(kind: type[M], name: str, labels: tuple[str, ...]) -> M | None:
    found = _declared.get(name)
    if found is None:
        return None
    metric, known = found
    if not isinstance(metric, kind) or known != labels:
        raise ValueError(f"metric {name} is already declared as a {type(metric).__name__} with labels {known}")
    return metric


def _remember(name: str, metric: M, labels: tuple[str, ...]) -> M:
    _declared[name] = (metric, labels)
    return metric


def counter(name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
    """A counter; exported as `<name>_total` (the suffix is added if missing)."""
    base, wanted = name.removesuffix("_total"), tuple(labels)
    found = _existing(Counter, base, wanted)
    return found or _remember(base, Counter(base, documentation, wanted, registry=REGISTRY), wanted)


def gauge(name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
    wanted = tuple(labels)
    found = _existing(Gauge, name, wanted)
    return found or _remember(name, Gauge(name, documentation, wanted, registry=REGISTRY), wanted)


def histogram(
    name: str, documentation: str, labels: Sequence[str] = (), buckets: Sequence[float] = LATENCY_BUCKETS
) -> Histogram:
    wanted = tuple(labels)
    found = _existing(Histogram, name, wanted)
    created = found or Histogram(name, documentation, wanted, registry=REGISTRY, buckets=tuple(buckets))
    return found or _remember(name, created, wanted)


def exposition() -> tuple[bytes, str]:
    """The text exposition of every series, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# The series the runtime exports (deploy/prometheus/alerts.yaml is written against these names).
HTTP_REQUESTS = counter(
    "orderhub_http_requests_total", "HTTP requests by route template and status", ["method", "route", "status"]
)
HTTP_LATENCY = histogram(
    "orderhub_http_request_duration_seconds", "HTTP request latency by route template", ["method", "route"]
)
EVENTS_CONSUMED = counter(
    "orderhub_events_consumed_total", "Events handled by the consumer (committed), by type", ["topic", "type"]
)
EVENTS_PUBLISHED = counter(
    "orderhub_events_published_total", "Events the outbox relay published to the broker, by type", ["topic", "type"]
)
HANDLER_LATENCY = histogram(
    "orderhub_handler_duration_seconds", "Time in a message handler per dispatch (one event or a run)", ["type"]
)
CONSUMER_BATCH_SIZE = histogram(
    "orderhub_consumer_batch_size", "Records per consumer poll that carried records", buckets=BATCH_BUCKETS
)
CONSUMER_LAG = gauge(
    "orderhub_consumer_lag", "High watermark minus the next offset to handle, per partition", ["topic", "partition"]
)
OUTBOX_BACKLOG = gauge("orderhub_outbox_backlog", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = gauge(
    "orderhub_outbox_oldest_unsent_age_seconds", "Age of the oldest outbox row not yet published (0 when none)"
)
DEAD_LETTERS = counter("orderhub_dead_letters_total", "Records sent to the dead-letter topic", ["topic", "type"])
BROKER_CONNECTED = gauge("orderhub_broker_connected", "1 while the service reaches the broker, 0 while it does not")


class HttpMetricsMiddleware:
    """Counts and times requests by route template (`/v1/orders/{order_id}`), never by raw path,
    so IDs in URLs do not explode the series; unmatched paths count as `unmatched`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = str(scope.get("method", ""))
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)
