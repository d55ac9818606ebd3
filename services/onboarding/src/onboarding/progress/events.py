"""Handlers of the events onboarding consumes (events.md §4)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onboarding.progress import service
from shared.bus.consumer import Handler
from shared.events import AccountCreated, Envelope, UserRegistered


async def on_account_created(session: AsyncSession, event: Envelope, data: AccountCreated) -> None:
    await service.record_account(session=session, account_id=data.account_id, company_name=data.name)


async def on_user_registered(session: AsyncSession, event: Envelope, data: UserRegistered) -> None:
    await service.record_user(
        session=session,
        user_id=data.user_id,
        account_id=data.account_id,
        joined_existing_account=data.joined_existing_account,
        email_verified_at=data.email_verified_at,
        user_created_at=data.created_at,
        now=event.occurred_at,
    )


HANDLERS: dict[str, Handler[Any]] = {
    "identity.account.created": Handler(AccountCreated, on_account_created),
    "identity.user.registered": Handler(UserRegistered, on_user_registered),
}
