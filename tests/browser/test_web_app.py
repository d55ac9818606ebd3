"""The web app in a real browser against the real stack: what a user sees on each page, and what it stored."""

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from stripefake import FakeStripe
from stripefake.events import event as stripe_event

from shared.testing import poll
from tests.e2e.conftest import RunningStack
from tests.e2e.flows import (
    PASSWORD,
    bearer,
    billing_state,
    login,
    messages_to,
    new_email,
    register,
    register_invited,
)
from tests.e2e.oidc import REDIRECT_BASE, OidcProviders
from tests.e2e.test_billing_checkout import deliver_to_billing
from tests.e2e.test_oauth import signed_in

from .conftest import MAIL_TIMEOUT, fetch_rows, run_scenario


async def test_signup_runs_the_wizard_shows_the_trial_pill_and_the_mailed_link_verifies(
    gateway: httpx.AsyncClient, running_stack: RunningStack, artifacts: Path
) -> None:
    email = new_email("browser")
    teammate = new_email("mate")

    seen = await run_scenario(
        "signup",
        baseUrl=running_stack.gateway_url,
        mailUrl=running_stack.mail_url,
        mailTimeoutMs=MAIL_TIMEOUT * 1000,
        artifacts=str(artifacts),
        name="Robin Browser",
        email=email,
        password=PASSWORD,
        company="Robin's Repairs",
        teammate=teammate,
    )

    assert seen["rulesMetWhileTyping"] == 1  # "short": only the lower-case rule
    assert seen["rulesMet"] == 4
    assert seen["inviteCodeField"] == 1  # self-serve is off in the e2e stack
    assert seen["providerButtons"] == ["Continue with Google", "Continue with Microsoft"]
    assert (seen["pill"], seen["pillStage"]) == ("Pro trial · 14d", "trial")
    assert "days left" in seen["bannerBeforeVerification"]
    assert seen["nextStep"] == "email_verified"  # the wizard set the shop up; verification is next
    assert seen["urlAfterReload"] == f"{running_stack.gateway_url}/"  # the session survived the reload
    assert seen["bannerAfterVerification"] == 0
    assert seen["nextStepAfterVerification"] == "created_flow"
    tokens = await login(gateway, email)
    me = (await gateway.get("/api/v1/users/me", headers=bearer(tokens))).json()
    assert me["email_verified_at"] is not None
    status = (await gateway.get("/api/v1/users/onboarding-status", headers=bearer(tokens))).json()
    assert status["onboarding_step_completed"] == 3
    invites = (await gateway.get("/api/v1/accounts/me/invites", headers=bearer(tokens))).json()
    assert [(i["email"], i["role"], i["status"]) for i in invites] == [(teammate.lower(), "engineer", "pending")]
    profiles = await fetch_rows(
        running_stack.stack.env["ONBOARDING_DATABASE_URL"],
        "SELECT company_name, team_size_bucket, primary_psa FROM shop_profiles WHERE account_id = $1",
        uuid.UUID(me["account_id"]),
    )
    assert [tuple(row) for row in profiles] == [("Robin's Repairs", "3-5", "halopsa")]


async def test_an_expired_trial_shows_the_pill_and_the_upgrade_wall(
    gateway: httpx.AsyncClient, running_stack: RunningStack, artifacts: Path
) -> None:
    email = new_email("expired")
    assert (await register(gateway, email)).status_code == 201
    tokens = await login(gateway, email)
    await billing_state(gateway, tokens, timeout=60)
    account_id = (await gateway.get("/api/v1/users/me", headers=bearer(tokens))).json()["account_id"]
    # time travel: the trial ended an hour ago (billing's /billing/state reads the row per request)
    await fetch_rows(
        running_stack.stack.env["BILLING_DATABASE_URL"],
        "UPDATE subscriptions SET current_period_end = now() - interval '1 hour' WHERE account_id = $1",
        uuid.UUID(account_id),
    )

    seen = await run_scenario(
        "expired", baseUrl=running_stack.gateway_url, artifacts=str(artifacts), email=email, password=PASSWORD
    )

    assert (seen["pill"], seen["pillStage"]) == ("Trial expired", "trial_expired")
    assert seen["wallTitle"] == "Your trial has ended"
    assert seen["wallLink"] == "/account/billing/select-plan"
    state = (await gateway.get("/api/v1/billing/state", headers=bearer(tokens))).json()["subscription"]
    assert state["status"] == "trialing"
    assert datetime.fromisoformat(state["current_period_end"]) < datetime.now(UTC)


async def test_an_unverified_user_past_the_grace_period_meets_the_wall_can_resend_and_sign_out(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient, running_stack: RunningStack, artifacts: Path
) -> None:
    email = new_email("unverified")
    assert (await register(gateway, email)).status_code == 201
    # time travel: registered eight days ago, so the 7-day grace is over (claims are read fresh at login)
    await fetch_rows(
        running_stack.stack.env["IDENTITY_DATABASE_URL"],
        "UPDATE users SET created_at = now() - interval '8 days' WHERE email = $1",
        email.lower(),
    )

    seen = await run_scenario(
        "verify_wall", baseUrl=running_stack.gateway_url, artifacts=str(artifacts), email=email, password=PASSWORD
    )

    assert seen["wallTitle"] == "Verify your email to continue"
    assert seen["resendMessage"] == "Verification email sent"
    assert seen["signedOutAt"] == "/login"

    async def two_mails() -> list[dict[str, Any]] | None:
        found = await messages_to(mail, email)
        return found if len(found) >= 2 else None

    # the automatic verification email and the resent one
    resent = await poll(two_mails, timeout=MAIL_TIMEOUT, interval=0.2, message="the resent verification email")
    assert all("/verify-email?token=" in str(m["text"]) for m in resent)


async def test_a_sales_lead_is_confirmed_and_stored(running_stack: RunningStack, artifacts: Path) -> None:
    email = new_email("lead")

    seen = await run_scenario(
        "sales_lead",
        baseUrl=running_stack.gateway_url,
        artifacts=str(artifacts),
        name="Lee Buyer",
        email=email,
        company="Big MSP",
    )

    assert "Thanks, Lee Buyer!" in seen["confirmation"]
    assert f"reply to {email} " in seen["confirmation"]
    rows = await fetch_rows(
        running_stack.stack.env["ONBOARDING_DATABASE_URL"],
        "SELECT company, team_size, source, status FROM sales_leads WHERE email = $1",
        email.lower(),
    )
    assert [tuple(row) for row in rows] == [("Big MSP", "11-25", "pricing_page", "new")]


async def test_choosing_a_plan_goes_to_the_checkout_page_with_the_seats(
    gateway: httpx.AsyncClient, running_stack: RunningStack, fake_stripe: FakeStripe, pro_price: str, artifacts: Path
) -> None:
    email = new_email("checkout")
    assert (await register(gateway, email)).status_code == 201
    await billing_state(gateway, await login(gateway, email), timeout=60)

    seen = await run_scenario(
        "checkout", baseUrl=running_stack.gateway_url, artifacts=str(artifacts), email=email, password=PASSWORD, seats=4
    )

    assert seen["headings"] == {"billing": "Billing", "team": "Team"}
    assert seen["checkoutUrl"].startswith(f"{fake_stripe.url}/checkout/")
    session = await fake_stripe.checkout_session(seen["checkoutUrl"].rsplit("/", 1)[-1])
    assert [(i["price"]["id"], i["quantity"]) for i in session["line_items"]["data"]] == [(pro_price, 4)]


async def test_google_sign_up_in_the_browser_lands_on_a_new_shop_with_the_trial_pill(
    running_stack: RunningStack, oidc_providers: OidcProviders, artifacts: Path
) -> None:
    person = oidc_providers.google.add_account(name="Gia Google")
    gateway_port = urlparse(running_stack.gateway_url).port
    redirect_host = urlparse(REDIRECT_BASE).hostname

    seen = await run_scenario(
        "google",
        # the provider only sends people back to the registered OAUTH_REDIRECT_BASE (spa.test): the browser
        # resolves that host to the gateway, so the whole sign-in runs on the app's own origin
        baseUrl=REDIRECT_BASE,
        hostRules=f"MAP {redirect_host} 127.0.0.1:{gateway_port}",
        providerUrl=oidc_providers.google.base_url,
        artifacts=str(artifacts),
        email=person["email"],
    )

    assert seen["landedOn"] == "/welcome"  # a new shop starts the wizard
    assert (seen["pill"], seen["pillStage"]) == ("Pro trial · 14d", "trial")
    users = await fetch_rows(
        running_stack.stack.env["IDENTITY_DATABASE_URL"],
        "SELECT u.email_verified_at IS NOT NULL, o.provider, o.provider_subject FROM users u "
        "JOIN oauth_identities o ON o.user_id = u.id WHERE u.email = $1",
        person["email"].lower(),
    )
    assert [tuple(row) for row in users] == [(True, "google", person["sub"])]


async def test_an_invited_teammate_accepts_in_a_second_browser_and_becomes_a_member(
    gateway: httpx.AsyncClient, running_stack: RunningStack, artifacts: Path
) -> None:
    owner_email = new_email("owner")
    invitee_email = new_email("invitee").lower()
    assert (await register(gateway, owner_email, name="Olive Owner")).status_code == 201
    owner = await login(gateway, owner_email)
    created = await gateway.post(
        "/api/v1/accounts/me/invites", json={"email": invitee_email, "role": "engineer"}, headers=bearer(owner)
    )
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    lookup = (await gateway.get(f"/api/v1/accounts/invites/{code}/lookup")).json()

    seen = await run_scenario(
        "accept_invite",
        baseUrl=running_stack.gateway_url,
        artifacts=str(artifacts),
        ownerEmail=owner_email,
        password=PASSWORD,
        code=code,
        inviteeEmail=invitee_email,
        inviteeName="Ivy Invitee",
    )

    assert seen["heading"] == f"Join {lookup['account_name']}"
    assert (seen["email"], seen["emailReadOnly"]) == (invitee_email, True)
    assert sorted(seen["ownerSeesMembers"]) == sorted([owner_email.lower(), invitee_email])
    members = (await gateway.get("/api/v1/accounts/me/members", headers=bearer(owner))).json()
    assert sorted((m["email"], m["account_role"]) for m in members) == sorted(
        [(owner_email.lower(), "owner"), (invitee_email, "engineer")]
    )
    invites = (await gateway.get("/api/v1/accounts/me/invites", headers=bearer(owner))).json()
    assert [(i["email"], i["status"]) for i in invites if i["id"] == created.json()["id"]] == [
        (invitee_email, "accepted")
    ]


async def invite(gateway: httpx.AsyncClient, owner: dict[str, Any], email: str, role: str) -> dict[str, Any]:
    created = await gateway.post(
        "/api/v1/accounts/me/invites", json={"email": email, "role": role}, headers=bearer(owner)
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def test_an_owner_sends_resends_and_revokes_invites_then_hands_the_account_to_a_member(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient, running_stack: RunningStack, artifacts: Path
) -> None:
    owner_email = new_email("owner").lower()
    member_email = new_email("member").lower()
    doomed_email = new_email("doomed").lower()
    invitee_email = new_email("invitee").lower()
    assert (await register(gateway, owner_email, name="Olive Owner")).status_code == 201
    owner = await login(gateway, owner_email)
    joining = await invite(gateway, owner, member_email, "engineer")
    assert (await register_invited(gateway, member_email, joining["code"], name="Max Member")).status_code == 201
    doomed = await invite(gateway, owner, doomed_email, "viewer")

    seen = await run_scenario(
        "team",
        baseUrl=running_stack.gateway_url,
        artifacts=str(artifacts),
        ownerEmail=owner_email,
        password=PASSWORD,
        inviteEmail=invitee_email,
        revokeEmail=doomed_email,
        revokeCode=doomed["code"],
        memberName="Max Member",
        memberEmail=member_email,
    )

    assert seen["pendingBefore"] == [doomed_email]
    assert seen["sent"] == f"Invite sent to {invitee_email}."
    assert (seen["pendingAfterSend"], seen["sentRole"]) == ([invitee_email, doomed_email], "viewer")
    assert seen["resent"] == f"Invite resent to {invitee_email}."
    assert seen["pendingAfterResend"] == [invitee_email, doomed_email]
    assert seen["revoked"] == f"Invite to {doomed_email} revoked."
    assert seen["pendingAfterRevoke"] == [invitee_email]
    assert seen["revokedAcceptPage"] == {
        "heading": "Invitation",
        "alert": "This invite is no longer valid. Ask your teammate to send a new one.",
        "joinButtons": 0,
    }
    assert seen["transferred"] == "Ownership transferred."
    assert seen["membersAfterTransfer"] == [
        ["Olive Owner", owner_email, "admin"],
        ["Max Member", member_email, "owner"],
    ]
    assert seen["ownerControlsAfterTransfer"] == {"inviteForm": 0, "invites": 0, "transfer": 0}
    assert seen["noticesAfterTransfer"] == ["Ownership transferred."]

    # stored effects, read as the new owner (invites are the owner's to list)
    new_owner = await login(gateway, member_email)
    members = (await gateway.get("/api/v1/accounts/me/members", headers=bearer(new_owner))).json()
    assert [(m["email"], m["account_role"]) for m in members] == [(owner_email, "admin"), (member_email, "owner")]
    old_owner = (await gateway.get("/api/v1/users/me", headers=bearer(await login(gateway, owner_email)))).json()
    assert old_owner["account_role"] == "admin"
    listed = (await gateway.get("/api/v1/accounts/me/invites", headers=bearer(new_owner))).json()
    sent = [(i["status"], i["role"], i["code"]) for i in listed if i["email"] == invitee_email]
    assert [(status, role) for status, role, _ in sent] == [
        ("pending", "viewer"),
        ("revoked", "viewer"),
    ]  # newest first
    [(_, _, resent_code), (_, _, first_code)] = sent
    assert [i["status"] for i in listed if i["id"] == doomed["id"]] == ["revoked"]
    for refused in (doomed["code"], first_code):
        lookup = await gateway.get(f"/api/v1/accounts/invites/{refused}/lookup")
        assert (lookup.status_code, lookup.json()) == (
            404,
            {"detail": {"error": "invite_invalid_or_expired_or_revoked"}},
        )
    assert (await gateway.get(f"/api/v1/accounts/invites/{resent_code}/lookup")).status_code == 200

    async def two_mails() -> list[dict[str, Any]] | None:
        found = await messages_to(mail, invitee_email)
        return found if len(found) >= 2 else None

    # the invite's email and the resent one, each with its own accept link
    mails = await poll(two_mails, timeout=MAIL_TIMEOUT, interval=0.2, message="the invite and the resent invite")
    linked = {code for code in (first_code, resent_code) for m in mails if f"/accept-invite?code={code}" in m["text"]}
    assert linked == {first_code, resent_code}


async def test_a_google_user_signing_in_with_a_password_is_sent_to_google_and_signs_in_there(
    gateway: httpx.AsyncClient, running_stack: RunningStack, oidc_providers: OidcProviders, artifacts: Path
) -> None:
    person = oidc_providers.google.add_account(name="Gus Google")
    await signed_in(gateway, oidc_providers.google, person)  # the shop was made with Google: no password
    refused = await gateway.post("/api/v1/auth/login/json", json={"email": person["email"], "password": PASSWORD})
    assert (refused.status_code, refused.json()) == (
        400,
        {"detail": {"error": "use_oauth_provider", "providers": ["google"]}},
    )
    gateway_port = urlparse(running_stack.gateway_url).port

    seen = await run_scenario(
        "oauth_provider",
        baseUrl=REDIRECT_BASE,
        hostRules=f"MAP {urlparse(REDIRECT_BASE).hostname} 127.0.0.1:{gateway_port}",
        providerUrl=oidc_providers.google.base_url,
        artifacts=str(artifacts),
        email=person["email"],
        password=PASSWORD,
    )

    assert seen["prompt"] == "This account signs in with a provider, not a password."
    assert seen["promptButtons"] == ["Sign in with Google"]  # only the provider the account is linked to
    assert seen["stillOnLogin"] == "/login"
    assert seen["landedOn"] == "/"  # an existing shop: no wizard
    assert seen["pill"] == "Pro trial · 14d"
    # stored effect: the same user (still without a password), signed in a second time (one family per sign-in)
    rows = await fetch_rows(
        running_stack.stack.env["IDENTITY_DATABASE_URL"],
        "SELECT u.password_hash IS NULL, count(DISTINCT r.family_id) FROM users u "
        "JOIN refresh_tokens r ON r.user_id = u.id WHERE u.email = $1 GROUP BY u.id",
        person["email"].lower(),
    )
    assert [tuple(row) for row in rows] == [(True, 2)]


async def test_the_checkout_webhook_turns_the_pill_to_pro(
    gateway: httpx.AsyncClient, running_stack: RunningStack, fake_stripe: FakeStripe, pro_price: str, artifacts: Path
) -> None:
    email = new_email("paying")
    assert (await register(gateway, email)).status_code == 201
    tokens = await login(gateway, email)
    await billing_state(gateway, tokens, timeout=60)
    chosen = await run_scenario(
        "checkout", baseUrl=running_stack.gateway_url, artifacts=str(artifacts), email=email, password=PASSWORD, seats=2
    )
    # the customer pays at (fake) Stripe, which then calls billing's own webhook port
    paid = await fake_stripe.complete_checkout(chosen["checkoutUrl"].rsplit("/", 1)[-1])
    delivered = await deliver_to_billing(
        running_stack, stripe_event("checkout.session.completed", paid["session"], created=int(time.time()))
    )
    assert delivered.status_code == 200, delivered.text

    seen = await run_scenario(
        "paid_pill",
        baseUrl=running_stack.gateway_url,
        artifacts=str(artifacts),
        email=email,
        password=PASSWORD,
        expect="Pro",
    )

    assert (seen["pill"], seen["pillStage"]) == ("Pro", "paid")
    state = (await gateway.get("/api/v1/billing/state", headers=bearer(tokens))).json()["subscription"]
    assert (state["plan"], state["status"], state["seat_limit"], state["is_paid"]) == ("pro", "active", 2, True)


async def test_a_forgotten_password_is_reset_through_the_mailed_link_and_the_new_one_signs_in(
    gateway: httpx.AsyncClient, running_stack: RunningStack, artifacts: Path
) -> None:
    email = new_email("forgetful")
    new_password = "Fresh-Start-Pass-77"
    assert (await register(gateway, email)).status_code == 201

    seen = await run_scenario(
        "reset_password",
        baseUrl=running_stack.gateway_url,
        mailUrl=running_stack.mail_url,
        mailTimeoutMs=MAIL_TIMEOUT * 1000,
        artifacts=str(artifacts),
        email=email,
        newPassword=new_password,
    )

    assert seen["requested"]  # the app shows the service's (non-revealing) confirmation
    assert seen["linkPath"] == "/reset-password"
    assert seen["landedOn"] == "/"
    assert seen["pill"] == "Pro trial · 14d"
    # stored effect: the new password signs in through the API, the old one no longer does
    fresh = await gateway.post("/api/v1/auth/login/json", json={"email": email, "password": new_password})
    assert fresh.status_code == 200, fresh.text
    stale = await gateway.post("/api/v1/auth/login/json", json={"email": email, "password": PASSWORD})
    assert stale.status_code == 401, stale.text


@pytest.fixture
async def self_serve_restored(gateway: httpx.AsyncClient, admin_headers: dict[str, str]) -> AsyncIterator[None]:
    """Other tests share the stack: the self-serve flag this test flips is put back, whatever happens."""
    before = await gateway.get("/api/v1/admin/settings", headers=admin_headers)
    assert before.status_code == 200, before.text
    try:
        yield
    finally:
        restored = await gateway.patch(
            "/api/v1/admin/settings",
            headers=admin_headers,
            json={"self_serve_enabled": before.json()["self_serve_enabled"]},
        )
        assert restored.status_code == 200, restored.text


# the rows of the pricing page's comparison table: the compared limits, then the catalogue's feature flags
COMPARED_LIMITS = [
    "Seats",
    "Trees",
    "Sessions per month",
    "AI builds per month",
    "Custom branding",
    "Priority support",
    "Export formats",
]
SEEDED_FLAGS = [
    "PSA Integration",
    "Script Builder",
    "Escalation Mode",
    "Analytics Dashboards",
    "Knowledge Flywheel",
    "Full Team Administration",
    "Single Sign-On",
    "Audit Log",
]


async def test_pricing_shows_the_public_plans_and_their_comparison_and_is_not_found_without_self_serve(
    gateway: httpx.AsyncClient,
    running_stack: RunningStack,
    admin_headers: dict[str, str],
    self_serve_restored: None,
    artifacts: Path,
) -> None:
    async def set_self_serve(enabled: bool) -> None:
        changed = await gateway.patch(
            "/api/v1/admin/settings", headers=admin_headers, json={"self_serve_enabled": enabled}
        )
        assert changed.status_code == 200, changed.text
        assert (await gateway.get("/api/v1/config/public")).json()["self_serve_enabled"] is enabled

    await set_self_serve(True)
    plans = (await gateway.get("/api/v1/plans/public")).json()
    assert plans, "the stack's catalog has public plans"

    opened = await run_scenario("pricing", baseUrl=running_stack.gateway_url, artifacts=str(artifacts), selfServe=True)

    assert [card["title"] for card in opened["cards"]] == [plan["display_name"] for plan in plans]
    # a priced plan starts a trial; a plan without a price (Enterprise) is sold by sales
    assert [(card["trialLinks"], card["salesLinks"]) for card in opened["cards"]] == [
        ([f"/register?plan={plan['plan']}"], [])
        if plan["monthly_price_cents"] is not None
        else ([], ["/contact-sales?from=pricing"])
        for plan in plans
    ]
    assert any(plan["monthly_price_cents"] is None for plan in plans)  # the catalog has a sales-only plan
    assert [card["recommended"] for card in opened["cards"]] == [plan["plan"] == "pro" for plan in plans]
    assert opened["trialLandsOn"] == f"/register?plan={plans[0]['plan']}"
    table = opened["comparison"]
    assert table["caption"] == "Compare plans"
    assert table["columns"] == ["Feature", *(card["title"] for card in opened["cards"])]
    labels = [row["label"] for row in table["rows"]]
    assert labels[: len(COMPARED_LIMITS)] == COMPARED_LIMITS
    assert sorted(labels[len(COMPARED_LIMITS) :]) == sorted(SEEDED_FLAGS)
    cells = {row["label"]: dict(zip(table["columns"][1:], row["cells"], strict=True)) for row in table["rows"]}
    # services/billing/migrations/versions/2026-11-26_seed_plan_catalog.py: max_users 1 / 5 / none, SSO for enterprise
    assert cells["Seats"] == {"Starter": "1", "Pro": "5", "Enterprise": "Unlimited"}
    assert cells["AI builds per month"] == {"Starter": "15", "Pro": "50", "Enterprise": "Unlimited"}
    assert cells["Custom branding"] == {"Starter": "Not included", "Pro": "Included", "Enterprise": "Included"}
    assert cells["Single Sign-On"] == {"Starter": "Not included", "Pro": "Not included", "Enterprise": "Included"}
    assert cells["Escalation Mode"] == {"Starter": "Not included", "Pro": "Included", "Enterprise": "Included"}
    assert all(cell in {"Included", "Not included"} for flag in SEEDED_FLAGS for cell in cells[flag].values())

    await set_self_serve(False)
    closed = await run_scenario("pricing", baseUrl=running_stack.gateway_url, artifacts=str(artifacts), selfServe=False)

    assert closed["notFound"] is True
    assert closed["cardCount"] == 0
