from datetime import UTC, datetime, timedelta

from gateway.ratelimit.limiter import SlidingWindowLimiter, Verdict
from shared.clock import ManualClock

START = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def hit(limiter: SlidingWindowLimiter, key: str = "k", limit: int = 3) -> Verdict:
    return limiter.hit(key, limit=limit, window=MINUTE)


def test_limit_hits_pass_then_the_next_is_refused_with_the_wait() -> None:
    clock = ManualClock(START)
    limiter = SlidingWindowLimiter(clock)
    assert [hit(limiter).allowed for _ in range(3)] == [True, True, True]
    clock.advance(timedelta(seconds=15))
    assert hit(limiter) == Verdict(allowed=False, retry_after=46)


def test_window_slides_one_hit_at_a_time() -> None:
    clock = ManualClock(START)
    limiter = SlidingWindowLimiter(clock)
    hit(limiter)
    clock.advance(timedelta(seconds=30))
    hit(limiter)
    hit(limiter)
    clock.advance(timedelta(seconds=31))  # the first hit left the window, the other two did not
    assert hit(limiter).allowed
    refused = hit(limiter)
    assert refused == Verdict(allowed=False, retry_after=30)


def test_waiting_retry_after_is_enough_and_not_a_second_less() -> None:
    clock = ManualClock(START)
    limiter = SlidingWindowLimiter(clock)
    for _ in range(3):
        hit(limiter)
    wait = hit(limiter).retry_after
    clock.advance(timedelta(seconds=wait - 1))
    assert not hit(limiter).allowed
    clock.advance(timedelta(seconds=1))
    assert hit(limiter).allowed


def test_refused_hits_do_not_count() -> None:
    clock = ManualClock(START)
    limiter = SlidingWindowLimiter(clock)
    for _ in range(10):
        hit(limiter)
    clock.advance(MINUTE + timedelta(seconds=1))
    assert [hit(limiter).allowed for _ in range(4)] == [True, True, True, False]


def test_retry_after_is_at_least_one_second() -> None:
    clock = ManualClock(START)
    limiter = SlidingWindowLimiter(clock)
    hit(limiter, limit=1)
    clock.advance(MINUTE - timedelta(milliseconds=200))
    assert hit(limiter, limit=1) == Verdict(allowed=False, retry_after=1)


def test_keys_are_counted_apart() -> None:
    limiter = SlidingWindowLimiter(ManualClock(START))
    assert hit(limiter, "a", limit=1).allowed
    assert not hit(limiter, "a", limit=1).allowed
    assert hit(limiter, "b", limit=1).allowed


def test_keys_whose_hits_expired_are_forgotten() -> None:
    clock = ManualClock(START)
    limiter = SlidingWindowLimiter(clock, sweep_every=MINUTE)
    for n in range(100):
        hit(limiter, f"client-{n}")
    assert len(limiter) == 100
    clock.advance(2 * MINUTE)
    hit(limiter, "late")
    assert len(limiter) == 1
