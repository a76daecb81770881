"""稳 (status accuracy against the carriers' tracks) is computed by fulfillment, which owns the
tracks and asks ingest for the customer's view; the KPI answer carries it as fulfillment gave it,
or says why it is missing. The manager's own token is passed on, so fulfillment's role check
applies to them."""

from __future__ import annotations

from typing import Any

import httpx

from insights.kpi.days import DayRange


async def status_accuracy(http: httpx.AsyncClient, base_url: str, authorization: str, days: DayRange) -> dict[str, Any]:
    params = {"from": days.first.isoformat(), "to": days.last.isoformat()}
    try:
        response = await http.get(
            f"{base_url.rstrip('/')}/v1/kpi/status-accuracy", params=params, headers={"Authorization": authorization}
        )
    except httpx.HTTPError as exc:
        return {"available": False, "reason": f"fulfillment could not be reached: {type(exc).__name__}"}
    if response.status_code != 200:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:200]
        return {"available": False, "reason": f"fulfillment answered {response.status_code}: {message}"}
    body: dict[str, Any] = response.json()
    return {"available": True, **body}
