"""Sessions: password login with lockout, refresh rotation with reuse detection, logout, password change,
and email verification (resend, and use that answers with fresh tokens)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.auth import lockout
from identity.auth.errors import (
    EmailAlreadyVerified,
    IncorrectCredentials,
    IncorrectCurrentPassword,
    InvalidRefreshToken,
    InvalidVerificationToken,
    RefreshTokenReused,
    RefreshTokenRevoked,
    UseOAuthProvider,
)
from identity.auth.models import EmailVerificationToken, RefreshToken
from identity.auth.passwords import hash_password, needs_rehash, verify_password
from identity.auth.schemas import TokenPair, VerifyEmailResponse
from identity.auth.sessions import issue_pair, revoke_all_sessions, revoke_family
from identity.auth.verification import request_verification, secret_hash
from identity.signing.tokens import TokenIssuer, jti_hash
from identity.users import service as users
from identity.users.errors import InactiveUser
from identity.users.models import User
from shared.auth import InvalidCredentials, InvalidToken, TokenVerifier
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.db import SessionFactory, transaction
from shared.errors import ApiError
from shared.events import UserEmailVerified


async def login(*, factory: SessionFactory, issuer: TokenIssuer, clock: Clock, email: str, password: str) -> TokenPair:
    """api.md §3.1 login, rules in order: lockout, OAuth-only user, credentials, inactive user.
    A failure is committed before the error is raised, so it counts even though the request fails."""
    email = email.strip().lower()
    now = clock.now()
    async with transaction(factory) as session:
        await lockout.refuse_if_locked(session=session, email=email, now=now)
        user = await users.find_by_email(session=session, email=email)
        if user is not None and user.password_hash is None:
            raise UseOAuthProvider(await users.oauth_providers(session=session, user_id=user.id))
    matches = await verify_password(user.password_hash if user else None, password)
    if user is None or not matches:
        async with transaction(factory) as session:
            await lockout.record_failure(session=session, email=email, now=now)
        raise IncorrectCredentials()
    assert user.password_hash is not None  # a user without one was refused above
    upgraded = await hash_password(password) if needs_rehash(user.password_hash) else None
    async with transaction(factory) as session:
        current = await session.get(User, user.id, with_for_update=True)
        if current is None:
            raise IncorrectCredentials()
        if not current.is_active:
            raise InactiveUser()
        await lockout.reset(session=session, email=email)
        if upgraded is not None and current.password_hash == user.password_hash:
            current.password_hash = upgraded
        pair, _ = await issue_pair(session=session, issuer=issuer, user=current)
    return pair


async def _rotate(
    *, session: AsyncSession, issuer: TokenIssuer, claims: dict[str, Any], now: datetime
) -> TokenPair | ApiError:
    """The rotation itself; an error that must keep its writes (reuse) is returned, not raised."""
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == jti_hash(str(claims.get("jti")))).with_for_update()
    )
    if row is None or str(row.user_id) != str(claims.get("sub")):
        raise InvalidRefreshToken()
    if row.revoked_at is not None:
        if row.revoked_reason != "rotated":
            raise RefreshTokenRevoked()
        # a rotated token came back: someone holds a copy, so the whole family dies
        await revoke_family(
            session=session, user_id=row.user_id, family_id=row.family_id, reason="reuse_detected", now=now
        )
        return RefreshTokenReused()
    if row.expires_at <= now:
        raise InvalidRefreshToken()
    user = await session.get(User, row.user_id)
    if user is None:
        raise InvalidRefreshToken()
    if not user.is_active:
        raise InactiveUser()
    pair, successor = await issue_pair(session=session, issuer=issuer, user=user, family_id=row.family_id)
    row.revoked_at = now
    row.revoked_reason = "rotated"
    row.replaced_by_id = successor.id
    return pair


async def refresh(*, factory: SessionFactory, issuer: TokenIssuer, verifier: TokenVerifier, token: str) -> TokenPair:
    """Single-use rotation within the token's family; claims of the new access token are read fresh."""
    try:
        claims = await verifier.verify(token, "refresh")
    except InvalidToken:
        raise InvalidRefreshToken() from None
    async with transaction(factory) as session:
        outcome = await _rotate(session=session, issuer=issuer, claims=claims, now=issuer.clock.now())
    if isinstance(outcome, ApiError):
        raise outcome
    return outcome


async def verify_email(
    *, session: AsyncSession, outbox: Outbox, issuer: TokenIssuer, secret: str, now: datetime
) -> VerifyEmailResponse:
    """Use the emailed token, stamp the user verified (announcing it only the first time), and answer
    with a new token family whose claims already carry the verification."""
    token = await session.scalar(
        select(EmailVerificationToken).where(EmailVerificationToken.token_hash == secret_hash(secret)).with_for_update()
    )
    if token is None or token.used_at is not None or token.expires_at <= now:
        raise InvalidVerificationToken()
    user = await session.get(User, token.user_id, with_for_update=True)
    if user is None:
        raise InvalidVerificationToken()
    if not user.is_active:
        raise InactiveUser()
    token.used_at = now
    already_verified = user.email_verified_at is not None
    if user.email_verified_at is None:
        user.email_verified_at = now
        await outbox.add(
            session,
            UserEmailVerified(
                user_id=user.id,
                account_id=user.account_id,
                email=user.email,
                email_verified_at=now,
                method="link",
            ),
        )
    pair, _ = await issue_pair(session=session, issuer=issuer, user=user)
    return VerifyEmailResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        email_verified_at=user.email_verified_at.isoformat(),
        already_verified=already_verified,
    )


async def _family_of(
    *, session: AsyncSession, verifier: TokenVerifier, user_id: UUID, refresh_token: str
) -> UUID | None:
    """The family of `refresh_token` when it is a refresh token of `user_id`, else None."""
    try:
        claims = await verifier.verify(refresh_token, "refresh")
    except InvalidToken:
        return None
    row = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == jti_hash(str(claims.get("jti")))))
    if row is None or row.user_id != user_id:
        return None
    return row.family_id


async def logout(
    *, session: AsyncSession, verifier: TokenVerifier, user_id: UUID, refresh_token: str | None, now: datetime
) -> None:
    """End the session of `refresh_token` (its whole family) when it is the caller's; without one, or
    with one that is not the caller's, end every session of the caller. Access tokens live on until expiry."""
    family_id = None
    if refresh_token:
        family_id = await _family_of(session=session, verifier=verifier, user_id=user_id, refresh_token=refresh_token)
    if family_id is not None:
        await revoke_family(session=session, user_id=user_id, family_id=family_id, reason="logout", now=now)
    else:
        await revoke_all_sessions(session=session, user_id=user_id, reason="logout", now=now)


async def change_password(
    *,
    factory: SessionFactory,
    issuer: TokenIssuer,
    user_id: UUID,
    current_password: str,
    new_password: str,
) -> TokenPair:
    """Replace the password after checking the current one; every older session ends and a new family
    is answered. A wrong current password counts towards the login lockout of the user's email (committed
    before the error), so a stolen access token cannot be used to guess the password without limit."""
    now = issuer.clock.now()
    async with transaction(factory) as session:
        user = await users.token_holder(session=session, user_id=user_id)
        if user.password_hash is None:
            raise UseOAuthProvider(await users.oauth_providers(session=session, user_id=user.id))
        await lockout.refuse_if_locked(session=session, email=user.email, now=now)
        email, checked_hash = user.email, user.password_hash
    if not await verify_password(checked_hash, current_password):
        async with transaction(factory) as session:
            await lockout.record_failure(session=session, email=email, now=now)
        raise IncorrectCurrentPassword()
    new_hash = await hash_password(new_password)
    async with transaction(factory) as session:
        current = await session.get(User, user_id, with_for_update=True)
        if current is None:
            raise InvalidCredentials()
        if not current.is_active:
            raise InactiveUser()
        if current.password_hash != checked_hash:
            # changed or reset by another request since it was checked: the given password is stale
            raise IncorrectCurrentPassword()
        current.password_hash = new_hash
        await revoke_all_sessions(session=session, user_id=user_id, reason="password_changed", now=now)
        await lockout.reset(session=session, email=email)
        pair, _ = await issue_pair(session=session, issuer=issuer, user=current)
    return pair


async def resend_verification(
    *, session: AsyncSession, outbox: Outbox, user_id: UUID, frontend_url: str, now: datetime
) -> None:
    """A new verification token and its email; earlier unused tokens stay valid until they expire."""
    user = await users.token_holder(session=session, user_id=user_id)
    if user.email_verified_at is not None:
        raise EmailAlreadyVerified()
    await request_verification(
        session=session, outbox=outbox, user=user, frontend_url=frontend_url, now=now, reason="resend"
    )
