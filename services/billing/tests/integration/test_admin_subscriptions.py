import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from admin_support import (
    FakeIdentity,
    add_account,
    admin_headers,
    audit_rows,
    closed_port_url,
    events_by,
    subscription_of,
)

from billing.admin.deps import identity_users
from billing.admin.identity import IdentityUsers
from shared.clock import ManualClock
from shared.testing import TestSigner

STATE = {
    "account_id",
    "status",
    "plan",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "seat_limit",
    "has_pro_entitlement",
    "is_paid",
}


@pytest.fixture
async def identity(app: Any) -> AsyncIterator[FakeIdentity]:
    """Identity's internal user API, served on a local port and wired into billing for the test."""
    fake = FakeIdentity("test-internal-token")
    async with fake.serving() as url:
        app.dependency_overrides[identity_users] = lambda: IdentityUsers(
            base_url=url, token="test-internal-token", http=app.state.runtime.http
        )
        try:
            yield fake
        finally:
            app.dependency_overrides.pop(identity_users, None)


@pytest.fixture
def identity_down(app: Any) -> Any:
    app.dependency_overrides[identity_users] = lambda: IdentityUsers(
        base_url=closed_port_url(), token="test-internal-token", http=app.state.runtime.http
    )
    yield
    app.dependency_overrides.pop(identity_users, None)


async def test_setting_an_accounts_plan_changes_the_plan_only(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    end = clock.now() + timedelta(days=20)
    await add_account(app, account_id, plan="pro", status="active", current_period_end=end, seat_limit=3)

    response = await client.put(
        f"/api/v1/admin/accounts/{account_id}/plan", json={"plan": "starter"}, headers=admin_headers(signer, admin_id)
    )

    assert response.status_code == 200
    assert response.json() == {"account_id": str(account_id), "old_plan": "pro", "new_plan": "starter"}
    sub = await subscription_of(app, account_id)
    assert sub is not None
    assert (sub.plan, sub.status, sub.current_period_end, sub.seat_limit) == ("starter", "active", end, 3)
    [entry] = await audit_rows(app, "subscription.plan_change", admin_id)
    assert entry.details == {"account_id": str(account_id), "old_plan": "pro", "new_plan": "starter"}
    [event] = await events_by(app, "billing.subscription.changed", account_id=account_id)
    assert event["data"]["reason"] == "admin"
    assert (event["data"]["previous_plan"], event["data"]["plan"]) == ("pro", "starter")
    assert event["data"]["billing_email"] == "owner@example.com"


async def test_setting_an_invalid_plan_is_400_and_changes_nothing(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    await add_account(app, account_id, plan="pro", status="active")

    response = await client.put(
        f"/api/v1/admin/accounts/{account_id}/plan", json={"plan": "platinum"}, headers=admin_headers(signer, admin_id)
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid plan"}
    sub = await subscription_of(app, account_id)
    assert sub is not None
    assert sub.plan == "pro"
    assert await audit_rows(app, "subscription.plan_change", admin_id) == []


async def test_setting_the_plan_of_an_account_without_subscription_is_404(
    client: httpx.AsyncClient, signer: TestSigner
) -> None:
    response = await client.put(
        f"/api/v1/admin/accounts/{uuid.uuid4()}/plan", json={"plan": "pro"}, headers=admin_headers(signer, uuid.uuid4())
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Subscription not found"}


async def test_setting_a_users_plan_changes_the_plan_of_the_users_account(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, identity: FakeIdentity
) -> None:
    admin_id = uuid.uuid4()
    account_id, user_id = uuid.uuid4(), uuid.uuid4()
    identity.users[user_id] = account_id
    await add_account(app, account_id, plan="free", status="active")

    response = await client.put(
        f"/api/v1/admin/users/{user_id}/plan", json={"plan": "enterprise"}, headers=admin_headers(signer, admin_id)
    )

    assert response.status_code == 200
    assert response.json() == {"account_id": str(account_id), "old_plan": "free", "new_plan": "enterprise"}
    sub = await subscription_of(app, account_id)
    assert sub is not None
    assert sub.plan == "enterprise"
    [event] = await events_by(app, "billing.subscription.changed", account_id=account_id)
    assert event["data"]["reason"] == "admin"
    assert len(await audit_rows(app, "subscription.plan_change", admin_id)) == 1


async def test_setting_the_plan_of_a_user_identity_does_not_know_is_404(
    client: httpx.AsyncClient, signer: TestSigner, identity: FakeIdentity
) -> None:
    response = await client.put(
        f"/api/v1/admin/users/{uuid.uuid4()}/plan", json={"plan": "pro"}, headers=admin_headers(signer, uuid.uuid4())
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}


async def test_setting_the_plan_of_a_user_whose_account_has_no_subscription_is_404(
    client: httpx.AsyncClient, signer: TestSigner, identity: FakeIdentity
) -> None:
    user_id = uuid.uuid4()
    identity.users[user_id] = uuid.uuid4()

    response = await client.put(
        f"/api/v1/admin/users/{user_id}/plan", json={"plan": "pro"}, headers=admin_headers(signer, uuid.uuid4())
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Subscription not found"}


async def test_setting_a_users_plan_while_identity_is_unreachable_is_502(
    client: httpx.AsyncClient, signer: TestSigner, identity_down: None
) -> None:
    response = await client.put(
        f"/api/v1/admin/users/{uuid.uuid4()}/plan", json={"plan": "pro"}, headers=admin_headers(signer, uuid.uuid4())
    )

    assert response.status_code == 502
    assert response.json() == {"detail": {"error": "identity_unavailable"}}


async def test_setting_an_invalid_plan_for_a_user_is_400_without_asking_identity(
    client: httpx.AsyncClient, signer: TestSigner, identity_down: None
) -> None:
    response = await client.put(
        f"/api/v1/admin/users/{uuid.uuid4()}/plan", json={"plan": "gold"}, headers=admin_headers(signer, uuid.uuid4())
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid plan"}


async def test_comping_an_account_clears_its_periods_and_is_audited_with_the_reason(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    start, end = clock.now() - timedelta(days=3), clock.now() + timedelta(days=11)
    await add_account(
        app, account_id, plan="pro", status="trialing", current_period_start=start, current_period_end=end
    )

    response = await client.patch(
        f"/api/v1/admin/accounts/{account_id}/subscription",
        json={"status": "complimentary", "reason": "pilot customer"},
        headers=admin_headers(signer, admin_id),
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == STATE
    assert (body["status"], body["plan"], body["current_period_start"], body["current_period_end"]) == (
        "complimentary",
        "pro",
        None,
        None,
    )
    assert (body["has_pro_entitlement"], body["is_paid"]) == (True, False)
    sub = await subscription_of(app, account_id)
    assert sub is not None
    assert (sub.status, sub.current_period_start, sub.current_period_end) == ("complimentary", None, None)
    [entry] = await audit_rows(app, "subscription.admin_update", admin_id)
    assert entry.details["reason"] == "pilot customer"
    assert entry.details["before"]["status"] == "trialing"
    assert entry.details["after"]["status"] == "complimentary"
    [event] = await events_by(app, "billing.subscription.changed", account_id=account_id)
    assert event["data"]["reason"] == "admin"
    assert (event["data"]["previous_status"], event["data"]["status"]) == ("trialing", "complimentary")


async def test_comping_with_a_period_end_keeps_that_end(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    await add_account(app, account_id, plan="pro", status="active")
    until = (clock.now() + timedelta(days=90)).replace(microsecond=0)

    response = await client.patch(
        f"/api/v1/admin/accounts/{account_id}/subscription",
        json={"status": "complimentary", "current_period_end": until.isoformat()},
        headers=admin_headers(signer, uuid.uuid4()),
    )

    assert response.status_code == 200
    assert response.json()["current_period_end"] == until.isoformat()
    sub = await subscription_of(app, account_id)
    assert sub is not None
    assert (sub.status, sub.current_period_end) == ("complimentary", until)


async def test_extending_a_trial_moves_its_end_and_sets_only_what_was_sent(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    start = clock.now() - timedelta(days=20)
    await add_account(
        app,
        account_id,
        plan="pro",
        status="trialing",
        current_period_start=start,
        current_period_end=start,
        seat_limit=2,
    )
    new_end = (clock.now() + timedelta(days=7)).replace(microsecond=0)

    response = await client.patch(
        f"/api/v1/admin/accounts/{account_id}/subscription",
        json={"current_period_end": new_end.isoformat(), "seat_limit": None},
        headers=admin_headers(signer, uuid.uuid4()),
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["current_period_end"], body["seat_limit"]) == ("trialing", new_end.isoformat(), None)
    assert body["has_pro_entitlement"] is True
    sub = await subscription_of(app, account_id)
    assert sub is not None
    assert (sub.current_period_start, sub.current_period_end, sub.seat_limit) == (start, new_end, None)


async def test_patch_creates_the_subscription_of_an_account_that_has_none(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    await add_account(app, account_id, email="stuck@example.com")

    response = await client.patch(
        f"/api/v1/admin/accounts/{account_id}/subscription",
        json={"plan": "starter", "status": "active", "seat_limit": 4, "reason": "signup event lost"},
        headers=admin_headers(signer, admin_id),
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["account_id"], body["plan"], body["status"], body["seat_limit"], body["is_paid"]) == (
        str(account_id),
        "starter",
        "active",
        4,
        True,
    )
    sub = await subscription_of(app, account_id)
    assert sub is not None
    assert (sub.plan, sub.status, sub.seat_limit) == ("starter", "active", 4)
    [entry] = await audit_rows(app, "subscription.admin_update", admin_id)
    assert entry.details["before"] is None
    assert entry.details["after"]["plan"] == "starter"
    [event] = await events_by(app, "billing.subscription.changed", account_id=account_id)
    assert (event["data"]["previous_status"], event["data"]["status"], event["data"]["reason"]) == (
        None,
        "active",
        "admin",
    )
    assert event["data"]["billing_email"] == "stuck@example.com"


async def test_creating_a_subscription_without_plan_and_status_is_400(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    account_id = uuid.uuid4()
    await add_account(app, account_id)

    response = await client.patch(
        f"/api/v1/admin/accounts/{account_id}/subscription",
        json={"plan": "pro"},
        headers=admin_headers(signer, uuid.uuid4()),
    )

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "plan_and_status_required"}}
    assert await subscription_of(app, account_id) is None


async def test_a_trial_without_a_period_end_is_400_and_changes_nothing(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    new_account, existing = uuid.uuid4(), uuid.uuid4()
    await add_account(app, new_account)
    await add_account(app, existing, plan="pro", status="active")

    creating = await client.patch(
        f"/api/v1/admin/accounts/{new_account}/subscription",
        json={"plan": "pro", "status": "trialing"},
        headers=admin_headers(signer, admin_id),
    )
    changing = await client.patch(
        f"/api/v1/admin/accounts/{existing}/subscription",
        json={"status": "trialing"},
        headers=admin_headers(signer, admin_id),
    )

    assert creating.status_code == changing.status_code == 400
    assert creating.json() == changing.json() == {"detail": {"error": "trial_requires_period_end"}}
    assert await subscription_of(app, new_account) is None
    sub = await subscription_of(app, existing)
    assert sub is not None
    assert sub.status == "active"
    assert await audit_rows(app, "subscription.admin_update", admin_id) == []
    assert await events_by(app, "billing.subscription.changed", account_id=existing) == []


async def test_patch_with_an_unknown_plan_is_400_and_for_an_unknown_account_404(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    account_id = uuid.uuid4()
    await add_account(app, account_id, plan="pro", status="active")
    headers = admin_headers(signer, uuid.uuid4())

    bad_plan = await client.patch(
        f"/api/v1/admin/accounts/{account_id}/subscription", json={"plan": "platinum"}, headers=headers
    )
    unknown = await client.patch(
        f"/api/v1/admin/accounts/{uuid.uuid4()}/subscription",
        json={"plan": "pro", "status": "active"},
        headers=headers,
    )

    assert (bad_plan.status_code, bad_plan.json()) == (400, {"detail": "Invalid plan"})
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Account not found"})


@pytest.mark.parametrize(
    "body",
    [
        {"status": "paused"},
        {"seat_limit": 0},
        {"current_period_end": "2030-01-01T00:00:00"},
        {"reason": "x" * 501},
        {"cancel_at_period_end": True},
    ],
)
async def test_patch_with_bad_input_is_422(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, body: dict[str, Any]
) -> None:
    account_id = uuid.uuid4()
    await add_account(app, account_id, plan="pro", status="active")

    response = await client.patch(
        f"/api/v1/admin/accounts/{account_id}/subscription", json=body, headers=admin_headers(signer, uuid.uuid4())
    )

    assert response.status_code == 422
    sub = await subscription_of(app, account_id)
    assert sub is not None
    assert (sub.status, sub.seat_limit) == ("active", None)
