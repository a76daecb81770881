"""The aftersales schema."""

from __future__ import annotations

from orderhub_runtime.schema import add_messaging_tables, service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "aftersales"
metadata = service_metadata(SCHEMA)
messaging = add_messaging_tables(metadata)

# What a return ticket needs to know about the order it is raised against. refunded_fen is raised
# in the statement that books a refund and can never pass paid_fen (the check constraint).
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
    Column("channel_order_no", Text, nullable=False, server_default=""),
    Column("buyer_id", Text, nullable=False, server_default=""),
    Column("receiver", JSONB),
    Column("currency", Text, nullable=False, server_default="CNY"),
    Column("discount_fen", BigInteger, nullable=False, server_default=text("0")),
    Column("paid_fen", BigInteger, nullable=False, server_default=text("0")),
    Column("refunded_fen", BigInteger, nullable=False, server_default=text("0")),
    Column("shipped_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    CheckConstraint("refunded_fen >= 0 AND refunded_fen <= paid_fen", name="order_refs_refund_within_paid"),
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

# A SKU's product category (fulfillment's product.updated): tickets are routed by it.
product_categories = Table(
    "product_categories",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("category", Text, nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The routing table: which agents take the tickets of a category (PUT /v1/return-routing).
return_routes = Table(
    "return_routes",
    metadata,
    Column("category", Text, primary_key=True),
    Column("agent", Text, primary_key=True),
)

# Customer-service agents and whether they are on duty (在岗).
agents = Table(
    "agents",
    metadata,
    Column("agent", Text, primary_key=True),
    Column("on_duty", Boolean, nullable=False, server_default=text("true")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

# After-sales tickets (售后工单).
tickets = Table(
    "tickets",
    metadata,
    Column("ticket_id", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("buyer_id", Text, nullable=False, server_default=""),
    Column("return_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("customer_photos", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("category", Text, nullable=False, server_default=""),
    Column("assignee", Text, nullable=False, server_default=""),
    Column("decision_note", Text, nullable=False, server_default=""),
    Column("platform_case_no", Text),
    Column("platform_status", Text, nullable=False, server_default=""),
    Column("return_carrier", Text),
    Column("return_waybill_no", Text, unique=True),
    Column("received", JSONB),
    Column("problems", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True)),
    Column("refunded_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Index("ix_aftersales_tickets_order_id", "order_id"),
    Index("tickets_status_assignee", "status", "assignee"),
    UniqueConstraint("platform_case_no", name="tickets_platform_case_no_key"),
)

# Photos of a discrepancy (JPEG or PNG, checked from the bytes), shown to staff only.
receipt_photos = Table(
    "receipt_photos",
    metadata,
    Column("photo_id", Text, primary_key=True),
    Column("ticket_id", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("uploaded_by", Text, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("ticket_id", "sha256", name="receipt_photos_ticket_sha256_key"),
)

# The refund ledger: one refund per ticket, ever. The refund number is the provider's
# out_refund_no, so a refund resent after a crash is the same refund to the provider.
refunds = Table(
    "refunds",
    metadata,
    Column("refund_no", Text, primary_key=True),
    Column("ticket_id", Text, nullable=False, unique=True),
    Column("order_id", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("method", Text, nullable=False),  # wechatpay | platform
    Column("lines", JSONB, nullable=False),  # the units refunded: [{"sku", "quantity"}]
    Column("status", Text, nullable=False),  # pending | succeeded
    Column("provider_refund_id", Text, nullable=False, server_default=""),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("settled_at", DateTime(timezone=True)),
    CheckConstraint("amount_fen > 0", name="refunds_amount_positive"),
    Index("ix_aftersales_refunds_order_id", "order_id"),
)

# --- Coupons and budget pools (migration 20261202_0004) -------------------------------------------
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
