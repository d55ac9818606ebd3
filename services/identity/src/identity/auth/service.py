"""Sessions: password login with lockout, token pairs registered by family, refresh rotation with reuse
detection, and email verification that answers with fresh tokens."""

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.auth import lockout
from identity.auth.errors import (
    IncorrectCredentials,
    InvalidRefreshToken,
    InvalidVerificationToken,
    RefreshTokenReused,
    RefreshTokenRevoked,
    UseOAuthProvider,
)
from identity.auth.models import EmailVerificationToken, RefreshToken
from identity.auth.passwords import verify_password
from identity.auth.schemas import TokenPair, VerifyEmailResponse
from identity.auth.verification import secret_hash
from identity.signing.tokens import AccessSubject, TokenIssuer, jti_hash
from identity.users import service as users
from identity.users.errors import InactiveUser
from identity.users.models import User
from shared.auth import InvalidToken, TokenVerifier
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.db import SessionFactory, transaction
from shared.errors import ApiError
from shared.events import UserEmailVerified


def subject_of(user: User) -> AccessSubject:
    return AccessSubject(
        user_id=user.id,
        account_id=user.account_id,
        account_role=user.account_role,
        is_super_admin=user.is_super_admin,
        email_verified_at=user.email_verified_at,
        user_created_at=user.created_at,
    )


async def issue_pair(
    *, session: AsyncSession, issuer: TokenIssuer, user: User, family_id: UUID | None = None
) -> tuple[TokenPair, RefreshToken]:
    """Access + refresh token for `user`; the refresh token is registered (new family unless given)."""
    refresh = issuer.refresh_token(user.id)
    row = RefreshToken(
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        token_hash=jti_hash(refresh.jti),
        expires_at=refresh.expires_at,
        created_at=issuer.clock.now(),
    )
    session.add(row)
    await session.flush()
    pair = TokenPair(access_token=issuer.access_token(subject_of(user)), refresh_token=refresh.token)
    return pair, row


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
    async with transaction(factory) as session:
        current = await session.get(User, user.id)
        if current is None:
            raise IncorrectCredentials()
        if not current.is_active:
            raise InactiveUser()
        await lockout.reset(session=session, email=email)
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
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == row.family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="reuse_detected")
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
