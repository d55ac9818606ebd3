import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from billing_rows import outbox_events, private_database, subscribe
from fastapi import FastAPI
from sqlalchemy import select, update

from billing.reminders.background import run_trial_reminders
from billing.reminders.job import TrialReminderJob
from billing.subscriptions.models import Subscription, TrialReminder
from shared.bus.outbox import Outbox
from shared.clock import ManualClock
from shared.db import SessionFactory
from shared.testing import poll

FRONTEND = "https://app.example.com"
TRIAL_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def factory() -> AsyncIterator[SessionFactory]:
    async with private_database() as (_, session_factory):
        yield session_factory


def day(n: float) -> datetime:
    return TRIAL_START + timedelta(days=n)


def job(factory: SessionFactory, clock: ManualClock, batch_size: int = 200) -> TrialReminderJob:
    return TrialReminderJob(
        factory=factory, outbox=Outbox("billing", clock), clock=clock, frontend_url=FRONTEND, batch_size=batch_size
    )


async def start_trial(factory: SessionFactory, *, days: int = 14, **fields: Any) -> uuid.UUID:
    account_id = uuid.uuid4()
    fields = {"current_period_start": TRIAL_START, "current_period_end": day(days)} | fields
    await subscribe(
        factory, account_id, plan="pro", status="trialing", email=f"{account_id.hex[:8]}@example.com", **fields
    )
    return account_id


async def reminders_of(factory: SessionFactory, account_id: uuid.UUID) -> list[tuple[int, datetime]]:
    async with factory() as session:
        rows = await session.execute(
            select(TrialReminder.days_left, TrialReminder.current_period_end)
            .where(TrialReminder.account_id == account_id)
            .order_by(TrialReminder.sent_at, TrialReminder.days_left.desc())
        )
        return [(row.days_left, row.current_period_end) for row in rows]


async def days_left_sent(factory: SessionFactory, account_id: uuid.UUID) -> list[int]:
    return [e["data"]["days_left"] for e in await outbox_events(factory, "billing.trial.ending", account_id)]


async def test_day_ten_sends_the_four_day_reminder_once(factory: SessionFactory) -> None:
    account_id = await start_trial(factory)
    clock = ManualClock(day(10))

    await job(factory, clock).run_once()
    await job(factory, clock).run_once()

    assert await reminders_of(factory, account_id) == [(4, day(14))]
    [event] = await outbox_events(factory, "billing.trial.ending", account_id)
    assert event["producer"] == "billing"
    assert event["data"] == {
        "account_id": str(account_id),
        "plan": "pro",
        "current_period_end": day(14).isoformat().replace("+00:00", "Z"),
        "days_left": 4,
        "billing_email": f"{account_id.hex[:8]}@example.com",
        "upgrade_url": "https://app.example.com/account/billing/select-plan",
    }


async def test_day_thirteen_sends_the_one_day_reminder_after_the_four_day_one(factory: SessionFactory) -> None:
    account_id = await start_trial(factory)
    clock = ManualClock(day(9.9))
    await job(factory, clock).run_once()
    assert await days_left_sent(factory, account_id) == []

    clock.set(day(10))
    await job(factory, clock).run_once()
    clock.set(day(12.5))
    await job(factory, clock).run_once()
    clock.set(day(13))
    await job(factory, clock).run_once()
    await job(factory, clock).run_once()

    assert await days_left_sent(factory, account_id) == [4, 1]
    assert await reminders_of(factory, account_id) == [(4, day(14)), (1, day(14))]


async def test_both_reminders_due_at_once_send_only_the_one_day_reminder(factory: SessionFactory) -> None:
    account_id = await start_trial(factory)
    clock = ManualClock(day(13.5))

    await job(factory, clock).run_once()

    assert await days_left_sent(factory, account_id) == [1]


async def test_ended_trial_and_stripe_managed_or_other_subscriptions_get_no_reminder(factory: SessionFactory) -> None:
    ended = await start_trial(factory, days=3)
    stripe_managed = await start_trial(factory, stripe_subscription_id=f"sub_{uuid.uuid4().hex}")
    active = uuid.uuid4()
    await subscribe(factory, active, plan="pro", status="active", current_period_end=day(14))
    clock = ManualClock(day(13))

    await job(factory, clock).run_once()

    for account_id in (ended, stripe_managed, active):
        assert await days_left_sent(factory, account_id) == []
        assert await reminders_of(factory, account_id) == []


async def test_trial_extended_by_an_admin_gets_its_reminders_again(factory: SessionFactory) -> None:
    account_id = await start_trial(factory)
    clock = ManualClock(day(13))
    await job(factory, clock).run_once()
    async with factory() as session, session.begin():
        await session.execute(
            update(Subscription).where(Subscription.account_id == account_id).values(current_period_end=day(21))
        )

    clock.set(day(17))
    await job(factory, clock).run_once()
    clock.set(day(20))
    await job(factory, clock).run_once()

    assert await reminders_of(factory, account_id) == [(1, day(14)), (4, day(21)), (1, day(21))]
    assert await days_left_sent(factory, account_id) == [1, 4, 1]


async def test_concurrent_runs_send_each_reminder_once(factory: SessionFactory) -> None:
    accounts = [await start_trial(factory, days=14 + 30) for _ in range(12)]
    clock = ManualClock(day(40))

    await asyncio.gather(*(job(factory, clock, batch_size=5).run_once() for _ in range(4)))
    await job(factory, clock).run_once()

    for account_id in accounts:
        assert await days_left_sent(factory, account_id) == [4]
        assert await reminders_of(factory, account_id) == [(4, day(44))]


async def test_the_app_runs_the_job_in_the_background_and_cancels_it_on_shutdown(factory: SessionFactory) -> None:
    account_id = await start_trial(factory, days=60)
    clock = ManualClock(day(59.5))
    application = FastAPI()
    application.state.runtime = SimpleNamespace(factory=factory, outbox=Outbox("billing", clock), clock=clock)
    run_trial_reminders(application, frontend_url=FRONTEND, interval_seconds=0.01)

    async def reminded() -> bool:
        return await days_left_sent(factory, account_id) == [1]

    async with application.router.lifespan_context(application):
        task = application.state.trial_reminders
        await poll(reminded, message="background run sent the reminder")
        clock.set(day(60.5))  # later runs find nothing new

    assert task.cancelled()
    assert await days_left_sent(factory, account_id) == [1]
