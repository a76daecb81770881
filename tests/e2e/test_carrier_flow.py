"""An order's whole life on the 快递100 simulator, all five services as processes: POST /v1/orders
→ validated → allocated with a waybill from the e-waybill API → the ship scan (shipped, tracking
subscribed) → 揽收, 在途, 派件, 签收 pushed to fulfillment's callback → delivered → completed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from e2e_flow import CS, WAREHOUSE, order_body, set_stock, wait_for_status
from orderhub_contracts.topics import SERVICES
from orderhub_devstack.bootstrap import bootstrap_database, drop_database, service_passwords
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.system import ANY_TIME_OF_DAY, SystemUnderTest
from orderhub_simulators.providers.kuaidi100.app import create_app as create_kuaidi100
from orderhub_simulators.testing import serve

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def carrier_system(
    orderhub_stack: StackInfo, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[SystemUnderTest, str]]:
    """The system with fulfillment on the 快递100 simulator, whose parcels move a step a second."""
    database = f"orderhub_e2e_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_database(orderhub_stack.admin_url, database, SERVICES, service_passwords(SERVICES))
    log_dir: Path = tmp_path_factory.mktemp("e2e-carrier-logs")
    sim = create_kuaidi100()
    async with serve(sim) as sim_port:
        sim_url = f"http://127.0.0.1:{sim_port}"
        async with httpx.AsyncClient(base_url=sim_url) as control:
            await control.post("/_sim/config", json={"auto": True, "step_s": 1.0, "shares": {}})
        sut = SystemUnderTest(database_urls=urls, log_dir=log_dir)
        sut.extra_env = {
            **ANY_TIME_OF_DAY,
            "FULFILLMENT_CARRIER": "kuaidi100",
            "FULFILLMENT_KUAIDI100_API_URL": sim_url,
            "FULFILLMENT_KUAIDI100_POLL_URL": sim_url,
            "FULFILLMENT_KUAIDI100_CALLBACK_URL": f"{sut.url('fulfillment')}/webhooks/carriers/kuaidi100",
            "FULFILLMENT_COMPLETE_AFTER_S": "2",
            "FULFILLMENT_CARRIER_JOBS_POLL_S": "0.2",
        }
        try:
            await sut.start_broker()
            await sut.migrate()
            await sut.start_services()
            yield sut, sim_url
        finally:
            sut.shutdown()
            await drop_database(orderhub_stack.admin_url, database)


async def test_an_order_reaches_delivered_and_completed_on_the_carrier_simulator(
    carrier_system: tuple[SystemUnderTest, str],
) -> None:
    system, sim_url = carrier_system
    sku = f"TRK-{uuid.uuid4().hex[:6].upper()}"
    async with httpx.AsyncClient(timeout=10) as client:
        await set_stock(client, system, sku, 5)
        response = await client.post(f"{system.url('ingest')}/v1/orders", json=order_body(sku=sku), headers=CS)
        assert response.status_code == 201, response.text
        order_id = response.json()["order_id"]
        order = await wait_for_status(client, system, order_id, "allocated")
        waybill = next(e for e in order["timeline"] if e["event_type"] == "shipment.created")["data"]["waybill_no"]
        issued = (await client.get(f"{sim_url}/_sim/parcels/{waybill}")).json()
        assert issued["subscribed"] is False  # the waybill came from the e-waybill API

        scan = await client.post(
            f"{system.url('fulfillment')}/v1/scans/ship", json={"waybill_no": waybill}, headers=WAREHOUSE
        )
        assert scan.status_code == 200, scan.text
        delivered = await wait_for_status(client, system, order_id, "delivered", timeout_s=60)
        assert delivered["tracking"]["status"] == "delivered" and "签收" in delivered["tracking"]["description"]
        completed = await wait_for_status(client, system, order_id, "completed", timeout_s=60)
        statuses = [h["to_status"] for h in completed["status_history"]]
        assert statuses[-3:] == ["shipped", "delivered", "completed"]

        track = await client.get(f"{system.url('fulfillment')}/v1/shipments/{waybill}", headers=WAREHOUSE)
        body = track.json()
        assert body["status"] == "delivered"
        assert [c["state_label"] for c in body["track"]] == ["签收", "派件", "在途", "揽收"]
