"""Which customer-service steps an anomaly allows in each state."""

from __future__ import annotations

import pytest
from rules.anomalies.model import IllegalStep, Resolution, Status, Step, check_step

S, T = Status, Step


@pytest.mark.parametrize(
    ("step", "status"),
    [(T.ACK, S.OPEN), (T.RELEASE, S.OPEN), (T.RELEASE, S.ACKNOWLEDGED), (T.CANCEL, S.OPEN), (T.CANCEL, S.ACKNOWLEDGED)],
)
def test_allowed_steps(step: Step, status: Status) -> None:
    check_step(step, status)


@pytest.mark.parametrize(
    ("step", "status"),
    [(T.ACK, S.ACKNOWLEDGED), (T.ACK, S.RESOLVED), (T.RELEASE, S.RESOLVED), (T.CANCEL, S.RESOLVED)],
)
def test_illegal_steps(step: Step, status: Status) -> None:
    with pytest.raises(IllegalStep):
        check_step(step, status)


def test_message_says_what_and_why() -> None:
    with pytest.raises(IllegalStep, match=r"cannot release an anomaly that is resolved \(cancelled\)"):
        check_step(T.RELEASE, S.RESOLVED, Resolution.CANCELLED)
