"""plan catalog and subscriptions

Revision ID: 0001
Revises:
Create Date: 2026-11-26 12:15:13.400227
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
        "account_limit_overrides",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("max_trees", sa.Integer(), nullable=True),
        sa.Column("max_sessions_per_month", sa.Integer(), nullable=True),
        sa.Column("max_users", sa.Integer(), nullable=True),
        sa.Column("max_ai_builds_per_month", sa.Integer(), nullable=True),
        sa.Column("max_ai_builds_per_24h", sa.Integer(), nullable=True),
        sa.Column("kb_max_lifetime_conversions", sa.Integer(), nullable=True),
        sa.Column("custom_branding", sa.Boolean(), nullable=True),
        sa.Column("priority_support", sa.Boolean(), nullable=True),
        sa.Column("export_formats", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_limit_overrides")),
        sa.UniqueConstraint("account_id", name=op.f("uq_account_limit_overrides_account_id")),
    )
    op.create_table(
        "account_usage",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("trees", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("sessions_this_month", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("ai_builds_this_month", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("users", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("totals_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_usage")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"], unique=False)
    op.create_index("ix_audit_log_entity_type_entity_id", "audit_log", ["entity_type", "entity_id"], unique=False)
    op.create_table(
        "billing_accounts",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_billing_accounts")),
        sa.UniqueConstraint("stripe_customer_id", name=op.f("uq_billing_accounts_stripe_customer_id")),
    )
    op.create_table(
        "feature_flags",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("flag_key", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_flags")),
        sa.UniqueConstraint("flag_key", name=op.f("uq_feature_flags_flag_key")),
    )
    op.create_table(
        "plan_limits",
        sa.Column("plan", sa.String(length=50), nullable=False),
        sa.Column("max_trees", sa.Integer(), nullable=True),
        sa.Column("max_sessions_per_month", sa.Integer(), nullable=True),
        sa.Column("max_users", sa.Integer(), nullable=True),
        sa.Column("custom_branding", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("priority_support", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "export_formats",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text('\'["markdown","text"]\''),
            nullable=False,
        ),
        sa.Column("max_ai_builds_per_month", sa.Integer(), nullable=True),
        sa.Column("max_ai_builds_per_24h", sa.Integer(), nullable=True),
        sa.Column("kb_accelerator_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("kb_max_lifetime_conversions", sa.Integer(), nullable=True),
        sa.Column("kb_batch_max_size", sa.Integer(), nullable=True),
        sa.Column(
            "kb_allowed_formats",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text('\'["txt","paste","md"]\''),
            nullable=False,
        ),
        sa.Column("kb_detailed_analysis", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("kb_conversational_refinement", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("kb_step_library_matching", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("kb_history_limit", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("plan", name=op.f("pk_plan_limits")),
    )
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "payload_excerpt", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column("stripe_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), server_default=sa.text("'applied'"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
    )
    op.create_index(op.f("ix_stripe_events_event_type"), "stripe_events", ["event_type"], unique=False)
    op.create_table(
        "trial_reminders",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("days_left", sa.SmallInteger(), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("days_left IN (4, 1)", name=op.f("ck_trial_reminders_days_left")),
        sa.PrimaryKeyConstraint("account_id", "days_left", "current_period_end", name=op.f("pk_trial_reminders")),
    )
    op.create_table(
        "usage_reservations",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("metric IN ('trees','sessions_this_month')", name=op.f("ck_usage_reservations_metric")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_reservations")),
    )
    op.create_index(
        "ix_usage_reservations_account_id_created_at", "usage_reservations", ["account_id", "created_at"], unique=False
    )
    op.create_table(
        "account_feature_overrides",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("flag_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["feature_flags.id"],
            name=op.f("fk_account_feature_overrides_flag_id_feature_flags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_feature_overrides")),
        sa.UniqueConstraint("account_id", "flag_id", name=op.f("uq_account_feature_overrides_account_id_flag_id")),
    )
    op.create_index(
        op.f("ix_account_feature_overrides_account_id"), "account_feature_overrides", ["account_id"], unique=False
    )
    op.create_table(
        "plan_billing",
        sa.Column("plan", sa.String(length=50), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("monthly_price_cents", sa.Integer(), nullable=True),
        sa.Column("annual_price_cents", sa.Integer(), nullable=True),
        sa.Column("stripe_product_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_monthly_price_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_annual_price_id", sa.String(length=255), nullable=True),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("is_archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan"], ["plan_limits.plan"], name=op.f("fk_plan_billing_plan_plan_limits"), onupdate="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan", name=op.f("pk_plan_billing")),
    )
    op.create_table(
        "plan_feature_defaults",
        sa.Column("plan", sa.String(length=50), nullable=False),
        sa.Column("flag_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["feature_flags.id"],
            name=op.f("fk_plan_feature_defaults_flag_id_feature_flags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan"],
            ["plan_limits.plan"],
            name=op.f("fk_plan_feature_defaults_plan_plan_limits"),
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan", "flag_id", name=op.f("pk_plan_feature_defaults")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("plan", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("current_period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("seat_limit", sa.Integer(), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_price_id", sa.String(length=255), nullable=True),
        sa.Column("last_stripe_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'trialing', 'past_due', 'canceled', 'incomplete', 'complimentary')",
            name=op.f("ck_subscriptions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["plan"], ["plan_limits.plan"], name=op.f("fk_subscriptions_plan_plan_limits"), onupdate="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("account_id", name=op.f("uq_subscriptions_account_id")),
    )
    op.create_index(
        "ix_subscriptions_status_period_end", "subscriptions", ["status", "current_period_end"], unique=False
    )
    op.create_index(
        "uq_subscriptions_stripe_subscription_id",
        "subscriptions",
        ["stripe_subscription_id"],
        unique=True,
        postgresql_where=sa.text("stripe_subscription_id IS NOT NULL"),
    )
    create_bus_tables(op)


def downgrade() -> None:
    drop_bus_tables(op)
    op.drop_index(
        "uq_subscriptions_stripe_subscription_id",
        table_name="subscriptions",
        postgresql_where=sa.text("stripe_subscription_id IS NOT NULL"),
    )
    op.drop_index("ix_subscriptions_status_period_end", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("plan_feature_defaults")
    op.drop_table("plan_billing")
    op.drop_index(op.f("ix_account_feature_overrides_account_id"), table_name="account_feature_overrides")
    op.drop_table("account_feature_overrides")
    op.drop_index("ix_usage_reservations_account_id_created_at", table_name="usage_reservations")
    op.drop_table("usage_reservations")
    op.drop_table("trial_reminders")
    op.drop_index(op.f("ix_stripe_events_event_type"), table_name="stripe_events")
    op.drop_table("stripe_events")
    op.drop_table("plan_limits")
    op.drop_table("feature_flags")
    op.drop_table("billing_accounts")
    op.drop_index("ix_audit_log_entity_type_entity_id", table_name="audit_log")
    op.drop_index("ix_audit_log_created_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("account_usage")
    op.drop_table("account_limit_overrides")
