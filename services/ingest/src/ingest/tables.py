"""The ingest schema: the order record, its ID allocation, its lines, its timeline, and the
status changes the projection refused. Kept in step with migrations/versions by hand."""

from __future__ import annotations

from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.schema import add_messaging_tables, service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

SCHEMA = "ingest"
metadata = service_metadata(SCHEMA)
messaging = add_messaging_tables(metadata)
_now = text("now()")
STATUS_CHECK = "status IN (" + ", ".join(f"'{s.value}'" for s in OrderStatus) + ")"

# Which channel order holds which global ID. Claimed with INSERT .. ON CONFLICT DO NOTHING so two
# racing submissions of one channel order end up with one ID, and two channel orders never share one.
order_keys = Table(
    "order_keys",
    metadata,
    Column("channel", Text, nullable=False),
    Column("channel_order_no", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False, server_default=_now),
    PrimaryKeyConstraint("channel", "channel_order_no"),
    UniqueConstraint("order_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("channel", Text, nullable=False),
    Column("channel_order_no", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    # Occurred time of the event behind the current status (tells a late event from a newer one).
    Column("status_since", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("paid_at", DateTime(timezone=True)),
    Column("currency", Text, nullable=False),
    Column("receiver_name", Text, nullable=False),
    Column("receiver_phone", Text, nullable=False),  # normalised
    Column("receiver_phone_last4", Text, nullable=False),
    Column("receiver_province", Text, nullable=False),
    Column("receiver_city", Text, nullable=False),
    Column("receiver_district", Text, nullable=False),
    Column("receiver_street", Text, nullable=False),
    Column("receiver_detail", Text, nullable=False),
    Column("buyer_remark", Text, nullable=False),
    Column("seller_memo", Text, nullable=False),
    Column("list_total_fen", BigInteger, nullable=False),
    Column("paid_total_fen", BigInteger, nullable=False),
    Column("discount_fen", BigInteger, nullable=False),
    Column("snapshot", JSONB, nullable=False),  # the CanonicalOrder as published in order.placed
    Column("placed_at", DateTime(timezone=True), nullable=False, server_default=_now),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=_now),
    # From fulfillment's outbound.status_changed: when a parcel of the order first went on a pick
    # list (its label is on paper from then on: an address change is an intercept, not a change),
    # and the last warehouse status announced (picking | created).
    Column("label_printed_at", DateTime(timezone=True)),
    Column("outbound_status", Text),
    UniqueConstraint("channel", "channel_order_no"),
    CheckConstraint(STATUS_CHECK, name="status_known"),
    Index("ix_orders_receiver_phone_last4", "receiver_phone_last4"),
    Index("ix_orders_created_at", "created_at"),
    Index("ix_orders_status", "status"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("order_id", Text, ForeignKey(orders.c.order_id), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_fen", BigInteger, nullable=False),
    Column("paid_fen", BigInteger),
    Column("presale", Boolean, nullable=False),
    Column("presale_ship_date", DateTime(timezone=True)),
    PrimaryKeyConstraint("order_id", "line_no"),
    Index("ix_order_items_sku", "sku"),
)

order_timeline = Table(
    "order_timeline",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("order_id", Text, ForeignKey(orders.c.order_id), nullable=False),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("summary", Text, nullable=False),  # Chinese, for people; phone numbers masked
    Column("data", JSONB, nullable=False),
    Column("outcome", Text, nullable=False),  # projection outcome: applied | unchanged | late | rejected | info
    Column("status_from", Text),
    Column("status_path", JSONB, nullable=False),  # statuses passed through, implied steps included
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=_now),
    UniqueConstraint("event_id"),
    Index("ix_order_timeline_order_id_occurred_at_id", "order_id", "occurred_at", "id"),
)

transition_rejections = Table(
    "transition_rejections",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("order_id", Text, ForeignKey(orders.c.order_id), nullable=False),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("from_status", Text, nullable=False),
    Column("to_status", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=_now),
    UniqueConstraint("event_id"),
    Index("ix_transition_rejections_order_id", "order_id"),
)


# ---------------------------------------------------------------------------------------------
# Channel intake (migration 20261124_0002): raw push archive, detail-fetch queue, platform state
# of each channel order, sync watermarks, mini-program sessions and payments.
# ---------------------------------------------------------------------------------------------

# Every push as received (accepted ones too, for audit), written in the transaction of its effects.
raw_pushes = Table(
    "raw_pushes",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("channel", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=_now),
    Column("headers", JSONB, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("verdict", Text, nullable=False),  # accepted | rejected
    Column("reason", Text, nullable=False, server_default=""),
    Column("notices", Integer, nullable=False, server_default="0"),  # orders it said changed
    Column("replayed_at", DateTime(timezone=True)),
    CheckConstraint("verdict IN ('accepted', 'rejected')", name="verdict_known"),
    Index("ix_raw_pushes_channel_verdict_received_at", "channel", "verdict", "received_at"),
)

# Orders to fetch from their platform (from pushes, syncs and replays). At most one open task per
# channel order; a new hint for an open task bumps `generation` so a fetch already running does
# not close it (it may have read the platform before the change).
fetch_tasks = Table(
    "fetch_tasks",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("channel", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("channel_order_no", Text, nullable=False),
    Column("source", Text, nullable=False),  # push | sync | replay
    Column("push_id", BigInteger),
    Column("generation", Integer, nullable=False, server_default="0"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=_now),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=_now),
    Column("done_at", DateTime(timezone=True)),
    Index(
        "uq_fetch_tasks_open_order",
        "channel",
        "channel_order_no",
        unique=True,
        postgresql_where=text("done_at IS NULL"),
    ),
    Index("ix_fetch_tasks_due", "next_attempt_at", postgresql_where=text("done_at IS NULL")),
)

# The platform's view of each channel order, as last applied (what the next fetch is diffed with).
platform_orders = Table(
    "platform_orders",
    metadata,
    Column("order_id", Text, ForeignKey(orders.c.order_id), primary_key=True),
    Column("platform_status", Text, nullable=False),
    Column("platform_updated_at", DateTime(timezone=True), nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("refunded_fen", BigInteger, nullable=False),
    Column("last_source", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=_now),
)

sync_watermarks = Table(
    "sync_watermarks",
    metadata,
    Column("channel", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("watermark", DateTime(timezone=True), nullable=False),  # everything modified before is fetched
    Column("last_run_at", DateTime(timezone=True), nullable=False, server_default=_now),
    Column("last_listed", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("channel", "shop_id"),
)

# Mini-program customers' sessions (code2session); the token is stored as its SHA-256.
mp_sessions = Table(
    "mp_sessions",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("openid", Text, nullable=False),
    Column("session_key", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=_now),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_mp_sessions_openid", "openid"),
)

# Mini-program orders: whose they are and their WeChat Pay state.
mp_orders = Table(
    "mp_orders",
    metadata,
    Column("order_id", Text, ForeignKey(orders.c.order_id), primary_key=True),
    Column("openid", Text, nullable=False),
    Column("out_trade_no", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("prepay_id", Text),
    Column("transaction_id", Text),
    Column("paid_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=_now),
    UniqueConstraint("out_trade_no"),
    Index("ix_mp_orders_openid", "openid"),
)

# --- Order search (migration 20261124_0003) ------------------------------------------------------
# Derived from the snapshot by the database, so intake never writes them: the item titles
# (NFKC, lower case) and their character bigrams, which the GIN index looks product words up by.
orders.append_column(Column("search_text", Text, Computed("ingest.order_search_text(snapshot)", persisted=True)))
orders.append_column(
    Column(
        "search_grams",
        ARRAY(Text),
        Computed("ingest.search_bigrams(ingest.order_search_text(snapshot))", persisted=True),
    )
)
Index("ix_orders_search_grams", orders.c.search_grams, postgresql_using="gin")
Index("ix_orders_channel_order_no", orders.c.channel_order_no, postgresql_ops={"channel_order_no": "text_pattern_ops"})

# --- Receiver name search (migration 20261202_0007) -------------------------------------------------
# The receiver's name normalised like the titles, and its bigrams: a name or a 2+ character part of
# it is looked up by the GIN index like a product word. From receiver_name, which follows changes.
orders.append_column(Column("search_name", Text, Computed("ingest.search_name(receiver_name)", persisted=True)))
orders.append_column(
    Column(
        "name_grams", ARRAY(Text), Computed("ingest.search_bigrams(ingest.search_name(receiver_name))", persisted=True)
    )
)
Index("ix_orders_name_grams", orders.c.name_grams, postgresql_using="gin")

# --- Push channels (migration 20261124_0005) ------------------------------------------------------
# The mini-program's Idempotency-Key: a customer's retried "place order" request finds the order the
# first attempt placed instead of placing a second one.
mp_orders.append_column(Column("request_key", Text))
Index("uq_mp_orders_openid_request_key", mp_orders.c.openid, mp_orders.c.request_key, unique=True)

# --- Order changes (migration 20261202_0008) -------------------------------------------------------
# The product catalogue as fulfillment announces it (product.updated): the list price a mini-program
# order line is charged at, whatever the client sends.
catalogue = Table(
    "catalogue",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("list_price_fen", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("list_price_fen >= 0", name="price_not_negative"),
)

# Compensation coupons as aftersales issues them (coupon.issued), for the mini-program: the customer
# sees theirs and redeems one on an order. Redeemed once: the conditional update that sets
# redeemed_order_id is the only way a coupon is used.
coupon_wallet = Table(
    "coupon_wallet",
    metadata,
    Column("coupon_code", Text, primary_key=True),
    Column("openid", Text),  # the mini-program customer, when the voided order was theirs
    Column("customer_phone", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("issued_for_order", Text, nullable=False),
    Column("redeemed_order_id", Text),
    Column("redeemed_at", DateTime(timezone=True)),
    Index("ix_coupon_wallet_openid", "openid"),
)
