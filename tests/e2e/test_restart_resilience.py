"""Nothing a service has committed is lost when the whole stack stops or crashes: the embedded
broker keeps everything in memory, so each service replays its retained outbox into the broker
that comes back empty, and every consumer deduplicates."""

from __future__ import annotations

import asyncio
import signal
import uuid

import httpx
import pytest
from e2e_flow import CS, assert_shipped_with_one_sms, order_body, set_stock, ship_when_allocated
from orderhub_devstack.system import SystemUnderTest

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def _place(client: httpx.AsyncClient, sut: SystemUnderTest, sku: str, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        response = await client.post(f"{sut.url('ingest')}/v1/orders", json=order_body(sku=sku), headers=CS)
        assert response.status_code == 201, response.text
        ids.append(response.json()["order_id"])
    return ids


async def _ship_each(client: httpx.AsyncClient, sut: SystemUnderTest, order_ids: list[str]) -> None:
    """Each order allocated once (one waybill), then its parcel scanned out at the door."""
    for order_id in order_ids:
        await ship_when_allocated(client, sut, order_id)


async def _assert_each_done_once(client: httpx.AsyncClient, sut: SystemUnderTest, order_ids: list[str]) -> None:
    for order_id in order_ids:
        await assert_shipped_with_one_sms(client, sut, order_id)


async def _restart(sut: SystemUnderTest) -> None:
    await sut.start_broker()
    await sut.start_services()


async def test_whole_stack_crash_mid_flow_loses_nothing_and_duplicates_nothing(system: SystemUnderTest) -> None:
    sku = f"HUM-{uuid.uuid4().hex[:6].upper()}"
    async with httpx.AsyncClient(timeout=10) as client:
        await set_stock(client, system, sku, 100)
        before = await _place(client, system, sku, 5)
        await _ship_each(client, system, before)
        await _assert_each_done_once(client, system, before)
        in_flight = await _place(client, system, sku, 12)
        system.crash()  # kill -9: services and the memory-only broker
        await _restart(system)
        await _ship_each(client, system, in_flight)
        await _assert_each_done_once(client, system, before + in_flight)


async def test_graceful_stop_and_start_loses_nothing(system: SystemUnderTest) -> None:
    sku = f"HUM-{uuid.uuid4().hex[:6].upper()}"
    async with httpx.AsyncClient(timeout=10) as client:
        await set_stock(client, system, sku, 100)
        order_ids = await _place(client, system, sku, 8)
        await asyncio.sleep(0.05)
        system.stop_services(signal.SIGTERM)  # as Ctrl-C on `make run`: services drain first
        assert system.broker is not None
        system.broker.stop()
        await _restart(system)
        await _ship_each(client, system, order_ids)
        await _assert_each_done_once(client, system, order_ids)
