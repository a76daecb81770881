"""Shared HTTP handling for the network providers: one error vocabulary for transport failures."""

from __future__ import annotations

from typing import Any

import httpx

from notify.providers.base import ProviderError, timeout_error


async def request_json(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    """(status, parsed JSON body). A connect failure never reached the provider: transient. A
    read timeout may have been processed: ambiguous. 5xx: transient."""
    try:
        response = await client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise ProviderError("connect_failed", repr(exc), permanent=False) from None
    except httpx.TimeoutException as exc:
        raise timeout_error(repr(exc)) from None
    except httpx.HTTPError as exc:
        # The request may have gone out before the connection broke.
        raise ProviderError("transport_error", repr(exc), permanent=False, ambiguous=True) from None
    if response.status_code >= 500:
        raise ProviderError(f"http_{response.status_code}", response.text[:200], permanent=False)
    try:
        return response.status_code, response.json()
    except ValueError:
        raise ProviderError(f"http_{response.status_code}", "response is not JSON", permanent=False) from None
