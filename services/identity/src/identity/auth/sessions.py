"""Sessions as stored: token pairs whose refresh token is registered in a family, and their revocation.
Used by login, refresh, email verification, password change/reset and OAuth sign-in alike."""

import uuid
from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.auth.models import RefreshToken
from identity.auth.schemas import TokenPair
from identity.signing.tokens import AccessSubject, TokenIssuer, jti_hash
from identity.users.models import User

RevokedReason = Literal["rotated", "logout", "reuse_detected", "password_changed", "admin", "oauth_link"]


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


async def revoke_all_sessions(*, session: AsyncSession, user_id: UUID, reason: RevokedReason, now: datetime) -> int:
    """Revoke every live refresh token of the user; returns how many were live."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def revoke_family(
    *, session: AsyncSession, user_id: UUID, family_id: UUID, reason: RevokedReason, now: datetime
) -> int:
    """Revoke the live refresh tokens of one family of the user; returns how many were live."""
    result = await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.family_id == family_id,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
