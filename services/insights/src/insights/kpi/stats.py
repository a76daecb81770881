"""Pure arithmetic of the KPIs: average and p90, and the collapsing of repeated clicks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from insights.kpi.model import Response, StaffAction, Summary


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile: the value at least 90% of the others do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def summarise(responses: Iterable[Response]) -> Summary:
    items = list(responses)
    seconds = [s for s in (r.seconds for r in items) if s is not None]
    average = sum(seconds) / len(seconds) if seconds else None
    return Summary(anomalies=len(items), contacted=len(seconds), average_s=average, p90_s=p90(seconds))


def collapse_repeats(actions: Iterable[StaffAction], window_s: float) -> list[StaffAction]:
    """The same person doing the same thing to the same order or ticket within `window_s` of the
    last time it counted counts once (a double click is one action, as the case counts it)."""
    counted: list[StaffAction] = []
    last: dict[tuple[str, str, str], StaffAction] = {}
    for action in sorted(actions, key=lambda a: (a.at, a.event_id)):
        key = (action.actor, action.action, action.subject)
        previous = last.get(key)
        if previous is not None and (action.at - previous.at).total_seconds() < window_s:
            continue
        last[key] = action
        counted.append(action)
    return counted
