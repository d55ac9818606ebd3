from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, DateTime, SmallInteger, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.db import Base


class UserOnboarding(Base):
    __tablename__ = "user_onboarding"
    __table_args__ = (
        CheckConstraint("onboarding_step_completed BETWEEN 1 AND 3", name="step_range"),
        CheckConstraint("role_at_signup IN ('owner','lead_tech','tech','other')", name="role_at_signup"),
    )

    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    account_id: Mapped[UUID] = mapped_column(index=True)
    onboarding_step_completed: Mapped[int | None] = mapped_column(SmallInteger)
    onboarding_dismissed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    role_at_signup: Mapped[str | None] = mapped_column(String(50))
    joined_existing_account: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_flow: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ran_session: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    exported_session: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tried_ai_assistant: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invited_teammate: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    connected_psa: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ShopProfile(Base):
    __tablename__ = "shop_profiles"
    __table_args__ = (
        CheckConstraint("team_size_bucket IN ('1-2','3-5','6-10','11-25','26+')", name="team_size_bucket"),
        CheckConstraint("primary_psa IN ('connectwise','autotask','halopsa','none')", name="primary_psa"),
    )

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    company_name: Mapped[str | None] = mapped_column(String(255))
    team_size_bucket: Mapped[str | None] = mapped_column(String(20))
    primary_psa: Mapped[str | None] = mapped_column(String(20))
    invited_teammate_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    connected_psa_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[UUID | None] = mapped_column()
    # ordering keys (events.md §2 "Order"): the time of the newest applied name and PSA facts
    company_name_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    connected_psa_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
