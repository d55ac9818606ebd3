"""email log and suppressions

Revision ID: 0001
Revises:
Create Date: 2026-11-26 12:17:40.447868
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.bus.schema import create_bus_tables, drop_bus_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_messages",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("event_type", sa.String(length=150), nullable=True),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=20), server_default=sa.text("'transactional'"), nullable=False),
        sa.Column("to_email", sa.String(length=255), nullable=False),
        sa.Column("reply_to", sa.String(length=255), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("context", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("status", sa.String(length=10), server_default=sa.text("'queued'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("unsubscribe_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_email_messages_idempotency_key")),
        sa.UniqueConstraint("unsubscribe_token", name=op.f("uq_email_messages_unsubscribe_token")),
    )
    op.create_index(op.f("ix_email_messages_created_at"), "email_messages", ["created_at"], unique=False)
    op.create_index(op.f("ix_email_messages_status"), "email_messages", ["status"], unique=False)
    op.create_index(op.f("ix_email_messages_to_email"), "email_messages", ["to_email"], unique=False)
    op.create_table(
        "email_suppressions",
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("source_message_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("email", "category", name=op.f("pk_email_suppressions")),
    )
    create_bus_tables(op)


def downgrade() -> None:
    drop_bus_tables(op)
    op.drop_table("email_suppressions")
    op.drop_index(op.f("ix_email_messages_to_email"), table_name="email_messages")
    op.drop_index(op.f("ix_email_messages_status"), table_name="email_messages")
    op.drop_index(op.f("ix_email_messages_created_at"), table_name="email_messages")
    op.drop_table("email_messages")
