import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.entitlements.cache import EntitlementCache
from gateway.entitlements.events import apply_billing_event
from gateway.entitlements.schemas import Snapshot
from gateway.entitlements.subscriber import EntitlementEvents
from shared.bus.names import BusNames
from shared.clock import ManualClock


def snap(plan: str) -> Snapshot:
    return Snapshot.model_validate({"subscription": {"status": "active", "plan": plan}})


def envelope(event_type: str, data: dict[str, Any], version: int = 1) -> bytes:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "type": event_type,
            "version": version,
            "occurred_at": datetime.now(UTC).isoformat(),
            "producer": "billing",
            "correlation_id": "req-1",
            "causation_id": None,
            "data": data,
        }
    ).encode()


def subscription_changed(account_id: uuid.UUID) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "account_id": str(account_id),
        "subscription_id": str(uuid.uuid4()),
        "plan": "pro",
        "status": "canceled",
        "has_pro_entitlement": False,
        "is_paid": False,
        "reason": "admin",
        "changed_at": now,
    }


class Accounts:
    """A cache holding one snapshot per plan, and the account ids on each."""

    def __init__(self) -> None:
        self.by_plan = {plan: uuid.uuid4() for plan in ("free", "starter", "pro", "enterprise")}
        self.snapshots = {account: snap(plan) for plan, account in self.by_plan.items()}
        self.cache = EntitlementCache(self.fetch, ManualClock(), ttl_seconds=300)

    async def fetch(self, account_id: uuid.UUID) -> Snapshot | None:
        return self.snapshots.get(account_id)

    async def warm(self) -> None:
        for account in self.by_plan.values():
            await self.cache.get(account)

    def cached_plans(self) -> set[str]:
        return {plan for plan, account in self.by_plan.items() if account in self.cache._entries}


@pytest.fixture
async def accounts() -> Accounts:
    found = Accounts()
    await found.warm()
    return found


async def test_subscription_changed_evicts_only_that_account(accounts: Accounts) -> None:
    body = envelope("billing.subscription.changed", subscription_changed(accounts.by_plan["pro"]))
    outcome = apply_billing_event(accounts.cache, body, "billing.subscription.changed")
    assert outcome.action == "evict_account"
    assert accounts.cached_plans() == {"free", "starter", "enterprise"}


async def test_feature_overrides_changed_evicts_only_that_account(accounts: Accounts) -> None:
    data = {"account_id": str(accounts.by_plan["starter"]), "kind": "feature", "flag_key": "x", "enabled": True}
    apply_billing_event(accounts.cache, envelope("billing.feature_overrides.changed", data), "")
    assert accounts.cached_plans() == {"free", "pro", "enterprise"}


async def test_plan_catalog_changed_evicts_listed_plans_and_null_evicts_all(accounts: Accounts) -> None:
    listed = envelope("billing.plan_catalog.changed", {"plans": ["pro", "free"], "change": "plan_limits"})
    assert apply_billing_event(accounts.cache, listed, "").action == "evict_plans"
    assert accounts.cached_plans() == {"starter", "enterprise"}
    every = envelope("billing.plan_catalog.changed", {"plans": None, "change": "feature_flag"})
    assert apply_billing_event(accounts.cache, every, "").action == "evict_all"
    assert accounts.cached_plans() == set()


@pytest.mark.parametrize("event_type", ["billing.trial.ending", "billing.payment.failed"])
async def test_other_billing_events_evict_nothing(accounts: Accounts, event_type: str) -> None:
    outcome = apply_billing_event(accounts.cache, envelope(event_type, {"account_id": "whatever"}), event_type)
    assert outcome.action == "ignored"
    assert len(accounts.cache) == 4


async def test_unhandled_version_evicts_nothing(accounts: Accounts) -> None:
    body = envelope("billing.subscription.changed", {"account": "v2 shape"}, version=2)
    assert apply_billing_event(accounts.cache, body, "billing.subscription.changed").action == "ignored"
    assert len(accounts.cache) == 4


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"type": "billing.subscription.changed"}', envelope("billing.subscription.changed", {})],
)
async def test_malformed_evicting_event_drops_every_snapshot(accounts: Accounts, body: bytes) -> None:
    outcome = apply_billing_event(accounts.cache, body, "billing.subscription.changed")
    assert outcome.action == "malformed"
    assert len(accounts.cache) == 0


async def test_malformed_other_event_is_ignored(accounts: Accounts) -> None:
    assert apply_billing_event(accounts.cache, b"\xff garbage", "billing.trial.ending").action == "malformed"
    assert len(accounts.cache) == 4


async def test_fetch_under_way_when_every_snapshot_is_dropped_is_not_stored() -> None:
    gate = asyncio.Event()
    account = uuid.uuid4()

    async def slow_fetch(_: uuid.UUID) -> Snapshot | None:
        await gate.wait()
        return snap("pro")  # the answer billing gave before the change

    cache = EntitlementCache(slow_fetch, ManualClock(), ttl_seconds=300)
    pending = asyncio.create_task(cache.get(account))
    await asyncio.sleep(0)
    cache.evict_all()
    gate.set()
    assert await pending is not None  # the caller that asked before the eviction gets its answer...
    assert len(cache) == 0  # ...but it is not kept for the next one


class FakeMessage:
    """The parts of an incoming AMQP message the subscriber reads, recording its acknowledgement."""

    def __init__(self, body: bytes, routing_key: str) -> None:
        self.body = body
        self.routing_key = routing_key
        self.headers: dict[str, Any] = {}
        self.acked = 0

    async def ack(self) -> None:
        self.acked += 1


@pytest.mark.parametrize(
    ("body", "routing_key"),
    [
        (b"garbage", "billing.subscription.changed"),
        (b"garbage", "billing.trial.ending"),
        (envelope("billing.plan_catalog.changed", {"plans": None, "change": "stripe_sync"}), ""),
    ],
)
async def test_every_message_is_acknowledged_once_whatever_it_holds(
    accounts: Accounts, body: bytes, routing_key: str
) -> None:
    events = EntitlementEvents(amqp_url="amqp://unused", names=BusNames(), cache=accounts.cache, ttl_seconds=300)
    message = FakeMessage(body, routing_key)
    await events.on_message(message)  # type: ignore[arg-type]
    assert message.acked == 1
