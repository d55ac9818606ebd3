"""sales leads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sales_leads",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("team_size", sa.String(length=20), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("posthog_distinct_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), server_default=sa.text("'new'"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "source IN ('pricing_page','register_footer','landing_page')", name=op.f("ck_sales_leads_source")
        ),
        sa.CheckConstraint("status IN ('new','contacted','closed')", name=op.f("ck_sales_leads_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_leads")),
    )
    op.create_index(op.f("ix_sales_leads_email"), "sales_leads", ["email"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sales_leads_email"), table_name="sales_leads")
    op.drop_table("sales_leads")
