"""The aftersales schema."""

from __future__ import annotations

from orderhub_runtime.schema import add_messaging_tables, service_metadata
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "aftersales"
metadata = service_metadata(SCHEMA)
messaging = add_messaging_tables(metadata)

# What a return ticket needs to know about the order it is raised against.
order_refs = Table(
    "order_refs",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("channel", Text, nullable=False),
    Column("receiver_name", Text, nullable=False),
    Column("receiver_phone", Text, nullable=False),
    Column("items", JSONB, nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("waybill_no", Text),
    Column("carrier", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

# A shipment whose order's placement has not been seen yet (the two come on different topics and
# may arrive in either order); the placement takes its waybill from here.
early_shipments = Table(
    "early_shipments",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("waybill_no", Text, nullable=False),
    Column("carrier", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

# --- Coupons and budget pools (migration 20261202_0003) -------------------------------------------
# A budget pool (预算池) pays for coupons: its balance never goes below zero (the CHECK, and every
# draw is a conditional UPDATE). Each top-up, draw and refused draw is on the ledger.
budget_pools = Table(
    "budget_pools",
    metadata,
    Column("name", Text, primary_key=True),
    Column("balance_fen", BigInteger, nullable=False),
    Column("currency", Text, nullable=False, server_default="CNY"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint("balance_fen >= 0", name="balance_not_negative"),
)

budget_ledger = Table(
    "budget_ledger",
    metadata,
    Column("entry_id", BigInteger, Identity(), primary_key=True),
    Column("pool", Text, nullable=False),
    Column("kind", Text, nullable=False),  # top_up | set | draw | refused
    Column("amount_fen", BigInteger, nullable=False),
    Column("balance_after_fen", BigInteger, nullable=False),
    Column("order_id", Text, nullable=False, server_default=""),
    Column("coupon_code", Text, nullable=False, server_default=""),
    Column("by", Text, nullable=False, server_default=""),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint("kind IN ('top_up', 'set', 'draw', 'refused')", name="kind_known"),
    Index("ix_budget_ledger_pool_entry_id", "pool", "entry_id"),
    # One compensation per voided order: a second draw or refusal for it cannot be written.
    Index(
        "uq_budget_ledger_compensation",
        "order_id",
        unique=True,
        postgresql_where=text("kind IN ('draw', 'refused')"),
    ),
)

# Compensation coupons: exactly one per voided order (UNIQUE voided_order_id).
coupons = Table(
    "coupons",
    metadata,
    Column("coupon_code", Text, primary_key=True),
    Column("voided_order_id", Text, nullable=False),
    Column("pool", Text, nullable=False),
    Column("customer_phone", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("redeemed_order_id", Text),
    Column("redeemed_at", DateTime(timezone=True)),
    UniqueConstraint("voided_order_id"),
    Index("ix_coupons_customer_phone", "customer_phone"),
)
