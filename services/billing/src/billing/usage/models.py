from datetime import date, datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Date, DateTime, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base, created_at_column, updated_at_column


class AccountUsage(Base):
    """Counters of one account; the two monthly ones count from `period_start` (a UTC month)."""

    __tablename__ = "account_usage"

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    trees: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sessions_this_month: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    ai_builds_this_month: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    users: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    period_start: Mapped[date] = mapped_column(Date)
    totals_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = updated_at_column()


class UsageReservation(Base):
    __tablename__ = "usage_reservations"
    __table_args__ = (
        CheckConstraint("metric IN ('trees','sessions_this_month')", name="metric"),
        Index("ix_usage_reservations_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    account_id: Mapped[UUID] = mapped_column()
    metric: Mapped[str] = mapped_column(String(30))
    amount: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    period_start: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
