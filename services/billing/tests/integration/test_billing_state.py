import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from identity_events import account_created, processed, publish, user_registered
from sqlalchemy import select

from billing.catalog.models import AccountFeatureOverride, AccountLimitOverride, FeatureFlag
from shared.clock import ManualClock
from shared.testing import TestSigner, poll

INTERNAL = {"Authorization": "Bearer test-internal-token"}
PRO_FLAGS = {
    "psa_integration": True,
    "script_builder": True,
    "escalation_mode": True,
    "analytics_dashboards": True,
    "knowledge_flywheel": True,
    "team_admin_full": True,
    "sso": False,
    "audit_log": False,
}


async def start_trial(app: Any, account_id: uuid.UUID, created_at: datetime) -> None:
    event = account_created(account_id, created_at=created_at)
    await publish(app, event)
    await poll(lambda: processed(app, event), message="trial started")


def bearer(signer: TestSigner, account_id: uuid.UUID, expires_in: int = 900) -> dict[str, str]:
    token = signer.access_token(account_id=account_id, expires_in=expires_in)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def moved_clock(clock: ManualClock) -> Iterator[ManualClock]:
    """The session's clock, put back where it was after the test."""
    start = clock.now()
    yield clock
    clock.set(start)


async def test_billing_state_before_the_subscription_exists_is_404(
    client: httpx.AsyncClient, signer: TestSigner
) -> None:
    response = await client.get("/api/v1/billing/state", headers=bearer(signer, uuid.uuid4()))

    assert response.status_code == 404
    assert response.json() == {"detail": "No subscription for account"}


async def test_billing_state_without_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/billing/state")

    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


async def test_billing_state_of_a_trialing_account(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    created_at = clock.now() - timedelta(days=1)
    await start_trial(app, account_id, created_at)

    response = await client.get("/api/v1/billing/state", headers=bearer(signer, account_id))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"subscription", "plan_billing", "plan_limits", "enabled_features"}
    subscription = body["subscription"]
    assert subscription == {
        "status": "trialing",
        "plan": "pro",
        "current_period_start": subscription["current_period_start"],
        "current_period_end": subscription["current_period_end"],
        "cancel_at_period_end": False,
        "seat_limit": None,
        "has_pro_entitlement": True,
        "is_paid": False,
    }
    assert datetime.fromisoformat(subscription["current_period_end"]) == created_at + timedelta(days=14)
    assert body["plan_billing"] == {
        "display_name": "Pro",
        "description": None,
        "monthly_price_cents": 2999,
        "annual_price_cents": None,
    }
    limits = body["plan_limits"]
    assert limits["plan"] == "pro"
    assert (limits["max_trees"], limits["max_sessions_per_month"], limits["max_users"]) == (25, 200, 5)
    assert len(limits) == 17
    assert body["enabled_features"] == PRO_FLAGS


async def test_expired_trial_stays_trialing_without_pro_entitlement(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, moved_clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    await start_trial(app, account_id, moved_clock.now())
    moved_clock.advance(timedelta(days=14, seconds=1))
    # the token is checked against the same clock, so it must outlive the jump
    headers = bearer(signer, account_id, expires_in=int(timedelta(days=15).total_seconds()))

    response = await client.get("/api/v1/billing/state", headers=headers)

    subscription = response.json()["subscription"]
    assert (subscription["status"], subscription["has_pro_entitlement"]) == ("trialing", False)


async def test_account_overrides_change_features_and_limits(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    await start_trial(app, account_id, clock.now())
    async with app.state.runtime.factory() as session, session.begin():
        sso = await session.scalar(select(FeatureFlag).where(FeatureFlag.flag_key == "sso"))
        psa = await session.scalar(select(FeatureFlag).where(FeatureFlag.flag_key == "psa_integration"))
        assert sso is not None
        assert psa is not None
        session.add(AccountFeatureOverride(account_id=account_id, flag_id=sso.id, enabled=True))
        session.add(AccountFeatureOverride(account_id=account_id, flag_id=psa.id, enabled=False))
        session.add(AccountLimitOverride(account_id=account_id, max_trees=100, export_formats=["pdf"]))

    body = (await client.get("/api/v1/billing/state", headers=bearer(signer, account_id))).json()

    assert body["enabled_features"] == {**PRO_FLAGS, "sso": True, "psa_integration": False}
    assert body["plan_limits"]["max_trees"] == 100
    assert body["plan_limits"]["export_formats"] == ["pdf"]
    assert body["plan_limits"]["max_sessions_per_month"] == 200


async def test_my_subscription_shows_the_row_limits_and_usage(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    await start_trial(app, account_id, clock.now())
    joined = user_registered(account_id, created_at=clock.now())
    await publish(app, joined)
    await poll(lambda: processed(app, joined), message="user counted")

    response = await client.get("/api/v1/accounts/me/subscription", headers=bearer(signer, account_id))

    assert response.status_code == 200
    body = response.json()
    assert body["subscription"]["account_id"] == str(account_id)
    assert (body["subscription"]["plan"], body["subscription"]["status"]) == ("pro", "trialing")
    assert {"id", "created_at", "updated_at", "has_pro_entitlement", "is_paid"} <= set(body["subscription"])
    assert body["limits"]["max_users"] == 5
    assert {k: v for k, v in body["usage"].items() if k != "as_of"} == {
        "trees": 0,
        "sessions_this_month": 0,
        "ai_builds_this_month": 0,
        "users": 1,
    }


async def test_entitlements_snapshot_for_the_gateway(app: Any, client: httpx.AsyncClient, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    await start_trial(app, account_id, clock.now())

    response = await client.get(f"/internal/entitlements/{account_id}", headers=INTERNAL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"account_id", "subscription", "limits", "features", "usage", "generated_at"}
    assert body["account_id"] == str(account_id)
    assert body["subscription"]["status"] == "trialing"
    assert body["subscription"]["has_pro_entitlement"] is True
    assert "updated_at" in body["subscription"]
    assert body["features"] == PRO_FLAGS
    assert body["limits"]["plan"] == "pro"
    assert body["usage"]["users"] == 0
    assert datetime.fromisoformat(body["generated_at"]) == clock.now()


async def test_entitlements_of_an_account_without_subscription_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/internal/entitlements/{uuid.uuid4()}", headers=INTERNAL)

    assert response.status_code == 404
    assert response.json() == {"detail": {"error": "no_subscription"}}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}])
async def test_entitlements_without_the_internal_token_is_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(f"/internal/entitlements/{uuid.uuid4()}", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid internal token"}


async def test_entitlements_with_a_malformed_account_id_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/entitlements/not-a-uuid", headers=INTERNAL)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "account_id"]
