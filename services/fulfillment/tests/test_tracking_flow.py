"""Parcels on the 快递100 simulator: waybills from the e-waybill API, subscription at dispatch,
signed pushes (good, bad, missing), duplicated, reordered and lost pushes (the active query
filling the gap), returns, cancellation at the carrier, and completion after delivery."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from carrier_harness import CarrierEnv
from fulfillment.carriers.signing import callback_sign
from fulfillment.carriers.tracking import Checkpoint, TrackReport
from fulfillment.completion.repository import completion_of
from fulfillment.tracking.repository import jobs_for, rejected_pushes
from fulfillment.tracking.service import apply_tracks
from orderhub_contracts.events import AfterSalesCaseClosed, AfterSalesCaseOpened, OrderCancelled
from orderhub_devstack.testing import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}


async def test_a_parcel_goes_from_pickup_to_delivered_and_completes(carriers: CarrierEnv) -> None:
    order = carriers.ff.order({carriers.ff.sku(): 1})
    waybill = await carriers.dispatched(order)
    assert waybill.startswith("78")  # the simulator's 中通-shaped number, not a local one
    await carriers.advance(waybill, 3)
    transit = await carriers.reaches(waybill, "in_transit", checkpoints=3)
    assert transit["state_label"] == "派件" and "正在派件" in transit["latest_context"]
    await carriers.advance(waybill)
    delivered = await carriers.reaches(waybill, "delivered", checkpoints=4)
    assert [c["state_label"] for c in delivered["track"]] == ["签收", "派件", "在途", "揽收"]
    assert delivered["delivered_at"] is not None
    updates = await carriers.ff.events(order.order_id, "shipment.tracking_updated", count=4)
    assert [u.data["status"] for u in updates] == ["in_transit", "in_transit", "in_transit", "delivered"]
    (done,) = await carriers.ff.events(order.order_id, "shipment.delivered")
    assert done.data["waybill_no"] == waybill and done.data["carrier_state"] == "3"
    (completed,) = await carriers.ff.events(order.order_id, "order.completed")
    assert completed.data["order_id"] == order.order_id


async def test_duplicated_pushes_change_nothing(carriers: CarrierEnv) -> None:
    order = carriers.ff.order({carriers.ff.sku(): 1})
    waybill = await carriers.dispatched(order, scenario="duplicated")
    await carriers.advance(waybill, 4)
    await carriers.reaches(waybill, "delivered", checkpoints=4)
    await carriers.ff.events(order.order_id, "shipment.delivered")
    assert await carriers.ff.outbox_count(order.order_id, "shipment.tracking_updated") == 4
    assert await carriers.ff.outbox_count(order.order_id, "shipment.delivered") == 1


async def test_an_older_push_never_moves_the_parcel_back(carriers: CarrierEnv) -> None:
    order = carriers.ff.order({carriers.ff.sku(): 1})
    waybill = await carriers.dispatched(order, scenario="out_of_order")
    await carriers.advance(waybill, 3)  # pushes: 揽收, then 派件, then the late 在途
    body = await carriers.reaches(waybill, "in_transit", checkpoints=3)
    assert body["state_label"] == "派件"
    await asyncio.sleep(0.5)  # let a late push or a query land: it must not move the parcel back
    assert (await carriers.shipment(waybill))["state_label"] == "派件"
    updates = await carriers.ff.events(order.order_id, "shipment.tracking_updated", count=2)
    times = [u.data["occurred_at"] for u in updates]
    assert times == sorted(times) and "正在派件" in updates[-1].data["description"]
    # 在途 is announced only if the active query learned it before the late 派件 push came.
    assert await carriers.ff.outbox_count(order.order_id, "shipment.tracking_updated") in (2, 3)


async def test_lost_pushes_are_filled_by_the_active_query(carriers: CarrierEnv) -> None:
    order = carriers.ff.order({carriers.ff.sku(): 1})
    waybill = await carriers.dispatched(order, scenario="lost")
    await carriers.advance(waybill, 4)  # the 派件 and 签收 pushes never come
    delivered = await carriers.reaches(waybill, "delivered", checkpoints=4)
    assert {c["source"] for c in delivered["track"][:2]} == {"query"}
    await carriers.ff.events(order.order_id, "shipment.delivered")


async def test_a_refused_parcel_is_an_exception(carriers: CarrierEnv) -> None:
    order = carriers.ff.order({carriers.ff.sku(): 1})
    waybill = await carriers.dispatched(order, scenario="returned")
    await carriers.advance(waybill, 5)
    body = await carriers.reaches(waybill, "exception", checkpoints=5)
    assert body["state_label"] == "退回"
    raised = await carriers.ff.events(order.order_id, "shipment.exception", count=2)
    assert [e.data["carrier_state"] for e in raised] == ["14", "6"]
    assert {e.data["kind"] for e in raised} == {"returned"}


def _form(param: str, sign: str | None) -> dict[str, str]:
    return {"param": param} if sign is None else {"param": param, "sign": sign}


async def test_callback_signatures_good_bad_and_missing(carriers: CarrierEnv) -> None:
    order = carriers.ff.order({carriers.ff.sku(): 1})
    waybill = await carriers.dispatched(order)
    stamp = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    last = {"state": "1", "com": "zhongtong", "nu": waybill, "data": [{"time": stamp, "context": "已揽收"}]}
    param = json.dumps({"status": "polling", "lastResult": last}, ensure_ascii=False)
    path = "/webhooks/carriers/kuaidi100"
    for sign, reason in ((callback_sign(param, "wrong-salt"), "bad_signature"), (None, "missing_signature")):
        refused = await carriers.ff.client.post(path, data=_form(param, sign))
        assert refused.status_code == 400 and refused.json()["result"] is False
        async with carriers.ff.engine.connect() as conn:
            assert reason in [r for r, _ in await rejected_pushes(conn, "kuaidi100")]
    good = await carriers.ff.client.post(path, data=_form(param, callback_sign(param, "sim-callback-salt")))
    assert good.status_code == 200 and good.json() == ACCEPTED
    assert len((await carriers.shipment(waybill))["track"]) == 1
    other = await carriers.ff.client.post("/webhooks/carriers/cainiao", data=_form(param, "X"))
    assert other.status_code == 404


async def test_a_cancelled_order_gives_its_waybill_back(carriers: CarrierEnv) -> None:
    order = carriers.ff.order({carriers.ff.sku(): 1})
    outbound = await carriers.allocated(order)
    await carriers.ff.publish(OrderCancelled(order_id=order.order_id, reason="买家取消"))

    async def cancelled() -> bool:
        return bool((await carriers.sim.get(f"/_sim/parcels/{outbound['waybill_no']}")).json()["cancelled"])

    await eventually(cancelled, timeout_s=15.0)
    async with carriers.ff.engine.connect() as conn:
        (job,) = await jobs_for(conn, outbound["waybill_no"])
    assert job["kind"] == "cancel" and job["done_at"] is not None


async def test_an_open_after_sales_case_holds_completion(carriers: CarrierEnv) -> None:
    order = carriers.ff.order({carriers.ff.sku(): 1})
    waybill = await carriers.dispatched(order)
    now = datetime.now(UTC)
    opened = await carriers.ff.publish(
        AfterSalesCaseOpened(order_id=order.order_id, case_id="AS1", kind="refund", opened_at=now)
    )
    await carriers.ff.handled(opened)
    await carriers.advance(waybill, 4)
    await carriers.ff.events(order.order_id, "shipment.delivered")
    await asyncio.sleep(3.0)  # past the 2 s window: still open, so not completed
    async with carriers.ff.engine.connect() as conn:
        row = await completion_of(conn, order.order_id)
    assert row.completed_at is None and row.open_cases == 1
    assert await carriers.ff.outbox_count(order.order_id, "order.completed") == 0
    await carriers.ff.publish(
        AfterSalesCaseClosed(order_id=order.order_id, case_id="AS1", outcome="rejected", closed_at=now)
    )
    await carriers.ff.events(order.order_id, "order.completed")
    assert await carriers.ff.outbox_count(order.order_id, "order.completed") == 1


async def test_a_run_of_pushes_ends_as_one_after_the_other(carriers: CarrierEnv) -> None:
    """Several reports of one parcel in one run (as the batcher makes them): merged in order."""
    order = carriers.ff.order({carriers.ff.sku(): 1})
    waybill = await carriers.dispatched(order)
    t0 = datetime.now(UTC).replace(microsecond=0)
    picked = Checkpoint(t0, "已揽收", "1")
    out = Checkpoint(t0 + timedelta(hours=2), "正在派件", "5")
    signed = Checkpoint(t0 + timedelta(hours=3), "已签收", "3")

    def report(*checkpoints: Checkpoint) -> TrackReport:
        return TrackReport("zhongtong", waybill, checkpoints)

    run = [report(picked), report(out, picked), report(picked), report(signed, out, picked), report(out, picked)]
    async with carriers.ff.db.transaction() as tx:
        results = await apply_tracks(
            tx, [*run, TrackReport("zhongtong", "NOSUCH", ())], source="push", complete_after=timedelta(days=7)
        )
    assert [r.applied.value for r in results] == [
        "advanced",
        "advanced",
        "unchanged",
        "advanced",
        "unchanged",
        "unknown",
    ]
    body = await carriers.shipment(waybill)
    assert body["status"] == "delivered" and len(body["track"]) == 3
    assert await carriers.ff.outbox_count(order.order_id, "shipment.tracking_updated") == 3
    assert await carriers.ff.outbox_count(order.order_id, "shipment.delivered") == 1
