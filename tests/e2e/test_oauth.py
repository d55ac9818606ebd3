"""Google and Microsoft sign-in through the gateway, against local OpenID providers: authorize → the
provider's redirects → callback → tokens; the new shop gets its Pro trial and a verified email, and an
invited teammate joins the owner's account."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .flows import bearer, billing_state, login, new_email, register
from .oidc import OidcProvider, OidcProviders, browser_sign_in


async def signed_in(
    gateway: httpx.AsyncClient, provider: OidcProvider, account: dict[str, Any], **query: str
) -> dict[str, Any]:
    """What the SPA and the browser do: ask for the URL, sign in at the provider, post the code back."""
    started = await gateway.get(f"/api/v1/auth/{provider.flavour}/authorize", params=query)
    assert started.status_code == 200, started.text
    redirect = await browser_sign_in(started.json()["url"], account["email"], provider.flavour)
    assert redirect["state"] == started.json()["state"]
    answer = await gateway.post(
        f"/api/v1/auth/{provider.flavour}/callback", json={"code": redirect["code"], "state": redirect["state"]}
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    assert tokens["token_type"] == "bearer"
    return tokens


async def me(gateway: httpx.AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = await gateway.get("/api/v1/auth/me", headers=bearer(tokens))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def assert_new_shop_on_trial(gateway: httpx.AsyncClient, provider: OidcProvider, started: datetime) -> None:
    account = provider.add_account(name="Sam Signup")

    tokens = await signed_in(gateway, provider, account)

    assert tokens["is_new_user"] is True
    state = await billing_state(gateway, tokens)
    subscription = state["subscription"]
    assert subscription["plan"] == "pro"
    assert subscription["status"] == "trialing"
    trial_end = datetime.fromisoformat(subscription["current_period_end"])
    assert started + timedelta(days=14) - timedelta(minutes=2) <= trial_end <= started + timedelta(days=14, minutes=2)
    user = await me(gateway, tokens)
    assert user["email"] == account["email"]
    assert user["email_verified_at"] is not None
    assert user["account_role"] == "owner"
    assert user["has_password"] is False
    assert user["oauth_providers"] == [provider.flavour]
    again = await signed_in(gateway, provider, account)
    assert again["is_new_user"] is False
    assert (await me(gateway, again))["id"] == user["id"]


async def test_google_signup_gets_a_pro_trial_and_a_verified_email(
    gateway: httpx.AsyncClient, oidc_providers: OidcProviders
) -> None:
    await assert_new_shop_on_trial(gateway, oidc_providers.google, datetime.now(UTC))


async def test_microsoft_signup_through_the_common_endpoint_gets_a_pro_trial(
    gateway: httpx.AsyncClient, oidc_providers: OidcProviders
) -> None:
    await assert_new_shop_on_trial(gateway, oidc_providers.microsoft, datetime.now(UTC))


async def test_an_invited_teammate_signs_up_with_google_into_the_owners_account(
    gateway: httpx.AsyncClient, oidc_providers: OidcProviders
) -> None:
    owner_email = new_email("owner")
    assert (await register(gateway, owner_email, name="Dana Shop")).status_code == 201
    owner = await login(gateway, owner_email)
    owner_state = await billing_state(gateway, owner)
    account = oidc_providers.google.add_account(name="Tia Mate")
    created = await gateway.post(
        "/api/v1/accounts/me/invites", json={"email": account["email"], "role": "viewer"}, headers=bearer(owner)
    )
    assert created.status_code == 201, created.text

    tokens = await signed_in(
        gateway,
        oidc_providers.google,
        account,
        account_invite_code=created.json()["code"],
        invited_email=account["email"],
    )

    assert tokens["is_new_user"] is True
    teammate = await me(gateway, tokens)
    assert teammate["account_id"] == (await me(gateway, owner))["account_id"]
    assert teammate["account_role"] == "viewer"
    assert teammate["email_verified_at"] is not None
    shared = await billing_state(gateway, tokens)
    # no trial of its own: the teammate sees the account's subscription
    assert shared["subscription"] == owner_state["subscription"]
    invites = await gateway.get("/api/v1/accounts/me/invites", headers=bearer(owner))
    [accepted] = [i for i in invites.json() if i["id"] == created.json()["id"]]
    assert accepted["status"] == "accepted"
    assert accepted["accepted_by_id"] == teammate["id"]


async def test_public_config_lists_both_configured_providers(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/config/public")

    assert response.status_code == 200, response.text
    assert response.json()["oauth_providers"] == ["google", "microsoft"]
