"""GET /metrics of a running service: the HTTP, consumer, relay and outbox series, and the
typed API services use for their own series."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from orderhub_devstack.testing import eventually, running_app
from orderhub_runtime import metrics
from orderhub_runtime.db import make_engine
from probe_service import PrivateServers, make_probe, private_servers, probe_app
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

pytestmark = [pytest.mark.broker, pytest.mark.asyncio(loop_scope="session")]  # private servers


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def servers() -> AsyncIterator[PrivateServers]:
    async for s in private_servers():
        yield s


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def value(found: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(v for got, v in found.get(name, []) if all(got.get(k) == w for k, w in labels.items()))


async def test_a_running_service_exports_its_series(servers: PrivateServers) -> None:
    probe = await make_probe(servers, metrics_sample_interval_s=0.1)
    async with running_app(probe_app(probe)) as client:
        for i in range(3):
            response = await client.post("/v1/payments", json={"order_id": f"m-{i}", "fen": 1})
            assert response.status_code == 201
        assert (await client.get("/v1/payments/m-0")).status_code == 200
        assert (await client.get("/v1/payments/nowhere")).status_code == 404

        engine = make_engine(probe.settings.database_url.get_secret_value())

        async def handled() -> bool:
            async with engine.connect() as conn:
                return int((await conn.execute(select(func.count()).select_from(probe.effects))).scalar_one()) == 3

        await eventually(handled, timeout_s=45)

        async def scraped() -> dict[str, list[tuple[dict[str, str], float]]] | None:
            response = await client.get("/metrics")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
            found = samples(response.text)
            lag_seen = any(labels.get("topic") == "orders.v1" for labels, _ in found.get("orderhub_consumer_lag", []))
            return found if lag_seen and "orderhub_outbox_backlog" in found else None

        found = await eventually(scraped, timeout_s=10)
    await engine.dispose()

    post = {"method": "POST", "route": "/v1/payments"}
    assert value(found, "orderhub_http_requests_total", status="201", **post) >= 3
    assert value(found, "orderhub_http_requests_total", route="/v1/payments/{order_id}", status="404") >= 1
    assert not [labels for labels, _ in found["orderhub_http_requests_total"] if "nowhere" in labels["route"]]
    assert value(found, "orderhub_http_request_duration_seconds_count", **post) >= 3
    assert value(found, "orderhub_events_published_total", topic="orders.v1", type="order.paid") >= 3
    assert value(found, "orderhub_events_consumed_total", topic="orders.v1", type="order.paid") >= 3
    assert value(found, "orderhub_handler_duration_seconds_count", type="order.paid") >= 3
    assert value(found, "orderhub_consumer_batch_size_count") >= 1
    for name in ("orderhub_outbox_backlog", "orderhub_outbox_oldest_unsent_age_seconds"):
        assert found[name][0][1] >= 0
    for labels, lag in found["orderhub_consumer_lag"]:
        assert lag >= 0 and labels["partition"].isdigit()


async def test_services_declare_their_own_series() -> None:
    hits = metrics.counter("orderhub_test_rule_hits_total", "Rule hits by rule", ["rule"])
    assert metrics.counter("orderhub_test_rule_hits", "Rule hits by rule", ["rule"]) is hits
    hits.labels(rule="blacklist").inc(2)
    with pytest.raises(ValueError, match="already declared"):
        metrics.gauge("orderhub_test_rule_hits", "not a gauge")
    body, _ = metrics.exposition()
    assert re.search(rb'^orderhub_test_rule_hits_total\{rule="blacklist"\} 2\.0$', body, re.M)
