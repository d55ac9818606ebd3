from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base


class InviteCode(Base):
    """A platform invite code: lets a new shop sign up while self-serve is off, and carries a plan."""

    __tablename__ = "invite_codes"
    __table_args__ = (
        CheckConstraint("trial_duration_days BETWEEN 1 AND 90", name="trial_duration_days"),
        CheckConstraint("assigned_plan IN ('free','pro','starter','enterprise')", name="assigned_plan"),
        CheckConstraint("code = upper(code)", name="code_upper"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    assigned_plan: Mapped[str] = mapped_column(String(50), server_default=text("'free'"))
    trial_duration_days: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    used_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountInvite(Base):
    """A teammate invite into an existing account."""

    __tablename__ = "account_invites"
    __table_args__ = (
        CheckConstraint("role IN ('admin','engineer','viewer')", name="role"),
        Index(
            "ix_account_invites_pending",
            "account_id",
            postgresql_where=text("accepted_by_id IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    account_id: Mapped[UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str] = mapped_column(String(255), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20), server_default=text("'engineer'"))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    email_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
