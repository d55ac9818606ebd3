"""Email-verification tokens: an opaque secret is emailed, only its SHA-256 is stored."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from identity.auth.models import EmailVerificationToken
from identity.users.models import User
from shared.bus.outbox import Outbox
from shared.events import EmailVerificationRequested

VERIFICATION_LIFETIME = timedelta(hours=24)
TOKEN_BYTES = 32  # 256 bits


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def verification_url(frontend_url: str, secret: str) -> str:
    return f"{frontend_url.rstrip('/')}/verify-email?token={quote(secret)}"


async def request_verification(
    *,
    session: AsyncSession,
    outbox: Outbox,
    user: User,
    frontend_url: str,
    now: datetime,
    reason: Literal["register", "resend"],
) -> EmailVerificationToken:
    """A new single-use token (24 h) and the event asking for its email, in the caller's transaction."""
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    token = EmailVerificationToken(
        user_id=user.id, token_hash=secret_hash(secret), expires_at=now + VERIFICATION_LIFETIME
    )
    session.add(token)
    await session.flush()
    await outbox.add(
        session,
        EmailVerificationRequested(
            user_id=user.id,
            email=user.email,
            name=user.name,
            verification_url=verification_url(frontend_url, secret),
            expires_at=token.expires_at,
            reason=reason,
        ),
    )
    return token
