from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import conv

from identity.db import Base, Timestamps

ACCOUNT_ROLES = ("owner", "admin", "engineer", "viewer")


class User(Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("account_role IN ('owner','admin','engineer','viewer')", name="account_role"),
        CheckConstraint("onboarding_step_completed BETWEEN 1 AND 3", name="onboarding_step_completed"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(50), server_default=text("'engineer'"))
    is_super_admin: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    account_id: Mapped[UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    account_role: Mapped[str] = mapped_column(String(20))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invite_code_id: Mapped[UUID | None] = mapped_column(ForeignKey("invite_codes.id"))
    timezone: Mapped[str] = mapped_column(String(64), server_default=text("'UTC'"))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    onboarding_step_completed: Mapped[int | None] = mapped_column(SmallInteger)
    onboarding_dismissed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    onboarding_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OAuthIdentity(Timestamps, Base):
    __tablename__ = "oauth_identities"
    __table_args__ = (
        UniqueConstraint("provider", "provider_subject", name=conv("uq_oauth_identities_provider_subject")),
        CheckConstraint("provider IN ('google','microsoft')", name="provider"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_subject: Mapped[str] = mapped_column(String(255))
    provider_email_at_link: Mapped[str] = mapped_column(String(255))
