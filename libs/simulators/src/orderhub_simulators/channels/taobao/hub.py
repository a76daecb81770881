"""An at-least-once message hub for the message-channel simulators (TMC, PDD): messages wait until a
client acknowledges them and are redelivered otherwise, with test controls to drop, duplicate and
reorder what is sent next."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Pending:
    id: int
    body: dict[str, Any]
    sent_at: float = 0.0  # monotonic time of the last delivery; 0 = never delivered


@dataclass
class Controls:
    drop_next: int = 0  # the next N published messages are lost (never delivered)
    duplicate_next: int = 0  # the next N deliveries are sent twice
    reorder: bool = False  # deliver waiting messages newest first


@dataclass
class MessageHub:
    redeliver_after_s: float = 2.0
    controls: Controls = field(default_factory=Controls)
    pending: dict[int, Pending] = field(default_factory=dict)
    acked: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(int(time.time() * 1000)))
    _wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    def publish(self, body: dict[str, Any]) -> int:
        message_id = next(self._ids)
        if self.controls.drop_next > 0:
            self.controls.drop_next -= 1
            self.dropped.append(message_id)
            return message_id
        self.pending[message_id] = Pending(message_id, body)
        self._wakeup.set()
        return message_id

    def ack(self, message_id: int) -> bool:
        if self.pending.pop(message_id, None) is None:
            return False
        self.acked.append(message_id)
        return True

    def due(self) -> list[Pending]:
        """Messages to deliver now: never sent, or sent and not acked in time (once per delivery)."""
        now = time.monotonic()
        ready = [p for p in self.pending.values() if not p.sent_at or now - p.sent_at >= self.redeliver_after_s]
        if self.controls.reorder:
            ready.reverse()
        out: list[Pending] = []
        for p in ready:
            p.sent_at = now
            out.append(p)
            if self.controls.duplicate_next > 0:
                self.controls.duplicate_next -= 1
                out.append(p)
        return out

    def reset_deliveries(self) -> None:
        """A new connection gets everything not yet acknowledged."""
        for p in self.pending.values():
            p.sent_at = 0.0
        self._wakeup.set()

    def wake(self) -> None:
        """Deliver what is due now (a client asked for messages)."""
        self._wakeup.set()

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)
        self._wakeup.clear()
