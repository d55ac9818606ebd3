"""Accounts (tenants): creation with a unique display code, lookups, and renaming by its owner or an admin."""

import secrets
import string
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import events
from identity.accounts.errors import AccountNotFound, NotOwnerOrAdmin
from identity.accounts.models import Account
from identity.accounts.schemas import AccountResponse, InternalAccount
from identity.audit import service as audit
from identity.users.models import User
from shared.bus.outbox import Outbox

DISPLAY_CODE_ALPHABET = string.ascii_uppercase + string.digits
DISPLAY_CODE_LENGTH = 8
DISPLAY_CODE_TRIES = 10


def new_display_code() -> str:
    return "".join(secrets.choice(DISPLAY_CODE_ALPHABET) for _ in range(DISPLAY_CODE_LENGTH))


def account_name_for(owner_name: str) -> str:
    return f"{owner_name}'s Account"[:255]


async def create_account(*, session: AsyncSession, name: str, owner_id: UUID, now: datetime) -> Account:
    """Insert an account owned by `owner_id` (the user may be inserted later in the same transaction);
    a display code that collides with an existing one is drawn again."""
    for _ in range(DISPLAY_CODE_TRIES):
        account_id = await session.scalar(
            insert(Account)
            .values(name=name, display_code=new_display_code(), owner_id=owner_id, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[Account.display_code])
            .returning(Account.id)
        )
        if account_id is not None:
            return await get_or_raise(session=session, account_id=account_id)
    raise RuntimeError(f"no free display code after {DISPLAY_CODE_TRIES} draws")


async def get_or_raise(*, session: AsyncSession, account_id: UUID) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise AccountNotFound()
    return account


async def internal_view(*, session: AsyncSession, account_id: UUID) -> InternalAccount:
    account = await get_or_raise(session=session, account_id=account_id)
    owner_email = (
        await session.scalar(select(User.email).where(User.id == account.owner_id)) if account.owner_id else None
    )
    members = await session.scalar(select(func.count()).select_from(User).where(User.account_id == account.id))
    return InternalAccount(
        id=account.id,
        name=account.name,
        display_code=account.display_code,
        owner_id=account.owner_id,
        owner_email=owner_email,
        member_count=members or 0,
        created_at=account.created_at,
    )


async def lock_or_raise(*, session: AsyncSession, account_id: UUID) -> Account:
    """The account, locked for this transaction (changes to it and its members serialise here)."""
    account = await session.scalar(
        select(Account).where(Account.id == account_id).with_for_update().execution_options(populate_existing=True)
    )
    if account is None:
        raise AccountNotFound()
    return account


def to_response(account: Account) -> AccountResponse:
    return AccountResponse(
        id=account.id,
        name=account.name,
        display_code=account.display_code,
        owner_id=account.owner_id,
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


async def rename(*, session: AsyncSession, outbox: Outbox, actor: User, name: str, now: datetime) -> Account:
    """Rename the actor's account (owner or admin); audited and announced only when the name changes."""
    if actor.account_role not in ("owner", "admin"):
        raise NotOwnerOrAdmin()
    account = await lock_or_raise(session=session, account_id=actor.account_id)
    previous_name = account.name
    if name == previous_name:
        return account
    account.name = name
    account.updated_at = now
    await session.flush()
    await audit.record(
        session=session,
        actor_id=actor.id,
        action="account.rename",
        entity_type="account",
        entity_id=account.id,
        details={"before": {"name": previous_name}, "after": {"name": name}},
    )
    await outbox.add(session, events.account_renamed(account, previous_name=previous_name, renamed_by=actor))
    return account
