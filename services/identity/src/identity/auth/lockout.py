"""Login lockout (api.md §3.1, beyond the source): after 5 consecutive failed passwords for one email,
attempts are refused for 30 s, doubling with each further failure up to 15 min."""

import math
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.auth.errors import TooManyAttempts
from identity.auth.models import LoginAttempt

LOCK_AFTER_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)


def lock_duration(failed_count: int) -> timedelta | None:
    """How long the email is locked after its `failed_count`-th consecutive failure, if at all."""
    if failed_count < LOCK_AFTER_FAILURES:
        return None
    doublings = min(failed_count - LOCK_AFTER_FAILURES, 16)  # past 15 min the cap rules anyway
    lock: timedelta = FIRST_LOCK * 2**doublings
    return min(lock, LONGEST_LOCK)


def seconds_left(locked_until: datetime, now: datetime) -> int:
    return max(1, math.ceil((locked_until - now).total_seconds()))


async def refuse_if_locked(*, session: AsyncSession, email: str, now: datetime) -> None:
    attempt = await session.get(LoginAttempt, email)
    if attempt is not None and attempt.locked_until is not None and attempt.locked_until > now:
        raise TooManyAttempts(seconds_left(attempt.locked_until, now))


async def record_failure(*, session: AsyncSession, email: str, now: datetime) -> int:
    """Count one more consecutive failure (atomically, so parallel guesses all count); returns the count."""
    insert_row = insert(LoginAttempt).values(email=email, failed_count=1, last_failed_at=now)
    stmt = insert_row.on_conflict_do_update(
        index_elements=[LoginAttempt.email],
        set_={"failed_count": LoginAttempt.failed_count + 1, "last_failed_at": now},
    ).returning(LoginAttempt.failed_count)
    count = int((await session.execute(stmt)).scalar_one())
    duration = lock_duration(count)
    if duration is not None:
        attempt = await session.get(LoginAttempt, email, populate_existing=True)
        assert attempt is not None
        attempt.locked_until = now + duration
    return count


async def reset(*, session: AsyncSession, email: str) -> None:
    await session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
