"""What the insights tests share: the running service and a way to publish events as of a
chosen time (the time the KPIs read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx
from insights.settings import InsightsSettings
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, to_envelope
from orderhub_devstack.testing import publish_envelope
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy.ext.asyncio import AsyncEngine

MANAGER = {"Authorization": "Bearer local-manager"}
CS = {"Authorization": "Bearer local-cs"}


@dataclass
class InsightsEnv:
    client: httpx.AsyncClient
    runtime: RuntimeSettings
    settings: InsightsSettings
    engine: AsyncEngine

    async def publish(self, event: DomainEvent, at: datetime | None = None) -> Envelope:
        """Publish as the owning service would, stamped `at`."""
        envelope = to_envelope(event, source="orderhub/test")
        if at is not None:
            envelope = envelope.model_copy(update={"time": at})
        await publish_envelope(
            self.runtime.kafka_bootstrap_servers, envelope, topic=event.topic.value, prefix=self.runtime.topic_prefix
        )
        return envelope
