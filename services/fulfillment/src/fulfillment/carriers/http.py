"""Transport failures in the carriers' vocabulary: connect failures never reached the carrier
(retryable); a read timeout may have been processed (retryable, ambiguous); 5xx is retryable."""

from __future__ import annotations

from typing import Any

import httpx

from fulfillment.carriers.base import CarrierError


async def post_form(client: httpx.AsyncClient, url: str, form: dict[str, str]) -> Any:
    try:
        response = await client.post(url, data=form)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise CarrierError("connect_failed", repr(exc), retryable=True) from None
    except httpx.TimeoutException as exc:
        raise CarrierError("timeout", repr(exc), retryable=True, ambiguous=True) from None
    except httpx.HTTPError as exc:
        raise CarrierError("transport_error", repr(exc), retryable=True, ambiguous=True) from None
    if response.status_code >= 500:
        raise CarrierError(f"http_{response.status_code}", response.text[:200], retryable=True)
    try:
        return response.json()
    except ValueError:
        raise CarrierError(f"http_{response.status_code}", "response is not JSON", retryable=True) from None
