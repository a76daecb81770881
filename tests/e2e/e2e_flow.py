"""Client-side helpers for driving the system through its public HTTP APIs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
from orderhub_contracts.timezone import SHANGHAI
from orderhub_devstack.system import SystemUnderTest
from orderhub_devstack.testing import eventually

CS = {"Authorization": "Bearer local-cs"}
WAREHOUSE = {"Authorization": "Bearer local-warehouse"}


def unique_phone() -> str:
    """A mobile number of its own per order, so per-phone SMS limits never join two tests."""
    return f"138{uuid.uuid4().int % 10**8:08d}"


def order_body(
    *,
    sku: str,
    quantity: int = 1,
    unit_price_fen: int = 12900,
    paid: bool = True,
    phone: str | None = None,
    name: str = "王小明",
    remark: str = "请勿周末送货",
) -> dict[str, Any]:
    now = datetime.now(SHANGHAI).replace(microsecond=0)
    return {
        "channel_order_no": f"TEL{uuid.uuid4().int % 10**12:012d}",
        "created_at": now.isoformat(),
        "paid_at": now.isoformat() if paid else None,
        "receiver": {
            "name": name,
            "phone": phone or unique_phone(),
            "province": "江苏省",
            "city": "苏州市",
            "district": "吴中区",
            "street": "长桥街道",
            "detail": "宝带西路100号3幢101室",
        },
        "items": [{"sku": sku, "title": "桌面加湿器 Pro", "quantity": quantity, "unit_price_fen": unit_price_fen}],
        "buyer_remark": remark,
    }


async def set_stock(client: httpx.AsyncClient, sut: SystemUnderTest, sku: str, on_hand: int) -> None:
    response = await client.put(
        f"{sut.url('fulfillment')}/v1/stock/{sku}", json={"on_hand": on_hand}, headers=WAREHOUSE
    )
    assert response.status_code == 200, response.text


async def get_order(client: httpx.AsyncClient, sut: SystemUnderTest, order_id: str) -> dict[str, Any]:
    response = await client.get(f"{sut.url('ingest')}/v1/orders/{order_id}", headers=CS)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def wait_for_status(
    client: httpx.AsyncClient,
    sut: SystemUnderTest,
    order_id: str,
    status: str,
    *,
    needs: tuple[str, ...] = (),
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """The order once it has `status` and its timeline shows every event type in `needs`."""

    async def check() -> dict[str, Any] | None:
        order = await get_order(client, sut, order_id)
        types = {entry["event_type"] for entry in order["timeline"]}
        return order if order["status"] == status and set(needs) <= types else None

    return await eventually(check, timeout_s=timeout_s, interval_s=0.2)


async def messages_for(client: httpx.AsyncClient, sut: SystemUnderTest, order_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{sut.url('notify')}/v1/messages", params={"order_id": order_id}, headers=CS)
    assert response.status_code == 200, response.text
    body = response.json()
    items: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return items


async def scan_out(client: httpx.AsyncClient, sut: SystemUnderTest, waybill_no: str) -> dict[str, Any]:
    """The PDA at the warehouse door: the parcel with this waybill has left (POST /v1/scans/ship)."""
    response = await client.post(
        f"{sut.url('fulfillment')}/v1/scans/ship", json={"waybill_no": waybill_no}, headers=WAREHOUSE
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def ship_when_allocated(
    client: httpx.AsyncClient, sut: SystemUnderTest, order_id: str, *, timeout_s: float = 60.0
) -> None:
    """Wait until the order is allocated with one parcel, then scan that parcel out at the door."""
    order = await wait_for_status(client, sut, order_id, "allocated", needs=("shipment.created",), timeout_s=timeout_s)
    [shipment] = [e for e in order["timeline"] if e["event_type"] == "shipment.created"]
    await scan_out(client, sut, shipment["data"]["waybill_no"])


async def assert_shipped_with_one_sms(
    client: httpx.AsyncClient, sut: SystemUnderTest, order_id: str, *, timeout_s: float = 60.0
) -> None:
    """Shipped, with exactly one SMS (the 「已发货」 one, sent at the scan) whatever was replayed."""
    await wait_for_status(client, sut, order_id, "shipped", needs=("notification.sent",), timeout_s=timeout_s)
    assert len(await messages_for(client, sut, order_id)) == 1, f"{order_id}: exactly one SMS"
