"""Platform invite codes and account invites, as registration redeems them."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.invites.errors import (
    AccountInviteExpired,
    AccountInviteRevoked,
    AccountInviteUsed,
    InvalidAccountInviteCode,
    InvalidInviteCode,
    InviteCodeExpired,
    InviteCodeUsed,
    InviteEmailMismatch,
)
from identity.invites.models import AccountInvite, InviteCode


async def lock_usable_platform_code(*, session: AsyncSession, code: str, now: datetime) -> InviteCode:
    """The platform code, locked for this transaction so two signups cannot both use it; or the
    api.md error (unknown or deactivated, used, expired — in that order)."""
    invite = await session.scalar(select(InviteCode).where(InviteCode.code == code.strip().upper()).with_for_update())
    if invite is None or not invite.is_active:
        raise InvalidInviteCode()
    if invite.used_at is not None or invite.used_by is not None:
        raise InviteCodeUsed()
    if invite.expires_at is not None and invite.expires_at <= now:
        raise InviteCodeExpired()
    return invite


def mark_platform_code_used(invite: InviteCode, *, user_id: UUID, now: datetime) -> None:
    invite.used_by = user_id
    invite.used_at = now


async def lock_usable_account_invite(*, session: AsyncSession, code: str, email: str, now: datetime) -> AccountInvite:
    """The teammate invite, locked for this transaction; or the api.md error for its state."""
    invite = await session.scalar(select(AccountInvite).where(AccountInvite.code == code.strip()).with_for_update())
    if invite is None:
        raise InvalidAccountInviteCode()
    if invite.accepted_by_id is not None:
        raise AccountInviteUsed()
    if invite.revoked_at is not None:
        raise AccountInviteRevoked()
    if invite.expires_at is not None and invite.expires_at < now:
        raise AccountInviteExpired()
    if invite.email.lower() != email.lower():
        raise InviteEmailMismatch()
    return invite


def mark_account_invite_accepted(invite: AccountInvite, *, user_id: UUID, now: datetime) -> None:
    invite.used_at = now
    invite.accepted_by_id = user_id
