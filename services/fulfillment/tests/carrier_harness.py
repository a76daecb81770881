"""The harness of the carrier tests: fulfillment configured for 快递100, the 快递100 simulator on a
real port (it pushes to fulfillment's callback, which is served on a real port too), and helpers
to take an order to a dispatched, subscribed parcel and move it along."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fulfillment_harness import WAREHOUSE, FulfillmentEnv
from orderhub_contracts.order import CanonicalOrder
from orderhub_devstack.testing import eventually


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serve_on(app: FastAPI, port: int) -> AsyncIterator[None]:
    """Serve an app whose lifespan already runs elsewhere (lifespan off) on a real port."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


def fake_ingest(views: dict[str, dict[str, Any]]) -> FastAPI:
    """Ingest's `GET /v1/orders/{id}` answering what the test put in `views` (404 otherwise)."""
    app = FastAPI()

    @app.get("/v1/orders/{order_id}")
    async def order(order_id: str) -> JSONResponse:
        found = views.get(order_id)
        return JSONResponse(found or {"error": {"code": "not_found"}}, status_code=200 if found else 404)

    return app


@dataclass
class CarrierEnv:
    ff: FulfillmentEnv
    sim: httpx.AsyncClient  # the 快递100 simulator's control and API
    customer_views: dict[str, dict[str, Any]] = field(default_factory=dict)  # what fake ingest answers

    async def allocated(self, order: CanonicalOrder) -> dict[str, Any]:
        """Stock the order's SKUs, clear it, and answer its outbound order once it exists."""
        for line in order.items:
            await self.ff.put_stock(line.sku, 100)
        await self.ff.validate(order)

        async def outbound() -> dict[str, Any] | None:
            items = (await self.ff.fulfillment_of(order.order_id))["items"]
            return items[0] if items else None

        found: dict[str, Any] = await eventually(outbound)
        return found

    async def dispatched(self, order: CanonicalOrder, *, scenario: str = "normal") -> str:
        """The order allocated, its parcel scanned out (POST /v1/scans/ship) and subscribed at the
        carrier; its waybill."""
        await self.sim.post("/_sim/scenarios", json={"scenarios": [scenario]})
        outbound = await self.allocated(order)
        waybill_no: str = outbound["waybill_no"]
        scanned = await self.ff.client.post("/v1/scans/ship", json={"waybill_no": waybill_no}, headers=WAREHOUSE)
        assert scanned.status_code == 200, scanned.text

        async def subscribed() -> bool:
            return bool((await self.sim.get(f"/_sim/parcels/{waybill_no}")).json().get("subscribed"))

        await eventually(subscribed)
        return waybill_no

    async def advance(self, waybill_no: str, steps: int = 1) -> None:
        for _ in range(steps):
            await self.sim.post(f"/_sim/parcels/{waybill_no}/advance")

    async def shipment(self, waybill_no: str) -> dict[str, Any]:
        response = await self.ff.client.get(f"/v1/shipments/{waybill_no}", headers=WAREHOUSE)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def reaches(self, waybill_no: str, status: str, *, checkpoints: int | None = None) -> dict[str, Any]:
        async def there() -> dict[str, Any] | None:
            body = await self.shipment(waybill_no)
            enough = checkpoints is None or len(body["track"]) == checkpoints
            return body if body["status"] == status and enough else None

        found: dict[str, Any] = await eventually(there, timeout_s=15.0)
        return found
