"""A member of another account names this account's ids on every id-taking route: 404/403, and nothing the
owner (or the admin) can see about the account changes."""

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.flows import bearer, billing_state, login, new_email, register_invited

from .conftest import Secrets, Shop, new_shop


async def snapshot(gateway: httpx.AsyncClient, victim: Shop, teammate_id: str, admin: dict[str, str]) -> dict[str, Any]:
    """Everything stored about the victim's account that the owner and a super admin can read."""

    async def read(path: str, headers: dict[str, str], **params: str) -> Any:
        answer = await gateway.get(path, headers=headers, params=params)
        assert answer.status_code == 200, (path, answer.text)
        return answer.json()

    billing = await read("/api/v1/billing/state", victim.headers)
    return {
        "account": await read("/api/v1/accounts/me", victim.headers),
        "members": await read("/api/v1/accounts/me/members", victim.headers),
        "invites": await read("/api/v1/accounts/me/invites", victim.headers),
        "onboarding": await read("/api/v1/users/onboarding-status", victim.headers),
        "subscription": billing["subscription"],
        "limits": billing["plan_limits"],
        "features": billing["enabled_features"],
        "owner": await read(f"/api/v1/admin/users/{victim.user_id}", admin),
        "teammate": await read(f"/api/v1/admin/users/{teammate_id}", admin),
        "admin account": await read(f"/api/v1/admin/accounts/{victim.account_id}", admin),
        "limit overrides": await read("/api/v1/admin/account-overrides", admin, account_id=victim.account_id),
        "flag overrides": await read(
            "/api/v1/admin/feature-flags/account-overrides", admin, account_id=victim.account_id
        ),
    }


@pytest.fixture
async def victim_account(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient, secrets_seen: Secrets
) -> tuple[Shop, str, dict[str, Any]]:
    """An owner with a teammate (engineer) and a pending invite; billing has started its trial."""
    owner = await new_shop(gateway, secrets_seen, tag="victim")
    teammate_email = new_email("mate")
    invited = await gateway.post(
        "/api/v1/accounts/me/invites", json={"email": teammate_email, "role": "engineer"}, headers=owner.headers
    )
    assert invited.status_code == 201, invited.text
    joined = await register_invited(gateway, teammate_email, invited.json()["code"])
    assert joined.status_code == 201, joined.text
    pending = await gateway.post(
        "/api/v1/accounts/me/invites", json={"email": new_email("pending")}, headers=owner.headers
    )
    assert pending.status_code == 201, pending.text
    await billing_state(gateway, owner.tokens)
    return owner, joined.json()["id"], pending.json()


async def test_another_accounts_owner_cannot_touch_this_account_by_id(
    gateway: httpx.AsyncClient,
    secrets_seen: Secrets,
    admin: dict[str, str],
    victim_account: tuple[Shop, str, dict[str, Any]],
) -> None:
    victim, teammate_id, pending = victim_account
    attacker = await new_shop(gateway, secrets_seen, tag="attacker")
    before = await snapshot(gateway, victim, teammate_id, admin)
    h = attacker.headers
    invite = pending["id"]
    answers = {
        "revoke invite": await gateway.delete(f"/api/v1/accounts/me/invites/{invite}", headers=h),
        "resend invite": await gateway.post(f"/api/v1/accounts/me/invites/{invite}/resend", headers=h),
        "promote member": await gateway.patch(
            f"/api/v1/accounts/me/members/{teammate_id}", json={"account_role": "admin"}, headers=h
        ),
        "demote owner": await gateway.patch(
            f"/api/v1/accounts/me/members/{victim.user_id}", json={"account_role": "viewer"}, headers=h
        ),
        "take their teammate as owner": await gateway.post(
            "/api/v1/accounts/me/transfer-ownership",
            json={"new_owner_id": teammate_id, "password": "Correct-Horse-9"},
            headers=h,
        ),
    }
    for name, answer in answers.items():
        assert answer.status_code == 404, (name, answer.status_code, answer.text)
    not_admin = {
        "read user": await gateway.get(f"/api/v1/admin/users/{victim.user_id}", headers=h),
        "deactivate user": await gateway.patch(
            f"/api/v1/admin/users/{victim.user_id}", json={"is_active": False}, headers=h
        ),
        "make themselves super admin": await gateway.patch(
            f"/api/v1/admin/users/{attacker.user_id}", json={"is_super_admin": True}, headers=h
        ),
        "read account": await gateway.get(f"/api/v1/admin/accounts/{victim.account_id}", headers=h),
        "set plan": await gateway.put(
            f"/api/v1/admin/accounts/{victim.account_id}/plan", json={"plan": "free"}, headers=h
        ),
        "set user plan": await gateway.put(
            f"/api/v1/admin/users/{victim.user_id}/plan", json={"plan": "free"}, headers=h
        ),
        "edit subscription": await gateway.patch(
            f"/api/v1/admin/accounts/{victim.account_id}/subscription", json={"status": "canceled"}, headers=h
        ),
        "limit override": await gateway.post(
            "/api/v1/admin/account-overrides", json={"account_id": victim.account_id, "max_trees": 0}, headers=h
        ),
        "list limit overrides": await gateway.get(
            "/api/v1/admin/account-overrides", params={"account_id": victim.account_id}, headers=h
        ),
        "flag override": await gateway.post(
            "/api/v1/admin/feature-flags/account-overrides",
            json={"account_id": victim.account_id, "flag_key": "analytics_dashboards", "enabled": False},
            headers=h,
        ),
        "retry their mail": await gateway.post(f"/api/v1/admin/notifications/{uuid.uuid4()}/retry", headers=h),
        "list their mail": await gateway.get(
            "/api/v1/admin/notifications", params={"to_email": victim.email}, headers=h
        ),
    }
    for name, answer in not_admin.items():
        assert answer.status_code == 403, (name, answer.status_code, answer.text)
    # onboarding takes no id: extra ids in the body are ignored and only the caller's own progress moves
    step = await gateway.patch(
        "/api/v1/users/me/onboarding-step",
        json={"step": 1, "action": "complete", "account_id": victim.account_id, "data": {"company_name": "Evil"}},
        headers=h,
    )
    assert step.status_code == 200, step.text
    dismissed = await gateway.post(
        "/api/v1/users/onboarding-dismiss", json={"account_id": victim.account_id}, headers=h
    )
    assert dismissed.status_code in (200, 204), dismissed.text
    after = await snapshot(gateway, victim, teammate_id, admin)
    assert after == before


async def test_a_teammate_below_owner_cannot_use_owner_routes_on_their_own_account(
    gateway: httpx.AsyncClient,
    admin: dict[str, str],
    secrets_seen: Secrets,
    victim_account: tuple[Shop, str, dict[str, Any]],
) -> None:
    victim, teammate_id, pending = victim_account
    members = (await gateway.get("/api/v1/accounts/me/members", headers=victim.headers)).json()
    [teammate_email] = [m["email"] for m in members if m["id"] == teammate_id]
    teammate = await login(gateway, teammate_email)
    secrets_seen.add("access token", teammate["access_token"])
    secrets_seen.add("refresh token", teammate["refresh_token"])
    before = await snapshot(gateway, victim, teammate_id, admin)
    h = bearer(teammate)
    promote = await gateway.patch(
        f"/api/v1/accounts/me/members/{teammate_id}", json={"account_role": "admin"}, headers=h
    )
    transfer = await gateway.post(
        "/api/v1/accounts/me/transfer-ownership",
        json={"new_owner_id": teammate_id, "password": "Correct-Horse-9"},
        headers=h,
    )
    revoke = await gateway.delete(f"/api/v1/accounts/me/invites/{pending['id']}", headers=h)
    assert promote.status_code == 403, promote.text
    assert transfer.status_code == 403, transfer.text
    assert revoke.status_code == 403, revoke.text
    assert await snapshot(gateway, victim, teammate_id, admin) == before
