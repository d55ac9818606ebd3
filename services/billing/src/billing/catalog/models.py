from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base, created_at_column, updated_at_column


class PlanLimits(Base):
    """A plan's limits; a null number means unlimited."""

    __tablename__ = "plan_limits"

    plan: Mapped[str] = mapped_column(String(50), primary_key=True)
    max_trees: Mapped[int | None] = mapped_column(Integer)
    max_sessions_per_month: Mapped[int | None] = mapped_column(Integer)
    max_users: Mapped[int | None] = mapped_column(Integer)
    custom_branding: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    priority_support: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    export_formats: Mapped[list[str]] = mapped_column(JSONB, server_default=text("""'["markdown","text"]'"""))
    max_ai_builds_per_month: Mapped[int | None] = mapped_column(Integer)
    max_ai_builds_per_24h: Mapped[int | None] = mapped_column(Integer)
    kb_accelerator_enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    kb_max_lifetime_conversions: Mapped[int | None] = mapped_column(Integer)
    kb_batch_max_size: Mapped[int | None] = mapped_column(Integer)
    kb_allowed_formats: Mapped[list[str]] = mapped_column(JSONB, server_default=text("""'["txt","paste","md"]'"""))
    kb_detailed_analysis: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    kb_conversational_refinement: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    kb_step_library_matching: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    kb_history_limit: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class PlanBilling(Base):
    """What a plan costs and its Stripe ids; `free` has no row (not purchasable)."""

    __tablename__ = "plan_billing"

    plan: Mapped[str] = mapped_column(String(50), ForeignKey("plan_limits.plan", onupdate="CASCADE"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    monthly_price_cents: Mapped[int | None] = mapped_column(Integer)
    annual_price_cents: Mapped[int | None] = mapped_column(Integer)
    stripe_product_id: Mapped[str | None] = mapped_column(String(255))
    stripe_monthly_price_id: Mapped[str | None] = mapped_column(String(255))
    stripe_annual_price_id: Mapped[str | None] = mapped_column(String(255))
    is_public: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    is_archived: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class FeatureFlag(Base):
    __tablename__ = "feature_flags"

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    flag_key: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class PlanFeatureDefault(Base):
    __tablename__ = "plan_feature_defaults"

    plan: Mapped[str] = mapped_column(
        String(50),
        ForeignKey("plan_limits.plan", onupdate="CASCADE", ondelete="CASCADE"),
        primary_key=True,
    )
    flag_id: Mapped[UUID] = mapped_column(ForeignKey("feature_flags.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    updated_at: Mapped[datetime] = updated_at_column()


class AccountFeatureOverride(Base):
    __tablename__ = "account_feature_overrides"
    __table_args__ = (UniqueConstraint("account_id", "flag_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    account_id: Mapped[UUID] = mapped_column(index=True)
    flag_id: Mapped[UUID] = mapped_column(ForeignKey("feature_flags.id", ondelete="CASCADE"))
    enabled: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[UUID | None] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class AccountLimitOverride(Base):
    """Per-account limits; a null column inherits the plan's value."""

    __tablename__ = "account_limit_overrides"

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    account_id: Mapped[UUID] = mapped_column(unique=True)
    max_trees: Mapped[int | None] = mapped_column(Integer)
    max_sessions_per_month: Mapped[int | None] = mapped_column(Integer)
    max_users: Mapped[int | None] = mapped_column(Integer)
    max_ai_builds_per_month: Mapped[int | None] = mapped_column(Integer)
    max_ai_builds_per_24h: Mapped[int | None] = mapped_column(Integer)
    kb_max_lifetime_conversions: Mapped[int | None] = mapped_column(Integer)
    custom_branding: Mapped[bool | None] = mapped_column(Boolean)
    priority_support: Mapped[bool | None] = mapped_column(Boolean)
    export_formats: Mapped[list[Any] | None] = mapped_column(JSONB)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[UUID | None] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
