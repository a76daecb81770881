"""HTTP push delivery for the push-style simulators (Douyin, Shopee, WeChat Pay): each push is POSTed
to the integrator's URL, with test controls to lose, duplicate or reorder what is pushed next.
Reordering holds pushes back until `flush()`, which sends them newest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Push:
    id: str
    body: bytes
    headers: dict[str, str]


@dataclass
class PushControls:
    drop_next: int = 0  # the next N pushes are lost (never sent)
    duplicate_next: int = 0  # the next N pushes are sent twice
    reorder: bool = False  # hold pushes until flush(), then send them newest first


@dataclass
class HttpPusher:
    target_url: str
    http: httpx.AsyncClient | None = None  # tests may bind one to an in-process app
    controls: PushControls = field(default_factory=PushControls)
    held: list[Push] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)  # {id, status, body} per delivery
    dropped: list[str] = field(default_factory=list)

    async def push(self, push: Push) -> None:
        if self.controls.drop_next > 0:
            self.controls.drop_next -= 1
            self.dropped.append(push.id)
            return
        if self.controls.reorder:
            self.held.append(push)
            return
        await self._send(push)

    async def flush(self) -> int:
        """Send the held pushes, newest first; returns how many."""
        held, self.held = self.held, []
        for push in reversed(held):
            await self._send(push)
        return len(held)

    async def _send(self, push: Push) -> None:
        times = 1
        if self.controls.duplicate_next > 0:
            self.controls.duplicate_next -= 1
            times = 2
        for _ in range(times):
            status, text = await self._post(push)
            self.delivered.append({"id": push.id, "status": status, "body": text})

    async def _post(self, push: Push) -> tuple[int, str]:
        headers = {"content-type": "application/json", **push.headers}
        try:
            if self.http is not None:
                response = await self.http.post(self.target_url, content=push.body, headers=headers)
            else:
                async with httpx.AsyncClient(timeout=10.0) as http:
                    response = await http.post(self.target_url, content=push.body, headers=headers)
        except httpx.HTTPError as exc:  # the integrator is down: the push is lost, as on the real platform
            return 0, f"{type(exc).__name__}: {exc}"
        return response.status_code, response.text
