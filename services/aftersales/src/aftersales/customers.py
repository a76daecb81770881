"""Mini-program customers. Their sessions live in ingest (opaque tokens, hashed in ingest's
schema): aftersales asks ingest's `GET /v1/miniprogram/session` who a token belongs to (its
openid), and remembers the answer briefly. Which orders are whose it knows from order.placed."""

from __future__ import annotations

import time
from typing import Protocol

import httpx
from orderhub_runtime.errors import DomainError
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


class SessionsUnavailable(DomainError):
    status_code = 503
    code = "sessions_unavailable"


class CustomerSessions(Protocol):
    async def openid(self, token: str) -> str | None:
        """The openid behind a live session token; None when the token is unknown or expired."""
        ...

    async def close(self) -> None: ...


class IngestSessions:
    """Asks ingest; answers (known and unknown tokens alike) are kept `ttl_s` seconds, at most
    `max_entries` of them."""

    def __init__(self, base_url: str, *, ttl_s: float = 30.0, max_entries: int = 10_000) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=5.0)
        self._ttl_s = ttl_s
        self._max = max_entries
        self._cache: dict[str, tuple[float, str | None]] = {}

    async def openid(self, token: str) -> str | None:
        now = time.monotonic()
        cached = self._cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            response = await self._http.get("/v1/miniprogram/session", headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            log.warning("customer.sessions_unreachable", error=type(exc).__name__)
            raise SessionsUnavailable("暂时无法验证登录状态，请稍后再试") from exc
        if response.status_code == 401:
            found: str | None = None
        elif response.status_code == 200:
            found = str(response.json()["openid"])
        else:
            raise SessionsUnavailable(f"session check answered HTTP {response.status_code}")
        if len(self._cache) >= self._max:
            self._cache.clear()
        self._cache[token] = (now + self._ttl_s, found)
        return found

    async def close(self) -> None:
        await self._http.aclose()


class StaticSessions:
    """Fixed tokens (tests, benchmarks)."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = dict(tokens)

    async def openid(self, token: str) -> str | None:
        return self.tokens.get(token)

    async def close(self) -> None:
        return None
