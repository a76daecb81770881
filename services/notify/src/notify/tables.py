"""The notify schema: the delivery log (`messages`) and what the recording providers received."""

from __future__ import annotations

from orderhub_runtime.schema import add_messaging_tables, service_metadata
from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, Table, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB, UUID

from notify.messages.model import CHANNELS, STATUSES

SCHEMA = "notify"
metadata = service_metadata(SCHEMA)
messaging = add_messaging_tables(metadata)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# One row per (event, template, recipient): the unique key is what makes delivery exactly-once.
messages = Table(
    "messages",
    metadata,
    Column("message_id", UUID(as_uuid=True), primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("template", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("recipient_masked", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("params", JSONB, nullable=False),
    Column("provider", Text, nullable=False),
    Column("provider_message_id", Text),
    Column("status", Text, nullable=False),
    Column("error_code", Text),
    Column("error_detail", Text),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    # clock_timestamp(), not now(): a consumer batch is one transaction, and the log orders by real time.
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("clock_timestamp()")),
    Column("sent_at", DateTime(timezone=True)),
    # Why a message waits (quiet_hours, rate_limited_minute, ...) and when the sender may take it.
    Column("hold_reason", Text),
    Column("not_before", DateTime(timezone=True)),
    # When the provider was last called: counts for the rate limits, staleness for crash recovery.
    Column("last_attempt_at", DateTime(timezone=True)),
    # The consumed event's correlation ID, so the sender's NotificationSent/Failed carry it on.
    Column("correlation_id", Text),
    UniqueConstraint("event_id", "template", "recipient"),
    CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
    CheckConstraint(_one_of("status", STATUSES), name="status"),
    Index("ix_messages_order_id_created_at", "order_id", "created_at"),
    Index("ix_messages_created_at", "created_at"),
    Index("ix_messages_due", "not_before", postgresql_where=text("status IN ('queued', 'held')")),
    Index("ix_messages_sending", "last_attempt_at", postgresql_where=text("status = 'sending'")),
    Index("ix_messages_recipient_attempt", "recipient", "last_attempt_at"),
)

# The local providers' "outbox": exactly what a real SMS / WeCom provider would have been given.
recorded_sends = Table(
    "recorded_sends",
    metadata,
    Column("provider_message_id", Text, primary_key=True),
    Column("provider", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("template_code", Text),
    Column("params", JSONB),
    Column("text", Text),
    Column("out_id", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

# The customer of each placed order (from order.placed), for messages about later events that do
# not carry the receiver themselves (order.refunded).
order_contacts = Table(
    "order_contacts",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("phone", Text, nullable=False),
    Column("province", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)
