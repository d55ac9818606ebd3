"""Facts other services announce, kept on the wizard rows. Every function is correct in any order and
on replay: creations upsert, first occurrences keep the earliest time, and the account's name and PSA
connection keep the newest fact by the event's own time."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from onboarding.progress.models import ShopProfile, UserOnboarding

INVITED_START_STEP = 3
# product activity → the checklist column it stamps on the acting user's row
USER_ACTIVITY_FACTS = {
    "flow_created": "created_flow",
    "session_run": "ran_session",
    "session_exported": "exported_session",
    "ai_assistant_used": "tried_ai_assistant",
}
PSA_ACTIVITIES = frozenset({"psa_connected", "psa_disconnected"})


async def lock_profile(*, session: AsyncSession, account_id: UUID) -> ShopProfile:
    """The account's shop profile, created empty if no event made it yet, locked for this transaction:
    account-wide facts and the member rows they are copied to change one account at a time."""
    await session.execute(
        insert(ShopProfile)
        .values(account_id=account_id)
        .on_conflict_do_nothing(index_elements=[ShopProfile.account_id])
    )
    profile = await session.scalar(
        select(ShopProfile)
        .where(ShopProfile.account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert profile is not None
    return profile


async def record_account(*, session: AsyncSession, account_id: UUID, company_name: str) -> None:
    """Upsert the shop profile of a new account; a name already known (a later rename) is kept."""
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
    `invited_teammate` set; the account-wide facts known on the profile are copied onto the row."""
    profile = await lock_profile(session=session, account_id=account_id)
    stmt = insert(UserOnboarding).values(
        user_id=user_id,
        account_id=account_id,
        joined_existing_account=joined_existing_account,
        email_verified_at=email_verified_at,
        user_created_at=user_created_at,
        onboarding_step_completed=INVITED_START_STEP if joined_existing_account else None,
        invited_teammate=now if joined_existing_account else profile.invited_teammate_at,
        connected_psa=profile.connected_psa_at,
    )
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
                "invited_teammate": func.least(row.invited_teammate, stmt.excluded.invited_teammate),
                # the profile is the authority on the account's PSA connection (it keeps the ordering key)
                "connected_psa": stmt.excluded.connected_psa,
            },
        )
    )


async def record_email_verified(
    *, session: AsyncSession, user_id: UUID, account_id: UUID, email_verified_at: datetime
) -> None:
    """Stamp the verification on the user's row, creating the row if identity's registration is still on its way."""
    stmt = insert(UserOnboarding).values(user_id=user_id, account_id=account_id, email_verified_at=email_verified_at)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[UserOnboarding.user_id],
            set_={"email_verified_at": func.coalesce(UserOnboarding.email_verified_at, email_verified_at)},
        )
    )


async def record_invite(*, session: AsyncSession, account_id: UUID, invited_at: datetime) -> None:
    """An invite makes `invited_teammate` true account-wide: the profile keeps the first time and every
    member's row gets it (members who join later copy it from the profile)."""
    profile = await lock_profile(session=session, account_id=account_id)
    first = min(profile.invited_teammate_at or invited_at, invited_at)
    profile.invited_teammate_at = first
    await session.flush()
    await session.execute(
        update(UserOnboarding)
        .where(UserOnboarding.account_id == account_id)
        .values(invited_teammate=func.least(UserOnboarding.invited_teammate, first))
    )


async def record_rename(*, session: AsyncSession, account_id: UUID, name: str, renamed_at: datetime) -> bool:
    """Mirror identity's account name, unless a newer name is already applied. True when applied."""
    profile = await lock_profile(session=session, account_id=account_id)
    if profile.company_name_as_of is not None and renamed_at <= profile.company_name_as_of:
        return False
    profile.company_name = name
    profile.company_name_as_of = renamed_at
    await session.flush()
    return True


async def record_activity(
    *, session: AsyncSession, account_id: UUID, user_id: UUID | None, activity: str, occurred_at: datetime
) -> None:
    """Product activity: the first occurrence stamps the acting user's checklist fact; a PSA connection
    or disconnection sets or clears `connected_psa` account-wide. Other activities concern billing only."""
    if activity in PSA_ACTIVITIES:
        await record_psa(
            session=session, account_id=account_id, connected=activity == "psa_connected", occurred_at=occurred_at
        )
        return
    column = USER_ACTIVITY_FACTS.get(activity)
    if column is None or user_id is None:
        return
    stmt = insert(UserOnboarding).values(user_id=user_id, account_id=account_id, **{column: occurred_at})
    current: Any = UserOnboarding.__table__.c[column]
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[UserOnboarding.user_id], set_={column: func.least(current, occurred_at)}
        )
    )


async def record_psa(*, session: AsyncSession, account_id: UUID, connected: bool, occurred_at: datetime) -> bool:
    """Set or clear the account's PSA connection on the profile and every member's row, unless a newer
    connect or disconnect was already applied. True when applied."""
    profile = await lock_profile(session=session, account_id=account_id)
    if profile.connected_psa_as_of is not None and occurred_at <= profile.connected_psa_as_of:
        return False
    profile.connected_psa_at = (profile.connected_psa_at or occurred_at) if connected else None
    profile.connected_psa_as_of = occurred_at
    await session.flush()
    await session.execute(
        update(UserOnboarding)
        .where(UserOnboarding.account_id == account_id)
        .values(connected_psa=profile.connected_psa_at)
    )
    return True
