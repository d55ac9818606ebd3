"""Sliding-window counting per key, in this replica's memory, on the injected clock.

pyrate-limiter's InMemoryBucket (a sliding-window log) does the counting and computes the wait;
it takes each hit's timestamp from us, so the gateway's clock drives it and tests move time.
The store is per gateway replica: N replicas admit up to N x the limit. A shared store
(pyrate-limiter's RedisBucket) is the upgrade path when the gateway runs on several replicas.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyrate_limiter import Decision, InMemoryBucket, Rate, RateItem

from shared.clock import Clock

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds until a slot frees; at least 1 when refused


class SlidingWindowLimiter:
    """`limit` hits per `window` for each key; buckets whose hits all expired are dropped."""

    def __init__(self, clock: Clock, *, sweep_every: timedelta = timedelta(minutes=1)) -> None:
        self.clock = clock
        self._buckets: dict[str, InMemoryBucket] = {}
        self._sweep_every_ms = sweep_every // _MS
        self._next_sweep_ms = 0

    def _now_ms(self) -> int:
        return (self.clock.now() - _EPOCH) // _MS

    def hit(self, key: str, *, limit: int, window: timedelta) -> Verdict:
        """Count one hit for `key` unless `limit` hits already fall within the last `window`."""
        now = self._now_ms()
        self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = InMemoryBucket([Rate(limit, window // _MS)])
        bucket.leak(now)
        decision = bucket.put_decision(RateItem(key, now))
        assert isinstance(decision, Decision)  # an in-memory bucket decides synchronously
        if decision.allowed:
            return Verdict(allowed=True)
        wait_ms = decision.retry_after_ms if decision.retry_after_ms is not None else window // _MS
        return Verdict(allowed=False, retry_after=max(1, math.ceil(wait_ms / 1000)))

    def _sweep(self, now: int) -> None:
        """Forget keys with no hit left in their window, so memory follows recent traffic only."""
        if now < self._next_sweep_ms:
            return
        self._next_sweep_ms = now + self._sweep_every_ms
        for key, bucket in list(self._buckets.items()):
            bucket.leak(now)
            if bucket.count() == 0:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
