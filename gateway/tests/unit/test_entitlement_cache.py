import asyncio
import uuid
from datetime import timedelta

import pytest

from gateway.entitlements.cache import EntitlementCache
from gateway.entitlements.errors import EntitlementsUnavailable
from gateway.entitlements.schemas import Snapshot
from shared.clock import ManualClock


def snap(plan: str = "pro") -> Snapshot:
    return Snapshot.model_validate({"subscription": {"status": "active", "plan": plan}, "features": {}})


class FakeBilling:
    """Counts fetches; `gate` holds them until the test lets them finish."""

    def __init__(self) -> None:
        self.snapshots: dict[uuid.UUID, Snapshot] = {}
        self.calls = 0
        self.down = False
        self.gate = asyncio.Event()
        self.gate.set()

    async def fetch(self, account_id: uuid.UUID) -> Snapshot | None:
        self.calls += 1
        await self.gate.wait()
        if self.down:
            raise EntitlementsUnavailable()
        return self.snapshots.get(account_id)


@pytest.fixture
def billing() -> FakeBilling:
    return FakeBilling()


async def test_warm_read_makes_no_fetch_until_ttl_passes(billing: FakeBilling) -> None:
    clock = ManualClock()
    cache = EntitlementCache(billing.fetch, clock, ttl_seconds=300)
    account = uuid.uuid4()
    billing.snapshots[account] = snap()
    await cache.get(account)
    await cache.get(account)
    assert billing.calls == 1
    clock.advance(timedelta(seconds=301))
    await cache.get(account)
    assert billing.calls == 2


async def test_concurrent_misses_share_one_fetch(billing: FakeBilling) -> None:
    cache = EntitlementCache(billing.fetch, ManualClock(), ttl_seconds=300)
    account = uuid.uuid4()
    billing.snapshots[account] = snap()
    billing.gate.clear()
    waiting = [asyncio.create_task(cache.get(account)) for _ in range(20)]
    await asyncio.sleep(0)
    billing.gate.set()
    results = await asyncio.gather(*waiting)
    assert billing.calls == 1
    assert all(r is not None and r.subscription.plan == "pro" for r in results)


async def test_no_subscription_is_not_cached(billing: FakeBilling) -> None:
    cache = EntitlementCache(billing.fetch, ManualClock(), ttl_seconds=300)
    account = uuid.uuid4()
    assert await cache.get(account) is None
    billing.snapshots[account] = snap()
    assert await cache.get(account) is not None
    assert billing.calls == 2


async def test_billing_down_without_cache_is_unavailable_and_shared_failure_is_not_kept(
    billing: FakeBilling,
) -> None:
    cache = EntitlementCache(billing.fetch, ManualClock(), ttl_seconds=300)
    account = uuid.uuid4()
    billing.down = True
    with pytest.raises(EntitlementsUnavailable):
        await cache.get(account)
    billing.down = False
    billing.snapshots[account] = snap()
    assert await cache.get(account) is not None


async def test_evict_forces_a_fresh_fetch(billing: FakeBilling) -> None:
    cache = EntitlementCache(billing.fetch, ManualClock(), ttl_seconds=300)
    account = uuid.uuid4()
    billing.snapshots[account] = snap("pro")
    await cache.get(account)
    billing.snapshots[account] = snap("free")
    cache.evict(account)
    fresh = await cache.get(account)
    assert fresh is not None
    assert fresh.subscription.plan == "free"


async def test_evict_plans_drops_only_listed_plans_and_none_drops_all(billing: FakeBilling) -> None:
    cache = EntitlementCache(billing.fetch, ManualClock(), ttl_seconds=300)
    on_pro, on_free = uuid.uuid4(), uuid.uuid4()
    billing.snapshots.update({on_pro: snap("pro"), on_free: snap("free")})
    await cache.get(on_pro)
    await cache.get(on_free)
    cache.evict_plans(["pro"])
    assert len(cache) == 1
    cache.evict_plans(None)
    assert len(cache) == 0


async def test_fetch_racing_an_eviction_is_not_stored(billing: FakeBilling) -> None:
    cache = EntitlementCache(billing.fetch, ManualClock(), ttl_seconds=300)
    account = uuid.uuid4()
    billing.snapshots[account] = snap("pro")
    billing.gate.clear()
    pending = asyncio.create_task(cache.get(account))
    await asyncio.sleep(0)
    cache.evict(account)
    billing.gate.set()
    await pending
    assert len(cache) == 0
