"""The broker dies under running services: every HTTP API keeps answering, orders keep being
taken (their events wait in the outbox), and once a broker is back (empty, as the memory broker
comes back) every order is processed exactly once, with no service restarted and a quiet log."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from e2e_flow import CS, assert_shipped_with_one_sms, order_body, set_stock, ship_when_allocated
from orderhub_contracts.topics import SERVICES
from orderhub_devstack.system import SystemUnderTest

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
OUTAGE_S = 3.0


async def _place(client: httpx.AsyncClient, sut: SystemUnderTest, sku: str) -> str:
    response = await client.post(f"{sut.url('ingest')}/v1/orders", json=order_body(sku=sku), headers=CS)
    assert response.status_code == 201, response.text
    order_id: str = response.json()["order_id"]
    return order_id


async def test_a_broker_outage_keeps_http_up_and_loses_nothing(system: SystemUnderTest) -> None:
    sku = f"OUT-{uuid.uuid4().hex[:6].upper()}"
    async with httpx.AsyncClient(timeout=10) as client:
        await set_stock(client, system, sku, 100)
        before = [await _place(client, system, sku) for _ in range(2)]
        for order_id in before:
            await ship_when_allocated(client, system, order_id)
            await assert_shipped_with_one_sms(client, system, order_id)
        pids = {service: proc.pid for service, proc in system.procs.items()}

        assert system.broker is not None
        system.broker.stop()
        during: list[str] = []
        health: list[int] = []
        deadline = time.monotonic() + OUTAGE_S
        while time.monotonic() < deadline:  # bounded: a few requests a second for a few seconds
            during.append(await _place(client, system, sku))
            for service in SERVICES:
                health.append((await client.get(f"{system.url(service)}/healthz")).status_code)
            await asyncio.sleep(0.2)
        assert set(health) == {200}
        ready = (await client.get(f"{system.url('ingest')}/readyz")).json()
        assert ready["checks"]["broker"] == "unreachable", ready

        await system.start_broker()  # an empty cluster with a new id, topics created
        for order_id in during:
            await ship_when_allocated(client, system, order_id, timeout_s=90)
        for order_id in before + during:
            await assert_shipped_with_one_sms(client, system, order_id, timeout_s=90)
    assert {service: proc.pid for service, proc in system.procs.items()} == pids, "no service restarted"
    assert all(proc.poll() is None for proc in system.procs.values())
    for service in SERVICES:
        log = (system.log_dir / f"{service}.{system.starts}.log").read_text(errors="replace")
        assert log.count('"bus.broker_lost"') <= 1, service
        assert log.count('"bus.broker_recovered"') <= 1, service
        assert log.count("\n") < 400, f"{service} logged {log.count(chr(10))} lines"
