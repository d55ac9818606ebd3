import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from admin_support import add_account, admin_headers
from sqlalchemy import update

from billing.catalog.models import PlanBilling
from billing.webhooks.models import StripeEvent
from shared.clock import ManualClock
from shared.testing import TestSigner

METRICS = "/api/v1/admin/billing/metrics"
COUNTS = (
    "accounts",
    "paid_accounts",
    "trialing_live",
    "trials_expired",
    "complimentary",
    "mrr_cents",
    "trials_started_last_7d",
    "checkouts_completed_last_7d",
)


@pytest.fixture
def moved_clock(clock: ManualClock) -> Iterator[ManualClock]:
    start = clock.now()
    yield clock
    clock.set(start)


@pytest.fixture
async def pro_annual_price(app: Any) -> AsyncIterator[str]:
    """Pro gets an annual price (360.00, i.e. 30.00 a month) for the test, then loses it again."""
    price_id = f"price_annual_{uuid.uuid4().hex[:8]}"
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(
            update(PlanBilling)
            .where(PlanBilling.plan == "pro")
            .values(annual_price_cents=36000, stripe_annual_price_id=price_id)
        )
    yield price_id
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(
            update(PlanBilling)
            .where(PlanBilling.plan == "pro")
            .values(annual_price_cents=None, stripe_annual_price_id=None)
        )


async def metrics(client: httpx.AsyncClient, signer: TestSigner) -> dict[str, Any]:
    response = await client.get(METRICS, headers=admin_headers(signer, uuid.uuid4()))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What the test's own rows added (other tests share the database)."""
    counts = {key: after[key] - before[key] for key in COUNTS}
    for group in ("by_status", "by_plan"):
        keys = set(before[group]) | set(after[group])
        counts[group] = {
            key: after[group].get(key, 0) - before[group].get(key, 0)
            for key in keys
            if after[group].get(key, 0) != before[group].get(key, 0)
        }
    return counts


async def add_stripe_event(app: Any, event_type: str, outcome: str, processed_at: datetime | None = None) -> None:
    async with app.state.runtime.factory() as session, session.begin():
        event = StripeEvent(id=f"evt_{uuid.uuid4().hex}", event_type=event_type, outcome=outcome)
        if processed_at is not None:
            event.processed_at = processed_at
        session.add(event)


async def test_metrics_count_states_and_revenue_from_paid_subscriptions_only(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock, pro_annual_price: str
) -> None:
    now = clock.now()
    before = await metrics(client, signer)

    # paid: pro monthly for 3 seats, starter past due (1 seat), pro billed yearly for 2 seats, enterprise (no price)
    await add_account(app, uuid.uuid4(), plan="pro", status="active", seat_limit=3)
    await add_account(app, uuid.uuid4(), plan="starter", status="past_due")
    await add_account(app, uuid.uuid4(), plan="pro", status="active", seat_limit=2, stripe_price_id=pro_annual_price)
    await add_account(app, uuid.uuid4(), plan="enterprise", status="active")
    # not paid: complimentary, a live trial started yesterday, an expired trial, a canceled pro, free
    await add_account(app, uuid.uuid4(), plan="pro", status="complimentary")
    await add_account(
        app,
        uuid.uuid4(),
        plan="pro",
        status="trialing",
        current_period_start=now - timedelta(days=1),
        current_period_end=now + timedelta(days=13),
    )
    await add_account(
        app,
        uuid.uuid4(),
        plan="pro",
        status="trialing",
        current_period_start=now - timedelta(days=20),
        current_period_end=now - timedelta(days=6),
    )
    await add_account(app, uuid.uuid4(), plan="pro", status="canceled", seat_limit=5)
    await add_account(app, uuid.uuid4(), plan="free", status="active")
    await add_account(app, uuid.uuid4())  # known to billing, no subscription yet
    await add_stripe_event(app, "checkout.session.completed", "applied")
    await add_stripe_event(app, "checkout.session.completed", "no_match")
    await add_stripe_event(app, "checkout.session.completed", "applied", processed_at=now - timedelta(days=8))
    await add_stripe_event(app, "invoice.payment_succeeded", "applied")

    after = await metrics(client, signer)

    assert set(after) == {*COUNTS, "by_status", "by_plan", "as_of"}
    assert after["as_of"] == now.isoformat()
    assert delta(before, after) == {
        "accounts": 10,
        "paid_accounts": 4,
        "trialing_live": 1,
        "trials_expired": 1,
        "complimentary": 1,
        "mrr_cents": 2999 * 3 + 1999 + 3000 * 2,
        "trials_started_last_7d": 1,
        "checkouts_completed_last_7d": 1,
        "by_status": {"active": 4, "past_due": 1, "complimentary": 1, "trialing": 2, "canceled": 1},
        "by_plan": {"pro": 6, "starter": 1, "enterprise": 1, "free": 1},
    }


async def test_a_trial_counts_as_live_until_its_end_and_expired_after_by_the_injected_clock(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, moved_clock: ManualClock
) -> None:
    now = moved_clock.now()
    later = now + timedelta(minutes=10)  # tokens stay valid: they expire by the same clock
    before_now = await metrics(client, signer)
    moved_clock.set(later)
    before_later = await metrics(client, signer)
    moved_clock.set(now)

    await add_account(
        app,
        uuid.uuid4(),
        plan="pro",
        status="trialing",
        current_period_start=now - timedelta(days=12),
        current_period_end=now + timedelta(minutes=5),
    )

    after_now = await metrics(client, signer)
    moved_clock.set(later)
    after_later = await metrics(client, signer)

    assert (delta(before_now, after_now)["trialing_live"], delta(before_now, after_now)["trials_expired"]) == (1, 0)
    assert (delta(before_later, after_later)["trialing_live"], delta(before_later, after_later)["trials_expired"]) == (
        0,
        1,
    )
    assert after_later["as_of"] == later.isoformat()
