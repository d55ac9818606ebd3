"""Event-driven invalidation against the real RabbitMQ: the replica's queue, evictions, outages."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
import pytest
from fakes import FakeState, GatewayFactory, bearer, snapshot

from gateway.entitlements.cache import EntitlementCache
from gateway.entitlements.subscriber import EntitlementEvents
from shared.bus.broker import build_message, declare_exchange
from shared.bus.names import BusNames
from shared.clock import ManualClock
from shared.testing import TestSigner, poll

VERIFIED = "2026-01-02T00:00:00+00:00"


class Billing:
    """Publishes billing's events to the test namespace's exchange, as billing's relay would."""

    def __init__(self, exchange: aio_pika.abc.AbstractExchange) -> None:
        self.exchange = exchange

    async def publish(self, event_type: str, data: dict[str, Any], body: bytes | None = None) -> None:
        envelope = {
            "id": str(uuid.uuid4()),
            "type": event_type,
            "version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            "producer": "billing",
            "correlation_id": "test",
            "causation_id": None,
            "data": data,
        }
        message = build_message(envelope, {})
        if body is not None:
            message.body = body
        await self.exchange.publish(message, routing_key=event_type)

    async def subscription_changed(self, account_id: uuid.UUID, status: str) -> None:
        now = datetime.now(UTC).isoformat()
        await self.publish(
            "billing.subscription.changed",
            {
                "account_id": str(account_id),
                "subscription_id": str(uuid.uuid4()),
                "plan": "pro",
                "status": status,
                "has_pro_entitlement": False,
                "is_paid": False,
                "reason": "admin",
                "changed_at": now,
            },
        )


@pytest.fixture
async def billing_events(bus: tuple[str, BusNames]) -> AsyncIterator[Billing]:
    amqp_url, names = bus
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        yield Billing(await declare_exchange(channel, names))


def subscriber(gateway: httpx.AsyncClient) -> EntitlementEvents:
    transport = gateway._transport
    assert isinstance(transport, httpx.ASGITransport)
    events: EntitlementEvents = transport.app.state.entitlement_events  # type: ignore[attr-defined]
    return events


async def status_becomes(gateway: httpx.AsyncClient, path: str, token: str, status: int) -> None:
    async def answered() -> bool:
        return (await gateway.get(path, headers=bearer(token))).status_code == status

    await poll(answered, timeout=5, message=f"{path} answering {status}")


async def test_subscription_changed_event_locks_a_cached_account_long_before_the_ttl(
    gateway_client: GatewayFactory, signer: TestSigner, fake_state: FakeState, billing_events: Billing
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="trialing")
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    async with gateway_client(entitlement_cache_ttl_seconds=3600) as gateway:
        assert (await gateway.get("/api/v1/trees", headers=bearer(token))).status_code == 200
        fake_state.snapshots[str(account)] = snapshot(account, status="canceled")
        assert (await gateway.get("/api/v1/trees", headers=bearer(token))).status_code == 200  # warm: stale
        await billing_events.subscription_changed(account, "canceled")
        await status_becomes(gateway, "/api/v1/trees", token, 402)
    assert fake_state.entitlement_fetches[str(account)] == 2


async def test_feature_override_and_catalog_events_evict(
    gateway_client: GatewayFactory, signer: TestSigner, fake_state: FakeState, billing_events: Billing
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="active", features={"analytics_dashboards": True})
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    async with gateway_client(entitlement_cache_ttl_seconds=3600) as gateway:
        await status_becomes(gateway, "/api/v1/analytics", token, 200)
        fake_state.snapshots[str(account)] = snapshot(account, status="active", features={})
        await billing_events.publish(
            "billing.feature_overrides.changed",
            {"account_id": str(account), "kind": "feature", "flag_key": "analytics_dashboards", "enabled": False},
        )
        await status_becomes(gateway, "/api/v1/analytics", token, 402)
        fake_state.snapshots[str(account)] = snapshot(account, status="active", features={"analytics_dashboards": True})
        await billing_events.publish("billing.plan_catalog.changed", {"plans": ["pro"], "change": "feature_default"})
        await status_becomes(gateway, "/api/v1/analytics", token, 200)


async def test_malformed_message_is_acknowledged_and_later_events_still_apply(
    gateway_client: GatewayFactory, signer: TestSigner, fake_state: FakeState, billing_events: Billing
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="active")
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    async with gateway_client(entitlement_cache_ttl_seconds=3600) as gateway:
        assert (await gateway.get("/api/v1/steps", headers=bearer(token))).status_code == 200
        await billing_events.publish("billing.trial.ending", {}, body=b"\x00 not an envelope")
        await billing_events.publish("billing.payment.failed", {"account_id": "not even a uuid"})
        fake_state.snapshots[str(account)] = snapshot(account, status="incomplete")
        await billing_events.subscription_changed(account, "incomplete")
        await status_becomes(gateway, "/api/v1/steps", token, 402)
        assert subscriber(gateway).is_live


async def test_broker_link_lost_drops_snapshots_then_reconnects_rebinds_and_evicts_again(
    gateway_client: GatewayFactory, signer: TestSigner, fake_state: FakeState, billing_events: Billing
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="active")
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    async with gateway_client(entitlement_cache_ttl_seconds=3600) as gateway:
        events = subscriber(gateway)
        assert (await gateway.get("/api/v1/steps", headers=bearer(token))).status_code == 200
        assert len(events.cache) == 1
        connection = events._connection
        assert connection is not None
        assert connection.transport is not None
        await connection.transport.connection.close(ConnectionError("link lost in test"))

        async def dropped() -> bool:
            return not events.is_live and len(events.cache) == 0

        await poll(dropped, timeout=5, message="snapshots dropped when the link went down")
        assert events.cache.ttl_seconds == events.outage_ttl_seconds

        async def back() -> bool:
            return events.is_live

        await poll(back, timeout=20, message="subscriber reconnected")
        assert events.cache.ttl_seconds == 3600
        assert (await gateway.get("/api/v1/steps", headers=bearer(token))).status_code == 200
        fake_state.snapshots[str(account)] = snapshot(account, status="canceled")
        await billing_events.subscription_changed(account, "canceled")  # reaches the re-declared, re-bound queue
        await status_becomes(gateway, "/api/v1/steps", token, 402)


async def test_snapshots_live_briefly_until_the_queue_is_consumed(
    gateway_client: GatewayFactory, signer: TestSigner, fake_state: FakeState
) -> None:
    async with gateway_client(
        wait_for_events=False, amqp_url="amqp://guest:guest@127.0.0.1:1/", entitlement_cache_ttl_seconds=3600
    ) as gateway:
        events = subscriber(gateway)
        assert not events.is_live
        assert events.cache.ttl_seconds == events.outage_ttl_seconds < 3600
        ready = await gateway.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"] != "ok"


def test_every_replica_has_its_own_queue(bus: tuple[str, BusNames]) -> None:
    amqp_url, names = bus

    async def fetch(_: uuid.UUID) -> None:
        return None

    def replica() -> EntitlementEvents:
        cache = EntitlementCache(fetch, ManualClock(), ttl_seconds=300)
        return EntitlementEvents(amqp_url=amqp_url, names=names, cache=cache, ttl_seconds=300)

    first, second = replica(), replica()
    assert first.queue_name != second.queue_name
    assert first.queue_name.startswith(f"{names.namespace}.gateway.entitlements.")
