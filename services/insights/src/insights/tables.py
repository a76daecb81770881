"""The insights schema: read models rebuilt from the topics. Keep in sync with migrations/versions."""

from __future__ import annotations

from orderhub_runtime.schema import add_messaging_tables, service_metadata
from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, Table, Text, text
from sqlalchemy.dialects.postgresql import ARRAY

SCHEMA = "insights"
metadata = service_metadata(SCHEMA)
messaging = add_messaging_tables(metadata)
now = text("now()")

# Every order placed, with who placed it (a keyed hash of the phone) and the coupons it used.
orders = Table(
    "orders",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("customer_key", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("coupons", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Index("ix_orders_customer_created", "customer_key", "created_at"),
)

# Per customer: the first order and the next one after it (whatever order the events came in).
customers = Table(
    "customers",
    metadata,
    Column("customer_key", Text, primary_key=True),
    Column("first_order_id", Text, nullable=False),
    Column("first_at", DateTime(timezone=True), nullable=False),
    Column("first_coupons", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("next_at", DateTime(timezone=True)),
    Index("ix_customers_first_at", "first_at"),
)

anomalies = Table(
    "anomalies",
    metadata,
    Column("anomaly_id", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("rule_id", Text, nullable=False),
    Column("rule_name", Text, nullable=False),
    Column("level", Integer, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Index("ix_anomalies_raised_at", "raised_at"),
)

# What reached the customer about an order: an SMS sent (from notifications.v1) or a call or
# chat an agent logged here.
contacts = Table(
    "contacts",
    metadata,
    Column("contact_id", BigInteger, Identity(), primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", Text, nullable=False),  # sms | phone | chat
    Column("agent", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=text("''")),
    Column("source_event_id", Text, unique=True),  # for contacts that came as events
    Index("ix_contacts_order_at", "order_id", "at"),
)

# Staff actions that moved an order or a ticket, with who did it.
staff_actions = Table(
    "staff_actions",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),  # the order or ticket ID
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_staff_actions_at", "at"),
)
