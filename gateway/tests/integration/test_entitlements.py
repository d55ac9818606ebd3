import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fakes import FakeState, GatewayFactory, bearer, closed_url, echoed_headers, snapshot

from shared.testing import TestSigner

VERIFIED = "2026-01-02T00:00:00+00:00"


async def test_live_trial_reaches_pro_route_with_plan_header(
    gateway: httpx.AsyncClient, signer: TestSigner, fake_state: FakeState
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="trialing", plan="pro", days_left=5)
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    response = await gateway.get("/api/v1/sessions/s1", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["service"] == "product"
    assert echoed_headers(response)["x-account-plan"] == ["pro"]


async def test_expired_trial_on_pro_route_is_402_even_with_upstream_down(
    gateway_client: GatewayFactory, signer: TestSigner, fake_state: FakeState
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="trialing", plan="pro", days_left=-1)
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    async with gateway_client(product_upstream_url=closed_url()) as gateway:
        response = await gateway.get("/api/v1/trees", headers=bearer(token))
    assert response.status_code == 402
    detail = response.json()["detail"]
    assert detail["error"] == "subscription_inactive"
    assert (detail["status"], detail["plan"]) == ("trialing", "pro")
    assert datetime.fromisoformat(detail["current_period_end"]) < datetime.now(UTC)
    assert detail["upgrade_url"] == "/account/billing/select-plan"


async def test_account_without_subscription_is_402_no_subscription(
    gateway: httpx.AsyncClient, signer: TestSigner
) -> None:
    token = signer.access_token(account_id=uuid.uuid4(), email_verified_at=VERIFIED)
    response = await gateway.get("/api/v1/trees", headers=bearer(token))
    assert response.status_code == 402
    assert response.json() == {"detail": {"error": "no_subscription", "upgrade_url": "/account/billing/select-plan"}}


async def test_billing_down_without_cache_is_503(gateway_client: GatewayFactory, signer: TestSigner) -> None:
    token = signer.access_token(account_id=uuid.uuid4(), email_verified_at=VERIFIED)
    async with gateway_client(billing_internal_url=closed_url()) as gateway:
        response = await gateway.get("/api/v1/trees", headers=bearer(token))
    assert response.status_code == 503
    assert response.json() == {"detail": {"error": "entitlements_unavailable"}}


async def test_warm_snapshot_is_read_once(
    gateway: httpx.AsyncClient, signer: TestSigner, fake_state: FakeState
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="active")
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    for _ in range(3):
        assert (await gateway.get("/api/v1/steps", headers=bearer(token))).status_code == 200
    assert fake_state.entitlement_fetches[str(account)] == 1


async def test_unverified_email_after_grace_is_403_and_allowlisted_path_passes(
    gateway: httpx.AsyncClient, signer: TestSigner, fake_state: FakeState
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="active")
    created = datetime.now(UTC) - timedelta(days=10)
    token = signer.access_token(account_id=account, user_created_at=created.isoformat())
    locked = await gateway.get("/api/v1/trees", headers=bearer(token))
    assert locked.status_code == 403
    assert locked.json()["detail"] == {
        "error": "email_not_verified",
        "grace_ended_at": (created + timedelta(days=7)).isoformat(),
        "resend_url": "/api/v1/auth/email/send-verification",
    }
    assert (await gateway.get("/api/v1/billing/state", headers=bearer(token))).status_code == 200


async def test_feature_route_needs_the_flag(
    gateway: httpx.AsyncClient, signer: TestSigner, fake_state: FakeState
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(
        account, status="active", plan="starter", features={"analytics_dashboards": True}
    )
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    assert (await gateway.get("/api/v1/analytics/x", headers=bearer(token))).status_code == 200
    refused = await gateway.get("/api/v1/integrations", headers=bearer(token))
    assert refused.status_code == 402
    assert refused.json()["detail"] == {
        "error": "feature_not_in_plan",
        "feature": "psa_integration",
        "current_plan": "starter",
        "upgrade_url": "/account/billing/select-plan",
    }


async def test_create_within_limit_reserves_and_releases_on_upstream_failure(
    gateway: httpx.AsyncClient, signer: TestSigner, fake_state: FakeState
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="active")
    fake_state.units_left[str(account)] = 1
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    released_before = len(fake_state.released)
    failed = await gateway.post("/api/v1/trees?status=500", json={}, headers=bearer(token))
    assert failed.status_code == 500
    assert len(fake_state.released) == released_before + 1
    created = await gateway.post("/api/v1/trees", json={}, headers=bearer(token))
    assert created.status_code == 200
    refused = await gateway.post("/api/v1/trees", json={}, headers=bearer(token))
    assert refused.status_code == 402
    assert refused.json()["detail"]["error"] == "limit_reached"
    assert len(fake_state.released) == released_before + 1
