"""Password reset (api.md §3.1): an opaque single-use secret (1 h) is emailed, only its SHA-256 is stored;
using it replaces the password, ends every session and proves the mailbox."""

import asyncio
import secrets
import time
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.auth import lockout
from identity.auth.errors import InvalidResetToken, UseOAuthProvider
from identity.auth.models import PasswordResetToken
from identity.auth.passwords import hash_password
from identity.auth.sessions import revoke_all_sessions
from identity.auth.verification import TOKEN_BYTES, secret_hash
from identity.users import service as users
from identity.users.errors import InactiveUser
from identity.users.models import User
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.db import SessionFactory, transaction
from shared.events import PasswordResetRequested, UserEmailVerified

RESET_LIFETIME = timedelta(hours=1)
# Every answer to "forgot" takes at least this long, so whether a reset was written (and its commit) cannot
# be told from the response time; the real work is a lookup and two inserts, far below it.
FORGOT_ANSWER_FLOOR_SECONDS = 0.25


def reset_url(frontend_url: str, secret: str) -> str:
    return f"{frontend_url.rstrip('/')}/reset-password?token={quote(secret)}"


async def answer_no_sooner_than(started: float, floor_seconds: float) -> None:
    """Wait out what is left of `floor_seconds` since `started` (a `time.monotonic()` reading)."""
    remaining = floor_seconds - (time.monotonic() - started)
    if remaining > 0:
        await asyncio.sleep(remaining)


async def request_reset(
    *, factory: SessionFactory, outbox: Outbox, clock: Clock, frontend_url: str, email: str
) -> None:
    """A reset token and its email for an existing, active user with a password; for anyone else nothing.
    Earlier unused tokens stay valid until used, expired, or another one is used."""
    started = time.monotonic()
    now = clock.now()
    async with transaction(factory) as session:
        user = await users.find_by_email(session=session, email=email)
        if user is not None and user.is_active and user.password_hash is not None:
            secret = secrets.token_urlsafe(TOKEN_BYTES)
            token = PasswordResetToken(
                user_id=user.id, token_hash=secret_hash(secret), expires_at=now + RESET_LIFETIME, created_at=now
            )
            session.add(token)
            await session.flush()
            await outbox.add(
                session,
                PasswordResetRequested(
                    user_id=user.id,
                    email=user.email,
                    name=user.name,
                    reset_url=reset_url(frontend_url, secret),
                    expires_at=token.expires_at,
                ),
            )
    await answer_no_sooner_than(started, FORGOT_ANSWER_FLOOR_SECONDS)


async def _usable_token(session: AsyncSession, secret: str, now: datetime) -> PasswordResetToken:
    token = await session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == secret_hash(secret)).with_for_update()
    )
    if token is None or token.used_at is not None or token.expires_at <= now:
        raise InvalidResetToken()
    return token


async def reset_password(
    *, session: AsyncSession, outbox: Outbox, secret: str, new_password: str, now: datetime
) -> None:
    """Replace the password of the token's user, in the caller's transaction: the token and every other
    unused reset token of the user are spent, every refresh token revoked, and the email marked verified."""
    new_hash = await hash_password(new_password)  # before any row is locked
    token = await _usable_token(session, secret, now)
    user = await session.get(User, token.user_id, with_for_update=True)
    if user is None:
        raise InvalidResetToken()
    if user.password_hash is None:
        raise UseOAuthProvider(await users.oauth_providers(session=session, user_id=user.id))
    if not user.is_active:
        raise InactiveUser()
    await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = new_hash
    await revoke_all_sessions(session=session, user_id=user.id, reason="password_changed", now=now)
    # the link proved the mailbox, and the owner may have locked themselves out before asking for it
    await lockout.reset(session=session, email=user.email)
    if user.email_verified_at is None:
        user.email_verified_at = now
        await outbox.add(
            session,
            UserEmailVerified(
                user_id=user.id,
                account_id=user.account_id,
                email=user.email,
                email_verified_at=now,
                method="password_reset",
            ),
        )
    await session.flush()
