"""`outbox` and `inbox`, present in every service's database (data-model.md §0)."""

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, Uuid, func, text
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import make_metadata

bus_metadata = make_metadata()

outbox = Table(
    "outbox",
    bus_metadata,
    Column("id", Uuid, primary_key=True),
    Column("type", String(150), nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
)
Index("ix_outbox_unpublished", outbox.c.created_at, postgresql_where=outbox.c.published_at.is_(None))

inbox = Table(
    "inbox",
    bus_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("type", String(150), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_inbox_processed_at", inbox.c.processed_at)
