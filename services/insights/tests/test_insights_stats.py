"""Pure arithmetic of the KPIs: percentiles, repeated clicks, day ranges, customer keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from insights.kpi.days import DayRange
from insights.kpi.model import StaffAction
from insights.kpi.stats import collapse_repeats, p90
from insights.orders.model import customer_key
from orderhub_runtime.errors import DomainError

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def _action(
    n: int, seconds: float, actor: str = "张三", subject: str = "DABE1", action: str = "anomaly.released"
) -> StaffAction:
    return StaffAction(f"e{n}", actor, action, subject, T0 + timedelta(seconds=seconds))


def test_p90_is_nearest_rank() -> None:
    assert p90([]) is None
    assert p90([5.0]) == 5.0
    assert p90([float(v) for v in range(1, 11)]) == 9.0
    assert p90([float(v) for v in range(1, 101)]) == 90.0


def test_a_double_click_counts_once_and_a_minute_later_counts_again() -> None:
    actions = [_action(1, 0), _action(2, 20), _action(3, 59), _action(4, 61), _action(5, 70, subject="DABE2")]
    counted = collapse_repeats(actions, 60)
    assert [a.event_id for a in counted] == ["e1", "e4", "e5"]


def test_different_agents_and_actions_are_not_repeats() -> None:
    actions = [_action(1, 0), _action(2, 1, actor="李四"), _action(3, 2, action="anomaly.cancelled")]
    assert len(collapse_repeats(actions, 60)) == 3


def test_day_range_is_asia_shanghai_days() -> None:
    days = DayRange.of(date(2026, 11, 18), None, None, today=date(2026, 12, 2))
    assert days.start.isoformat() == "2026-11-18T00:00:00+08:00"
    assert days.end - days.start == timedelta(days=1)
    assert DayRange.of(None, date(2026, 11, 1), date(2026, 11, 3), today=date(2026, 12, 2)).days()[-1] == date(
        2026, 11, 3
    )
    assert DayRange.of(None, None, None, today=date(2026, 12, 2)).first == date(2026, 12, 2)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2026, 11, 1), date(2026, 11, 1), None),
        (None, date(2026, 11, 5), date(2026, 11, 1)),
        (None, date(2025, 1, 1), date(2026, 11, 1)),
    ],
)
def test_bad_day_ranges_are_refused(day: date | None, start: date | None, end: date | None) -> None:
    with pytest.raises(DomainError):
        DayRange.of(day, start, end, today=date(2026, 12, 2))


def test_one_customer_across_channels_is_one_phone_and_the_key_hides_it() -> None:
    key = customer_key("13812345678", "secret")
    assert key == customer_key("+86 138 1234 5678", "secret")
    assert "5678" not in key and key != customer_key("13812345678", "other")


def test_the_picture_has_a_font_with_chinese_glyphs() -> None:
    """Without one every label would be a row of boxes (`make install` installs it)."""
    from insights.heat.picture import cjk_family

    assert cjk_family() is not None
