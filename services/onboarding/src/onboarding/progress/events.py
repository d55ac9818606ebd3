"""Handlers of the events onboarding consumes (events.md §4) and builders of the ones it publishes."""

import logging
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from onboarding.progress import projection
from onboarding.progress.models import ShopProfile, UserOnboarding
from shared.bus.consumer import Handler
from shared.events import (
    AccountCreated,
    AccountRenamed,
    ActivityRecorded,
    Envelope,
    InviteCreated,
    OnboardingDismissed,
    OnboardingStepCompleted,
    ShopProfileUpdated,
    UserEmailVerified,
    UserRegistered,
)

log = logging.getLogger(__name__)


async def on_account_created(session: AsyncSession, event: Envelope, data: AccountCreated) -> None:
    await projection.record_account(session=session, account_id=data.account_id, company_name=data.name)


async def on_user_registered(session: AsyncSession, event: Envelope, data: UserRegistered) -> None:
    await projection.record_user(
        session=session,
        user_id=data.user_id,
        account_id=data.account_id,
        joined_existing_account=data.joined_existing_account,
        email_verified_at=data.email_verified_at,
        user_created_at=data.created_at,
        now=event.occurred_at,
    )


async def on_email_verified(session: AsyncSession, event: Envelope, data: UserEmailVerified) -> None:
    await projection.record_email_verified(
        session=session, user_id=data.user_id, account_id=data.account_id, email_verified_at=data.email_verified_at
    )


async def on_invite_created(session: AsyncSession, event: Envelope, data: InviteCreated) -> None:
    await projection.record_invite(session=session, account_id=data.account_id, invited_at=event.occurred_at)


async def on_account_renamed(session: AsyncSession, event: Envelope, data: AccountRenamed) -> None:
    applied = await projection.record_rename(
        session=session, account_id=data.account_id, name=data.name, renamed_at=event.occurred_at
    )
    if not applied:
        log.info("older rename %s of account %s ignored", event.id, data.account_id)


async def on_activity_recorded(session: AsyncSession, event: Envelope, data: ActivityRecorded) -> None:
    await projection.record_activity(
        session=session,
        account_id=data.account_id,
        user_id=data.user_id,
        activity=data.activity,
        occurred_at=data.occurred_at,
    )


HANDLERS: dict[str, Handler[Any]] = {
    "identity.account.created": Handler(AccountCreated, on_account_created),
    "identity.user.registered": Handler(UserRegistered, on_user_registered),
    "identity.user.email_verified": Handler(UserEmailVerified, on_email_verified),
    "identity.invite.created": Handler(InviteCreated, on_invite_created),
    "identity.account.renamed": Handler(AccountRenamed, on_account_renamed),
    "product.activity.recorded": Handler(ActivityRecorded, on_activity_recorded),
}


def step_completed(
    row: UserOnboarding, *, step: int, action: Literal["complete", "skip"], occurred_at: datetime
) -> OnboardingStepCompleted:
    return OnboardingStepCompleted(
        user_id=row.user_id,
        account_id=row.account_id,
        step=step,
        action=action,
        onboarding_step_completed=row.onboarding_step_completed,
        onboarding_dismissed=row.onboarding_dismissed,
        occurred_at=occurred_at,
    )


def dismissed(row: UserOnboarding, *, occurred_at: datetime) -> OnboardingDismissed:
    return OnboardingDismissed(
        user_id=row.user_id,
        account_id=row.account_id,
        onboarding_step_completed=row.onboarding_step_completed,
        onboarding_dismissed=True,
        occurred_at=occurred_at,
    )


def shop_profile_updated(profile: ShopProfile, *, written: dict[str, str], updated_at: datetime) -> ShopProfileUpdated:
    """Only the fields this request wrote are named; the others are null (identity renames on `company_name`)."""
    return ShopProfileUpdated(
        account_id=profile.account_id,
        company_name=written.get("company_name"),
        team_size_bucket=written.get("team_size_bucket"),
        primary_psa=written.get("primary_psa"),
        updated_by=profile.updated_by,
        updated_at=updated_at,
    )
