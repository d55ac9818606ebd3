"""The rules of wizard progress: rows are upserted from identity's events or from a token's claims."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from onboarding.progress.models import ShopProfile, UserOnboarding
from onboarding.progress.schemas import OnboardingStatus

INVITED_START_STEP = 3


async def record_account(*, session: AsyncSession, account_id: UUID, company_name: str) -> None:
    """Upsert the shop profile of a new account (creation: any order, any number of times)."""
    await session.execute(
        insert(ShopProfile)
        .values(account_id=account_id, company_name=company_name)
        .on_conflict_do_update(
            index_elements=[ShopProfile.account_id],
            set_={"company_name": func.coalesce(ShopProfile.company_name, company_name)},
        )
    )


async def record_user(
    *,
    session: AsyncSession,
    user_id: UUID,
    account_id: UUID,
    joined_existing_account: bool,
    email_verified_at: datetime | None,
    user_created_at: datetime,
    now: datetime,
) -> None:
    """Upsert a registered user's wizard state. A user who joined by invite starts at step 3 with
    `invited_teammate` set; account-wide facts already known are copied onto the row."""
    profile = await session.get(ShopProfile, account_id)
    values = {
        "user_id": user_id,
        "account_id": account_id,
        "joined_existing_account": joined_existing_account,
        "email_verified_at": email_verified_at,
        "user_created_at": user_created_at,
        "onboarding_step_completed": INVITED_START_STEP if joined_existing_account else None,
        "invited_teammate": now if joined_existing_account else (profile.invited_teammate_at if profile else None),
        "connected_psa": profile.connected_psa_at if profile else None,
    }
    stmt = insert(UserOnboarding).values(**values)
    row = UserOnboarding.__table__.c
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[UserOnboarding.user_id],
            set_={
                "account_id": stmt.excluded.account_id,
                "joined_existing_account": stmt.excluded.joined_existing_account,
                "email_verified_at": func.coalesce(row.email_verified_at, stmt.excluded.email_verified_at),
                "user_created_at": stmt.excluded.user_created_at,
                "onboarding_step_completed": func.greatest(
                    row.onboarding_step_completed, stmt.excluded.onboarding_step_completed
                ),
                "invited_teammate": func.coalesce(row.invited_teammate, stmt.excluded.invited_teammate),
                "connected_psa": func.coalesce(row.connected_psa, stmt.excluded.connected_psa),
            },
        )
    )


async def get_or_create(
    *, session: AsyncSession, user_id: UUID, account_id: UUID, user_created_at: datetime | None
) -> UserOnboarding:
    """The user's row; created from the token's claims when a request beats identity's event."""
    await session.execute(
        insert(UserOnboarding)
        .values(user_id=user_id, account_id=account_id, user_created_at=user_created_at)
        .on_conflict_do_nothing(index_elements=[UserOnboarding.user_id])
    )
    row = await session.get(UserOnboarding, user_id, populate_existing=True)
    assert row is not None
    return row


async def status(
    *,
    session: AsyncSession,
    user_id: UUID,
    account_id: UUID,
    token_email_verified_at: datetime | None,
    user_created_at: datetime | None,
) -> OnboardingStatus:
    row = await get_or_create(session=session, user_id=user_id, account_id=account_id, user_created_at=user_created_at)
    members = await session.scalar(
        select(func.count()).select_from(UserOnboarding).where(UserOnboarding.account_id == row.account_id)
    )
    return OnboardingStatus(
        created_flow=row.created_flow is not None,
        ran_session=row.ran_session is not None,
        exported_session=row.exported_session is not None,
        tried_ai_assistant=row.tried_ai_assistant is not None,
        invited_teammate=row.invited_teammate is not None,
        connected_psa=row.connected_psa is not None,
        is_team_user=(members or 0) >= 2,
        dismissed=row.onboarding_dismissed,
        email_verified=token_email_verified_at is not None or row.email_verified_at is not None,
        shop_setup_done=(row.onboarding_step_completed or 0) >= 1,
        onboarding_step_completed=row.onboarding_step_completed,
    )
