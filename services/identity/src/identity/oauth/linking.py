"""Who a verified provider profile signs in as (api.md §3.2 step 4): an identity already linked, an
existing user by email, a teammate joining by invite, or a new shop. One transaction with its events."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import service as accounts
from identity.auth.sessions import revoke_all_sessions
from identity.invites import service as invites
from identity.invites.errors import (
    AccountInviteExpired,
    AccountInviteRevoked,
    AccountInviteUsed,
    InvalidAccountInviteCode,
    InviteEmailMismatch,
)
from identity.oauth.errors import EmailAlreadyRegisteredUseLogin, InviteCodeRequired, InviteInvalidOrExpiredOrRevoked
from identity.oauth.id_tokens import Profile
from identity.registration import events
from identity.registration.service import NEW_USER_ROLE
from identity.runtime_settings import service as runtime_settings
from identity.settings import IdentitySettings
from identity.users import service as users
from identity.users.errors import InactiveUser
from identity.users.models import OAuthIdentity, User
from shared.bus.outbox import Outbox
from shared.events import UserEmailVerified


class ConcurrentSignIn(Exception):
    """A concurrent request created the same user or identity first: start the linking again."""


@dataclass(frozen=True)
class SignedIn:
    user: User
    is_new_user: bool


@dataclass(frozen=True)
class InviteValues:
    code: str | None
    invited_email: str | None


async def _add_identity(session: AsyncSession, *, user_id: uuid.UUID, provider: str, profile: Profile) -> None:
    inserted = await session.scalar(
        insert(OAuthIdentity)
        .values(
            user_id=user_id,
            provider=provider,
            provider_subject=profile.subject,
            provider_email_at_link=profile.email,
        )
        .on_conflict_do_nothing(constraint="uq_oauth_identities_provider_subject")
        .returning(OAuthIdentity.id)
    )
    if inserted is None:
        raise ConcurrentSignIn()


async def _insert_user(session: AsyncSession, values: dict[str, Any]) -> User:
    user_id = await session.scalar(
        insert(User).values(**values).on_conflict_do_nothing(index_elements=[User.email]).returning(User.id)
    )
    if user_id is None:
        raise ConcurrentSignIn()
    return await users.get_or_raise(session=session, user_id=user_id)


def _new_user_values(profile: Profile, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "email": profile.email,
        "password_hash": None,
        "name": profile.name,
        "role": NEW_USER_ROLE,
        "email_verified_at": now,
        "created_at": now,
        "updated_at": now,
    }


async def _link(
    session: AsyncSession, outbox: Outbox, *, user: User, provider: str, profile: Profile, now: datetime
) -> None:
    """Link the identity to an existing user. Whoever registered an address first without proving it
    loses the password and sessions: the provider just proved the mailbox belongs to someone else."""
    await _add_identity(session, user_id=user.id, provider=provider, profile=profile)
    if user.email_verified_at is not None:
        return
    user.password_hash = None
    user.email_verified_at = now
    await revoke_all_sessions(session=session, user_id=user.id, reason="oauth_link", now=now)
    await outbox.add(
        session,
        UserEmailVerified(
            user_id=user.id, account_id=user.account_id, email=user.email, email_verified_at=now, method="oauth_link"
        ),
    )


async def _join(
    session: AsyncSession, outbox: Outbox, *, invite: InviteValues, provider: str, profile: Profile, now: datetime
) -> User:
    assert invite.code is not None
    try:
        found = await invites.lock_usable_account_invite(
            session=session, code=invite.code, email=profile.email, now=now
        )
    except (InvalidAccountInviteCode, AccountInviteUsed, AccountInviteRevoked, AccountInviteExpired):
        raise InviteInvalidOrExpiredOrRevoked() from None
    if invite.invited_email is not None and invite.invited_email.lower() != found.email.lower():
        raise InviteEmailMismatch()
    user = await _insert_user(
        session, {**_new_user_values(profile, now), "account_id": found.account_id, "account_role": found.role}
    )
    await _add_identity(session, user_id=user.id, provider=provider, profile=profile)
    invites.mark_account_invite_accepted(found, user_id=user.id, now=now)
    await session.flush()
    await outbox.add(session, events.user_registered(user, found).model_copy(update={"method": provider}))
    await outbox.add(session, events.invite_accepted(found, user).model_copy(update={"method": provider}))
    return user


async def _new_shop(
    session: AsyncSession,
    outbox: Outbox,
    *,
    settings: IdentitySettings,
    provider: str,
    profile: Profile,
    now: datetime,
) -> User:
    values = await runtime_settings.current(session=session, settings=settings)
    if values.invite_code_required_for(profile.email):
        raise InviteCodeRequired()
    user_values = _new_user_values(profile, now)
    account = await accounts.create_account(
        session=session, name=accounts.account_name_for(profile.name), owner_id=user_values["id"], now=now
    )
    user = await _insert_user(session, {**user_values, "account_id": account.id, "account_role": "owner"})
    await _add_identity(session, user_id=user.id, provider=provider, profile=profile)
    await outbox.add(
        session, events.account_created(account, user, None).model_copy(update={"signup_method": provider})
    )
    await outbox.add(session, events.user_registered(user, None).model_copy(update={"method": provider}))
    return user


async def sign_in(
    *,
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    provider: str,
    profile: Profile,
    invite: InviteValues,
    now: datetime,
) -> SignedIn:
    """The linking table of api.md §3.2, in order; an inactive user is refused before anything is written."""
    linked = await session.scalar(
        select(OAuthIdentity.user_id).where(
            OAuthIdentity.provider == provider, OAuthIdentity.provider_subject == profile.subject
        )
    )
    if linked is not None:
        user = await users.get_or_raise(session=session, user_id=linked)
        if not user.is_active:
            raise InactiveUser()
        return SignedIn(user=user, is_new_user=False)

    existing = await session.scalar(select(User).where(User.email == profile.email).with_for_update())
    if existing is not None:
        if invite.code:
            raise EmailAlreadyRegisteredUseLogin()
        if not existing.is_active:
            raise InactiveUser()
        await _link(session, outbox, user=existing, provider=provider, profile=profile, now=now)
        return SignedIn(user=existing, is_new_user=False)

    if invite.code:
        user = await _join(session, outbox, invite=invite, provider=provider, profile=profile, now=now)
    else:
        user = await _new_shop(session, outbox, settings=settings, provider=provider, profile=profile, now=now)
    return SignedIn(user=user, is_new_user=True)
