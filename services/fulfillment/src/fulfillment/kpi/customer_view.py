"""The customer's side of the KPI: ingest's public order view (`GET /v1/orders/{id}`), read with a
staff token; fulfillment never reads ingest's schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx


@dataclass(frozen=True, slots=True)
class CustomerView:
    status: str
    tracking_status: str | None  # in_transit | delivered | returned | exception
    tracking_text: str


class CustomerViews(Protocol):
    async def view(self, order_id: str) -> CustomerView | None:
        """The order as the customer sees it; None when it cannot be read."""
        ...

    async def aclose(self) -> None: ...


class NoCustomerViews:
    """For deps built without ingest (unit tests of other areas): every view unreadable."""

    async def view(self, order_id: str) -> CustomerView | None:
        return None

    async def aclose(self) -> None:
        return None


class IngestOrderViews:
    def __init__(self, client: httpx.AsyncClient, *, base_url: str, token: str) -> None:
        self._client = client
        self._url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def view(self, order_id: str) -> CustomerView | None:
        try:
            response = await self._client.get(f"{self._url}/v1/orders/{order_id}", headers=self._headers)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        body = response.json()
        tracking = body.get("tracking") or {}
        return CustomerView(str(body.get("status", "")), tracking.get("status"), str(tracking.get("description", "")))
