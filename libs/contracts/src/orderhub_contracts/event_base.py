"""The base of every event contract (see `events`): frozen, with its type and owning topic."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from orderhub_contracts.topics import Topic


class UnknownEventType(ValueError):
    pass


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_type: ClassVar[str]
    topic: ClassVar[Topic]

    def subject(self) -> str:
        value = getattr(self, "order_id", None)
        if value is None:
            order = getattr(self, "order", None)
            value = getattr(order, "order_id", None)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{type(self).__name__} has no order ID to key it by")
        return value
