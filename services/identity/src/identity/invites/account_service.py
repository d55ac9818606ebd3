"""Teammate invites into an account (api.md §3.5): created, listed, revoked and resent by the owner,
looked up publicly by code. Every lookup by id is scoped to the owner's account, so another account's
invite answers like an unknown one."""

import secrets
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import members
from identity.accounts import service as accounts
from identity.accounts.errors import NotOwner
from identity.audit import service as audit
from identity.invites import account_events as events
from identity.invites.account_schemas import (
    DEFAULT_EXPIRES_IN_DAYS,
    AccountInviteResponse,
    BulkInviteFailure,
    CreateInviteRequest,
    InviteLookupResponse,
    InviteStatus,
)
from identity.invites.errors import (
    AccountInviteNotFound,
    AlreadyMember,
    CannotResendAccepted,
    CannotResendRevoked,
    CannotRevokeAccepted,
    InviteUnavailable,
)
from identity.invites.models import AccountInvite
from identity.users.models import User
from shared.bus.outbox import Outbox

CODE_BYTES = 16  # token_urlsafe(16) is 22 characters


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def accept_url(frontend_url: str, code: str) -> str:
    return f"{frontend_url.rstrip('/')}/accept-invite?code={code}"


def status_of(invite: AccountInvite, now: datetime) -> InviteStatus:
    if invite.accepted_by_id is not None:
        return "accepted"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at is not None and invite.expires_at < now:
        return "expired"
    return "pending"


def to_response(invite: AccountInvite, now: datetime) -> AccountInviteResponse:
    return AccountInviteResponse(
        id=invite.id,
        account_id=invite.account_id,
        invited_by_id=invite.invited_by_id,
        email=invite.email,
        code=invite.code,
        role=invite.role,
        expires_at=invite.expires_at,
        created_at=invite.created_at,
        used_at=invite.used_at,
        accepted_by_id=invite.accepted_by_id,
        revoked_at=invite.revoked_at,
        email_sent_at=invite.email_sent_at,
        status=status_of(invite, now),
    )


def _require_owner(actor: User) -> None:
    if actor.account_role != "owner":
        raise NotOwner()


async def _insert(
    *, session: AsyncSession, actor: User, email: str, role: str, lifetime: timedelta, now: datetime
) -> AccountInvite:
    invite = AccountInvite(
        account_id=actor.account_id,
        invited_by_id=actor.id,
        email=email,
        code=new_code(),
        role=role,
        expires_at=now + lifetime,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session=session,
        actor_id=actor.id,
        action="account_invite.create",
        entity_type="account_invite",
        entity_id=invite.id,
        details={"account_id": str(actor.account_id), "email": email, "role": role},
    )
    return invite


async def _create_one(
    *,
    session: AsyncSession,
    outbox: Outbox,
    actor: User,
    request: CreateInviteRequest,
    frontend_url: str,
    now: datetime,
    via: Literal["single", "bulk"],
) -> AccountInvite:
    account = await accounts.get_or_raise(session=session, account_id=actor.account_id)
    invite = await _insert(
        session=session,
        actor=actor,
        email=request.email,
        role=request.role,
        lifetime=timedelta(days=request.expires_in_days),
        now=now,
    )
    url = accept_url(frontend_url, invite.code)
    await outbox.add(session, events.invite_created(invite, account=account, inviter=actor, url=url, via=via))
    return invite


async def create_invite(
    *,
    session: AsyncSession,
    outbox: Outbox,
    actor: User,
    request: CreateInviteRequest,
    frontend_url: str,
    now: datetime,
) -> AccountInvite:
    """One invite; 409 `already_member` when the email already belongs to this account."""
    _require_owner(actor)
    if await members.is_member(session=session, account_id=actor.account_id, email=request.email):
        raise AlreadyMember()
    return await _create_one(
        session=session, outbox=outbox, actor=actor, request=request, frontend_url=frontend_url, now=now, via="single"
    )


async def create_bulk(
    *,
    session: AsyncSession,
    outbox: Outbox,
    actor: User,
    requests: list[CreateInviteRequest],
    frontend_url: str,
    now: datetime,
) -> tuple[list[AccountInvite], list[BulkInviteFailure]]:
    """Each row is created unless its email is already a member or appeared earlier in the request."""
    _require_owner(actor)
    created: list[AccountInvite] = []
    failed: list[BulkInviteFailure] = []
    seen: set[str] = set()
    for request in requests:
        if request.email in seen:
            failed.append(BulkInviteFailure(email=request.email, error="duplicate_in_request"))
            continue
        seen.add(request.email)
        if await members.is_member(session=session, account_id=actor.account_id, email=request.email):
            failed.append(BulkInviteFailure(email=request.email, error="already_member"))
            continue
        created.append(
            await _create_one(
                session=session,
                outbox=outbox,
                actor=actor,
                request=request,
                frontend_url=frontend_url,
                now=now,
                via="bulk",
            )
        )
    return created, failed


async def list_invites(*, session: AsyncSession, actor: User) -> list[AccountInvite]:
    """The account's invites, newest first."""
    _require_owner(actor)
    rows = await session.scalars(
        select(AccountInvite)
        .where(AccountInvite.account_id == actor.account_id)
        .order_by(AccountInvite.created_at.desc(), AccountInvite.id.desc())
    )
    return list(rows.all())


async def _lock_own_invite(*, session: AsyncSession, actor: User, invite_id: UUID) -> AccountInvite:
    invite = await session.scalar(
        select(AccountInvite)
        .where(AccountInvite.id == invite_id, AccountInvite.account_id == actor.account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if invite is None:
        raise AccountInviteNotFound()
    return invite


async def revoke_invite(*, session: AsyncSession, outbox: Outbox, actor: User, invite_id: UUID, now: datetime) -> None:
    """Soft-revoke; revoking an already revoked invite changes nothing and publishes nothing."""
    _require_owner(actor)
    invite = await _lock_own_invite(session=session, actor=actor, invite_id=invite_id)
    if invite.accepted_by_id is not None:
        raise CannotRevokeAccepted()
    if invite.revoked_at is not None:
        return
    invite.revoked_at = now
    await session.flush()
    await audit.record(
        session=session,
        actor_id=actor.id,
        action="account_invite.revoke",
        entity_type="account_invite",
        entity_id=invite.id,
        details={"account_id": str(invite.account_id), "email": invite.email},
    )
    await outbox.add(session, events.invite_revoked(invite, revoked_by=actor, reason="revoked"))


async def resend_invite(
    *, session: AsyncSession, outbox: Outbox, actor: User, invite_id: UUID, frontend_url: str, now: datetime
) -> AccountInvite:
    """A new invite (new code, fresh expiry of the old one's lifetime) for the same email and role; the
    old one is soft-revoked."""
    _require_owner(actor)
    old = await _lock_own_invite(session=session, actor=actor, invite_id=invite_id)
    if old.accepted_by_id is not None:
        raise CannotResendAccepted()
    if old.revoked_at is not None:
        raise CannotResendRevoked()
    if await members.is_member(session=session, account_id=actor.account_id, email=old.email):
        raise AlreadyMember()
    lifetime = (
        old.expires_at - old.created_at
        if old.expires_at is not None and old.expires_at > old.created_at
        else timedelta(days=DEFAULT_EXPIRES_IN_DAYS)
    )
    old.revoked_at = now
    account = await accounts.get_or_raise(session=session, account_id=actor.account_id)
    new = await _insert(session=session, actor=actor, email=old.email, role=old.role, lifetime=lifetime, now=now)
    await audit.record(
        session=session,
        actor_id=actor.id,
        action="account_invite.resend",
        entity_type="account_invite",
        entity_id=old.id,
        details={"account_id": str(old.account_id), "email": old.email, "new_invite_id": str(new.id)},
    )
    url = accept_url(frontend_url, new.code)
    await outbox.add(session, events.invite_revoked(old, revoked_by=actor, reason="resent"))
    await outbox.add(session, events.invite_resent(new, previous=old, account=account, inviter=actor, url=url))
    return new


async def lookup(*, session: AsyncSession, code: str, now: datetime) -> InviteLookupResponse:
    """What the accept page shows for a pending invite; one 404 for every other case."""
    found = (
        await session.execute(
            select(AccountInvite, User.name)
            .join(User, User.id == AccountInvite.invited_by_id)
            .where(AccountInvite.code == code)
        )
    ).first()
    if found is None:
        raise InviteUnavailable()
    invite, inviter_name = found
    if status_of(invite, now) != "pending":
        raise InviteUnavailable()
    account = await accounts.get_or_raise(session=session, account_id=invite.account_id)
    return InviteLookupResponse(
        account_name=account.name, inviter_name=inviter_name, invited_email=invite.email, role=invite.role
    )


async def mark_email_sent(*, session: AsyncSession, invite_id: UUID, sent_at: datetime) -> None:
    """Record the first delivery of an invite's email; later sends (resends go to new invites) keep it."""
    await session.execute(
        update(AccountInvite)
        .where(AccountInvite.id == invite_id, AccountInvite.email_sent_at.is_(None))
        .values(email_sent_at=sent_at)
    )
