"""The aftersales schema."""

from __future__ import annotations

from orderhub_runtime.schema import add_messaging_tables, service_metadata
from sqlalchemy import Column, DateTime, Table, Text, text
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
