"""Two gateway replicas, each with its own auto-delete queue: one `billing.subscription.changed`, written
by billing's outbox and published by its relay, evicts the account's snapshot in both."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from billing.subscriptions.changes import apply_change
from billing.subscriptions.models import Subscription
from gateway.app import create_app as create_gateway
from gateway.entitlements.cache import EntitlementCache
from gateway.settings import GatewaySettings
from shared.testing import poll

from .conftest import replicas, served


@pytest.fixture(scope="module")
async def billing_url(billing_database: str, environment: dict[str, str]) -> AsyncIterator[tuple[FastAPI, str]]:
    from billing.app import create_app

    async with (
        replicas(create_app, service="billing", environment=environment, count=1) as [billing],
        served(billing) as url,
    ):
        yield billing, url


@contextlib.asynccontextmanager
async def gateway_replicas(environment: dict[str, str], billing_url: str) -> AsyncIterator[list[FastAPI]]:
    unused = "http://127.0.0.1:9"  # nothing here is asked of identity, onboarding or notifications
    settings = GatewaySettings(
        amqp_url=environment["AMQP_URL"],
        events_namespace=environment["EVENTS_NAMESPACE"],
        internal_api_token=environment["INTERNAL_API_TOKEN"],
        identity_internal_url=unused,
        billing_internal_url=billing_url,
        onboarding_internal_url=unused,
        notifications_internal_url=unused,
        product_upstream_url=unused,
    )
    apps = [create_gateway(settings), create_gateway(settings)]
    async with contextlib.AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))

            async def live(app: FastAPI = app) -> bool:
                return bool(app.state.entitlement_events.is_live)

            await poll(live, message="gateway replica consuming its entitlement events")
        yield apps


async def active_subscription(billing: FastAPI) -> uuid.UUID:
    account_id = uuid.uuid4()
    now = datetime.now(UTC)
    async with billing.state.runtime.factory() as session, session.begin():
        session.add(
            Subscription(
                account_id=account_id,
                plan="pro",
                status="active",
                current_period_start=now,
                current_period_end=now + timedelta(days=30),
            )
        )
    return account_id


async def test_one_subscription_change_evicts_the_snapshot_in_every_gateway_replica(
    billing_url: tuple[FastAPI, str], environment: dict[str, str]
) -> None:
    billing, url = billing_url
    account_id = await active_subscription(billing)
    async with gateway_replicas(environment, url) as gateways:
        caches: list[EntitlementCache] = [g.state.entitlements for g in gateways]
        queues = {g.state.entitlement_events.queue_name for g in gateways}
        for cache in caches:  # warm: each replica fetched the snapshot from billing once
            snapshot = await cache.get(account_id)
            assert snapshot is not None
            assert snapshot.subscription.status == "active"

        async with billing.state.runtime.factory() as session, session.begin():
            subscription = (
                await session.execute(
                    select(Subscription).where(Subscription.account_id == account_id).with_for_update()
                )
            ).scalar_one()
            change = await apply_change(
                session=session,
                outbox=billing.state.runtime.outbox,
                subscription=subscription,
                now=datetime.now(UTC),
                reason="admin",
                status="canceled",
            )
        assert change.announced

        # the snapshots live 300 s: only the eviction can make a replica fetch the new state this soon
        for cache in caches:

            async def evicted(cache: EntitlementCache = cache) -> bool:
                snapshot = await cache.get(account_id)
                return snapshot is not None and snapshot.subscription.status == "canceled"

            await poll(evicted, timeout=15.0, message="replica evicted the changed account")
    assert len(queues) == 2


async def test_gateway_answers_metrics_itself_with_routes_labelled_by_template(
    billing_url: tuple[FastAPI, str], environment: dict[str, str]
) -> None:
    _, url = billing_url
    user_id = uuid.uuid4()
    async with (
        gateway_replicas(environment, url) as [gateway, _],
        httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway") as client,
    ):
        denied = await client.get(f"/api/v1/admin/users/{user_id}")
        answered = await client.get("/metrics")
    assert denied.status_code == 401
    assert answered.status_code == 200
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answered.text)
        for s in family.samples
    }
    route = (
        ("method", "GET"),
        ("route", "/api/v1/admin/users/{user_id}"),
        ("service", "gateway"),
        ("status_class", "4xx"),
    )
    assert found[("http_requests_total", route)] >= 1
    assert not any(str(user_id) in str(labels) for _, labels in found)
    assert ("gateway_entitlement_cache_hits_total", ()) in found
