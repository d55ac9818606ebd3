from datetime import UTC, datetime, timedelta

from identity.auth.lockout import lock_duration, seconds_left


def test_four_failures_do_not_lock() -> None:
    assert [lock_duration(n) for n in range(5)] == [None] * 5


def test_lock_starts_at_30_seconds_and_doubles_up_to_15_minutes() -> None:
    seconds = [lock_duration(n).total_seconds() for n in range(5, 12)]  # type: ignore[union-attr]

    assert seconds == [30, 60, 120, 240, 480, 900, 900]
    assert lock_duration(10_000) == timedelta(minutes=15)


def test_retry_after_rounds_up_and_is_never_zero() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)

    assert seconds_left(now + timedelta(seconds=29, milliseconds=1), now) == 30
    assert seconds_left(now + timedelta(milliseconds=1), now) == 1
