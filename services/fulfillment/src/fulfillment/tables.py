"""The fulfillment schema. Keep in sync with migrations/versions."""

from __future__ import annotations

from orderhub_runtime.schema import add_messaging_tables, service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Sequence,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

SCHEMA = "fulfillment"
metadata = service_metadata(SCHEMA)
messaging = add_messaging_tables(metadata)
now = text("now()")

# Numbers for outbound IDs (OB + date + number) and for the local carrier's waybills.
outbound_seq = Sequence("outbound_seq", metadata=metadata)
local_waybill_seq = Sequence("local_waybill_seq", metadata=metadata)

# reserved <= on_hand is kept by the statements that change either column (a conditional
# UPDATE each), not by a CHECK: see stock/repository.py.
stock = Table(
    "stock",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False, server_default=text("0")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=now),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("order_id", Text, nullable=False),
    Column("sku", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reserved_at", DateTime(timezone=True), nullable=False, server_default=now),
    PrimaryKeyConstraint("order_id", "sku"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

# Cleared orders that could not be reserved yet, retried oldest first when stock is raised.
awaiting_stock = Table(
    "awaiting_stock",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("queue_seq", BigInteger, Identity(), nullable=False),
    Column("skus", ARRAY(Text), nullable=False),
    Column("order_snapshot", JSONB, nullable=False),
    Column("cleared_at", DateTime(timezone=True), nullable=False),
    Column("queued_at", DateTime(timezone=True), nullable=False, server_default=now),
    Index("ix_awaiting_stock_skus", "skus", postgresql_using="gin"),
)

outbound_orders = Table(
    "outbound_orders",
    metadata,
    Column("outbound_id", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("ship_deadline", DateTime(timezone=True), nullable=False),
    Column("receiver", JSONB, nullable=False),
    Column("items", JSONB, nullable=False),
    Column("buyer_remark", Text, nullable=False, server_default=""),
    Column("seller_memo", Text, nullable=False, server_default=""),
    Column("carrier", Text, nullable=False),
    Column("waybill_no", Text, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=now),
    # What the warehouse paper needs besides the above (see outbound/board.py).
    Column("channel", Text, nullable=False, server_default=""),
    Column("channel_order_no", Text, nullable=False, server_default=""),
    Column("zone", Text, nullable=False, server_default="in_stock"),
    Column("gift_note", Text, nullable=False, server_default=""),
    Column("remark_flags", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("shipped_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('created', 'picking', 'intercepted', 'cancelled', 'shipped')", name="status_known"),
    CheckConstraint("zone IN ('in_stock', 'presale')", name="zone_known"),
    # A mixed order (R14) is split into an in-stock and a presale parcel: one outbound per zone.
    UniqueConstraint("order_id", "zone", name="uq_outbound_orders_order_id_zone"),
    Index("ix_outbound_orders_ship_deadline", "ship_deadline"),
    # The WMS bridge finds its export's rows by global order ID or by channel order number.
    Index("ix_outbound_orders_channel_order_no", "channel_order_no"),
)

# The product catalogue (商品资料): fulfillment owns it and publishes product.updated.
products = Table(
    "products",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("category", Text, nullable=False, server_default=""),
    Column("list_price_fen", BigInteger, nullable=False),
    Column("currency", Text, nullable=False, server_default="CNY"),
    Column("bin_location", Text, nullable=False, server_default=""),
    Column("presale_ship_date", Date),
    Column("updated_by", Text, nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=now),
    CheckConstraint("list_price_fen >= 0", name="list_price_not_negative"),
)

# Remark flags from rules (anomaly.raised, e.g. R12 备注需关注), kept per order: they may arrive
# before the order's outbound exists, which copies them into its remark_flags.
order_flags = Table(
    "order_flags",
    metadata,
    Column("order_id", Text, nullable=False),
    Column("rule_id", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("order_id", "rule_id"),
)

# One active (unreleased) hold per order; released holds stay as history.
holds = Table(
    "holds",
    metadata,
    Column("hold_id", BigInteger, Identity(), primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("rule_ids", ARRAY(Text), nullable=False),
    Column("reasons", ARRAY(Text), nullable=False),
    Column("held_at", DateTime(timezone=True), nullable=False),
    Column("released_at", DateTime(timezone=True)),
    Index("uq_holds_active_order_id", "order_id", unique=True, postgresql_where=text("released_at IS NULL")),
)

cancelled_orders = Table(
    "cancelled_orders",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("cancelled_at", DateTime(timezone=True), nullable=False),
)

# ---- paper: the printer queue, pick lists (waves) and the WMS bridge ----------------------------

# Documents waiting for (or sent to) the printer. A job is never dropped: a printer that is off or
# refuses leaves it `retrying` with its error until it prints. `dedupe_key` makes a job that a
# scheduled run submits once only, whatever restarts happen in between.
print_jobs = Table(
    "print_jobs",
    metadata,
    Column("job_id", BigInteger, Identity(), primary_key=True),
    Column("document", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("printer", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("dedupe_key", Text, unique=True),
    Column("status", Text, nullable=False, server_default=text("'queued'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("error", Text, nullable=False, server_default=""),
    Column("printer_job_id", Text, nullable=False, server_default=""),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=now),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=now),
    Column("printed_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('queued', 'sending', 'retrying', 'printed')", name="status_known"),
    Index("ix_print_jobs_due", "next_attempt_at", postgresql_where=text("status <> 'printed'")),
)

# A wave: the sheet as it was generated (JSON), so that reprints show the same paper.
picklists = Table(
    "picklists",
    metadata,
    Column("picklist_id", Text, primary_key=True),
    Column("status", Text, nullable=False, server_default=text("'open'")),
    Column("zone", Text),
    Column("carrier", Text),
    Column("created_by", Text, nullable=False),
    Column("sheet", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
    Column("closed_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('open', 'closed')", name="status_known"),
)

picklist_seq = Sequence("picklist_seq", metadata=metadata)

# The outbound orders of each wave; an outbound order is in at most one open wave.
picklist_orders = Table(
    "picklist_orders",
    metadata,
    Column("picklist_id", Text, nullable=False),
    Column("outbound_id", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("open", Boolean, nullable=False, server_default=text("true")),
    PrimaryKeyConstraint("picklist_id", "outbound_id"),
    Index("uq_picklist_orders_open_outbound", "outbound_id", unique=True, postgresql_where=text("open")),
)

# One row per WMS export file (by name and content hash): read at 08:55, printed at 09:00.
wms_bridge_runs = Table(
    "wms_bridge_runs",
    metadata,
    Column("run_id", BigInteger, Identity(), primary_key=True),
    Column("business_date", Date, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("rows_read", Integer, nullable=False, server_default=text("0")),
    Column("matched", Integer, nullable=False, server_default=text("0")),
    Column("unknown", Integer, nullable=False, server_default=text("0")),
    Column("output_files", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("print_job_id", BigInteger),
    Column("error", Text, nullable=False, server_default=""),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=now),
    Column("finished_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('annotated', 'printed', 'failed')", name="status_known"),
    Index("uq_wms_bridge_runs_file", "file_name", "file_sha256", unique=True),
)

# ---- tracking (carriers) ------------------------------------------------------------------
# One row per parcel that left the warehouse: the carrier's latest word on it.
shipments = Table(
    "shipments",
    metadata,
    Column("waybill_no", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("outbound_id", Text, nullable=False),
    Column("carrier", Text, nullable=False),  # the company (kuaidicom)
    Column("provider", Text, nullable=False),  # who tracks it (kuaidi100, local)
    Column("phone_tail", Text, nullable=False, server_default=""),  # last 4 digits, for the query
    Column("status", Text, nullable=False, server_default="in_transit"),
    Column("carrier_state", Text, nullable=False, server_default=""),
    Column("latest_at", DateTime(timezone=True)),  # event time of the newest checkpoint
    Column("latest_context", Text, nullable=False, server_default=""),
    Column("dispatched_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Column("queried_at", DateTime(timezone=True)),  # the last active (real-time) query
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=now),
    CheckConstraint("status IN ('in_transit', 'delivered', 'exception')", name="shipment_status_known"),
    Index("ix_shipments_order_id", "order_id"),
    Index("ix_shipments_quiet", "status", "latest_at"),
)

# Every checkpoint once, known by (time, text): a duplicated push inserts nothing.
shipment_checkpoints = Table(
    "shipment_checkpoints",
    metadata,
    Column("waybill_no", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("context", Text, nullable=False),
    Column("carrier_state", Text, nullable=False),
    Column("area", Text, nullable=False, server_default=""),
    Column("source", Text, nullable=False),  # push | query
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=now),
    PrimaryKeyConstraint("waybill_no", "occurred_at", "context"),
)

# Calls to the carrier that must not happen inside a transaction: subscribe at dispatch, cancel
# a waybill whose outbound order was cancelled. Retried with backoff until done or refused.
carrier_jobs = Table(
    "carrier_jobs",
    metadata,
    Column("job_id", BigInteger, Identity(), primary_key=True),
    Column("kind", Text, nullable=False),
    Column("provider", Text, nullable=False),
    Column("carrier", Text, nullable=False),
    Column("waybill_no", Text, nullable=False),
    Column("phone_tail", Text, nullable=False, server_default=""),
    Column("due_at", DateTime(timezone=True), nullable=False, server_default=now),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("done_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Column("last_error", Text, nullable=False, server_default=""),
    CheckConstraint("kind IN ('subscribe', 'cancel')", name="carrier_job_kind_known"),
    UniqueConstraint("kind", "waybill_no", name="uq_carrier_jobs_kind_waybill"),
    Index("ix_carrier_jobs_due", "due_at", postgresql_where=text("done_at IS NULL AND failed_at IS NULL")),
)

# Callbacks refused (bad or missing signature, unreadable, unknown waybill), kept for a person to look at.
carrier_push_rejections = Table(
    "carrier_push_rejections",
    metadata,
    Column("rejection_id", BigInteger, Identity(), primary_key=True),
    Column("provider", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=now),
)

# Delivered orders waiting for their after-sales window to pass; a case open holds them.
completions = Table(
    "completions",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("delivered_at", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),
    Column("open_cases", Integer, nullable=False, server_default=text("0")),
    Column("completed_at", DateTime(timezone=True)),
    Index("ix_completions_due", "due_at", postgresql_where=text("completed_at IS NULL")),
)

# The receiver an order was last changed to (order.address_changed from ingest), so a clearance
# carrying an older snapshot of the order still allocates to the new address.
receiver_changes = Table(
    "receiver_changes",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("receiver", JSONB, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
