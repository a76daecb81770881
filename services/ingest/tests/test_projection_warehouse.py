"""The status projection of the warehouse's events: a released parcel puts a held order back to
allocated, and the order is shipped only once every parcel has left (order.shipped)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from ingest.projection.rules import target_status
from orderhub_contracts.events import (
    DomainEvent,
    OrderHeld,
    OrderShipped,
    OutboundStatusChanged,
    ShipmentDispatched,
    ShipmentIntercepted,
    ShipmentReleased,
)
from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.state_machine import OrderStatus
from orderhub_devstack.testing import eventually, publish
from orderhub_runtime.settings import RuntimeSettings
from projection_support import CS, Body, place, shipped, validated
from sqlalchemy.ext.asyncio import AsyncEngine

ON_THE_SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")


def test_warehouse_event_targets() -> None:
    assert target_status("shipment.released") == OrderStatus.ALLOCATED
    assert target_status("order.shipped") == OrderStatus.SHIPPED
    assert target_status("shipment.dispatched") is None  # one parcel of possibly several
    assert target_status("shipment.intercepted") is None


async def _send(runtime: RuntimeSettings, *events: DomainEvent) -> None:
    for event in events:
        await publish(runtime.kafka_bootstrap_servers, event, prefix=runtime.topic_prefix)


async def _view(client: httpx.AsyncClient, order_id: str, event_type: str, count: int = 1) -> dict[str, Any]:
    """The order view once its timeline holds `count` entries of `event_type`."""

    async def check() -> dict[str, Any] | None:
        view: dict[str, Any] = (await client.get(f"/v1/orders/{order_id}", headers=CS)).json()
        seen = [e for e in view["timeline"] if e["event_type"] == event_type]
        return view if len(seen) >= count else None

    return await eventually(check, timeout_s=20)


def _dispatched(order: CanonicalOrder, waybill_no: str, zone: str) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=order.order_id,
        waybill_no=waybill_no,
        carrier="LOCAL",
        dispatched_at=datetime.now(UTC),
        outbound_id=f"OB-{waybill_no}",
        zone=zone,
    )


@ON_THE_SESSION_LOOP
async def test_hold_and_release_of_an_allocated_order_ends_allocated(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    shipment = shipped(order)
    hold = OrderHeld(order_id=order.order_id, rule_ids=("R15",), reasons=("已打单改地址",))
    intercepted = ShipmentIntercepted(
        order_id=order.order_id, outbound_id=shipment.outbound_id, waybill_no=shipment.waybill_no, reason="已打单改地址"
    )
    released = ShipmentReleased(
        order_id=order.order_id, outbound_id=shipment.outbound_id, waybill_no=shipment.waybill_no
    )
    # One at a time, as they are caused: each lands after the one before.
    await _send(ingest_runtime, validated(order))
    await _view(client, order.order_id, "order.validated")
    await _send(ingest_runtime, shipment)
    await _view(client, order.order_id, "shipment.created")
    await _send(ingest_runtime, hold, intercepted)
    await _view(client, order.order_id, "shipment.intercepted")  # timeline only
    assert (await _view(client, order.order_id, "order.held"))["status"] == "on_hold"
    await _send(ingest_runtime, validated(order))
    assert (await _view(client, order.order_id, "order.validated", 2))["status"] == "validated"
    await _send(ingest_runtime, released)
    view = await _view(client, order.order_id, "shipment.released")
    assert view["status"] == "allocated"
    assert "已放行" in view["timeline"][-1]["summary"]


@ON_THE_SESSION_LOOP
async def test_order_is_shipped_when_its_last_parcel_leaves(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    await _send(ingest_runtime, validated(order), shipped(order))
    await _view(client, order.order_id, "shipment.created")
    await _send(ingest_runtime, _dispatched(order, "LC000000000101", "in_stock"))
    view = await _view(client, order.order_id, "shipment.dispatched")
    assert view["status"] == "allocated"  # the presale parcel has not left yet
    assert "LC000000000101" in view["timeline"][-1]["summary"]
    await _send(
        ingest_runtime,
        _dispatched(order, "LC000000000102", "presale"),
        OrderShipped(
            order_id=order.order_id, waybill_nos=("LC000000000101", "LC000000000102"), shipped_at=datetime.now(UTC)
        ),
    )
    view = await _view(client, order.order_id, "order.shipped")
    assert view["status"] == "shipped"
    assert [e["event_type"] for e in view["timeline"][-3:]] == [
        "shipment.dispatched",
        "shipment.dispatched",
        "order.shipped",
    ]


def _wave(order: CanonicalOrder, status: str, at: datetime) -> OutboundStatusChanged:
    return OutboundStatusChanged(
        order_id=order.order_id,
        outbound_id=f"OB-{order.order_id[-6:]}",
        status=status,
        at=at,
        waybill_no="LC000000000201",
        picklist_id="PL20261202-0007",
    )


@ON_THE_SESSION_LOOP
async def test_a_pick_list_and_its_closing_show_on_the_timeline_and_the_label_stays_on_paper(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    await _send(ingest_runtime, validated(order), shipped(order))
    view = await _view(client, order.order_id, "shipment.created")
    assert view["label_printed_at"] is None and view["outbound_status"] is None

    printed = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    await _send(ingest_runtime, _wave(order, "picking", printed))
    view = await _outbound(client, order.order_id, "picking", 1)
    assert view["status"] == "allocated", "the order's status stays; the timeline shows the parcel"
    assert datetime.fromisoformat(view["label_printed_at"]) == printed
    assert "拣货中" in view["timeline"][-1]["summary"] and "PL20261202-0007" in view["timeline"][-1]["summary"]

    await _send(ingest_runtime, _wave(order, "created", printed.replace(hour=11)))
    view = await _outbound(client, order.order_id, "created", 2)
    assert datetime.fromisoformat(view["label_printed_at"]) == printed, "the label printed stays printed"


async def _outbound(client: httpx.AsyncClient, order_id: str, status: str, count: int) -> dict[str, Any]:
    """The order view once it shows `count` outbound.status_changed and the outbound status
    (the row and the timeline are read by separate statements: wait for both)."""

    async def check() -> dict[str, Any] | None:
        view: dict[str, Any] = (await client.get(f"/v1/orders/{order_id}", headers=CS)).json()
        seen = [e for e in view["timeline"] if e["event_type"] == "outbound.status_changed"]
        return view if len(seen) >= count and view["outbound_status"] == status else None

    return await eventually(check, timeout_s=20)
