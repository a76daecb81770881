"""Topic names and who consumes what. Topics are created explicitly before any client starts:
the embedded broker auto-creates unknown topics with a default partition count, so a typo'd
name must never reach it (see `resolve_topic`)."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    ORDERS = "orders.v1"
    ANOMALIES = "anomalies.v1"
    FULFILLMENT = "fulfillment.v1"
    AFTERSALES = "aftersales.v1"
    NOTIFICATIONS = "notifications.v1"


SERVICES: tuple[str, ...] = ("ingest", "rules", "fulfillment", "aftersales", "notify", "insights")

# The topics each service's consumer group subscribes to.
SUBSCRIPTIONS: dict[str, tuple[Topic, ...]] = {
    "ingest": (Topic.ANOMALIES, Topic.FULFILLMENT, Topic.NOTIFICATIONS, Topic.AFTERSALES),
    "rules": (Topic.ORDERS, Topic.FULFILLMENT, Topic.NOTIFICATIONS),
    "fulfillment": (Topic.ORDERS, Topic.ANOMALIES, Topic.AFTERSALES),
    "aftersales": (Topic.ORDERS, Topic.FULFILLMENT),
    "notify": (Topic.ORDERS, Topic.ANOMALIES, Topic.FULFILLMENT, Topic.AFTERSALES),
    "insights": (Topic.ORDERS, Topic.ANOMALIES, Topic.NOTIFICATIONS, Topic.FULFILLMENT, Topic.AFTERSALES),
}


def consumer_group(service: str, prefix: str = "") -> str:
    """Group IDs carry the topic prefix too, so environments sharing one cluster never share a group."""
    return f"{prefix}orderhub-{service}"


def dead_letter_topic(service: str) -> str:
    """One dead-letter topic per consumer group."""
    return f"dlq.{service}.v1"


def all_topic_names() -> list[str]:
    """Every topic the system uses, domain topics first, then the dead-letter topics."""
    return [t.value for t in Topic] + [dead_letter_topic(s) for s in SERVICES]


def resolve_topic(logical: str, prefix: str = "") -> str:
    """Physical name of a known topic; unknown names are refused rather than auto-created."""
    if logical not in all_topic_names():
        raise ValueError(f"unknown topic {logical!r}; known topics: {', '.join(all_topic_names())}")
    return f"{prefix}{logical}"
