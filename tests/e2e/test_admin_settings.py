"""Cutover by flag flip, through the gateway: a super admin closes self-serve behind invite codes, a tester
on the allowlist still signs up, and a platform code carries its plan and trial into billing."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from .conftest import BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD
from .flows import PASSWORD, bearer, billing_state, login, new_email, register

SETTING_KEYS = ("self_serve_enabled", "require_invite_code", "internal_tester_emails", "email_verification_enabled")


@pytest.fixture
async def admin_headers(gateway: httpx.AsyncClient) -> dict[str, str]:
    response = await gateway.post(
        "/api/v1/auth/login/json", json={"email": BOOTSTRAP_ADMIN_EMAIL, "password": BOOTSTRAP_ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return bearer(response.json())


@pytest.fixture
async def restored_settings(gateway: httpx.AsyncClient, admin_headers: dict[str, str]) -> AsyncIterator[None]:
    """Other suites share the stack: whatever this test flips is flipped back."""
    before = await gateway.get("/api/v1/admin/settings", headers=admin_headers)
    assert before.status_code == 200, before.text
    yield
    original = {key: before.json()[key] for key in SETTING_KEYS}
    restored = await gateway.patch("/api/v1/admin/settings", headers=admin_headers, json=original)
    assert restored.status_code == 200, restored.text


async def test_invite_only_signup_with_tester_allowlist_and_a_trial_carrying_code(
    gateway: httpx.AsyncClient, admin_headers: dict[str, str], restored_settings: None
) -> None:
    tester = new_email("tester")  # mixed case, as a person types it
    flipped = await gateway.patch(
        "/api/v1/admin/settings",
        headers=admin_headers,
        json={"require_invite_code": True, "self_serve_enabled": False, "internal_tester_emails": [tester.upper()]},
    )
    assert flipped.status_code == 200, flipped.text
    assert flipped.json()["internal_tester_emails"] == [tester.lower()]

    refused = await register(gateway, new_email("anonymous"))
    assert (refused.status_code, refused.json()) == (400, {"detail": "Invite code is required"})
    assert (await gateway.get("/api/v1/config/public")).json()["self_serve_enabled"] is False

    tester_signup = await register(gateway, tester)
    assert tester_signup.status_code == 201, tester_signup.text
    tester_config = await gateway.get("/api/v1/config/public", headers=bearer(await login(gateway, tester)))
    assert tester_config.json()["self_serve_enabled"] is True

    created = await gateway.post(
        "/api/v1/invites", headers=admin_headers, json={"assigned_plan": "starter", "trial_duration_days": 30}
    )
    assert created.status_code == 201, created.text
    code: dict[str, Any] = created.json()
    pilot = new_email("pilot")
    started = datetime.now(UTC)
    signup = await gateway.post(
        "/api/v1/auth/register",
        json={"email": pilot, "password": PASSWORD, "name": "Pilot Shop", "invite_code": code["code"].lower()},
    )
    assert signup.status_code == 201, signup.text

    subscription = (await billing_state(gateway, await login(gateway, pilot)))["subscription"]
    assert subscription["plan"] == "starter"
    assert subscription["status"] == "trialing"
    trial_end = datetime.fromisoformat(subscription["current_period_end"])
    assert started + timedelta(days=30, minutes=-2) <= trial_end <= started + timedelta(days=30, minutes=2)
    listed = await gateway.get("/api/v1/invites", headers=admin_headers, params={"used": "true"})
    assert [c["used_by"] for c in listed.json() if c["id"] == code["id"]] == [signup.json()["id"]]


async def test_admin_routes_refuse_a_shop_owner_at_the_gateway(gateway: httpx.AsyncClient) -> None:
    email = new_email()
    assert (await register(gateway, email)).status_code == 201
    headers = bearer(await login(gateway, email))

    for response in (
        await gateway.get("/api/v1/admin/settings", headers=headers),
        await gateway.post("/api/v1/invites", headers=headers, json={}),
        await gateway.get("/api/v1/admin/users", headers=headers),
    ):
        assert (response.status_code, response.json()) == (403, {"detail": "Not enough permissions"})
