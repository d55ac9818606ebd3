"""The first signup slice through the gateway: register → trial → verification email → login → me."""

import re
from datetime import UTC, datetime, timedelta

import httpx

from .flows import bearer, billing_state, login, new_email, register, wait_for_mail


async def test_registration_yields_trial_verification_email_and_a_working_login(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    email = new_email()
    started = datetime.now(UTC)

    registered = await register(gateway, email)
    assert registered.status_code == 201, registered.text
    user = registered.json()
    assert user["email"] == email.lower()
    assert user["account_role"] == "owner"
    assert user["email_verified_at"] is None
    assert "x-request-id" in registered.headers

    tokens = await login(gateway, email)
    assert tokens["token_type"] == "bearer"

    state = await billing_state(gateway, tokens)
    subscription = state["subscription"]
    assert subscription["plan"] == "pro"
    assert subscription["status"] == "trialing"
    assert subscription["has_pro_entitlement"] is True
    assert subscription["is_paid"] is False
    trial_end = datetime.fromisoformat(subscription["current_period_end"])
    assert started + timedelta(days=14) - timedelta(minutes=2) <= trial_end <= started + timedelta(days=14, minutes=2)
    assert state["enabled_features"]["escalation_mode"] is True
    assert state["enabled_features"]["sso"] is False
    assert state["plan_limits"]["max_trees"] == 25

    [message] = await wait_for_mail(mail, email)
    assert message["subject"] == "Verify your email address"
    assert re.search(r"http://spa\.test/verify-email\?token=[A-Za-z0-9_\-]{20,}", message["text"])

    me = await gateway.get("/api/v1/auth/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    assert me.json()["account_id"] == user["account_id"]

    status = await gateway.get("/api/v1/users/onboarding-status", headers=bearer(tokens))
    assert status.status_code == 200
    assert status.json()["onboarding_step_completed"] is None


async def test_protected_route_without_token_is_401_at_the_gateway(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_spoofed_identity_headers_do_not_reach_services(gateway: httpx.AsyncClient) -> None:
    email = new_email("spoof")
    assert (await register(gateway, email)).status_code == 201
    tokens = await login(gateway, email)
    response = await gateway.get(
        "/api/v1/auth/me", headers={**bearer(tokens), "X-User-Id": "00000000-0000-0000-0000-000000000000"}
    )
    assert response.status_code == 200
    assert response.json()["email"] == email.lower()


async def test_unknown_api_route_is_404(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
