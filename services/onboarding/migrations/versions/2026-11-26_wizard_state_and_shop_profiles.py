"""wizard state and shop profiles

Revision ID: 0001
Revises:
Create Date: 2026-11-26 12:10:56.050037
"""

import sqlalchemy as sa
from alembic import op

from shared.bus.schema import create_bus_tables, drop_bus_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_profiles",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("company_name", sa.String(length=255), nullable=True),
        sa.Column("team_size_bucket", sa.String(length=20), nullable=True),
        sa.Column("primary_psa", sa.String(length=20), nullable=True),
        sa.Column("invited_teammate_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_psa_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "primary_psa IN ('connectwise','autotask','halopsa','none')",
            name=op.f("ck_shop_profiles_primary_psa"),
        ),
        sa.CheckConstraint(
            "team_size_bucket IN ('1-2','3-5','6-10','11-25','26+')",
            name=op.f("ck_shop_profiles_team_size_bucket"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_shop_profiles")),
    )
    op.create_table(
        "user_onboarding",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("onboarding_step_completed", sa.SmallInteger(), nullable=True),
        sa.Column("onboarding_dismissed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("role_at_signup", sa.String(length=50), nullable=True),
        sa.Column("joined_existing_account", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_flow", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ran_session", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exported_session", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tried_ai_assistant", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invited_teammate", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_psa", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "role_at_signup IN ('owner','lead_tech','tech','other')",
            name=op.f("ck_user_onboarding_role_at_signup"),
        ),
        sa.CheckConstraint("onboarding_step_completed BETWEEN 1 AND 3", name=op.f("ck_user_onboarding_step_range")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_onboarding")),
    )
    op.create_index(op.f("ix_user_onboarding_account_id"), "user_onboarding", ["account_id"], unique=False)
    create_bus_tables(op)


def downgrade() -> None:
    drop_bus_tables(op)
    op.drop_index(op.f("ix_user_onboarding_account_id"), table_name="user_onboarding")
    op.drop_table("user_onboarding")
    op.drop_table("shop_profiles")
