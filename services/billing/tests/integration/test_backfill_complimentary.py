import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from billing_rows import outbox_events, private_database, subscribe
from sqlalchemy import select

from billing.audit.models import AuditLog
from billing.operations.backfill import BackfillCounts, backfill_complimentary
from billing.subscriptions.models import BillingAccount, Subscription
from shared.bus.outbox import Outbox
from shared.clock import ManualClock
from shared.db import SessionFactory

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
async def database() -> AsyncIterator[tuple[str, SessionFactory]]:
    async with private_database() as db:
        yield db


async def run(factory: SessionFactory, *, notify: bool = True, dry_run: bool = False) -> BackfillCounts:
    clock = ManualClock(NOW)
    async with factory() as session, session.begin():
        return await backfill_complimentary(
            session=session, outbox=Outbox("billing", clock), now=clock.now(), notify=notify, dry_run=dry_run
        )


async def arrange(factory: SessionFactory) -> dict[str, uuid.UUID]:
    """One account of each kind the backfill tells apart."""
    ids = {
        name: uuid.uuid4()
        for name in ("trial", "free", "incomplete", "comped", "canceled", "past_due", "stripe", "orphan")
    }
    trial_end = NOW + timedelta(days=5)
    await subscribe(
        factory,
        ids["trial"],
        plan="pro",
        status="trialing",
        email="trial@example.com",
        current_period_start=NOW - timedelta(days=9),
        current_period_end=trial_end,
    )
    await subscribe(factory, ids["free"], plan="free", status="active", email="free@example.com")
    await subscribe(factory, ids["incomplete"], plan="starter", status="incomplete")
    await subscribe(factory, ids["comped"], plan="pro", status="complimentary")
    await subscribe(factory, ids["canceled"], plan="starter", status="canceled")
    await subscribe(factory, ids["past_due"], plan="pro", status="past_due", stripe_subscription_id="sub_pd")
    await subscribe(
        factory,
        ids["stripe"],
        plan="pro",
        status="active",
        stripe_subscription_id="sub_live",
        current_period_end=trial_end,
    )
    async with factory() as session, session.begin():
        session.add(BillingAccount(account_id=ids["orphan"], email="orphan@example.com"))
    return ids


async def subscription(factory: SessionFactory, account_id: uuid.UUID) -> Subscription:
    async with factory() as session:
        sub = await session.scalar(select(Subscription).where(Subscription.account_id == account_id))
    assert sub is not None
    return sub


async def audit_rows(factory: SessionFactory) -> list[AuditLog]:
    async with factory() as session:
        return list(await session.scalars(select(AuditLog).where(AuditLog.action == "complimentary_backfill")))


async def test_backfill_moves_local_subscriptions_to_complimentary_pro_and_announces_each(
    database: tuple[str, SessionFactory],
) -> None:
    _, factory = database
    ids = await arrange(factory)

    counts = await run(factory)

    assert counts == BackfillCounts(updated=3, inserted=1, skipped_stripe_managed=1)
    for name in ("trial", "free", "incomplete", "orphan", "comped"):
        sub = await subscription(factory, ids[name])
        assert (sub.plan, sub.status, sub.current_period_start, sub.current_period_end) == (
            "pro",
            "complimentary",
            None,
            None,
        ), name
    assert (await subscription(factory, ids["canceled"])).status == "canceled"
    assert (await subscription(factory, ids["past_due"])).status == "past_due"
    stripe_managed = await subscription(factory, ids["stripe"])
    assert (stripe_managed.status, stripe_managed.current_period_end) == ("active", NOW + timedelta(days=5))

    events = await outbox_events(factory, "billing.subscription.changed")
    by_account = {e["data"]["account_id"]: e["data"] for e in events}
    assert set(by_account) == {str(ids[n]) for n in ("trial", "free", "incomplete", "orphan")}
    trial = by_account[str(ids["trial"])]
    assert (trial["reason"], trial["notify"], trial["status"], trial["plan"]) == (
        "complimentary_backfill",
        True,
        "complimentary",
        "pro",
    )
    assert (trial["previous_status"], trial["previous_plan"], trial["billing_email"]) == (
        "trialing",
        "pro",
        "trial@example.com",
    )
    assert trial["has_pro_entitlement"] is True
    assert trial["is_paid"] is False
    orphan = by_account[str(ids["orphan"])]
    assert (orphan["previous_status"], orphan["billing_email"], orphan["cancel_at_period_end"]) == (
        None,
        "orphan@example.com",
        False,
    )

    audits = {row.entity_id: row for row in await audit_rows(factory)}
    assert set(audits) == {str(ids[n]) for n in ("trial", "free", "incomplete", "orphan")}
    assert audits[str(ids["free"])].details["before"] == {
        "status": "active",
        "plan": "free",
        "current_period_start": None,
        "current_period_end": None,
    }
    assert audits[str(ids["trial"])].details["before"]["current_period_end"] == (NOW + timedelta(days=5)).isoformat()
    assert audits[str(ids["orphan"])].details["before"] is None
    assert all(row.actor_id is None for row in audits.values())


async def test_second_backfill_changes_and_publishes_nothing(database: tuple[str, SessionFactory]) -> None:
    _, factory = database
    await arrange(factory)
    await run(factory)
    events_before = len(await outbox_events(factory, "billing.subscription.changed"))

    counts = await run(factory)

    assert counts == BackfillCounts(updated=0, inserted=0, skipped_stripe_managed=1)
    assert len(await outbox_events(factory, "billing.subscription.changed")) == events_before
    assert len(await audit_rows(factory)) == 4


async def test_backfill_without_email_announces_with_notify_false(database: tuple[str, SessionFactory]) -> None:
    _, factory = database
    await arrange(factory)

    await run(factory, notify=False)

    events = await outbox_events(factory, "billing.subscription.changed")
    assert len(events) == 4
    assert {e["data"]["notify"] for e in events} == {False}


async def test_dry_run_counts_and_writes_nothing(database: tuple[str, SessionFactory]) -> None:
    _, factory = database
    ids = await arrange(factory)

    counts = await run(factory, dry_run=True)

    assert counts == BackfillCounts(updated=3, inserted=1, skipped_stripe_managed=1)
    assert (await subscription(factory, ids["trial"])).status == "trialing"
    async with factory() as session:
        assert await session.scalar(select(Subscription).where(Subscription.account_id == ids["orphan"])) is None
    assert await outbox_events(factory, "billing.subscription.changed") == []
    assert await audit_rows(factory) == []


async def command(database_url: str, *args: str) -> tuple[int, str, str]:
    env = os.environ | {"BILLING_DATABASE_URL": database_url, "INTERNAL_API_TOKEN": "test-internal-token"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "billing",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_command_prints_the_counts_and_dry_run_leaves_the_database_alone(
    database: tuple[str, SessionFactory],
) -> None:
    url, factory = database
    ids = await arrange(factory)

    dry = await command(url, "backfill-complimentary", "--dry-run")
    real = await command(url, "backfill-complimentary", "--no-email")
    again = await command(url, "backfill-complimentary")

    assert dry[0] == 0, dry[2]
    assert json.loads(dry[1]) == {"updated": 3, "inserted": 1, "skipped_stripe_managed": 1, "dry_run": True}
    assert real[0] == 0, real[2]
    assert json.loads(real[1]) == {"updated": 3, "inserted": 1, "skipped_stripe_managed": 1, "dry_run": False}
    assert json.loads(again[1]) == {"updated": 0, "inserted": 0, "skipped_stripe_managed": 1, "dry_run": False}
    assert (await subscription(factory, ids["orphan"])).status == "complimentary"
    events = await outbox_events(factory, "billing.subscription.changed")
    assert len(events) == 4
    assert {e["data"]["notify"] for e in events} == {False}


async def test_command_exits_1_when_the_database_is_unreachable(database: tuple[str, SessionFactory]) -> None:
    url, _ = database
    missing = url.rsplit("/", 1)[0] + f"/missing_{uuid.uuid4().hex[:8]}"

    code, stdout, stderr = await command(missing, "backfill-complimentary")

    assert code == 1
    assert stdout == ""
    assert "database error, nothing committed" in stderr
