"""Per-account snapshot cache: TTL-bounded, one shared fetch per account on a miss, evictable."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from gateway.entitlements.metrics import CACHE_HITS, CACHE_MISSES
from gateway.entitlements.schemas import Snapshot
from shared.clock import Clock

Fetch = Callable[[UUID], Awaitable[Snapshot | None]]


@dataclass(frozen=True)
class _Entry:
    snapshot: Snapshot
    expires_at: datetime


class EntitlementCache:
    """A warm read makes no network call. A 404 (None) is not cached. Eviction is the seam for
    the `billing.*` invalidation events; a fetch that raced an eviction is not stored.
    `ttl_seconds` may be changed at run time; it applies to entries stored from then on."""

    def __init__(self, fetch: Fetch, clock: Clock, ttl_seconds: float) -> None:
        self._fetch = fetch
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self._entries: dict[UUID, _Entry] = {}
        self._inflight: dict[UUID, asyncio.Task[Snapshot | None]] = {}
        self._generation: dict[UUID, int] = {}
        self._epoch = 0

    async def get(self, account_id: UUID) -> Snapshot | None:
        entry = self._entries.get(account_id)
        if entry is not None and self._clock.now() < entry.expires_at:
            CACHE_HITS.inc()
            return entry.snapshot
        CACHE_MISSES.inc()
        task = self._inflight.get(account_id)
        if task is None:
            task = asyncio.create_task(self._load(account_id, self._version(account_id)))
            self._inflight[account_id] = task
            task.add_done_callback(lambda t: self._forget(account_id, t))
        # shield: one caller giving up (disconnect) must not cancel the fetch the others wait on
        return await asyncio.shield(task)

    def _version(self, account_id: UUID) -> tuple[int, int]:
        return (self._epoch, self._generation.get(account_id, 0))

    async def _load(self, account_id: UUID, version: tuple[int, int]) -> Snapshot | None:
        snapshot = await self._fetch(account_id)
        if snapshot is not None and version == self._version(account_id):
            expires_at = self._clock.now() + timedelta(seconds=self.ttl_seconds)
            self._entries[account_id] = _Entry(snapshot, expires_at)
        return snapshot

    def _forget(self, account_id: UUID, task: asyncio.Task[Snapshot | None]) -> None:
        if self._inflight.get(account_id) is task:
            del self._inflight[account_id]
        if not task.cancelled():
            task.exception()  # retrieved here so an unawaited failure is not reported as lost

    def evict(self, account_id: UUID) -> None:
        self._entries.pop(account_id, None)
        self._inflight.pop(account_id, None)
        self._generation[account_id] = self._generation.get(account_id, 0) + 1

    def evict_all(self) -> None:
        """Drop every snapshot, and keep every fetch already under way from being stored."""
        self._entries.clear()
        self._inflight.clear()
        self._epoch += 1

    def evict_plans(self, plans: Iterable[str] | None) -> None:
        """Evict every snapshot on one of `plans`; all of them when `plans` is None."""
        if plans is None:
            self.evict_all()
            return
        wanted = set(plans)
        for account_id, entry in list(self._entries.items()):
            if entry.snapshot.subscription.plan in wanted:
                self.evict(account_id)
        for account_id in list(self._inflight):  # its plan is not known yet: do not let it be stored
            self.evict(account_id)

    def __len__(self) -> int:
        return len(self._entries)
