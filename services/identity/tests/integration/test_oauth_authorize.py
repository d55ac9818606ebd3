"""GET /api/v1/auth/{provider}/authorize, and the provider checks both OAuth routes share (api.md §3.2)."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from oauth_support import (
    GOOGLE_CLIENT,
    MS_CLIENT,
    REDIRECT_BASE,
    OAuthStack,
    authorize,
    follow_to_callback,
    oauth_client,
    oauth_stack,
    query_of,
    s256,
    stop_provider,
)
from teams import rows

from shared.db import SessionFactory


@pytest.fixture(scope="module")
async def stack(
    app: Any, environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[OAuthStack]:
    async with oauth_stack(tmp_path_factory.mktemp("oidc"), environment) as running:
        yield running


@pytest.fixture
async def api(stack: OAuthStack) -> AsyncIterator[httpx.AsyncClient]:
    async with oauth_client(stack) as c:
        yield c


@pytest.fixture(autouse=True)
def clock_now(stack: OAuthStack) -> None:
    # ID tokens carry the provider's real time; the app's clock starts each test there
    stack.clock.set(datetime.now(UTC))


@pytest.fixture
def odb(stack: OAuthStack) -> SessionFactory:
    factory: SessionFactory = stack.app.state.runtime.factory
    return factory


async def test_google_authorize_answers_a_code_flow_url_with_pkce_and_nonce_and_keeps_the_state(
    api: httpx.AsyncClient, odb: SessionFactory, stack: OAuthStack
) -> None:
    invited = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    response = await api.get(
        "/api/v1/auth/google/authorize",
        params={"account_invite_code": "code-123", "invited_email": invited.upper(), "redirect_after": "/welcome"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"url", "state"}
    assert body["url"].startswith(f"{stack.google.base_url}/auth?")
    params = query_of(body["url"])
    assert params["response_type"] == "code"
    assert params["scope"] == "openid email profile"
    assert params["client_id"] == GOOGLE_CLIENT[0]
    assert params["redirect_uri"] == f"{REDIRECT_BASE}/auth/google/callback"
    assert params["state"] == body["state"]
    assert params["code_challenge_method"] == "S256"
    assert params["login_hint"] == invited
    [row] = await rows(odb, "SELECT * FROM oauth_states WHERE state = :s", s=body["state"])
    assert row["provider"] == "google"
    assert row["nonce"] == params["nonce"]
    assert params["code_challenge"] == s256(row["code_verifier"])
    assert 43 <= len(row["code_verifier"]) <= 128
    assert row["account_invite_code"] == "code-123"
    assert row["invited_email"] == invited
    assert row["redirect_after"] == "/welcome"
    assert row["used_at"] is None
    assert row["expires_at"] - row["created_at"] == timedelta(minutes=10)
    assert row["created_at"] == stack.clock.now()


async def test_microsoft_authorize_points_at_the_common_endpoint(api: httpx.AsyncClient, stack: OAuthStack) -> None:
    body = await authorize(api, "microsoft")

    assert body["url"].startswith(f"{stack.microsoft.base_url}/common/oauth2/v2.0/authorize?")
    params = query_of(body["url"])
    assert params["client_id"] == MS_CLIENT[0]
    assert params["redirect_uri"] == f"{REDIRECT_BASE}/auth/microsoft/callback"
    assert params["scope"] == "openid email profile"
    assert "login_hint" not in params


async def test_each_authorize_call_has_its_own_state_nonce_and_verifier(
    api: httpx.AsyncClient, odb: SessionFactory
) -> None:
    first, second = await authorize(api, "google"), await authorize(api, "google")

    assert first["state"] != second["state"]
    assert query_of(first["url"])["nonce"] != query_of(second["url"])["nonce"]
    found = await rows(
        odb, "SELECT code_verifier FROM oauth_states WHERE state IN (:a, :b)", a=first["state"], b=second["state"]
    )
    assert len({r["code_verifier"] for r in found}) == 2


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "welcome", "//evil.example.com/x", "/\\evil.example.com"]
)
async def test_authorize_refuses_a_redirect_after_that_is_not_a_local_path(api: httpx.AsyncClient, target: str) -> None:
    response = await api.get("/api/v1/auth/google/authorize", params={"redirect_after": target})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "redirect_after"


async def test_unknown_provider_is_404_on_both_routes(api: httpx.AsyncClient) -> None:
    authorize_answer = await api.get("/api/v1/auth/github/authorize")
    callback_answer = await api.post("/api/v1/auth/github/callback", json={"code": "x"})

    assert authorize_answer.status_code == 404
    assert authorize_answer.json() == {"detail": "Unknown provider"}
    assert callback_answer.status_code == 404
    assert callback_answer.json() == {"detail": "Unknown provider"}


async def test_unconfigured_providers_answer_503_on_both_routes(client: httpx.AsyncClient) -> None:
    # the suite's own app has no client ids configured
    for provider, label in (("google", "Google"), ("microsoft", "Microsoft")):
        authorize_answer = await client.get(f"/api/v1/auth/{provider}/authorize")
        callback_answer = await client.post(f"/api/v1/auth/{provider}/callback", json={"code": "x", "state": "y"})

        assert authorize_answer.status_code == 503
        assert authorize_answer.json() == {"detail": f"{label} sign-in not configured"}
        assert callback_answer.status_code == 503
        assert callback_answer.json() == {"detail": f"{label} sign-in not configured"}


async def test_an_unreachable_provider_is_502_at_authorize_and_at_the_code_exchange(
    app: Any, environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    async with oauth_stack(tmp_path_factory.mktemp("oidc-down"), environment) as own, oauth_client(own) as api:
        account = own.google.add_account()
        started = await authorize(api, "google")
        redirect = await follow_to_callback(started["url"], account["email"], "google")
        stop_provider(own.google)
        stop_provider(own.microsoft)

        exchange = await api.post(
            "/api/v1/auth/google/callback", json={"code": redirect["code"], "state": started["state"]}
        )
        discovery = await api.get("/api/v1/auth/microsoft/authorize")

        assert exchange.status_code == 502
        assert exchange.json() == {"detail": {"error": "oauth_provider_unavailable"}}
        assert discovery.status_code == 502
        assert discovery.json() == {"detail": {"error": "oauth_provider_unavailable"}}
        factory: SessionFactory = own.app.state.runtime.factory
        [state] = await rows(factory, "SELECT used_at FROM oauth_states WHERE state = :s", s=started["state"])
        assert state["used_at"] is not None
        assert await rows(factory, "SELECT 1 FROM users WHERE email = :e", e=account["email"]) == []
