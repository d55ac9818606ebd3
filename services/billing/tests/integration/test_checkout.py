"""POST /api/v1/billing/checkout-session and GET /api/v1/billing/portal-session against the fake Stripe."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from stripe_support import (
    FRONTEND_URL,
    Prices,
    at,
    bearer,
    billing_account_of,
    changed_events,
    set_subscription,
    start_trial,
    subscription_of,
)
from stripefake import FakeStripe

from billing.catalog.models import PlanBilling
from shared.clock import ManualClock
from shared.testing import TestSigner

pytest_plugins = ["stripe_support"]

CHECKOUT = "/api/v1/billing/checkout-session"
PORTAL = "/api/v1/billing/portal-session"


def session_id_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


async def customer_creations(fake: FakeStripe, account_id: uuid.UUID) -> list[dict[str, Any]]:
    return [
        r
        for r in await fake.requests()
        if r["method"] == "POST"
        and r["path"] == "/v1/customers"
        and (r.get("params") or {}).get("metadata", {}).get("account_id") == str(account_id)
    ]


async def test_checkout_creates_the_customer_once_and_a_subscription_session(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    email = f"owner-{account_id.hex[:8]}@example.com"
    await start_trial(stripe_app, account_id, clock.now(), email=email)

    response = await stripe_client.post(
        CHECKOUT, json={"plan": "pro", "seats": 3}, headers=bearer(signer, account_id, "admin")
    )

    assert response.status_code == 200
    url = response.json()["url"]
    assert set(response.json()) == {"url"}
    assert url.startswith(fake_stripe.url)
    session = await fake_stripe.checkout_session(session_id_of(url))
    account = await billing_account_of(stripe_app, account_id)
    assert account is not None
    assert account.stripe_customer_id
    assert session["customer"] == account.stripe_customer_id
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(account_id)
    assert session["allow_promotion_codes"] is False
    assert session["success_url"] == f"{FRONTEND_URL}/account/billing?success=1"
    assert session["cancel_url"] == f"{FRONTEND_URL}/account/billing/select-plan"
    items = session["line_items"]["data"]
    assert [(item["price"]["id"], item["quantity"]) for item in items] == [(catalog_prices.pro_monthly, 3)]
    creations = await customer_creations(fake_stripe, account_id)
    assert len(creations) == 1
    assert creations[0]["idempotency_key"] == f"customer-{account_id}"
    assert creations[0]["params"]["email"] == email
    # nothing changes locally until Stripe's webhook
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.status, sub.stripe_subscription_id) == ("trialing", None)
    assert len(await changed_events(stripe_app, account_id)) == 1  # the trial's start only

    again = await stripe_client.post(
        CHECKOUT,
        json={"plan": "pro", "seats": 1, "billing_interval": "annual"},
        headers=bearer(signer, account_id),
    )

    assert again.status_code == 200
    second = await fake_stripe.checkout_session(session_id_of(again.json()["url"]))
    assert second["customer"] == account.stripe_customer_id
    assert [item["price"]["id"] for item in second["line_items"]["data"]] == [catalog_prices.pro_annual]
    assert len(await customer_creations(fake_stripe, account_id)) == 1


async def test_concurrent_checkouts_of_one_account_store_one_customer(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())

    responses = await asyncio.gather(
        *(
            stripe_client.post(CHECKOUT, json={"plan": "starter", "seats": 1}, headers=bearer(signer, account_id))
            for _ in range(4)
        )
    )

    assert [r.status_code for r in responses] == [200] * 4
    account = await billing_account_of(stripe_app, account_id)
    assert account is not None
    assert account.stripe_customer_id
    sessions = [await fake_stripe.checkout_session(session_id_of(r.json()["url"])) for r in responses]
    assert {s["customer"] for s in sessions} == {account.stripe_customer_id}
    # every creation Stripe saw carried the account's key, so Stripe answers all with one customer
    assert {c["idempotency_key"] for c in await customer_creations(fake_stripe, account_id)} == {
        f"customer-{account_id}"
    }


async def test_checkout_carries_a_trial_with_at_least_48_hours_left_as_trial_end(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    long_trial, short_trial = uuid.uuid4(), uuid.uuid4()
    await start_trial(stripe_app, long_trial, clock.now() - timedelta(days=11, hours=23))  # 2 days 1 h left
    await start_trial(stripe_app, short_trial, clock.now() - timedelta(days=12, hours=1))  # 47 h left
    long_sub = await subscription_of(stripe_app, long_trial)
    assert long_sub is not None
    assert long_sub.current_period_end is not None

    carried = await stripe_client.post(CHECKOUT, json={"plan": "pro", "seats": 2}, headers=bearer(signer, long_trial))
    charged_now = await stripe_client.post(
        CHECKOUT, json={"plan": "pro", "seats": 2}, headers=bearer(signer, short_trial)
    )

    assert carried.status_code == 200
    assert charged_now.status_code == 200
    carried_session = await fake_stripe.checkout_session(session_id_of(carried.json()["url"]))
    assert carried_session["subscription_data"]["trial_end"] == at(long_sub.current_period_end)
    charged_session = await fake_stripe.checkout_session(session_id_of(charged_now.json()["url"]))
    assert "trial_end" not in (charged_session.get("subscription_data") or {})


@pytest.mark.parametrize("role", ["engineer", "viewer"])
async def test_checkout_by_engineer_or_viewer_is_403(
    stripe_client: httpx.AsyncClient, signer: TestSigner, role: str
) -> None:
    response = await stripe_client.post(
        CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, uuid.uuid4(), role)
    )

    assert response.status_code == 403
    assert response.json() == {"detail": {"error": "owner_or_admin_required"}}


async def test_checkout_without_stripe_configured_is_503(client: httpx.AsyncClient, signer: TestSigner) -> None:
    response = await client.post(CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, uuid.uuid4()))

    assert response.status_code == 503
    assert response.json() == {"detail": {"error": "stripe_not_configured"}}


@pytest.mark.parametrize(
    ("plan", "interval"),
    [("enterprise", "monthly"), ("starter", "annual")],
    ids=["sales-led-plan", "no-annual-price"],
)
async def test_checkout_of_a_plan_without_a_price_for_the_interval_is_400(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
    plan: str,
    interval: str,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())

    response = await stripe_client.post(
        CHECKOUT, json={"plan": plan, "seats": 1, "billing_interval": interval}, headers=bearer(signer, account_id)
    )

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "plan_not_purchasable", "plan": plan, "billing_interval": interval}}
    assert await customer_creations(fake_stripe, account_id) == []


async def test_checkout_of_a_plan_without_a_plan_billing_row_is_400(
    stripe_app: Any, stripe_client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock, catalog_prices: Prices
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    async with stripe_app.state.runtime.factory() as session, session.begin():
        row = await session.get(PlanBilling, "starter")
        assert row is not None
        saved = {c.key: getattr(row, c.key) for c in PlanBilling.__table__.columns}
        await session.delete(row)
    try:
        response = await stripe_client.post(
            CHECKOUT, json={"plan": "starter", "seats": 1}, headers=bearer(signer, account_id)
        )
    finally:
        async with stripe_app.state.runtime.factory() as session, session.begin():
            session.add(PlanBilling(**saved))

    assert response.status_code == 400
    assert response.json() == {
        "detail": {"error": "plan_not_purchasable", "plan": "starter", "billing_interval": "monthly"}
    }


@pytest.mark.parametrize("status", ["active", "past_due"])
async def test_checkout_while_a_stripe_subscription_runs_is_409(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    catalog_prices: Prices,
    status: str,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    await set_subscription(stripe_app, account_id, status=status, stripe_subscription_id=f"sub_{uuid.uuid4().hex}")

    response = await stripe_client.post(CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, account_id))

    assert response.status_code == 409
    assert response.json() == {"detail": {"error": "already_subscribed"}}


async def test_checkout_after_a_canceled_stripe_subscription_is_allowed(
    stripe_app: Any, stripe_client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock, catalog_prices: Prices
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    await set_subscription(stripe_app, account_id, status="canceled", stripe_subscription_id=f"sub_{uuid.uuid4().hex}")

    response = await stripe_client.post(CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, account_id))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"plan": "pro", "seats": 0}, {"plan": "pro", "seats": 1001}, {"plan": "free", "seats": 1}, {"plan": "pro"}],
    ids=["no-seats", "too-many-seats", "free-plan", "seats-missing"],
)
async def test_checkout_with_bad_body_is_422(
    stripe_client: httpx.AsyncClient, signer: TestSigner, body: dict[str, Any]
) -> None:
    response = await stripe_client.post(CHECKOUT, json=body, headers=bearer(signer, uuid.uuid4()))

    assert response.status_code == 422


async def test_checkout_when_stripe_fails_is_502_and_stores_nothing(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    await fake_stripe.fail_next("/v1/customers", status=500, times=None)
    try:
        response = await stripe_client.post(
            CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, account_id)
        )
    finally:
        await fake_stripe.clear_failures()

    assert response.status_code == 502
    assert response.json() == {"detail": {"error": "stripe_unavailable"}}
    account = await billing_account_of(stripe_app, account_id)
    assert account is not None
    assert account.stripe_customer_id is None


async def test_checkout_session_failure_after_the_customer_is_502_and_keeps_the_customer(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    await fake_stripe.fail_next("/v1/checkout/sessions", status=400, times=1, message="boom")
    response = await stripe_client.post(CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, account_id))

    assert response.status_code == 502
    account = await billing_account_of(stripe_app, account_id)
    assert account is not None
    assert account.stripe_customer_id is not None

    retry = await stripe_client.post(CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, account_id))

    assert retry.status_code == 200
    assert len(await customer_creations(fake_stripe, account_id)) == 1


async def test_portal_session_returns_the_portal_url_of_the_accounts_customer(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    checkout = await stripe_client.post(CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, account_id))
    assert checkout.status_code == 200

    response = await stripe_client.get(PORTAL, headers=bearer(signer, account_id, "admin"))

    assert response.status_code == 200
    url = response.json()["url"]
    portal = await fake_stripe.portal_session(session_id_of(url))
    account = await billing_account_of(stripe_app, account_id)
    assert account is not None
    assert portal["customer"] == account.stripe_customer_id
    assert portal["return_url"] == f"{FRONTEND_URL}/account/billing"


async def test_portal_session_without_a_stripe_customer_is_400(
    stripe_app: Any, stripe_client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())

    response = await stripe_client.get(PORTAL, headers=bearer(signer, account_id))

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "no_stripe_customer"}}


@pytest.mark.parametrize("role", ["engineer", "viewer"])
async def test_portal_session_by_engineer_or_viewer_is_403(
    stripe_client: httpx.AsyncClient, signer: TestSigner, role: str
) -> None:
    response = await stripe_client.get(PORTAL, headers=bearer(signer, uuid.uuid4(), role))

    assert response.status_code == 403
    assert response.json() == {"detail": {"error": "owner_or_admin_required"}}


async def test_portal_session_without_stripe_configured_is_503(client: httpx.AsyncClient, signer: TestSigner) -> None:
    response = await client.get(PORTAL, headers=bearer(signer, uuid.uuid4()))

    assert response.status_code == 503
    assert response.json() == {"detail": {"error": "stripe_not_configured"}}


async def test_portal_session_when_stripe_fails_is_502(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    checkout = await stripe_client.post(CHECKOUT, json={"plan": "pro", "seats": 1}, headers=bearer(signer, account_id))
    assert checkout.status_code == 200
    await fake_stripe.fail_next("/v1/billing_portal", status=503, times=None)
    try:
        response = await stripe_client.get(PORTAL, headers=bearer(signer, account_id))
    finally:
        await fake_stripe.clear_failures()

    assert response.status_code == 502
    assert response.json() == {"detail": {"error": "stripe_unavailable"}}
