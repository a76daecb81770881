"""Runs of events recorded in one statement and due messages claimed in one round: the unique
key, the failures of the unroutable, each event's own correlation and the per-phone cap hold
inside a batch as they do one message at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from notify.tables import recorded_sends
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import AnomalyAction, AnomalyRaised, DomainEvent, ShipmentDispatched, to_envelope
from orderhub_devstack.testing import eventually
from sqlalchemy import select

if TYPE_CHECKING:
    from conftest import EventFactory, NotifyEnv, WiredEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


def consumed(event: ShipmentDispatched | AnomalyRaised) -> tuple[Envelope, DomainEvent]:
    return to_envelope(event, source="orderhub/test", correlation_id=f"corr-{event.order_id}"), event


async def record_run(notify: NotifyEnv, run: list[tuple[Envelope, DomainEvent]]) -> None:
    """What the consumer does with a run of events of one type: one transaction, one handler call."""
    async with notify.db.transaction() as tx:
        await notify.batch_handlers[run[0][0].type](tx, run)


async def sends_to(notify: NotifyEnv, phone: str) -> list[dict[str, Any]]:
    query = select(recorded_sends).where(recorded_sends.c.recipient == phone)
    async with notify.engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(query)).mappings()]


async def test_a_run_records_one_message_per_event_template_and_recipient(
    notify: NotifyEnv, events: EventFactory
) -> None:
    phone = events.phone()
    first, second, blank = events.dispatch(phone=phone), events.dispatch(phone=phone), events.dispatch(phone="")
    run = [consumed(first), consumed(second), consumed(blank)]
    await record_run(notify, [run[2], run[0], run[0], run[1]])  # the first event twice in the run
    await record_run(notify, [run[0]])  # and again later, as after the inbox forgot it

    [one] = await notify.settled(first.order_id, 1)
    [two] = await notify.settled(second.order_id, 1)
    assert (one["status"], two["status"]) == ("sent", "sent"), "same phone, different events: both go out"
    assert one["correlation_id"] == f"corr-{first.order_id}" and one["event_id"] == run[0][0].id
    assert len(await sends_to(notify, phone)) == 2
    [nobody] = await notify.settled(blank.order_id, 1)
    assert (nobody["status"], nobody["error_code"], nobody["attempts"]) == ("failed", "no_recipient", 0)

    ids = {envelope.id for envelope, _ in run}
    published = await notify.notifications(until=lambda evs: len({e.causation_id for e in evs} & ids) == 3)
    caused = sorted((e.causation_id, e.type, e.correlation_id) for e in published if e.causation_id in ids)
    expected = [
        (run[0][0].id, "notification.sent", f"corr-{first.order_id}"),
        (run[1][0].id, "notification.sent", f"corr-{second.order_id}"),
        (run[2][0].id, "notification.failed", f"corr-{blank.order_id}"),
    ]
    assert caused == sorted(expected), "one event each, carrying its own event's correlation"


async def test_each_anomaly_of_a_run_fails_and_sends_on_its_own_account(
    notify: NotifyEnv, events: EventFactory
) -> None:
    actions = (
        AnomalyAction(kind="sms", target="customer", text="请及时付款"),
        AnomalyAction(kind="wecom", target="night_shift", text="无人值守"),
    )
    anomalies = [events.anomaly(*actions, phone=events.phone()) for _ in range(2)]
    run = [consumed(a) for a in anomalies]
    await record_run(notify, run)

    for (envelope, _), event in zip(run, anomalies, strict=True):
        rows = {r["channel"]: r for r in await notify.settled(event.order_id, 2)}
        assert rows["sms"]["status"] == "sent" and rows["sms"]["event_id"] == envelope.id
        assert (rows["wecom"]["status"], rows["wecom"]["error_code"]) == ("failed", "unknown_target")

    ids = {envelope.id for envelope, _ in run}

    def all_four(evs: list[Envelope]) -> bool:
        return len([e for e in evs if e.causation_id in ids]) >= 4

    published = [e for e in await notify.notifications(until=all_four) if e.causation_id in ids]
    for (envelope, _), event in zip(run, anomalies, strict=True):
        mine = sorted(e.type for e in published if e.causation_id == envelope.id and e.subject == event.order_id)
        assert mine == ["notification.failed", "notification.sent"]


async def test_the_per_phone_cap_counts_earlier_sends_and_the_batch_itself(
    notify: NotifyEnv, events: EventFactory
) -> None:
    phone = events.phone()
    earlier = [events.dispatch(phone=phone) for _ in range(2)]
    await record_run(notify, [consumed(e) for e in earlier])
    for event in earlier:
        await notify.settled(event.order_id, 1)

    # Committed together, so the sender takes all three in one round: one fits under the cap of 3.
    batch = [events.dispatch(phone=phone) for _ in range(3)]
    await record_run(notify, [consumed(e) for e in batch])

    async def sorted_out() -> list[dict[str, Any]] | None:
        rows = [row for event in batch for row in await notify.messages(event.order_id)]
        return rows if len([r for r in rows if r["status"] in ("sent", "held")]) == len(batch) else None

    rows = await eventually(sorted_out)
    held = [r for r in rows if r["status"] == "held"]
    assert len(held) == 2 and {r["hold_reason"] for r in held} == {"rate_limited_minute"}
    assert all(r["not_before"] is not None and r["attempts"] == 0 for r in held)
    assert len(await sends_to(notify, phone)) == 3, "2 earlier + 1 of the batch"


async def test_the_single_event_handler_is_a_run_of_one(notify: NotifyEnv, events: EventFactory) -> None:
    event = events.dispatch()
    envelope, _ = consumed(event)
    async with notify.db.transaction() as tx:
        await notify.handlers[ShipmentDispatched.event_type](tx, envelope, event)
    [message] = await notify.settled(event.order_id, 1)
    assert message["status"] == "sent" and message["event_id"] == envelope.id


async def test_one_round_settles_each_provider_error_by_its_class(wired: WiredEnv, events: EventFactory) -> None:
    """Four messages claimed and sent together; the provider refuses one for good, throttles one
    and answers one after the timeout: each is settled its own way by the one statement."""
    await wired.sims.aliyun.fault("illegal_number")
    await wired.sims.aliyun.fault("rate_limited")
    await wired.sims.aliyun.fault("slow", delay_s=1.0)
    batch = [events.dispatch() for _ in range(4)]
    run = [consumed(e) for e in batch]
    await record_run(wired, run)

    rows = [(await wired.settled(event.order_id, 1))[0] for event in batch]
    failed = [r for r in rows if r["status"] == "failed"]
    assert [(r["error_code"], r["attempts"]) for r in failed] == [("invalid_phone", 1)], "permanent: not retried"
    sent = [r for r in rows if r["status"] == "sent"]
    assert sorted(r["attempts"] for r in sent) == [1, 1, 2], "the throttled one went out on its retry"
    assert len([r for r in sent if r["provider_message_id"].startswith("OutId:")]) == 1, "the slow one looked up"
    for event, row in zip(batch, rows, strict=True):
        accepted = [r for r in wired.sims.aliyun.received("SendSms") if r["phone"] == event.receiver.phone]
        assert len(accepted) == (0 if row["status"] == "failed" else 1), "nothing sent twice"

    ids = {envelope.id for envelope, _ in run}
    published = await wired.notifications(until=lambda evs: len({e.causation_id for e in evs} & ids) == 4)
    kinds = sorted(e.type for e in published if e.causation_id in ids)
    assert kinds == ["notification.failed", "notification.sent", "notification.sent", "notification.sent"]
    [note] = [e for e in published if e.causation_id in ids and e.type == "notification.failed"]
    assert (note.data["error_code"], note.data["permanent"]) == ("invalid_phone", True)
