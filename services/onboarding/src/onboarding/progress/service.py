"""The rules of the welcome wizard and the checklist answer; a user's row comes from identity's events
or, when a request beats them, from the token's claims."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from onboarding.progress import events
from onboarding.progress.errors import StepCannotDecrease
from onboarding.progress.models import UserOnboarding
from onboarding.progress.projection import lock_profile
from onboarding.progress.schemas import OnboardingStatus, StepUpdate
from shared.bus.outbox import Outbox

ACCOUNT_EDITOR_ROLES = frozenset({"owner", "admin"})
# account-level fields each wizard step may write (shop_profiles); role_at_signup is the user's own
STEP_ACCOUNT_FIELDS: dict[int, tuple[str, ...]] = {1: ("company_name", "team_size_bucket"), 2: ("primary_psa",), 3: ()}


@dataclass(frozen=True)
class Caller:
    """Who is asking, as the access token says."""

    user_id: UUID
    account_id: UUID
    account_role: str | None
    user_created_at: datetime | None


async def get_or_create(*, session: AsyncSession, caller: Caller, lock: bool = False) -> UserOnboarding:
    """The caller's row; created from the token's claims, with the account's known facts, when a request
    beats identity's `user.registered`. `lock` holds it for an update."""
    query = select(UserOnboarding).where(UserOnboarding.user_id == caller.user_id)
    if lock:
        query = query.with_for_update()
    row = await session.scalar(query.execution_options(populate_existing=True))
    if row is not None:
        return row
    profile = await lock_profile(session=session, account_id=caller.account_id)
    await session.execute(
        insert(UserOnboarding)
        .values(
            user_id=caller.user_id,
            account_id=caller.account_id,
            user_created_at=caller.user_created_at,
            invited_teammate=profile.invited_teammate_at,
            connected_psa=profile.connected_psa_at,
        )
        .on_conflict_do_nothing(index_elements=[UserOnboarding.user_id])
    )
    row = await session.scalar(query.execution_options(populate_existing=True))
    assert row is not None
    return row


async def status(
    *, session: AsyncSession, caller: Caller, token_email_verified_at: datetime | None
) -> OnboardingStatus:
    row = await get_or_create(session=session, caller=caller)
    return await status_of(session=session, row=row, token_email_verified_at=token_email_verified_at)


async def status_of(
    *, session: AsyncSession, row: UserOnboarding, token_email_verified_at: datetime | None
) -> OnboardingStatus:
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


async def record_step(
    *, session: AsyncSession, outbox: Outbox, caller: Caller, update: StepUpdate, now: datetime
) -> UserOnboarding:
    """Apply one wizard step (api.md §5, rules 1-4 in order). Account-level fields are written only for an
    owner or admin and announced only when one of them changed."""
    profile = await lock_profile(session=session, account_id=caller.account_id)
    row = await get_or_create(session=session, caller=caller, lock=True)
    current = row.onboarding_step_completed or 0
    if update.step < current:
        raise StepCannotDecrease(current_step=current, requested_step=update.step)

    written: dict[str, str] = {}
    if update.action == "complete" and update.data is not None:
        data = update.data
        if update.step == 1 and data.role_at_signup is not None:
            row.role_at_signup = data.role_at_signup
        if caller.account_role in ACCOUNT_EDITOR_ROLES:
            sent = {name: getattr(data, name) for name in STEP_ACCOUNT_FIELDS[update.step]}
            written = {name: value for name, value in sent.items() if value is not None}
    changed = any(getattr(profile, name) != value for name, value in written.items())
    if changed:
        for name, value in written.items():
            setattr(profile, name, value)
        if "company_name" in written:
            profile.company_name_as_of = now
        profile.updated_by = caller.user_id
        profile.updated_at = now

    row.onboarding_step_completed = update.step
    row.updated_at = now
    await session.flush()
    await outbox.add(session, events.step_completed(row, step=update.step, action=update.action, occurred_at=now))
    if changed:
        await outbox.add(session, events.shop_profile_updated(profile, written=written, updated_at=now))
    return row


async def dismiss(*, session: AsyncSession, outbox: Outbox, caller: Caller, now: datetime) -> UserOnboarding:
    """Set `onboarding_dismissed` (idempotent; each call is announced with its time)."""
    row = await get_or_create(session=session, caller=caller, lock=True)
    row.onboarding_dismissed = True
    row.updated_at = now
    await session.flush()
    await outbox.add(session, events.dismissed(row, occurred_at=now))
    return row
