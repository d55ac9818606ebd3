from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base, created_at_column, updated_at_column

STATUSES = ("active", "trialing", "past_due", "canceled", "incomplete", "complimentary")


class Subscription(Base):
    """One per account; an expired trial stays `trialing` with its past period end."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        Index(
            "uq_subscriptions_stripe_subscription_id",
            "stripe_subscription_id",
            unique=True,
            postgresql_where=text("stripe_subscription_id IS NOT NULL"),
        ),
        Index("ix_subscriptions_status_period_end", "status", "current_period_end"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    account_id: Mapped[UUID] = mapped_column(unique=True)
    plan: Mapped[str] = mapped_column(String(50), ForeignKey("plan_limits.plan", onupdate="CASCADE"))
    status: Mapped[str] = mapped_column(String(50))
    current_period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    seat_limit: Mapped[int | None] = mapped_column(Integer)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    stripe_price_id: Mapped[str | None] = mapped_column(String(255))
    last_stripe_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class BillingAccount(Base):
    """An account as billing knows it: the owner's email and, once checkout ran, its Stripe customer."""

    __tablename__ = "billing_accounts"

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class TrialReminder(Base):
    """A `billing.trial.ending` reminder sent once per account, days left and trial end."""

    __tablename__ = "trial_reminders"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "days_left", "current_period_end"),
        CheckConstraint("days_left IN (4, 1)", name="days_left"),
    )

    account_id: Mapped[UUID] = mapped_column()
    days_left: Mapped[int] = mapped_column(SmallInteger)
    current_period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
