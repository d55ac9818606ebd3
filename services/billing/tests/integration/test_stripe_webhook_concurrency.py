"""The webhook under concurrency and failure: one event applies once however often and however
concurrently Stripe delivers it; a failed handler leaves no mark; order is restored by the watermark."""

import asyncio
import os
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from stripe_support import (
    changed_events,
    deliver,
    set_subscription,
    start_trial,
    stripe_event,
    stripe_event_row,
    subscription_object,
    subscription_of,
)

from billing.webhooks import handlers
from billing.webhooks.models import StripeEvent
from shared.clock import ManualClock

pytest_plugins = ["stripe_support"]


def ts(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def linked_account(app: Any, clock: ManualClock) -> tuple[uuid.UUID, str]:
    account_id, stripe_subscription_id = uuid.uuid4(), f"sub_{uuid.uuid4().hex[:20]}"
    await start_trial(app, account_id, clock.now())
    await set_subscription(
        app, account_id, status="active", seat_limit=1, stripe_subscription_id=stripe_subscription_id
    )
    return account_id, stripe_subscription_id


async def outcomes(app: Any, event_ids: list[str]) -> dict[str, StripeEvent]:
    async with app.state.runtime.factory() as session:
        rows = await session.scalars(select(StripeEvent).where(StripeEvent.id.in_(event_ids)))
        return {row.id: row for row in rows}


async def test_concurrent_deliveries_of_one_event_apply_it_once(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock)
    event = stripe_event("customer.subscription.updated", subscription_object(sid, quantity=12))

    responses = await asyncio.gather(*(deliver(stripe_client, event) for _ in range(8)))

    assert [r.status_code for r in responses] == [200] * 8
    assert sorted(r.json()["applied"] for r in responses) == [False] * 7 + [True]
    assert (await outcomes(stripe_app, [event["id"]]))[event["id"]].outcome == "applied"
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.seat_limit == 12
    assert [e["data"]["seat_limit"] for e in await changed_events(stripe_app, account_id)] == [None, 12]


async def test_a_failing_handler_leaves_no_mark_and_the_retry_applies(
    stripe_app: Any, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_id, sid = await linked_account(stripe_app, clock)
    event = stripe_event("customer.subscription.updated", subscription_object(sid, quantity=5, status="past_due"))
    real = handlers.HANDLERS["customer.subscription.updated"]

    async def changes_then_fails(ctx: handlers.EventContext) -> handlers.Outcome:
        await real(ctx)  # the change and its outbox event are written, then the handler breaks
        raise RuntimeError("handler broke after writing")

    monkeypatch.setitem(handlers.HANDLERS, "customer.subscription.updated", changes_then_fails)
    transport = httpx.ASGITransport(app=stripe_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        failed = await deliver(client, event)
        assert failed.status_code == 500
        assert await stripe_event_row(stripe_app, event["id"]) is None
        sub = await subscription_of(stripe_app, account_id)
        assert sub is not None
        assert (sub.status, sub.seat_limit, sub.last_stripe_event_at) == ("active", 1, None)
        assert len(await changed_events(stripe_app, account_id)) == 1  # the trial's start only

        monkeypatch.undo()
        retried = await deliver(client, event)

    assert retried.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.status, sub.seat_limit) == ("past_due", 5)
    assert len(await changed_events(stripe_app, account_id)) == 2


STORM_STATUSES = ("past_due", "active", "unpaid", "trialing", "active")
MAPPED = {"unpaid": "past_due"}


def storm_update(sid: str, j: int, i: int, base: int) -> dict[str, Any]:
    """The i-th update of subscription j: every field differs from the previous update's."""
    created = base + i * 10
    start = base + i * 1000
    return stripe_event(
        "customer.subscription.updated",
        subscription_object(
            sid,
            status=STORM_STATUSES[(i + j) % len(STORM_STATUSES)],
            quantity=100 * j + i + 2,
            period_start=start,
            period_end=start + int(timedelta(days=30).total_seconds()),
            cancel_at_period_end=(i + j) % 2 == 0,
        ),
        created=created,
    )


async def test_storm_of_shuffled_duplicated_concurrent_deliveries_leaves_every_subscription_at_its_last_state(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    # WEBHOOK_STORM_SUBSCRIPTIONS=50 is the long run (500 deliveries); 20 (200 deliveries) in `make test`
    subscriptions, updates_each, batch = int(os.environ.get("WEBHOOK_STORM_SUBSCRIPTIONS", "20")), 5, 25
    linked = await asyncio.gather(*(linked_account(stripe_app, clock) for _ in range(subscriptions)))
    base = 2_600_000_000
    updates = {sid: [storm_update(sid, j, i, base) for i in range(updates_each)] for j, (_, sid) in enumerate(linked)}
    deliveries = [event for events in updates.values() for event in events] * 2  # every event delivered twice
    random.Random(20261126).shuffle(deliveries)
    assert len(deliveries) == subscriptions * updates_each * 2

    responses: list[httpx.Response] = []
    for offset in range(0, len(deliveries), batch):
        chunk = deliveries[offset : offset + batch]
        responses += await asyncio.gather(*(deliver(stripe_client, event) for event in chunk))

    assert Counter(r.status_code for r in responses) == {200: len(deliveries)}
    event_ids = [event["id"] for events in updates.values() for event in events]
    recorded = await outcomes(stripe_app, event_ids)
    assert len(recorded) == subscriptions * updates_each  # one row per distinct event
    applied_answers = sum(1 for r in responses if r.json()["applied"])
    assert applied_answers == sum(1 for row in recorded.values() if row.outcome == "applied")
    outcome_counts = Counter(row.outcome for row in recorded.values())
    assert set(outcome_counts) == {"applied", "stale"}  # the shuffle did deliver updates out of order
    for account_id, sid in linked:
        last = updates[sid][-1]
        obj = last["data"]["object"]
        item = obj["items"]["data"][0]
        sub = await subscription_of(stripe_app, account_id)
        assert sub is not None
        assert sub.status == MAPPED.get(obj["status"], obj["status"])
        assert sub.seat_limit == item["quantity"]
        assert sub.cancel_at_period_end == obj["cancel_at_period_end"]
        assert (sub.current_period_start, sub.current_period_end) == (
            ts(item["current_period_start"]),
            ts(item["current_period_end"]),
        )
        assert sub.last_stripe_event_at == ts(last["created"])
        # exactly one announcement per applied change, in the order Stripe made the changes
        applied_here = [recorded[e["id"]] for e in updates[sid] if recorded[e["id"]].outcome == "applied"]
        announced = (await changed_events(stripe_app, account_id))[1:]  # after the trial's start
        assert len(announced) == len(applied_here) >= 1
        seats = [e["data"]["seat_limit"] for e in announced]
        assert seats == sorted(seats)
        assert seats[-1] == item["quantity"]
