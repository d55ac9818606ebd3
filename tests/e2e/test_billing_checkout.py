"""Converting a trial to a paid plan through Stripe Checkout, end to end: signup → trial → checkout URL from
the (fake) Stripe → the customer pays → Stripe's webhook on billing's own port → the subscription is active
with the seats bought → Stripe deletes the subscription → Pro routes are locked at the gateway."""

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import stripe
from stripefake import FakeStripe
from stripefake.events import event as stripe_event
from stripefake.events import signed_event

from shared.testing import poll

from .conftest import BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD, STRIPE_WEBHOOK_SECRET, RunningStack
from .flows import bearer, billing_state, login, new_email, register


@pytest.fixture
async def admin_headers(gateway: httpx.AsyncClient) -> dict[str, str]:
    response = await gateway.post(
        "/api/v1/auth/login/json", json={"email": BOOTSTRAP_ADMIN_EMAIL, "password": BOOTSTRAP_ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return bearer(response.json())


@pytest.fixture
async def pro_price(
    gateway: httpx.AsyncClient, admin_headers: dict[str, str], fake_stripe: FakeStripe
) -> AsyncIterator[str]:
    """A monthly Pro price in the fake Stripe, set in the catalog by a super admin; the catalog's Stripe ids
    are put back afterwards (other suites share the stack)."""
    sdk = stripe.StripeClient(
        fake_stripe.api_key,
        base_addresses={"api": fake_stripe.url},  # type: ignore[typeddict-item]
        http_client=stripe.HTTPXClient(),
    )
    price = await sdk.v1.prices.create_async(
        {
            "unit_amount": 2999,
            "currency": "usd",
            "recurring": {"interval": "month"},  # type: ignore[typeddict-item]
            "product_data": {"name": "Platform Pro"},
        }
    )
    listed = await gateway.get("/api/v1/admin/plan-limits", headers=admin_headers)
    assert listed.status_code == 200, listed.text
    [before] = [row for row in listed.json() if row["plan"] == "pro"]
    ids = ("stripe_product_id", "stripe_monthly_price_id")
    product_id = price.product if isinstance(price.product, str) else price.product.id
    updated = await gateway.put(
        "/api/v1/admin/plan-limits",
        headers=admin_headers,
        json={"plan": "pro", "stripe_product_id": product_id, "stripe_monthly_price_id": price.id},
    )
    assert updated.status_code == 200, updated.text
    yield price.id
    restored = await gateway.put(
        "/api/v1/admin/plan-limits", headers=admin_headers, json={"plan": "pro"} | {k: before[k] for k in ids}
    )
    assert restored.status_code == 200, restored.text


async def deliver_to_billing(running_stack: RunningStack, event: dict[str, Any]) -> httpx.Response:
    """POST a signed Stripe event to billing's own port, as Stripe does (the gateway does not route it)."""
    body, signature = signed_event(event, STRIPE_WEBHOOK_SECRET)
    async with httpx.AsyncClient(base_url=running_stack.url("billing"), timeout=15.0) as billing:
        return await billing.post(
            "/api/v1/webhooks/stripe",
            content=body,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )


async def test_trial_converts_through_checkout_and_a_deleted_stripe_subscription_locks_pro_routes(
    gateway: httpx.AsyncClient, running_stack: RunningStack, fake_stripe: FakeStripe, pro_price: str
) -> None:
    email = new_email("buyer")
    assert (await register(gateway, email)).status_code == 201
    tokens = await login(gateway, email)
    trial = await billing_state(gateway, tokens)
    assert (trial["subscription"]["status"], trial["subscription"]["plan"]) == ("trialing", "pro")

    checkout = await gateway.post(
        "/api/v1/billing/checkout-session", headers=bearer(tokens), json={"plan": "pro", "seats": 3}
    )

    assert checkout.status_code == 200, checkout.text
    url = checkout.json()["url"]
    assert url.startswith(f"{fake_stripe.url}/checkout/")
    session_id = url.rsplit("/", 1)[-1]
    created = await fake_stripe.checkout_session(session_id)
    assert [(i["price"]["id"], i["quantity"]) for i in created["line_items"]["data"]] == [(pro_price, 3)]
    assert created["subscription_data"]["trial_end"] is not None  # 14 days left: the trial is carried
    still_trialing = await gateway.get("/api/v1/billing/state", headers=bearer(tokens))
    assert still_trialing.json()["subscription"]["status"] == "trialing"  # nothing changes before the webhook

    paid = await fake_stripe.complete_checkout(session_id)
    completed_at = int(time.time())
    completed = await deliver_to_billing(
        running_stack, stripe_event("checkout.session.completed", paid["session"], created=completed_at)
    )
    assert completed.status_code == 200, completed.text
    assert completed.json() == {"status": "ok", "applied": True}

    async def active() -> dict[str, Any] | None:
        state = (await gateway.get("/api/v1/billing/state", headers=bearer(tokens))).json()
        return state if state["subscription"]["status"] == "active" else None

    state = await poll(active, timeout=20, interval=0.1, message="subscription active after checkout")
    assert state["subscription"]["seat_limit"] == 3
    assert state["subscription"]["is_paid"] is True
    assert state["plan_limits"]["max_users"] == 3
    live = await gateway.get("/api/v1/trees", headers=bearer(tokens))
    assert live.status_code != 402, live.text

    stripe_sub_id = paid["subscription"]["id"]
    canceled = await fake_stripe.set_subscription(stripe_sub_id, status="canceled")
    deleted = await deliver_to_billing(
        running_stack, stripe_event("customer.subscription.deleted", canceled, created=completed_at + 1)
    )
    assert deleted.json() == {"status": "ok", "applied": True}

    async def locked() -> httpx.Response | None:
        response = await gateway.get("/api/v1/trees", headers=bearer(tokens))
        return response if response.status_code == 402 else None

    refused = await poll(locked, timeout=20, interval=0.1, message="Pro routes locked after cancellation")
    detail = refused.json()["detail"]
    assert (detail["error"], detail["status"], detail["plan"]) == ("subscription_inactive", "canceled", "pro")
    assert detail["upgrade_url"] == "/account/billing/select-plan"
    final = (await gateway.get("/api/v1/billing/state", headers=bearer(tokens))).json()
    assert final["subscription"]["status"] == "canceled"
    assert final["subscription"]["has_pro_entitlement"] is False
