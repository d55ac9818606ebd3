import asyncio
import uuid
from typing import Any

import httpx
from billing_rows import INTERNAL, previous_month, reserve, set_usage, subscribe, usage_row
from sqlalchemy import select

from billing.catalog.models import AccountLimitOverride
from billing.usage.models import UsageReservation
from billing.usage.service import month_start
from shared.clock import ManualClock


async def reservations_of(app: Any, account_id: uuid.UUID) -> list[UsageReservation]:
    async with app.state.runtime.factory() as session:
        rows = await session.scalars(select(UsageReservation).where(UsageReservation.account_id == account_id))
        return list(rows)


async def test_reserve_within_limit_counts_the_unit_and_records_the_reservation(
    app: Any, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    await subscribe(app.state.runtime.factory, account_id, plan="free")

    response = await reserve(client, account_id, amount=1)

    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is True
    assert (body["used"], body["max"]) == (1, 3)
    [reservation] = await reservations_of(app, account_id)
    assert str(reservation.id) == body["reservation_id"]
    assert (reservation.metric, reservation.amount, reservation.released_at) == ("trees", 1, None)
    assert reservation.period_start == month_start(clock.now())
    usage = await usage_row(app.state.runtime.factory, account_id)
    assert usage is not None
    assert usage.trees == 1


async def test_reserve_at_the_limit_is_refused_with_the_limit_and_plan(
    app: Any, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await subscribe(factory, account_id, plan="starter")
    await set_usage(factory, account_id, period_start=month_start(clock.now()), sessions_this_month=75)

    response = await reserve(client, account_id, "sessions_this_month")

    assert response.status_code == 200
    assert response.json() == {
        "allowed": False,
        "limit": "max_sessions_per_month",
        "used": 75,
        "max": 75,
        "plan": "starter",
    }
    assert await reservations_of(app, account_id) == []
    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert usage.sessions_this_month == 75


async def test_twenty_concurrent_reservations_with_one_unit_left_allow_exactly_one(
    app: Any, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await subscribe(factory, account_id, plan="free")
    await set_usage(factory, account_id, period_start=month_start(clock.now()), trees=2)

    responses = await asyncio.gather(*(reserve(client, account_id) for _ in range(20)))

    assert {r.status_code for r in responses} == {200}
    allowed = [r.json() for r in responses if r.json()["allowed"]]
    refused = [r.json() for r in responses if not r.json()["allowed"]]
    assert len(allowed) == 1
    assert allowed[0]["used"] == 3
    assert len(refused) == 19
    assert all(r == {"allowed": False, "limit": "max_trees", "used": 3, "max": 3, "plan": "free"} for r in refused)
    assert len(await reservations_of(app, account_id)) == 1
    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert usage.trees == 3


async def test_account_limit_override_sets_the_reservation_limit(
    app: Any, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await subscribe(factory, account_id, plan="pro")
    async with factory() as session, session.begin():
        session.add(AccountLimitOverride(account_id=account_id, max_trees=1))

    first = await reserve(client, account_id)
    second = await reserve(client, account_id)

    assert (first.json()["allowed"], first.json()["max"]) == (True, 1)
    assert second.json() == {"allowed": False, "limit": "max_trees", "used": 1, "max": 1, "plan": "pro"}


async def test_unlimited_plan_always_allows_and_reports_no_max(app: Any, client: httpx.AsyncClient) -> None:
    account_id = uuid.uuid4()
    await subscribe(app.state.runtime.factory, account_id, plan="enterprise")

    response = await reserve(client, account_id, "sessions_this_month", amount=5)

    body = response.json()
    assert (body["allowed"], body["used"], body["max"]) == (True, 5, None)


async def test_monthly_counter_restarts_in_a_new_month(app: Any, client: httpx.AsyncClient, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await subscribe(factory, account_id, plan="free")
    last_month = previous_month(clock.now())
    await set_usage(
        factory, account_id, period_start=last_month, trees=1, sessions_this_month=20, ai_builds_this_month=4
    )

    response = await reserve(client, account_id, "sessions_this_month")

    assert (response.json()["allowed"], response.json()["used"]) == (True, 1)
    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert (usage.trees, usage.sessions_this_month, usage.ai_builds_this_month) == (1, 1, 0)
    assert usage.period_start == month_start(clock.now())


async def test_reserve_without_subscription_is_404_no_subscription(app: Any, client: httpx.AsyncClient) -> None:
    account_id = uuid.uuid4()

    response = await reserve(client, account_id)

    assert response.status_code == 404
    assert response.json() == {"detail": {"error": "no_subscription"}}
    assert await usage_row(app.state.runtime.factory, account_id) is None


async def test_reserve_rejects_an_unknown_metric_and_a_bad_amount(app: Any, client: httpx.AsyncClient) -> None:
    account_id = uuid.uuid4()
    await subscribe(app.state.runtime.factory, account_id, plan="free")

    unknown = await reserve(client, account_id, "users")
    zero = await reserve(client, account_id, amount=0)

    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "metric"]
    assert zero.status_code == 422
    assert zero.json()["detail"][0]["loc"] == ["body", "amount"]
    assert await reservations_of(app, account_id) == []


async def test_reserve_needs_the_internal_token(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/internal/usage/{uuid.uuid4()}/reserve", json={"metric": "trees"})

    assert response.status_code == 401


async def test_release_gives_the_unit_back_once(app: Any, client: httpx.AsyncClient, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    await subscribe(factory, account_id, plan="free")
    reservation_id = (await reserve(client, account_id)).json()["reservation_id"]
    await reserve(client, account_id)

    first = await client.post(f"/internal/usage/reservations/{reservation_id}/release", headers=INTERNAL)
    second = await client.post(f"/internal/usage/reservations/{reservation_id}/release", headers=INTERNAL)

    assert (first.status_code, second.status_code) == (204, 204)
    usage = await usage_row(factory, account_id)
    assert usage is not None
    assert usage.trees == 1
    released = {r.id: r.released_at for r in await reservations_of(app, account_id)}
    assert released[uuid.UUID(reservation_id)] == clock.now()


async def test_releasing_an_unknown_reservation_is_204_and_changes_nothing(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/internal/usage/reservations/{uuid.uuid4()}/release", headers=INTERNAL)

    assert response.status_code == 204
