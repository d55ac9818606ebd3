"""DDL for `outbox`/`inbox`, called from each service's first Alembic migration (frozen at version 1)."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

NOTIFY_TRIGGER = """
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
"""


def create_bus_tables(op: Any) -> None:
    """Create `outbox` (with its NOTIFY trigger) and `inbox`; `op` is alembic.op."""
    now = sa.text("now()")
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("type", sa.String(150), nullable=False),
        sa.Column("envelope", JSONB, nullable=False),
        sa.Column("headers", JSONB, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["created_at"], postgresql_where=sa.text("published_at IS NULL"))
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("type", sa.String(150), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("event_id", name="pk_inbox"),
    )
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"])
    op.execute(NOTIFY_FUNCTION)
    op.execute(NOTIFY_TRIGGER)


def drop_bus_tables(op: Any) -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
