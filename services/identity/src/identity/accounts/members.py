"""Members of an account: the list, role changes by the owner, and the transfer of ownership.

Every lookup of a member is scoped to the actor's own account, so another account's user is
indistinguishable from an unknown id."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import events
from identity.accounts import service as accounts
from identity.accounts.errors import (
    AlreadyOwner,
    InactiveNewOwner,
    IncorrectPassword,
    MemberNotFound,
    NotOwner,
    UseTransferOwnership,
)
from identity.accounts.models import Account
from identity.accounts.schemas import MemberResponse
from identity.audit import service as audit
from identity.auth.passwords import verify_password
from identity.users.models import User
from shared.bus.outbox import Outbox


def to_response(user: User) -> MemberResponse:
    return MemberResponse(
        id=user.id,
        email=user.email,
        name=user.name,
        account_role=user.account_role,
        is_active=user.is_active,
        email_verified_at=user.email_verified_at,
        created_at=user.created_at,
    )


async def list_members(*, session: AsyncSession, account_id: UUID) -> list[User]:
    rows = await session.scalars(select(User).where(User.account_id == account_id).order_by(User.created_at, User.id))
    return list(rows.all())


async def is_member(*, session: AsyncSession, account_id: UUID, email: str) -> bool:
    found = await session.scalar(select(User.id).where(User.account_id == account_id, User.email == email.lower()))
    return found is not None


async def _lock_member(*, session: AsyncSession, account_id: UUID, user_id: UUID) -> User:
    """A user of `account_id`, locked and re-read; 404 for an unknown id or another account's user."""
    user = await session.scalar(
        select(User)
        .where(User.id == user_id, User.account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise MemberNotFound()
    return user


async def _lock_owner(*, session: AsyncSession, actor: User) -> tuple[Account, User]:
    """The actor's account and the actor re-read under lock, when the actor owns it; else 403."""
    if actor.account_role != "owner":
        raise NotOwner()
    account = await accounts.lock_or_raise(session=session, account_id=actor.account_id)
    owner = await _lock_member(session=session, account_id=account.id, user_id=actor.id)
    if owner.account_role != "owner" or account.owner_id != owner.id:
        raise NotOwner()
    return account, owner


async def change_role(*, session: AsyncSession, actor: User, user_id: UUID, account_role: str, now: datetime) -> User:
    """The owner sets a member's role (admin, engineer, viewer); ownership moves only by transfer."""
    account, _ = await _lock_owner(session=session, actor=actor)
    member = await _lock_member(session=session, account_id=account.id, user_id=user_id)
    if member.account_role == "owner" or account_role == "owner":
        raise UseTransferOwnership()
    previous_role = member.account_role
    if previous_role == account_role:
        return member
    member.account_role = account_role
    member.updated_at = now
    await session.flush()
    await audit.record(
        session=session,
        actor_id=actor.id,
        action="account.member_role_change",
        entity_type="user",
        entity_id=member.id,
        details={
            "account_id": str(account.id),
            "before": {"account_role": previous_role},
            "after": {"account_role": account_role},
        },
    )
    return member


async def transfer_ownership(
    *,
    session: AsyncSession,
    outbox: Outbox,
    actor: User,
    new_owner_id: UUID,
    password: str | None,
    now: datetime,
) -> Account:
    """The owner hands the account to another active member and becomes an admin. The owner's password
    is required when they have one (an OAuth-only owner sends none)."""
    account, owner = await _lock_owner(session=session, actor=actor)
    if new_owner_id == owner.id:
        raise AlreadyOwner()
    new_owner = await _lock_member(session=session, account_id=account.id, user_id=new_owner_id)
    if owner.password_hash is not None and not await verify_password(owner.password_hash, password or ""):
        raise IncorrectPassword()
    if not new_owner.is_active:
        raise InactiveNewOwner()
    new_owner_previous_role = new_owner.account_role
    account.owner_id = new_owner.id
    account.updated_at = now
    new_owner.account_role = "owner"
    new_owner.updated_at = now
    owner.account_role = "admin"
    owner.updated_at = now
    await session.flush()
    await audit.record(
        session=session,
        actor_id=owner.id,
        action="account.transfer_ownership",
        entity_type="account",
        entity_id=account.id,
        details={
            "before": {"owner_id": str(owner.id), "new_owner_role": new_owner_previous_role},
            "after": {"owner_id": str(new_owner.id), "previous_owner_role": "admin"},
        },
    )
    await outbox.add(session, events.ownership_transferred(account, previous_owner=owner, new_owner=new_owner))
    return account
