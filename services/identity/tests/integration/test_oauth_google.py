"""POST /api/v1/auth/google/callback against a local Google-like OpenID provider: state, code exchange,
ID token, and every row of the linking table (api.md §3.2)."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import PASSWORD, login, register, set_runtime_setting
from oauth_support import (
    GOOGLE_CLIENT,
    REDIRECT_BASE,
    OAuthStack,
    account_created_events,
    authorize,
    follow_to_callback,
    oauth_client,
    oauth_stack,
    with_params,
)
from sessions_support import bearer, events, execute, refresh_rows, rows
from teams import Member, invite, new_owner

from shared.db import SessionFactory


@pytest.fixture(scope="module")
async def stack(
    app: Any, environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[OAuthStack]:
    async with oauth_stack(tmp_path_factory.mktemp("oidc"), environment) as running:
        yield running


@pytest.fixture(autouse=True)
def clock_now(stack: OAuthStack) -> None:
    # ID tokens carry the provider's real time; the app's clock starts each test there
    stack.clock.set(datetime.now(UTC))


@pytest.fixture
async def api(stack: OAuthStack) -> AsyncIterator[httpx.AsyncClient]:
    async with oauth_client(stack) as c:
        yield c


@pytest.fixture
def odb(stack: OAuthStack) -> SessionFactory:
    factory: SessionFactory = stack.app.state.runtime.factory
    return factory


@pytest.fixture
async def gate(odb: SessionFactory) -> AsyncIterator[None]:
    await set_runtime_setting(odb, "require_invite_code", "true")
    await set_runtime_setting(odb, "self_serve_enabled", "false")
    yield
    await set_runtime_setting(odb, "require_invite_code", "false")
    await set_runtime_setting(odb, "internal_tester_emails", "[]")


async def code_for(api: httpx.AsyncClient, account: dict[str, Any], **query: str) -> dict[str, str]:
    """Authorize, sign in at the provider; the code and state the browser brings back."""
    started = await authorize(api, "google", **query)
    redirect = await follow_to_callback(started["url"], account["email"], "google")
    return {"code": redirect["code"], "state": started["state"]}


async def callback(api: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await api.post("/api/v1/auth/google/callback", json=body)


async def signed_up(api: httpx.AsyncClient, account: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await callback(api, **(await code_for(api, account)), **body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def me(api: httpx.AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = await api.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def user_row(odb: SessionFactory, email: str) -> dict[str, Any] | None:
    found = await rows(odb, "SELECT * FROM users WHERE email = :e", e=email)
    return found[0] if found else None


async def password_user(api: httpx.AsyncClient, email: str, *, verified: bool, odb: SessionFactory) -> dict[str, Any]:
    registered = await register(api, email)
    assert registered.status_code == 201, registered.text
    if verified:
        await execute(odb, "UPDATE users SET email_verified_at = now() WHERE email = :e", e=email)
    user: dict[str, Any] = registered.json()
    return user


# --- new users ---------------------------------------------------------------------------------


async def test_a_new_google_user_gets_an_owned_account_verified_without_password_and_tokens(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account(name="Grace Hopper")
    code = await code_for(api, account)

    response = await callback(api, **code)

    assert response.status_code == 200, response.text
    tokens = response.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "is_new_user"}
    assert tokens["token_type"] == "bearer"
    assert tokens["is_new_user"] is True
    user = await me(api, tokens)
    assert user["email"] == account["email"]
    assert user["name"] == "Grace Hopper"
    assert user["account_role"] == "owner"
    assert user["role"] == "engineer"
    assert user["has_password"] is False
    assert user["oauth_providers"] == ["google"]
    assert user["email_verified_at"] is not None
    row = await user_row(odb, account["email"])
    assert row is not None
    assert row["password_hash"] is None
    assert row["email_verified_at"] == stack.clock.now()
    [acct] = await rows(odb, "SELECT * FROM accounts WHERE id = :i", i=row["account_id"])
    assert acct["name"] == "Grace Hopper's Account"
    assert acct["owner_id"] == row["id"]
    [identity] = await rows(odb, "SELECT * FROM oauth_identities WHERE user_id = :u", u=row["id"])
    assert identity["provider"] == "google"
    assert identity["provider_subject"] == account["sub"]
    assert identity["provider_email_at_link"] == account["email"]
    assert len(await refresh_rows(odb, str(row["id"]))) == 1
    [state] = await rows(odb, "SELECT used_at FROM oauth_states WHERE state = :s", s=code["state"])
    assert state["used_at"] is not None
    [created] = await account_created_events(odb, str(row["id"]))
    assert created["signup_method"] == "google"
    assert created["platform_invite"] is None
    [registered] = await events(odb, "identity.user.registered", str(row["id"]))
    assert registered["method"] == "google"
    assert registered["email_verified_at"] is not None
    assert registered["joined_existing_account"] is False
    assert await events(odb, "identity.email_verification.requested", str(row["id"])) == []


async def test_the_name_falls_back_to_the_emails_local_part(api: httpx.AsyncClient, stack: OAuthStack) -> None:
    account = stack.google.add_account(name=None)

    tokens = await signed_up(api, account)

    assert (await me(api, tokens))["name"] == account["email"].split("@")[0]


async def test_the_refresh_token_of_an_oauth_sign_in_refreshes(api: httpx.AsyncClient, stack: OAuthStack) -> None:
    tokens = await signed_up(api, stack.google.add_account())

    refreshed = await api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert refreshed.status_code == 200, refreshed.text


async def test_the_platform_gate_refuses_a_new_user_without_invite(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack, gate: None
) -> None:
    account = stack.google.add_account()

    response = await callback(api, **(await code_for(api, account)))

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "invite_code_required"}}
    assert await user_row(odb, account["email"]) is None


async def test_the_platform_gate_lets_an_internal_tester_in(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack, gate: None
) -> None:
    account = stack.google.add_account()
    await set_runtime_setting(odb, "internal_tester_emails", f'["{account["email"]}"]')

    tokens = await signed_up(api, account)

    assert tokens["is_new_user"] is True


async def test_an_email_the_provider_marks_unverified_is_refused(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account(email_verified=False)

    response = await callback(api, **(await code_for(api, account)))

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "oauth_email_not_verified"}}
    assert await user_row(odb, account["email"]) is None


# --- returning users and linking ---------------------------------------------------------------


async def test_the_same_google_subject_signs_in_to_the_same_user(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account()
    first = await signed_up(api, account)

    again = await signed_up(api, account, account_invite_code="ignored-for-known-identities")

    assert again["is_new_user"] is False
    assert (await me(api, again))["id"] == (await me(api, first))["id"]
    user_id = (await me(api, first))["id"]
    assert len(await events(odb, "identity.user.registered", user_id)) == 1
    families = {r["family_id"] for r in await refresh_rows(odb, user_id)}
    assert len(families) == 2


async def test_a_verified_password_user_gets_google_linked_and_keeps_the_password(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account()
    user = await password_user(api, account["email"], verified=True, odb=odb)
    before = await login(api, account["email"])

    tokens = await signed_up(api, account)

    assert tokens["is_new_user"] is False
    linked = await me(api, tokens)
    assert linked["id"] == user["id"]
    assert linked["has_password"] is True
    assert linked["oauth_providers"] == ["google"]
    assert (await login(api, account["email"])).status_code == 200
    refreshed = await api.post("/api/v1/auth/refresh", json={"refresh_token": before.json()["refresh_token"]})
    assert refreshed.status_code == 200
    assert await events(odb, "identity.user.email_verified", user["id"]) == []


async def test_an_unverified_password_user_loses_password_and_sessions_when_google_proves_the_address(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account()
    user = await password_user(api, account["email"], verified=False, odb=odb)
    squatter = await login(api, account["email"])
    assert squatter.status_code == 200

    tokens = await signed_up(api, account)

    assert tokens["is_new_user"] is False
    linked = await me(api, tokens)
    assert linked["id"] == user["id"]
    assert linked["has_password"] is False
    assert linked["email_verified_at"] is not None
    row = await user_row(odb, account["email"])
    assert row is not None
    assert row["password_hash"] is None
    assert row["email_verified_at"] == stack.clock.now()
    revoked = [r for r in await refresh_rows(odb, user["id"]) if r["revoked_at"] is not None]
    assert [r["revoked_reason"] for r in revoked] == ["oauth_link"]
    refreshed = await api.post("/api/v1/auth/refresh", json={"refresh_token": squatter.json()["refresh_token"]})
    assert refreshed.status_code == 401
    password_login = await login(api, account["email"], PASSWORD)
    assert password_login.json() == {"detail": {"error": "use_oauth_provider", "providers": ["google"]}}
    [verified] = await events(odb, "identity.user.email_verified", user["id"])
    assert verified["method"] == "oauth_link"


async def test_an_existing_email_with_an_invite_code_is_told_to_sign_in_first(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    owner = await new_owner(api)
    account = stack.google.add_account()
    await password_user(api, account["email"], verified=True, odb=odb)
    sent = await invite(api, owner, account["email"])

    response = await callback(api, **(await code_for(api, account)), account_invite_code=sent["code"])

    assert response.status_code == 400
    assert response.json() == {
        "detail": {
            "error": "email_already_registered_use_login",
            "message": "An account already exists for this email. Please sign in instead, "
            "then accept the invite from your dashboard.",
        }
    }
    [row] = await rows(
        odb, "SELECT used_at, accepted_by_id FROM account_invites WHERE id = :i", i=uuid.UUID(sent["id"])
    )
    assert row == {"used_at": None, "accepted_by_id": None}
    assert await rows(odb, "SELECT 1 FROM oauth_identities WHERE provider_subject = :s", s=account["sub"]) == []


async def test_an_inactive_user_is_refused_whether_linked_or_found_by_email(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    linked = stack.google.add_account()
    await signed_up(api, linked)
    by_email = stack.google.add_account()
    await password_user(api, by_email["email"], verified=True, odb=odb)
    await execute(
        odb, "UPDATE users SET is_active = false WHERE email IN (:a, :b)", a=linked["email"], b=by_email["email"]
    )

    for account in (linked, by_email):
        response = await callback(api, **(await code_for(api, account)))

        assert response.status_code == 403
        assert response.json() == {"detail": "Inactive user"}
    assert await rows(odb, "SELECT 1 FROM oauth_identities WHERE provider_subject = :s", s=by_email["sub"]) == []


# --- invites -----------------------------------------------------------------------------------


async def joined(api: httpx.AsyncClient, odb: SessionFactory, owner: Member, tokens: dict[str, Any]) -> dict[str, Any]:
    user = await me(api, tokens)
    assert user["account_id"] == owner.account_id
    return user


async def test_a_new_user_with_an_invite_in_the_state_joins_the_account_with_its_role(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    owner = await new_owner(api)
    account = stack.google.add_account()
    sent = await invite(api, owner, account["email"], role="viewer")

    code = await code_for(api, account, account_invite_code=sent["code"], invited_email=account["email"])
    response = await callback(api, **code)

    assert response.status_code == 200, response.text
    assert response.json()["is_new_user"] is True
    user = await joined(api, odb, owner, response.json())
    assert user["account_role"] == "viewer"
    assert user["has_password"] is False
    assert user["email_verified_at"] is not None
    [row] = await rows(
        odb, "SELECT used_at, accepted_by_id FROM account_invites WHERE id = :i", i=uuid.UUID(sent["id"])
    )
    assert row["accepted_by_id"] == uuid.UUID(user["id"])
    assert row["used_at"] is not None
    [registered] = await events(odb, "identity.user.registered", user["id"])
    assert registered["method"] == "google"
    assert registered["joined_existing_account"] is True
    assert registered["account_invite_id"] == sent["id"]
    [accepted] = await events(odb, "identity.invite.accepted", user["id"])
    assert accepted["method"] == "google"
    assert accepted["invite_id"] == sent["id"]
    assert await account_created_events(odb, user["id"]) == []


async def test_an_invite_code_in_the_callback_body_joins_too(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    owner = await new_owner(api)
    account = stack.google.add_account()
    sent = await invite(api, owner, account["email"])

    response = await callback(api, **(await code_for(api, account)), account_invite_code=sent["code"])

    assert response.status_code == 200, response.text
    assert (await joined(api, odb, owner, response.json()))["account_role"] == "engineer"


async def test_an_unusable_invite_is_refused_with_one_error(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    owner = await new_owner(api)
    revoked_for = stack.google.add_account()
    revoked = await invite(api, owner, revoked_for["email"])
    await api.delete(f"/api/v1/accounts/me/invites/{revoked['id']}", headers=owner.headers)
    expired_for = stack.google.add_account()
    expired = await invite(api, owner, expired_for["email"])
    await execute(
        odb,
        "UPDATE account_invites SET expires_at = now() - interval '1 day' WHERE id = :i",
        i=uuid.UUID(expired["id"]),
    )
    used_for = stack.google.add_account()
    used = await invite(api, owner, used_for["email"])
    await signed_up(api, used_for, account_invite_code=used["code"])
    unknown_for = stack.google.add_account()
    used_by_other = stack.google.add_account()

    cases = [
        (revoked_for, revoked["code"]),
        (expired_for, expired["code"]),
        (unknown_for, "no-such-code"),
        (used_by_other, used["code"]),
    ]
    for account, code in cases:
        response = await callback(api, **(await code_for(api, account)), account_invite_code=code)

        assert response.status_code == 400, account
        assert response.json() == {"detail": {"error": "invite_invalid_or_expired_or_revoked"}}
        assert await user_row(odb, account["email"]) is None


async def test_an_invite_for_another_email_is_a_mismatch(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    owner = await new_owner(api)
    account = stack.google.add_account()
    someone_else = await invite(api, owner, f"other-{uuid.uuid4().hex[:8]}@example.com")
    for_account = await invite(api, owner, account["email"])

    profile_mismatch = await callback(api, **(await code_for(api, account)), account_invite_code=someone_else["code"])
    invited_mismatch = await callback(
        api,
        **(await code_for(api, account)),
        account_invite_code=for_account["code"],
        invited_email=f"typo-{uuid.uuid4().hex[:6]}@example.com",
    )

    for response in (profile_mismatch, invited_mismatch):
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": "invite_email_mismatch"}}
    assert await user_row(odb, account["email"]) is None
    [row] = await rows(odb, "SELECT accepted_by_id FROM account_invites WHERE id = :i", i=uuid.UUID(for_account["id"]))
    assert row["accepted_by_id"] is None


# --- state, exchange, ID token -----------------------------------------------------------------


async def test_a_state_is_single_use_and_bound_to_its_provider_and_lifetime(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account()
    first = await code_for(api, account)
    assert (await callback(api, **first)).status_code == 200
    microsoft_state = (await authorize(api, "microsoft"))["state"]
    expiring = await code_for(api, account)

    reused = await callback(api, **first)
    unknown = await callback(api, code=first["code"], state="no-such-state")
    other_provider = await callback(api, code=first["code"], state=microsoft_state)
    stack.clock.advance(timedelta(minutes=10, seconds=1))
    expired = await callback(api, **expiring)

    for response in (reused, unknown, other_provider, expired):
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": "oauth_state_invalid"}}
    [row] = await rows(odb, "SELECT used_at FROM oauth_states WHERE state = :s", s=microsoft_state)
    assert row["used_at"] is None


async def test_a_code_the_provider_refuses_is_an_exchange_failure(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account()
    bogus = await callback(api, code="not-a-code", state=(await authorize(api, "google"))["state"])
    used = await code_for(api, account)
    assert (await callback(api, **used)).status_code == 200
    replayed = await callback(api, code=used["code"])
    stolen = await code_for(api, stack.google.add_account())
    wrong_verifier = await callback(api, code=stolen["code"], state=(await authorize(api, "google"))["state"])

    for response in (bogus, replayed, wrong_verifier):
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": "oauth_exchange_failed"}}


async def test_an_id_token_with_another_nonce_is_refused(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account()
    started = await authorize(api, "google")
    tampered = with_params(started["url"], nonce="attacker-chosen-nonce")
    redirect = await follow_to_callback(tampered, account["email"], "google")

    response = await callback(api, code=redirect["code"], state=started["state"])

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "oauth_id_token_invalid"}}
    assert await user_row(odb, account["email"]) is None


def legacy_url(stack: OAuthStack) -> str:
    """An authorization URL the original SPA built itself: no PKCE, no server-side state."""
    return with_params(
        f"{stack.google.base_url}/auth",
        client_id=GOOGLE_CLIENT[0],
        response_type="code",
        scope="openid email profile",
        redirect_uri=f"{REDIRECT_BASE}/auth/google/callback",
        state="spa-state",
    )


async def test_a_callback_without_state_exchanges_without_pkce_and_signs_in(
    api: httpx.AsyncClient, stack: OAuthStack
) -> None:
    account = stack.google.add_account()
    redirect = await follow_to_callback(legacy_url(stack), account["email"], "google")

    response = await callback(api, code=redirect["code"])

    assert response.status_code == 200, response.text
    assert response.json()["is_new_user"] is True


async def test_an_expired_or_future_id_token_is_refused(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.google.add_account()
    late = await follow_to_callback(legacy_url(stack), account["email"], "google")
    early = await follow_to_callback(legacy_url(stack), account["email"], "google")

    stack.clock.advance(timedelta(hours=2))  # the provider's ID tokens live an hour
    expired = await callback(api, code=late["code"])
    stack.clock.advance(timedelta(hours=-4))
    issued_in_the_future = await callback(api, code=early["code"])

    for response in (expired, issued_in_the_future):
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": "oauth_id_token_invalid"}}
    assert await user_row(odb, account["email"]) is None
