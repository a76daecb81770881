"""The transport half of a signed platform call, the same for every gateway client: POST, and turn a
network failure or a non-200 answer into a PlatformError (so the fetch is retried); the answer is
parsed with exact numbers. Each client still reads its platform's own error shape from the payload."""

from __future__ import annotations

from typing import Any

import httpx

from ingest.channels.base import PlatformError
from ingest.channels.convert import loads_exact


async def post_for_json(http: httpx.AsyncClient, label: str, url: str, **request: Any) -> Any:
    """`label` (e.g. "taobao taobao.trade.fullinfo.get") starts every error message."""
    try:
        response = await http.post(url, **request)
    except httpx.HTTPError as exc:
        raise PlatformError(f"{label}: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise PlatformError(f"{label}: HTTP {response.status_code}")
    return loads_exact(response.content)
