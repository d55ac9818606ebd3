"""Microsoft sign-in through a local multi-tenant provider: the `common` discovery document's issuer
is the template {base}/{tenantid}/v2.0, each tenant signs its own users, and the subject is `oid`."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from oauth_support import OAuthStack, account_created_events, authorize, follow_to_callback, oauth_client, oauth_stack
from sessions_support import bearer, events, rows

from shared.db import SessionFactory


@pytest.fixture(scope="module")
async def stack(
    app: Any, environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[OAuthStack]:
    async with oauth_stack(tmp_path_factory.mktemp("oidc"), environment) as running:
        yield running


@pytest.fixture(autouse=True)
def clock_now(stack: OAuthStack) -> None:
    stack.clock.set(datetime.now(UTC))


@pytest.fixture
async def api(stack: OAuthStack) -> AsyncIterator[httpx.AsyncClient]:
    async with oauth_client(stack) as c:
        yield c


@pytest.fixture
def odb(stack: OAuthStack) -> SessionFactory:
    factory: SessionFactory = stack.app.state.runtime.factory
    return factory


async def microsoft_callback(api: httpx.AsyncClient, account: dict[str, Any], **body: Any) -> httpx.Response:
    started = await authorize(api, "microsoft")
    hint = account.get("email") or account["preferred_username"]
    redirect = await follow_to_callback(started["url"], hint, "microsoft")
    return await api.post(
        "/api/v1/auth/microsoft/callback", json={"code": redirect["code"], "state": started["state"], **body}
    )


async def me(api: httpx.AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = await api.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_new_microsoft_user_is_known_by_oid_and_gets_an_account(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.microsoft.add_account(name="Mia Tenant")

    response = await microsoft_callback(api, account)

    assert response.status_code == 200, response.text
    assert response.json()["is_new_user"] is True
    user = await me(api, response.json())
    assert user["email"] == account["email"]
    assert user["oauth_providers"] == ["microsoft"]
    assert user["has_password"] is False
    assert user["account_role"] == "owner"
    [identity] = await rows(odb, "SELECT * FROM oauth_identities WHERE user_id = :u", u=uuid.UUID(user["id"]))
    assert identity["provider"] == "microsoft"
    assert identity["provider_subject"] == account["oid"]
    [created] = await account_created_events(odb, user["id"])
    assert created["signup_method"] == "microsoft"
    [registered] = await events(odb, "identity.user.registered", user["id"])
    assert registered["method"] == "microsoft"
    assert registered["email_verified_at"] is not None


async def test_users_of_different_tenants_each_pass_their_own_tenants_issuer(
    api: httpx.AsyncClient, stack: OAuthStack
) -> None:
    first = stack.microsoft.add_account()
    second = stack.microsoft.add_account()
    assert first["tid"] != second["tid"]

    answers = [await microsoft_callback(api, first), await microsoft_callback(api, second)]

    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]


async def test_the_same_oid_signs_in_again_to_the_same_user(api: httpx.AsyncClient, stack: OAuthStack) -> None:
    account = stack.microsoft.add_account()
    first = (await microsoft_callback(api, account)).json()

    again = await microsoft_callback(api, account)

    assert again.status_code == 200, again.text
    assert again.json()["is_new_user"] is False
    assert (await me(api, again.json()))["id"] == (await me(api, first))["id"]


async def test_without_an_email_claim_the_preferred_username_is_the_email(
    api: httpx.AsyncClient, stack: OAuthStack
) -> None:
    upn = f"upn-{uuid.uuid4().hex[:10]}@contoso.example.com"
    account = stack.microsoft.add_account(email=None, preferred_username=upn)

    response = await microsoft_callback(api, account)

    assert response.status_code == 200, response.text
    assert (await me(api, response.json()))["email"] == upn


async def test_a_token_whose_issuer_is_not_its_own_tenants_is_refused(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    # signed in by tenant A but claiming tenant B: the template filled with `tid` names another issuer
    account = stack.microsoft.add_account(tenant=str(uuid.uuid4()), tid=str(uuid.uuid4()))

    response = await microsoft_callback(api, account)

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "oauth_id_token_invalid"}}
    assert await rows(odb, "SELECT 1 FROM users WHERE email = :e", e=account["email"]) == []


async def test_an_account_without_a_tenant_claim_is_refused(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    account = stack.microsoft.add_account(tenant=str(uuid.uuid4()), tid=None)

    response = await microsoft_callback(api, account)

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "oauth_id_token_invalid"}}
