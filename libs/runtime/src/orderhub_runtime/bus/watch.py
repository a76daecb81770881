"""The service's view of the broker: reachable or not, and which cluster.

One small metadata request every few seconds (backing off while the broker is away) decides;
the relay reports a failed publish at once. Each change is one log line (`bus.broker_lost`,
`bus.broker_recovered`), never one per failed request. A broker that comes back as a new
cluster (the memory broker restarted empty) gets its topics again, and then the callbacks run
(the relay replays its retained events, the consumer rejoins), before it counts as recovered."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from orderhub_runtime.bus.kafka import ensure_topics, make_admin
from orderhub_runtime.logging import get_logger
from orderhub_runtime.metrics import BROKER_CONNECTED
from orderhub_runtime.settings import RuntimeSettings

log = get_logger(__name__)
NewClusterCallback = Callable[[str], Awaitable[None]]
_CHECK_TIMEOUT_S = 3.0


class BrokerWatch:
    def __init__(self, settings: RuntimeSettings, *, client_id: str, cluster_id: str) -> None:
        self._settings = settings
        self._admin = make_admin(settings, client_id)
        self._started = False
        self.cluster_id = cluster_id
        self._callbacks: list[NewClusterCallback] = []
        # Not connected until the first check succeeds (and has run the callbacks).
        self._available = asyncio.Event()
        self._lost_at = time.monotonic()
        self._reason = "not yet reached"
        self._failed_recovery = ""
        self._ever_connected = False
        BROKER_CONNECTED.set(0)

    @property
    def connected(self) -> bool:
        return self._available.is_set()

    @property
    def reason(self) -> str:
        return self._reason

    def on_new_cluster(self, callback: NewClusterCallback) -> None:
        self._callbacks.append(callback)

    async def wait_connected(self, timeout_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._available.wait(), timeout_s)
        return self.connected

    def lost(self, exc: BaseException) -> None:
        """The broker failed a request; logged only if it was thought reachable."""
        if not self.connected:
            return
        self._available.clear()
        self._lost_at = time.monotonic()
        self._reason = type(exc).__name__
        BROKER_CONNECTED.set(0)
        log.warning(
            "bus.broker_lost",
            bootstrap=self._settings.kafka_bootstrap_servers,
            error=f"{type(exc).__name__}: {exc}"[:300],
            note="HTTP keeps serving; events wait in the outbox",
        )

    async def run(self) -> None:
        """Check forever: every `broker_check_interval_s` while reachable, backing off (up to
        `broker_retry_max_s`) while not."""
        delay = self._settings.broker_check_interval_s
        while True:
            if await self.check():
                delay = self._settings.broker_check_interval_s
                await asyncio.sleep(delay)
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._settings.broker_retry_max_s)

    async def check(self) -> bool:
        try:
            if not self._started:
                await asyncio.wait_for(self._admin.start(), _CHECK_TIMEOUT_S)
                self._started = True
            described = await asyncio.wait_for(self._admin.describe_cluster(), _CHECK_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.lost(exc)
            return False
        # A broker that reports no cluster id still gets connected once.
        cluster_id = str(described.get("cluster_id") or "unknown")
        if cluster_id != self.cluster_id and not await self._adopt(cluster_id):
            return False
        self._recovered()
        return True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._admin.close(), _CHECK_TIMEOUT_S)

    async def _adopt(self, cluster_id: str) -> bool:
        """A new cluster: topics first (it auto-creates missing ones with the wrong partition
        count on first use), then the callbacks; retried on the next check if any fails."""
        if self._failed_recovery != cluster_id and self.cluster_id:
            log.warning("bus.broker_is_new_cluster", cluster_id=cluster_id, previous=self.cluster_id)
        if self.connected:  # restarted between two checks: nothing publishes before the topics exist
            self._available.clear()
            self._lost_at = time.monotonic()
            BROKER_CONNECTED.set(0)
        try:
            await ensure_topics(self._admin, self._settings)
            for callback in self._callbacks:
                await callback(cluster_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self._failed_recovery != cluster_id:
                log.warning("bus.new_cluster_recovery_failed", cluster_id=cluster_id, error=repr(exc)[:300])
            self._failed_recovery = cluster_id
            self.lost(exc)
            return False
        self.cluster_id = cluster_id
        self._failed_recovery = ""
        return True

    def _recovered(self) -> None:
        if self.connected:
            return
        self._available.set()
        self._reason = ""
        BROKER_CONNECTED.set(1)
        after_s = round(time.monotonic() - self._lost_at, 1)
        event = "bus.broker_recovered" if self._ever_connected else "bus.broker_connected"
        self._ever_connected = True
        log.info(event, cluster_id=self.cluster_id, after_s=after_s)
