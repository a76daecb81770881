"""The projection's decision, without I/O: what an event does to an order's status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ingest.projection.rules import Decision, Outcome, decide, target_status
from orderhub_contracts.state_machine import OrderStatus

S = OrderStatus
T0 = datetime(2026, 2, 18, 6, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("event_type", "target"),
    [
        ("order.validated", S.VALIDATED),
        ("order.held", S.ON_HOLD),
        ("shipment.created", S.ALLOCATED),
        ("anomaly.raised", None),
        ("stock.shortage", None),
        ("notification.sent", None),
        ("notification.failed", None),
    ],
)
def test_event_targets(event_type: str, target: OrderStatus | None) -> None:
    assert target_status(event_type) == target


def test_main_line_in_order() -> None:
    assert decide(S.CREATED, S.VALIDATED) == Decision(Outcome.APPLIED, (S.VALIDATED,), S.VALIDATED)
    assert decide(S.VALIDATED, S.ALLOCATED).new_status is S.ALLOCATED


def test_shipment_before_clearance_applies_the_implied_step() -> None:
    decision = decide(S.CREATED, S.ALLOCATED)
    assert decision.outcome is Outcome.APPLIED
    assert decision.path == (S.VALIDATED, S.ALLOCATED)


def test_clearance_after_shipment_is_late_not_rejected() -> None:
    assert decide(S.ALLOCATED, S.VALIDATED).outcome is Outcome.LATE


def test_hold_and_release() -> None:
    assert decide(S.CREATED, S.ON_HOLD).new_status is S.ON_HOLD
    assert decide(S.ALLOCATED, S.ON_HOLD).new_status is S.ON_HOLD
    assert decide(S.ON_HOLD, S.VALIDATED).path == (S.VALIDATED,)


def test_shipment_newer_than_the_hold_implies_its_release() -> None:
    decision = decide(S.ON_HOLD, S.ALLOCATED, occurred_at=T0 + timedelta(seconds=5), status_since=T0)
    assert decision.outcome is Outcome.APPLIED
    assert decision.path == (S.VALIDATED, S.ALLOCATED)


def test_shipment_older_than_the_hold_is_late() -> None:
    decision = decide(S.ON_HOLD, S.ALLOCATED, occurred_at=T0 - timedelta(seconds=5), status_since=T0)
    assert decision.outcome is Outcome.LATE
    assert decision.new_status is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.CANCELLED, S.ALLOCATED),
        (S.CANCELLED, S.VALIDATED),
        (S.SHIPPED, S.ON_HOLD),
        (S.COMPLETED, S.ON_HOLD),
        (S.AFTER_SALES, S.ALLOCATED),
    ],
)
def test_transitions_the_table_forbids_are_rejected(current: OrderStatus, target: OrderStatus) -> None:
    decision = decide(current, target)
    assert decision.outcome is Outcome.REJECTED
    assert decision.target is target
    assert decision.new_status is None


def test_same_status_and_statusless_events() -> None:
    assert decide(S.ON_HOLD, S.ON_HOLD).outcome is Outcome.UNCHANGED
    assert decide(S.ALLOCATED, None) == Decision(Outcome.INFO)
