"""Pure tracking logic: every carrier state mapped, and a track merged by event time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fulfillment.carriers.tracking import (
    Checkpoint,
    ParcelStatus,
    merge,
    parcel_status,
    state_of_label,
    tracking_status,
)

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PICKED = Checkpoint(T0, "已揽收", "1")
TRANSIT = Checkpoint(T0 + timedelta(hours=3), "发往上海", "0")
OUT = Checkpoint(T0 + timedelta(hours=20), "正在派件", "5")
SIGNED = Checkpoint(T0 + timedelta(hours=22), "已签收", "3")


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("揽收", ParcelStatus.IN_TRANSIT),
        ("在途", ParcelStatus.IN_TRANSIT),
        ("派件", ParcelStatus.IN_TRANSIT),
        ("转投", ParcelStatus.IN_TRANSIT),
        ("清关", ParcelStatus.IN_TRANSIT),
        ("签收", ParcelStatus.DELIVERED),
        ("代签", ParcelStatus.DELIVERED),
        ("投柜或驿站签收", ParcelStatus.DELIVERED),
        ("疑难", ParcelStatus.EXCEPTION),
        ("拒签", ParcelStatus.EXCEPTION),
        ("退签", ParcelStatus.EXCEPTION),
        ("退回", ParcelStatus.EXCEPTION),
    ],
)
def test_every_carrier_state_maps_to_ours(label: str, status: ParcelStatus) -> None:
    state = state_of_label(label)
    assert state is not None
    assert parcel_status(state) is status


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("0", "in_transit"),
        ("1", "in_transit"),
        ("5", "in_transit"),
        ("7", "in_transit"),
        ("3", "delivered"),
        ("301", "delivered"),
        ("304", "delivered"),
        ("2", "exception"),
        ("4", "returned"),
        ("6", "returned"),
        ("14", "returned"),
        ("999", "in_transit"),
    ],
)
def test_state_codes_give_the_event_status(state: str, status: str) -> None:
    assert tracking_status(state) == status


def test_a_duplicate_changes_nothing() -> None:
    first = merge([], [TRANSIT, PICKED])
    assert first.added == (PICKED, TRANSIT) and first.advanced == (PICKED, TRANSIT)
    again = merge([PICKED, TRANSIT], [TRANSIT, PICKED])
    assert again.added == () and again.advanced == () and again.latest == TRANSIT


def test_an_older_push_fills_history_but_never_moves_the_parcel_back() -> None:
    known = [PICKED, OUT]  # the 派件 push came first
    late = merge(known, [TRANSIT, PICKED])
    assert late.added == (TRANSIT,)
    assert late.advanced == ()
    assert late.latest == OUT and late.status is ParcelStatus.IN_TRANSIT


def test_a_lost_push_is_filled_by_the_next_one_or_a_query() -> None:
    merged = merge([PICKED], [SIGNED, OUT, TRANSIT, PICKED])  # the whole track arrives at once
    assert merged.advanced == (TRANSIT, OUT, SIGNED)
    assert merged.status is ParcelStatus.DELIVERED


def test_a_final_state_wins_a_tie_in_time() -> None:
    signed_same_time = Checkpoint(OUT.time, "已签收", "3")
    assert merge([], [signed_same_time, OUT]).latest == signed_same_time
