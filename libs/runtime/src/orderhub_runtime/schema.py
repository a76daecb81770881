"""Per-service metadata and the messaging tables every service carries in its own schema:
the outbox (events waiting for the broker, kept a while after sending so they can be replayed
into an empty broker), the inbox (event IDs already handled) and the bus state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, LargeBinary, MetaData, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    bus_state: Table


def add_messaging_tables(metadata: MetaData) -> MessagingTables:
    now = text("now()")
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False),
        Column("event_id", Text, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
        Column("sent_at", DateTime(timezone=True)),
        Index("ix_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL")),
        Index("ix_outbox_sent_at", "sent_at"),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("event_id", Text, primary_key=True),
        Column("topic", Text, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=now),
        Index("ix_inbox_received_at", "received_at"),
    )
    bus_state = Table(
        "bus_state",
        metadata,
        Column("name", Text, primary_key=True),
        Column("value", Text, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=now),
    )
    return MessagingTables(outbox=outbox, inbox=inbox, bus_state=bus_state)


def outbox_channel(schema: str) -> str:
    """LISTEN/NOTIFY channel that wakes the relay when a transaction adds outbox rows."""
    return f"{schema}_outbox"
