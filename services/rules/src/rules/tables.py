"""The rules schema. Keep in sync with migrations/versions."""

from __future__ import annotations

from orderhub_runtime.schema import add_messaging_tables, service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "rules"
metadata = service_metadata(SCHEMA)
messaging = add_messaging_tables(metadata)
NOW = text("now()")

# Versioned rule sets; exactly one is active (partial unique index).
rule_sets = Table(
    "rule_sets",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("rules", JSONB, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("active", Boolean, nullable=False, server_default=text("false")),
    Column("note", Text),  # why the change was made (the API's "note")
    Column("change", Text),  # what changed: replaced, enabled R05, disabled R14, seeded
    Index("uq_rule_sets_one_active", "active", unique=True, postgresql_where=text("active")),
)

# The order as placed (snapshot kept for OrderValidated) and where it stands with us.
orders = Table(
    "orders",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("snapshot", JSONB, nullable=False),
    Column("paid", Boolean, nullable=False),
    Column("province", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),  # the order's creation time
    Column("rule_set_version", Integer, nullable=False),
    Column("validated_at", DateTime(timezone=True)),  # OrderValidated published (at most once)
    Column("cancelled_at", DateTime(timezone=True)),
    Column("cancel_reason", Text),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    # What fulfillment has told us (R15, R16, R17).
    Column("waybill_no", Text),
    Column("shipped_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    # Held again after OrderValidated: the release of its last hold publishes OrderValidated again.
    Column("needs_revalidation", Boolean, nullable=False, server_default=text("false")),
    # The receiver as resolved (divisions, codes, what failed): what customer service is shown.
    Column("resolved_address", JSONB),
    Column("division_code", Text),  # the most precise code resolved, for queries by region
)

anomalies = Table(
    "anomalies",
    metadata,
    Column("anomaly_id", Uuid, primary_key=True),
    Column("order_id", Text, ForeignKey(orders.c.order_id), nullable=False),
    Column("rule_id", Text, nullable=False),
    Column("rule_name", Text, nullable=False),
    Column("rule_set_version", Integer, nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("holds", Boolean, nullable=False),
    Column("evidence", JSONB, nullable=False),
    Column("actions", JSONB, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'open'")),
    Column("resolution", Text),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_by", Text),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", Text),
    Column("note", Text),
    CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="status"),
    CheckConstraint("level BETWEEN 1 AND 3", name="level"),
    CheckConstraint(
        "(status = 'resolved') = (resolution IS NOT NULL) AND (resolution IS NULL OR resolution IN "
        "('released', 'cancelled', 'automatic'))",
        name="resolution",
    ),
    Index("ix_anomalies_order_id", "order_id"),
)
# The work queue: unresolved anomalies, most severe first, oldest first.
Index(
    "ix_anomalies_queue",
    anomalies.c.level.desc(),
    anomalies.c.raised_at,
    postgresql_where=anomalies.c.status != "resolved",
)

# R05: orders per phone per SKU per Asia/Shanghai day, across channels.
phone_sku_days = Table(
    "phone_sku_days",
    metadata,
    Column("phone", Text, primary_key=True),
    Column("sku", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("order_count", Integer, nullable=False),
)

# R07: each order's phone and SKU set, to find the same order placed again (any channel).
order_fingerprints = Table(
    "order_fingerprints",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("phone", Text, nullable=False),
    Column("sku_key", Text, nullable=False),  # the sorted distinct SKUs joined by "|"
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_order_fingerprints_lookup", "phone", "sku_key", "created_at"),
)

# R13: blacklisted phones (normalised) and addresses (whitespace removed).
blacklist = Table(
    "blacklist",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("value", Text, primary_key=True),
    Column("reason", Text, nullable=False, server_default=text("''")),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    CheckConstraint("kind IN ('phone', 'address')", name="kind"),
)

# R08: regions not served; '' for city or district means the whole province or city.
unserved_regions = Table(
    "unserved_regions",
    metadata,
    Column("province", Text, primary_key=True),
    Column("city", Text, primary_key=True),
    Column("district", Text, primary_key=True),
    Column("note", Text, nullable=False, server_default=text("''")),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)

# R05: SKUs under a purchase limit.
limited_skus = Table(
    "limited_skus",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("note", Text, nullable=False, server_default=text("''")),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)

# Durable timers (R04, R16, R17): one per order and kind, fired at most once.
timers = Table(
    "timers",
    metadata,
    Column("order_id", Text, ForeignKey(orders.c.order_id), primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("reference_at", DateTime(timezone=True), nullable=False),  # creation, deadline or last tracking
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("fired_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    CheckConstraint("status IN ('pending', 'fired', 'cancelled')", name="status"),
)
Index("ix_timers_due", timers.c.due_at, postgresql_where=timers.c.status == "pending")

# List prices from fulfillment's catalogue (product.updated): R10 compares what was paid with
# these wherever the catalogue knows the SKU, not with the price the order itself states.
list_prices = Table(
    "list_prices",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("list_price_fen", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
