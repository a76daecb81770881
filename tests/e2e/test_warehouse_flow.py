"""The warehouse end to end, through the public APIs of all five services as processes: a phone
order with a remark is allocated, shows on the board with its bin and remarks, goes on a pick
list (`picking` on its timeline, its label on paper), is scanned out, and ends shipped with the
customer's one SMS, 「已发货」 at the scan; a mixed order ships in two parcels."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from e2e_flow import CS, WAREHOUSE, messages_for, order_body, set_stock, wait_for_status
from orderhub_devstack.system import SystemUnderTest
from orderhub_devstack.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def _sku() -> str:
    return f"WH-{uuid.uuid4().hex[:6].upper()}"


async def _put_product(client: httpx.AsyncClient, system: SystemUnderTest, sku: str, **fields: Any) -> None:
    body = {"title": "桌面加湿器 Pro", "category": "生活电器", "list_price_fen": 12900} | fields
    response = await client.put(f"{system.url('fulfillment')}/v1/products/{sku}", json=body, headers=WAREHOUSE)
    assert response.status_code == 200, response.text


async def _on_board(client: httpx.AsyncClient, system: SystemUnderTest, order_id: str) -> list[dict[str, Any]]:
    async def check() -> list[dict[str, Any]] | None:
        response = await client.get(f"{system.url('fulfillment')}/v1/board", headers=WAREHOUSE)
        assert response.status_code == 200, response.text
        board = response.json()
        mine = [i for zone in ("in_stock", "presale") for i in board[zone] if i["order_id"] == order_id]
        return mine or None

    return await eventually(check, timeout_s=30, interval_s=0.2)


async def _scan(client: httpx.AsyncClient, system: SystemUnderTest, waybill_no: str) -> dict[str, Any]:
    response = await client.post(
        f"{system.url('fulfillment')}/v1/scans/ship", json={"waybill_no": waybill_no}, headers=WAREHOUSE
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _pick(client: httpx.AsyncClient, system: SystemUnderTest, outbound_id: str) -> str:
    """Pick lists of the most urgent parcels until one takes this parcel (other tests' orders
    share the board); answers its wave's ID."""
    for _ in range(10):
        response = await client.post(
            f"{system.url('fulfillment')}/v1/picklists", json={"max_orders": 200}, headers=WAREHOUSE
        )
        assert response.status_code == 201, response.text
        wave: dict[str, Any] = response.json()
        if outbound_id in {o["outbound_id"] for o in wave["orders"]}:
            return str(wave["picklist_id"])
    raise AssertionError(f"no pick list took {outbound_id}")


async def test_an_order_goes_from_placed_to_shipped_through_the_warehouse(system: SystemUnderTest) -> None:
    sku = _sku()
    async with httpx.AsyncClient(timeout=10) as client:
        await _put_product(client, system, sku, bin_location="A-03-12")
        await set_stock(client, system, sku, 5)
        response = await client.post(f"{system.url('ingest')}/v1/orders", json=order_body(sku=sku), headers=CS)
        assert response.status_code == 201, response.text
        order_id = response.json()["order_id"]
        await wait_for_status(client, system, order_id, "allocated", needs=("shipment.created",))

        [parcel] = await _on_board(client, system, order_id)
        assert parcel["items"][0]["bin_location"] == "A-03-12"
        assert parcel["buyer_remark"] == "请勿周末送货"
        assert parcel["zone"] == "in_stock" and not parcel["overdue"]
        assert await messages_for(client, system, order_id) == [], "allocation sends the customer nothing"

        wave = await _pick(client, system, parcel["outbound_id"])

        async def picked() -> dict[str, Any] | None:  # the row and the timeline are read apart
            order = await wait_for_status(client, system, order_id, "allocated", needs=("outbound.status_changed",))
            return order if order["label_printed_at"] else None

        order = await eventually(picked, timeout_s=30, interval_s=0.2)
        [picking] = [e["data"] for e in order["timeline"] if e["event_type"] == "outbound.status_changed"]
        assert (picking["status"], picking["picklist_id"]) == ("picking", wave)
        assert order["outbound_status"] == "picking"  # label on paper: an address change now intercepts

        scanned = await _scan(client, system, parcel["waybill_no"])
        assert scanned["order_shipped"] is True
        order = await wait_for_status(
            client, system, order_id, "shipped", needs=("shipment.dispatched", "order.shipped")
        )
        dispatched = next(e for e in order["timeline"] if e["event_type"] == "shipment.dispatched")
        assert dispatched["data"]["waybill_no"] == parcel["waybill_no"]
        assert (await _scan(client, system, parcel["waybill_no"]))["already_shipped"] is True

        async def shipped_sms() -> list[dict[str, Any]] | None:
            found = [m for m in await messages_for(client, system, order_id) if m["status"] == "sent"]
            return found or None

        [sms] = await eventually(shipped_sms, timeout_s=30, interval_s=0.2)  # the one SMS of the order
        assert sms["template"] == "shipment_dispatched" and sms["channel"] == "sms"
        assert "已发货" in sms["text"] and parcel["waybill_no"] in sms["text"]


async def test_a_mixed_order_ships_in_two_parcels_and_is_shipped_after_the_second(system: SystemUnderTest) -> None:
    in_stock, presale = _sku(), _sku()
    async with httpx.AsyncClient(timeout=10) as client:
        await _put_product(client, system, presale, title="预售空气炸锅", presale_ship_date="2099-01-01")
        await set_stock(client, system, in_stock, 5)
        await set_stock(client, system, presale, 5)
        body = order_body(sku=in_stock)
        body["items"].append({"sku": presale, "title": "预售空气炸锅", "quantity": 1, "unit_price_fen": 29900})
        response = await client.post(f"{system.url('ingest')}/v1/orders", json=body, headers=CS)
        assert response.status_code == 201, response.text
        order_id = response.json()["order_id"]
        await wait_for_status(client, system, order_id, "allocated", needs=("shipment.created",))

        async def both_parcels() -> list[dict[str, Any]] | None:
            parcels = await _on_board(client, system, order_id)
            return parcels if len(parcels) == 2 else None

        first, second = await eventually(both_parcels, timeout_s=30)
        assert (first["zone"], second["zone"]) == ("in_stock", "presale")

        assert (await _scan(client, system, first["waybill_no"]))["order_shipped"] is False
        order = await wait_for_status(client, system, order_id, "allocated", needs=("shipment.dispatched",))
        assert order["status"] == "allocated"
        assert (await _scan(client, system, second["waybill_no"]))["order_shipped"] is True
        order = await wait_for_status(client, system, order_id, "shipped", needs=("order.shipped",))
        parcels = [e["data"]["waybill_no"] for e in order["timeline"] if e["event_type"] == "shipment.dispatched"]
        assert sorted(parcels) == sorted([first["waybill_no"], second["waybill_no"]])
