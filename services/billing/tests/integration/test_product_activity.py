import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from billing_rows import INTERNAL, previous_month, reserve, set_usage, subscribe, usage_row
from identity_events import processed, publish

from billing.usage.service import month_start
from shared.clock import ManualClock
from shared.events import ActivityRecorded, ActivityTotals, Envelope
from shared.testing import poll


def activity(
    account_id: uuid.UUID, kind: str, *, occurred_at: datetime, totals: ActivityTotals | None = None
) -> Envelope:
    data = ActivityRecorded(
        account_id=account_id, user_id=uuid.uuid4(), activity=kind, occurred_at=occurred_at, totals=totals
    )
    return Envelope(
        id=uuid.uuid4(),
        type="product.activity.recorded",
        occurred_at=occurred_at,
        producer="product",
        correlation_id="test",
        data=data.model_dump(mode="json"),
    )


def totals(moment: datetime, *, trees: int, sessions: int, ai_builds: int) -> ActivityTotals:
    return ActivityTotals(
        trees=trees, sessions_this_month=sessions, ai_builds_this_month=ai_builds, period_start=month_start(moment)
    )


async def deliver(app: Any, event: Envelope) -> None:
    await publish(app, event)
    await poll(lambda: processed(app, event), message="billing processed product.activity.recorded")


async def test_totals_replace_the_counters_and_stamp_totals_as_of(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await set_usage(factory, account_id, period_start=month_start(clock.now()), trees=9, sessions_this_month=9)
    occurred_at = clock.now() - timedelta(minutes=1)

    await deliver(
        app,
        activity(
            account_id,
            "session_run",
            occurred_at=occurred_at,
            totals=totals(occurred_at, trees=4, sessions=7, ai_builds=2),
        ),
    )

    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert (usage.trees, usage.sessions_this_month, usage.ai_builds_this_month) == (4, 7, 2)
    assert usage.totals_as_of == occurred_at


async def test_totals_keep_reservations_made_after_them(
    app: Any, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await subscribe(factory, account_id, plan="pro")
    occurred_at = clock.now() - timedelta(seconds=30)
    await reserve(client, account_id)
    released = (await reserve(client, account_id)).json()["reservation_id"]
    await client.post(f"/internal/usage/reservations/{released}/release", headers=INTERNAL)
    await reserve(client, account_id, "sessions_this_month")

    await deliver(
        app,
        activity(
            account_id,
            "flow_created",
            occurred_at=occurred_at,
            totals=totals(occurred_at, trees=10, sessions=3, ai_builds=0),
        ),
    )

    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert (usage.trees, usage.sessions_this_month) == (11, 4)


async def test_older_totals_are_ignored(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    newer = clock.now() - timedelta(minutes=1)
    older = newer - timedelta(minutes=5)

    await deliver(
        app,
        activity(account_id, "flow_created", occurred_at=newer, totals=totals(newer, trees=5, sessions=5, ai_builds=5)),
    )
    await deliver(
        app,
        activity(account_id, "flow_created", occurred_at=older, totals=totals(older, trees=1, sessions=1, ai_builds=1)),
    )

    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert (usage.trees, usage.sessions_this_month, usage.ai_builds_this_month) == (5, 5, 5)
    assert usage.totals_as_of == newer


async def test_flow_deleted_without_totals_removes_a_tree_but_never_below_zero(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await set_usage(factory, account_id, period_start=month_start(clock.now()), trees=1)

    await deliver(app, activity(account_id, "flow_deleted", occurred_at=clock.now()))
    await deliver(app, activity(account_id, "flow_deleted", occurred_at=clock.now()))

    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert usage.trees == 0


async def test_ai_build_without_totals_counts_one_build_this_month(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await set_usage(factory, account_id, period_start=previous_month(clock.now()), ai_builds_this_month=7)

    await deliver(app, activity(account_id, "ai_build", occurred_at=clock.now()))

    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert (usage.ai_builds_this_month, usage.period_start) == (1, month_start(clock.now()))


async def test_count_change_already_included_in_newer_totals_is_not_applied_again(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    deleted_at = clock.now() - timedelta(minutes=2)
    totals_at = clock.now() - timedelta(minutes=1)

    await deliver(
        app,
        activity(
            account_id,
            "flow_created",
            occurred_at=totals_at,
            totals=totals(totals_at, trees=3, sessions=0, ai_builds=0),
        ),
    )
    await deliver(app, activity(account_id, "flow_deleted", occurred_at=deleted_at))

    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert usage.trees == 3


async def test_creations_without_totals_move_no_counter(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await set_usage(factory, account_id, period_start=month_start(clock.now()), trees=2, sessions_this_month=2)

    await deliver(app, activity(account_id, "flow_created", occurred_at=clock.now()))
    await deliver(app, activity(account_id, "session_run", occurred_at=clock.now()))

    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert (usage.trees, usage.sessions_this_month) == (2, 2)
