"""Carrier jobs (subscribe at dispatch, cancel a voided waybill): done, retried with backoff on a
retryable answer, given up on a permanent one. Jobs due far in the future, run by hand with that
`now`, so the service's own loop never takes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fulfillment.carriers import Kuaidi100Provider
from fulfillment.carriers.kuaidi100 import Kuaidi100Account
from fulfillment.tables import carrier_jobs
from fulfillment.tracking.repository import jobs_for
from fulfillment.tracking.worker import backoff, run_jobs
from fulfillment_harness import FulfillmentEnv

LATER = datetime.now(UTC) + timedelta(days=400)
ACCOUNT = Kuaidi100Account(
    key="k",
    secret="s",
    customer="c",
    company="zhongtong",
    partner_id="p",
    partner_key="",
    partner_secret="",
    partner_name="",
    net="",
    callback_url="http://x/cb",
    salt="salt",
    sender_name="仓",
    sender_mobile="13900000000",
    sender_address="杭州",
)


def answering(code: str) -> Kuaidi100Provider:
    def poll(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"result": code in ("200", "501"), "returnCode": code, "message": "..."})

    return Kuaidi100Provider(
        httpx.AsyncClient(transport=httpx.MockTransport(poll)), ACCOUNT, api_url="http://x", poll_url="http://x"
    )


async def job(fulfillment: FulfillmentEnv) -> str:
    waybill = f"78{uuid.uuid4().int % 10**12:012d}"
    async with fulfillment.engine.begin() as conn:
        await conn.execute(
            carrier_jobs.insert().values(
                kind="subscribe", provider="kuaidi100", carrier="zhongtong", waybill_no=waybill, due_at=LATER
            )
        )
    return waybill


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
    assert backoff(30) == timedelta(hours=1)


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(
    ("code", "done", "failed", "retried"),
    [("501", True, False, False), ("500", False, False, True), ("701", False, True, False)],
)
async def test_a_subscription_job_is_done_retried_or_given_up(
    fulfillment: FulfillmentEnv, code: str, done: bool, failed: bool, retried: bool
) -> None:
    waybill = await job(fulfillment)
    provider = answering(code)
    now = LATER + timedelta(minutes=1)
    while True:  # other tests' jobs due by then are run too; ours is among them
        if not await run_jobs(fulfillment.db, provider, now):
            break
    await provider.aclose()
    async with fulfillment.engine.connect() as conn:
        (row,) = await jobs_for(conn, waybill)
    assert (row["done_at"] is not None, row["failed_at"] is not None) == (done, failed)
    assert row["attempts"] == 1
    if retried:
        assert row["due_at"] == now + backoff(1)
    if not done:
        assert row["last_error"].startswith(code)
