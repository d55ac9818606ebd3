"""RabbitMQ goes away (stop_app) in the middle of a registration load and comes back: registration keeps
answering 201 (the outbox holds the events), nothing is lost once it returns, and every consumer and the
gateway's invalidation queue reconnect by themselves."""

import asyncio
import time
from typing import Any

import httpx

from shared.testing import poll
from tests.e2e.flows import bearer, billing_state, login, new_email, register

from .conftest import FaultStack, record_figures
from .probes import (
    SignupLoad,
    drained,
    everything_delivered,
    fetch_column,
    subscriptions_per_account,
    verification_emails_once,
)

BROKER_BOOT_SECONDS = 3.0


async def gateway_ready(gateway: httpx.AsyncClient, ready: bool) -> bool:
    return ((await gateway.get("/readyz")).status_code == 200) is ready


async def cached_pro_shop(gateway: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """A new owner whose snapshot the gateway now holds (a Pro route passed twice); (account id, headers)."""
    email = new_email("cache")
    registered = await register(gateway, email)
    assert registered.status_code == 201, registered.text
    tokens = await login(gateway, email)
    assert (await billing_state(gateway, tokens))["subscription"]["status"] == "trialing"
    for _ in range(2):
        response = await gateway.get("/api/v1/trees", headers=bearer(tokens))
        assert response.status_code == 200, response.text
    return str(registered.json()["account_id"]), bearer(tokens)


async def test_broker_outage_keeps_registration_answering_and_loses_nothing_once_it_returns(
    fault_stack: FaultStack,
    gateway: httpx.AsyncClient,
    mail: httpx.AsyncClient,
    admin: dict[str, str],
    product_upstream: str,
) -> None:
    outage_seconds = 30.0 if fault_stack.long else 10.0
    load = SignupLoad(gateway, concurrency=3, tag="broker")
    running = asyncio.create_task(load.run())

    async def some_done() -> bool:
        return load.done_count() >= 5

    await poll(some_done, timeout=60, interval=0.05, message="registrations before the outage")
    await asyncio.to_thread(fault_stack.rabbitmq.stop_app)
    down_at = time.monotonic()
    await poll(lambda: gateway_ready(gateway, False), timeout=20, interval=0.2, message="gateway /readyz 503")
    # the outage lasts this long, load going on; the node's own start (a few seconds) is part of it
    await asyncio.sleep(outage_seconds - BROKER_BOOT_SECONDS - (time.monotonic() - down_at))
    await asyncio.to_thread(fault_stack.rabbitmq.start_app)
    up_at = time.monotonic()
    await poll(lambda: gateway_ready(gateway, True), timeout=60, interval=0.2, message="gateway /readyz 200 again")
    ready_after = time.monotonic() - up_at
    load.stop()
    await running

    during = load.between(down_at, up_at)
    assert during, "no registration was sent while the broker was down"
    assert [(a.status, a.body) for a in load.attempts if not a.registered] == []
    registered = load.registered()
    await everything_delivered(fault_stack.env, mail, registered, timeout=90)
    delivered_after = time.monotonic() - up_at

    async def quiet() -> bool:  # events failed in the outage may wait in a 30 s delay queue: only emails matter here
        return await drained(fault_stack.env, fault_stack.rabbitmq, consumers=["notifications"])

    await poll(quiet, timeout=60, interval=0.5, message="outboxes published and queues drained")
    accounts = {str(user["account_id"]) for user in registered.values()}
    subscriptions = await subscriptions_per_account(fault_stack.env)
    assert {a: subscriptions[a] for a in accounts} == dict.fromkeys(accounts, 1)
    duplicates, reattempted = await verification_emails_once(fault_stack.env, mail, registered)

    # the gateway's invalidation queue is back: an admin change evicts a cached snapshot within a second
    account_id, headers = await cached_pro_shop(gateway)
    changed = await gateway.patch(
        f"/api/v1/admin/accounts/{account_id}/subscription",
        headers=admin,
        json={"status": "canceled", "reason": "broker outage test"},
    )
    assert changed.status_code == 200, changed.text

    async def locked() -> Any:
        response = await gateway.get("/api/v1/trees", headers=headers)
        return response.json() if response.status_code == 402 else None

    changed_at = time.monotonic()
    try:
        detail = (await poll(locked, timeout=30, interval=0.02, message="402 after an admin cancel"))["detail"]
    finally:
        evicted_after = time.monotonic() - changed_at
        relayed = await fetch_column(
            fault_stack.env,
            "billing",
            "SELECT format('created %s, published %s, attempts %s, error %s', created_at, published_at, attempts, "
            "last_error) FROM outbox WHERE type = 'billing.subscription.changed' ORDER BY created_at DESC LIMIT 1",
        )
        depths = await asyncio.to_thread(fault_stack.rabbitmq.queue_depths)
        waiting = {name: n for name, n in depths.items() if ".gateway." in name}
        print(f"admin change: 402 after {evicted_after:.2f} s or never; billing's event: {relayed}; gateway: {waiting}")
    assert (detail["error"], detail["status"]) == ("subscription_inactive", "canceled")
    # by the event, not the TTL (ENTITLEMENT_CACHE_TTL_SECONDS stays at its default, 300 s)
    assert evicted_after < 1.0, f"evicted after {evicted_after:.1f} s; billing's event: {relayed}"
    assert fault_stack.stack.exited() == {}
    record_figures(
        "broker_outage",
        {
            "outage_s": round(up_at - down_at, 1),
            "registrations_sent": len(load.attempts),
            "registrations_during_outage": len(during),
            "non_201": 0,
            "events_lost": 0,
            "duplicate_emails": duplicates,
            "deliveries_reattempted": reattempted,
            "gateway_ready_after_s": round(ready_after, 1),
            "all_delivered_after_s": round(delivered_after, 1),
            "admin_change_evicted_after_s": round(evicted_after, 2),
        },
    )
