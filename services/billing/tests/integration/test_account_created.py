import uuid
from datetime import datetime, timedelta
from typing import Any

from identity_events import (
    account_created,
    changed_events_of,
    processed,
    publish,
    subscriptions_of,
    user_registered,
)
from sqlalchemy import select

from billing.subscriptions.models import BillingAccount
from billing.usage.models import AccountUsage
from shared.clock import ManualClock
from shared.events import PlatformInvite
from shared.testing import poll


async def deliver(app: Any, event: Any) -> None:
    await publish(app, event)
    await poll(lambda: processed(app, event), message=f"billing processed {event.type}")


async def test_new_account_starts_a_fourteen_day_pro_trial(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    created_at = clock.now() - timedelta(minutes=5)
    await deliver(app, account_created(account_id, created_at=created_at, owner_email="Owner@Example.com"))

    [sub] = await subscriptions_of(app, account_id)
    assert (sub.plan, sub.status) == ("pro", "trialing")
    assert sub.current_period_start == created_at
    assert sub.current_period_end == created_at + timedelta(days=14)
    assert sub.stripe_subscription_id is None

    [changed] = await changed_events_of(app, account_id)
    data = changed["data"]
    assert changed["producer"] == "billing"
    assert data["subscription_id"] == str(sub.id)
    assert (data["plan"], data["status"], data["reason"]) == ("pro", "trialing", "trial_started")
    assert (data["previous_plan"], data["previous_status"]) == (None, None)
    assert data["has_pro_entitlement"] is True
    assert data["is_paid"] is False
    assert data["notify"] is True
    assert data["billing_email"] == "owner@example.com"
    assert datetime.fromisoformat(data["changed_at"]) == clock.now()

    async with app.state.runtime.factory() as session:
        account = await session.get(BillingAccount, account_id)
    assert account is not None
    assert account.email == "owner@example.com"


async def test_replayed_account_created_makes_one_subscription(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    event = account_created(account_id, created_at=clock.now())
    await publish(app, event)
    await publish(app, event)
    await poll(lambda: processed(app, event), message="billing processed account.created")

    consumer = app.state.runtime.consumer
    handler = consumer.handlers[event.type]
    applied_again = await consumer.apply(event, handler, handler.model.model_validate(event.data))

    assert applied_again is False
    assert len(await subscriptions_of(app, account_id)) == 1
    assert len(await changed_events_of(app, account_id)) == 1


async def test_second_account_created_event_for_one_account_keeps_the_first_subscription(
    app: Any, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    first = account_created(account_id, created_at=clock.now())
    second = account_created(
        account_id,
        created_at=clock.now() + timedelta(hours=1),
        platform_invite=PlatformInvite(invite_code_id=uuid.uuid4(), assigned_plan="starter"),
    )
    await deliver(app, first)
    await deliver(app, second)

    [sub] = await subscriptions_of(app, account_id)
    assert (sub.plan, sub.status) == ("pro", "trialing")
    assert len(await changed_events_of(app, account_id)) == 1


async def test_invite_with_trial_days_starts_a_trial_of_the_invite_plan(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    created_at = clock.now()
    invite = PlatformInvite(invite_code_id=uuid.uuid4(), assigned_plan="enterprise", trial_duration_days=30)
    await deliver(app, account_created(account_id, created_at=created_at, platform_invite=invite))

    [sub] = await subscriptions_of(app, account_id)
    assert (sub.plan, sub.status) == ("enterprise", "trialing")
    assert sub.current_period_end == created_at + timedelta(days=30)
    [changed] = await changed_events_of(app, account_id)
    assert changed["data"]["reason"] == "invite_plan"


async def test_invite_without_trial_days_activates_the_invite_plan_without_period(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    invite = PlatformInvite(invite_code_id=uuid.uuid4(), assigned_plan="free")
    await deliver(app, account_created(account_id, created_at=clock.now(), platform_invite=invite))

    [sub] = await subscriptions_of(app, account_id)
    assert (sub.plan, sub.status) == ("free", "active")
    assert (sub.current_period_start, sub.current_period_end) == (None, None)
    [changed] = await changed_events_of(app, account_id)
    assert changed["data"]["reason"] == "invite_plan"
    assert changed["data"]["has_pro_entitlement"] is False
    assert changed["data"]["is_paid"] is False


async def test_registered_users_are_counted_in_account_usage(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    await deliver(app, user_registered(account_id, created_at=clock.now()))
    await deliver(app, user_registered(account_id, created_at=clock.now(), joined=True))

    async with app.state.runtime.factory() as session:
        usage = await session.scalar(select(AccountUsage).where(AccountUsage.account_id == account_id))
    assert usage is not None
    assert usage.users == 2
    assert usage.period_start == clock.now().date().replace(day=1)
