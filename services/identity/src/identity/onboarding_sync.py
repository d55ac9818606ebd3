"""Identity's copy of onboarding's facts (events.md §3, onboarding): the wizard's company name renames
the account; wizard progress and dismissal update the user's copy. Each keeps the newest fact by the
event's own time and ignores older ones, whatever order they arrive in."""

import logging
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.errors import AccountNotFound
from identity.accounts.models import Account
from identity.accounts.service import lock_or_raise
from identity.audit import service as audit
from identity.users.models import User
from shared.bus.consumer import Handler
from shared.bus.outbox import Outbox
from shared.events import (
    AccountRenamed,
    Envelope,
    OnboardingDismissed,
    OnboardingStepCompleted,
    ShopProfileUpdated,
)

log = logging.getLogger(__name__)


async def apply_shop_profile(*, session: AsyncSession, outbox: Outbox, data: ShopProfileUpdated) -> Account | None:
    """Rename the account to the wizard's company name when it differs, announced with source `wizard`.
    The account's `updated_at` is the ordering key: an update older than the account's last change is
    ignored, and a wizard rename stores its own `updated_at` there. Returns the renamed account."""
    name = (data.company_name or "").strip()[:255]
    if not name:
        return None
    try:
        account = await lock_or_raise(session=session, account_id=data.account_id)
    except AccountNotFound:
        log.warning("shop profile of unknown account %s ignored", data.account_id)
        return None
    if data.updated_at <= account.updated_at:
        log.info("shop profile update of %s older than the account's last change, ignored", account.id)
        return None
    previous_name = account.name
    if name == previous_name:
        return None
    account.name = name
    account.updated_at = data.updated_at
    await session.flush()
    await audit.record(
        session=session,
        actor_id=data.updated_by,
        action="account.rename",
        entity_type="account",
        entity_id=account.id,
        details={"before": {"name": previous_name}, "after": {"name": name}, "source": "wizard"},
    )
    await outbox.add(
        session,
        AccountRenamed(
            account_id=account.id,
            name=name,
            previous_name=previous_name,
            renamed_by=data.updated_by,
            source="wizard",
        ),
    )
    return account


async def apply_wizard_state(*, session: AsyncSession, data: OnboardingStepCompleted | OnboardingDismissed) -> bool:
    """Copy the user's wizard state when the fact is newer than `users.onboarding_synced_at`. True when applied."""
    result = await session.execute(
        update(User)
        .where(
            User.id == data.user_id,
            or_(User.onboarding_synced_at.is_(None), User.onboarding_synced_at < data.occurred_at),
        )
        .values(
            onboarding_step_completed=data.onboarding_step_completed,
            onboarding_dismissed=data.onboarding_dismissed,
            onboarding_synced_at=data.occurred_at,
        )
        .returning(User.id)
    )
    return result.first() is not None


def build_handlers(outbox: Outbox) -> dict[str, Handler[Any]]:
    """The handlers of onboarding's events; renames publish through `outbox`."""

    async def on_shop_profile_updated(session: AsyncSession, envelope: Envelope, data: ShopProfileUpdated) -> None:
        await apply_shop_profile(session=session, outbox=outbox, data=data)

    async def on_step_completed(session: AsyncSession, envelope: Envelope, data: OnboardingStepCompleted) -> None:
        await apply_wizard_state(session=session, data=data)

    async def on_dismissed(session: AsyncSession, envelope: Envelope, data: OnboardingDismissed) -> None:
        await apply_wizard_state(session=session, data=data)

    return {
        "onboarding.shop_profile.updated": Handler(ShopProfileUpdated, on_shop_profile_updated),
        "onboarding.step.completed": Handler(OnboardingStepCompleted, on_step_completed),
        "onboarding.dismissed": Handler(OnboardingDismissed, on_dismissed),
    }
