"""Two billing replicas on one database and broker: the outbox relays never publish a row twice, the trial
reminder jobs send each reminder once, and each replica's /metrics reports the shared outbox and queues."""

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from billing.reminders.job import TrialReminderJob
from billing.subscriptions.models import BillingAccount, Subscription, TrialReminder
from shared.bus.names import BusNames
from shared.bus.tables import outbox
from shared.clock import ManualClock
from shared.db import SessionFactory
from shared.events import TrialEnding
from shared.testing import asgi_client, poll

from .conftest import FRONTEND_URL, listening, replicas

TRIAL_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROWS = 300


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(TRIAL_START)


@pytest.fixture(scope="module")
async def billing_pair(
    billing_database: str, environment: dict[str, str], clock: ManualClock
) -> AsyncIterator[list[FastAPI]]:
    from billing.app import create_app

    async with replicas(lambda: create_app(clock=clock), service="billing", environment=environment) as apps:
        yield apps


def factory_of(app: FastAPI) -> SessionFactory:
    found: SessionFactory = app.state.runtime.factory
    return found


def trial_ending(n: int) -> TrialEnding:
    return TrialEnding(
        account_id=uuid.uuid4(),
        plan="pro",
        current_period_end=TRIAL_START + timedelta(days=14),
        days_left=4,
        billing_email=f"owner{n}@example.com",
        upgrade_url=f"{FRONTEND_URL}/account/billing/select-plan",
    )


async def unpublished(factory: SessionFactory) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).where(outbox.c.published_at.is_(None))) or 0)


async def test_two_billing_replicas_publish_every_outbox_row_exactly_once(
    billing_pair: list[FastAPI], environment: dict[str, str], names: BusNames
) -> None:
    first, second = billing_pair
    async with listening(environment["AMQP_URL"], names, "billing.trial.ending") as queue:
        # written through both replicas' outboxes, in several transactions, while both relays run
        ids: set[str] = set()
        for batch in range(6):
            app = billing_pair[batch % 2]
            async with factory_of(app)() as session, session.begin():
                for n in range(ROWS // 6):
                    envelope = await app.state.runtime.outbox.add(session, trial_ending(batch * 100 + n))
                    ids.add(str(envelope.id))

        async def all_published() -> bool:
            return await unpublished(factory_of(first)) == 0

        await poll(all_published, timeout=30.0, message="both relays drained the outbox")
        # a row is marked sent only after the broker confirmed it (routed to this queue), so every copy
        # ever published is in the queue by now: draining it to empty counts them all
        bodies = []
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            bodies.append(json.loads(message.body))
    assert len(bodies) == ROWS
    assert {b["id"] for b in bodies} == ids
    assert await unpublished(factory_of(second)) == 0


async def start_trials(factory: SessionFactory, count: int) -> list[uuid.UUID]:
    accounts = [uuid.uuid4() for _ in range(count)]
    async with factory() as session, session.begin():
        for account_id in accounts:
            session.add(BillingAccount(account_id=account_id, email=f"{account_id.hex[:8]}@example.com"))
            session.add(
                Subscription(
                    account_id=account_id,
                    plan="pro",
                    status="trialing",
                    current_period_start=TRIAL_START,
                    current_period_end=TRIAL_START + timedelta(days=14),
                )
            )
    return accounts


def reminder_job(app: FastAPI) -> TrialReminderJob:
    """The job each replica runs in its background, here driven by hand so both runs overlap."""
    runtime = app.state.runtime
    return TrialReminderJob(
        factory=runtime.factory, outbox=runtime.outbox, clock=runtime.clock, frontend_url=FRONTEND_URL, batch_size=4
    )


async def test_two_billing_replicas_send_each_trial_reminder_once(
    billing_pair: list[FastAPI], clock: ManualClock
) -> None:
    first, second = billing_pair
    factory = factory_of(first)
    accounts = await start_trials(factory, 24)
    clock.set(TRIAL_START + timedelta(days=10))  # the 4-days-left reminder is due for all of them

    sent = await asyncio.gather(reminder_job(first).run_once(), reminder_job(second).run_once())
    sent_again = await asyncio.gather(reminder_job(second).run_once(), reminder_job(first).run_once())

    assert sum(sent) == len(accounts)
    assert list(sent_again) == [0, 0]
    async with factory() as session:
        reminders = (
            await session.execute(
                select(TrialReminder.account_id, func.count())
                .where(TrialReminder.account_id.in_(accounts))
                .group_by(TrialReminder.account_id)
            )
        ).all()
        announced = Counter(
            envelope["data"]["account_id"]
            for envelope in await session.scalars(
                select(outbox.c.envelope).where(outbox.c.type == "billing.trial.ending")
            )
        )
    assert {(a, n) for a, n in reminders} == {(a, 1) for a in accounts}
    assert {str(a): announced[str(a)] for a in accounts} == {str(a): 1 for a in accounts}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_each_billing_replica_reports_requests_outbox_and_queue_depths_at_metrics(
    billing_pair: list[FastAPI],
) -> None:
    first, second = billing_pair
    async with asgi_client(first, "billing") as client:
        assert (await client.get("/api/v1/plans/public")).status_code == 200
        answered = await client.get("/metrics")
    assert answered.status_code == 200
    assert answered.headers["content-type"].startswith("text/plain")
    found = samples(answered.text)
    route = (("method", "GET"), ("route", "/api/v1/plans/public"), ("service", "billing"), ("status_class", "2xx"))
    assert found[("http_requests_total", route)] >= 1
    billing = (("service", "billing"),)
    assert found[("outbox_backlog", billing)] == 0
    assert found[("outbox_oldest_unpublished_age_seconds", billing)] == 0
    assert found[("events_consumer_lag_messages", billing)] >= 0
    assert found[("events_dead_letters", billing)] == 0
    assert not any(name == "http_requests_total" and "/metrics" in str(labels) for name, labels in found)
    async with asgi_client(second, "billing") as client:
        assert (await client.get("/metrics")).status_code == 200
