"""POST /api/v1/webhooks/stripe: the gate (signature), the idempotency log and each event type of §4.3."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import stripe
from stripe_support import (
    WEBHOOK_PATH,
    Prices,
    at,
    bearer,
    billing_account_of,
    changed_events,
    deliver,
    invoice_object,
    outbox_events,
    set_subscription,
    start_trial,
    stripe_event,
    stripe_event_row,
    subscription_object,
    subscription_of,
)
from stripefake import FakeStripe
from stripefake.events import sign

from shared.clock import ManualClock
from shared.testing import TestSigner

pytest_plugins = ["stripe_support"]

CHECKOUT = "/api/v1/billing/checkout-session"


def ts(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def linked_account(app: Any, clock: ManualClock, **values: Any) -> tuple[uuid.UUID, str]:
    """An account whose subscription an earlier checkout tied to a Stripe subscription."""
    account_id, stripe_subscription_id = uuid.uuid4(), f"sub_{uuid.uuid4().hex[:20]}"
    await start_trial(app, account_id, clock.now(), email=f"billing-{account_id.hex[:8]}@example.com")
    fields: dict[str, Any] = {"status": "active", "seat_limit": 2, "stripe_subscription_id": stripe_subscription_id}
    await set_subscription(app, account_id, **(fields | values))
    return account_id, stripe_subscription_id


async def paid_checkout(
    client: httpx.AsyncClient, fake: FakeStripe, signer: TestSigner, account_id: uuid.UUID, plan: str, seats: int
) -> dict[str, Any]:
    """Checkout through billing, then the customer pays in the fake: {"session", "subscription"}."""
    response = await client.post(CHECKOUT, json={"plan": plan, "seats": seats}, headers=bearer(signer, account_id))
    assert response.status_code == 200
    done: dict[str, Any] = await fake.complete_checkout(response.json()["url"].rsplit("/", 1)[-1])
    return done


async def completed_in_stripe(
    sdk: stripe.StripeClient, fake: FakeStripe, price: str, quantity: int = 1, reference: str | None = None
) -> dict[str, Any]:
    """A checkout made directly in Stripe (not through billing) and paid: the completed session."""
    customer = await sdk.v1.customers.create_async({"email": "direct@example.com"})
    params: dict[str, Any] = {
        "mode": "subscription",
        "customer": customer.id,
        "line_items": [{"price": price, "quantity": quantity}],
        "success_url": "http://spa.test/ok",
        "cancel_url": "http://spa.test/cancel",
    }
    if reference is not None:
        params["client_reference_id"] = reference
    session = await sdk.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]
    done: dict[str, Any] = await fake.complete_checkout(session.id)
    return done


# ---------------------------------------------------------------- the gate


async def test_webhook_without_stripe_configured_is_acknowledged_and_nothing_recorded(
    app: Any, client: httpx.AsyncClient
) -> None:
    event = stripe_event("customer.subscription.updated", subscription_object("sub_unconfigured"))

    response = await deliver(client, event)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "message": "Stripe not configured, event ignored"}
    assert await stripe_event_row(app, event["id"]) is None


async def test_webhook_without_signature_header_is_400(stripe_client: httpx.AsyncClient) -> None:
    response = await stripe_client.post(WEBHOOK_PATH, content=b'{"id": "evt_x"}')

    assert response.status_code == 400
    assert response.json() == {"detail": "Missing stripe-signature header"}


async def test_webhook_signed_with_another_secret_is_400_and_not_recorded(
    stripe_app: Any, stripe_client: httpx.AsyncClient
) -> None:
    event = stripe_event("invoice.created", invoice_object("sub_x"))

    response = await deliver(stripe_client, event, secret="whsec_someone_else")

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid signature"}
    assert await stripe_event_row(stripe_app, event["id"]) is None


async def test_webhook_signed_longer_ago_than_the_tolerance_is_400(
    stripe_app: Any, stripe_client: httpx.AsyncClient
) -> None:
    event = stripe_event("invoice.created", invoice_object("sub_x"))
    signed_at = int(datetime.now(UTC).timestamp()) - 301  # STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300

    response = await deliver(stripe_client, event, timestamp=signed_at)

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid signature"}
    assert await stripe_event_row(stripe_app, event["id"]) is None


async def test_webhook_with_a_tampered_body_is_400(stripe_client: httpx.AsyncClient) -> None:
    body = b'{"id": "evt_1", "type": "invoice.created", "created": 1, "data": {"object": {}}}'
    signature = sign(body, "whsec_billing_integration")

    response = await stripe_client.post(
        WEBHOOK_PATH, content=body.replace(b"evt_1", b"evt_2"), headers={"Stripe-Signature": signature}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid signature"}


async def test_webhook_signed_body_that_is_not_an_event_is_400(stripe_client: httpx.AsyncClient) -> None:
    body = b'{"hello": "world"}'

    response = await stripe_client.post(
        WEBHOOK_PATH, content=body, headers={"Stripe-Signature": sign(body, "whsec_billing_integration")}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid payload"}


# ---------------------------------------------------------------- checkout.session.completed


async def test_checkout_completed_activates_the_subscription_with_plan_seats_and_periods(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now(), email=f"pay-{account_id.hex[:8]}@example.com")
    done = await paid_checkout(stripe_client, fake_stripe, signer, account_id, "starter", 4)
    stripe_sub = done["subscription"]
    event = stripe_event("checkout.session.completed", done["session"], created=at(clock.now()))

    response = await deliver(stripe_client, event)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.plan, sub.status, sub.seat_limit) == ("starter", "active", 4)
    assert sub.stripe_subscription_id == stripe_sub["id"]
    assert sub.stripe_price_id == catalog_prices.starter_monthly
    assert sub.current_period_start == ts(stripe_sub["current_period_start"])
    assert sub.current_period_end == ts(stripe_sub["current_period_end"])
    assert sub.last_stripe_event_at == ts(event["created"])
    row = await stripe_event_row(stripe_app, event["id"])
    assert row is not None
    assert (row.event_type, row.outcome, row.stripe_created_at) == (
        "checkout.session.completed",
        "applied",
        ts(event["created"]),
    )
    assert row.payload_excerpt == {
        "object_id": done["session"]["id"],
        "customer": done["session"]["customer"],
        "subscription": stripe_sub["id"],
        "status": "complete",
    }
    announced = (await changed_events(stripe_app, account_id))[-1]["data"]
    assert announced["reason"] == "stripe_webhook"
    assert (announced["previous_plan"], announced["previous_status"]) == ("pro", "trialing")
    assert (announced["plan"], announced["status"], announced["seat_limit"]) == ("starter", "active", 4)
    assert announced["stripe_subscription_id"] == stripe_sub["id"]
    assert announced["is_paid"] is True


async def test_redelivered_event_is_acknowledged_and_not_applied_again(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    done = await paid_checkout(stripe_client, fake_stripe, signer, account_id, "pro", 2)
    event = stripe_event("checkout.session.completed", done["session"], created=at(clock.now()))
    first = await deliver(stripe_client, event)
    calls_before = len(await fake_stripe.requests())

    again = await deliver(stripe_client, event)

    assert first.json() == {"status": "ok", "applied": True}
    assert again.status_code == 200
    assert again.json() == {"status": "ok", "applied": False}
    assert len(await changed_events(stripe_app, account_id)) == 2  # trial start, checkout
    assert len(await fake_stripe.requests()) == calls_before  # a redelivery asks Stripe nothing


async def test_checkout_completed_for_an_account_without_subscription_creates_it_from_the_reference(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    sdk: stripe.StripeClient,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()  # billing has never heard of it
    done = await completed_in_stripe(sdk, fake_stripe, catalog_prices.pro_annual, 7, reference=str(account_id))
    event = stripe_event("checkout.session.completed", done["session"])

    response = await deliver(stripe_client, event)

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.plan, sub.status, sub.seat_limit) == ("pro", "active", 7)
    assert sub.stripe_subscription_id == done["subscription"]["id"]
    assert sub.stripe_price_id == catalog_prices.pro_annual
    account = await billing_account_of(stripe_app, account_id)
    assert account is not None
    assert account.stripe_customer_id == done["session"]["customer"]
    [announced] = await changed_events(stripe_app, account_id)
    assert (announced["data"]["previous_plan"], announced["data"]["previous_status"]) == (None, None)
    assert announced["data"]["reason"] == "stripe_webhook"


async def test_checkout_completed_with_a_price_of_no_plan_keeps_the_plan(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    sdk: stripe.StripeClient,
    fake_stripe: FakeStripe,
    clock: ManualClock,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    done = await completed_in_stripe(sdk, fake_stripe, catalog_prices.unmapped, reference=str(account_id))

    response = await deliver(stripe_client, stripe_event("checkout.session.completed", done["session"]))

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.plan, sub.status, sub.stripe_price_id) == ("pro", "active", catalog_prices.unmapped)


async def test_checkout_completed_when_stripe_cannot_be_asked_is_500_leaves_no_record_and_retry_applies(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    signer: TestSigner,
    clock: ManualClock,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    account_id = uuid.uuid4()
    await start_trial(stripe_app, account_id, clock.now())
    done = await paid_checkout(stripe_client, fake_stripe, signer, account_id, "pro", 3)
    event = stripe_event("checkout.session.completed", done["session"], created=at(clock.now()))
    await fake_stripe.fail_next("/v1/subscriptions", status=500, times=None)
    try:
        failed = await deliver(stripe_client, event)
    finally:
        await fake_stripe.clear_failures()

    assert failed.status_code == 500
    assert await stripe_event_row(stripe_app, event["id"]) is None
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.status, sub.stripe_subscription_id) == ("trialing", None)

    retried = await deliver(stripe_client, event)

    assert retried.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.status, sub.seat_limit) == ("active", 3)


async def test_checkout_completed_of_no_known_customer_nor_account_is_recorded_as_no_match(
    stripe_app: Any,
    stripe_client: httpx.AsyncClient,
    sdk: stripe.StripeClient,
    fake_stripe: FakeStripe,
    catalog_prices: Prices,
) -> None:
    done = await completed_in_stripe(sdk, fake_stripe, catalog_prices.pro_monthly)
    event = stripe_event("checkout.session.completed", done["session"])

    response = await deliver(stripe_client, event)

    assert response.json() == {"status": "ok", "applied": True}
    row = await stripe_event_row(stripe_app, event["id"])
    assert row is not None
    assert row.outcome == "no_match"


# ---------------------------------------------------------------- customer.subscription.*


async def test_subscription_updated_sets_status_periods_cancel_flag_seats_and_plan(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock, catalog_prices: Prices
) -> None:
    account_id, sid = await linked_account(stripe_app, clock, stripe_price_id=catalog_prices.pro_monthly)
    obj = subscription_object(
        sid,
        status="active",
        quantity=9,
        price=catalog_prices.starter_monthly,
        period_start=1_800_000_000,
        period_end=1_802_592_000,
        cancel_at_period_end=True,
    )
    event = stripe_event("customer.subscription.updated", obj, created=1_800_000_100)

    response = await deliver(stripe_client, event)

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.status, sub.plan, sub.seat_limit, sub.cancel_at_period_end) == ("active", "starter", 9, True)
    assert sub.stripe_price_id == catalog_prices.starter_monthly
    assert (sub.current_period_start, sub.current_period_end) == (ts(1_800_000_000), ts(1_802_592_000))
    assert sub.last_stripe_event_at == ts(1_800_000_100)
    announced = (await changed_events(stripe_app, account_id))[-1]["data"]
    assert (announced["plan"], announced["seat_limit"], announced["cancel_at_period_end"]) == ("starter", 9, True)
    row = await stripe_event_row(stripe_app, event["id"])
    assert row is not None
    assert row.payload_excerpt == {
        "object_id": sid,
        "customer": "cus_test",
        "subscription": sid,
        "status": "active",
    }


@pytest.mark.parametrize(
    ("stripe_status", "status"),
    [
        ("past_due", "past_due"),
        ("unpaid", "past_due"),
        ("incomplete_expired", "canceled"),
        ("paused", "canceled"),
        ("incomplete", "incomplete"),
        ("trialing", "trialing"),
    ],
)
async def test_subscription_updated_maps_stripe_status(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock, stripe_status: str, status: str
) -> None:
    account_id, sid = await linked_account(stripe_app, clock)

    response = await deliver(
        stripe_client, stripe_event("customer.subscription.updated", subscription_object(sid, status=stripe_status))
    )

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == status


async def test_subscription_updated_with_a_price_of_no_plan_keeps_plan_and_price(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock, catalog_prices: Prices
) -> None:
    account_id, sid = await linked_account(stripe_app, clock, stripe_price_id=catalog_prices.pro_monthly)
    obj = subscription_object(sid, quantity=3, price=catalog_prices.unmapped)

    response = await deliver(stripe_client, stripe_event("customer.subscription.updated", obj))

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.plan, sub.stripe_price_id, sub.seat_limit) == ("pro", catalog_prices.pro_monthly, 3)


async def test_subscription_updated_of_an_unknown_subscription_changes_nothing(
    stripe_app: Any, stripe_client: httpx.AsyncClient
) -> None:
    event = stripe_event("customer.subscription.updated", subscription_object(f"sub_{uuid.uuid4().hex}"))

    response = await deliver(stripe_client, event)

    assert response.json() == {"status": "ok", "applied": True}
    row = await stripe_event_row(stripe_app, event["id"])
    assert row is not None
    assert row.outcome == "no_match"


async def test_subscription_deleted_cancels_the_subscription(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock)

    response = await deliver(
        stripe_client, stripe_event("customer.subscription.deleted", subscription_object(sid, status="canceled"))
    )

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == "canceled"
    announced = (await changed_events(stripe_app, account_id))[-1]["data"]
    assert (announced["previous_status"], announced["status"]) == ("active", "canceled")


# ---------------------------------------------------------------- invoice.*


async def test_payment_failed_sets_past_due_and_announces_the_failed_payment(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock)
    invoice = invoice_object(sid, amount_due=8997, currency="eur", attempt_count=2)

    response = await deliver(stripe_client, stripe_event("invoice.payment_failed", invoice))

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == "past_due"
    [failed] = await outbox_events(stripe_app, "billing.payment.failed", account_id)
    data = dict(failed["data"])
    assert datetime.fromisoformat(data.pop("next_payment_attempt")) == ts(invoice["next_payment_attempt"])
    assert data == {
        "account_id": str(account_id),
        "stripe_invoice_id": invoice["id"],
        "stripe_subscription_id": sid,
        "amount_due_cents": 8997,
        "currency": "eur",
        "attempt_count": 2,
        "hosted_invoice_url": invoice["hosted_invoice_url"],
        "billing_email": f"billing-{account_id.hex[:8]}@example.com",
        "update_url": "http://spa.test/account/billing",
    }
    assert (await changed_events(stripe_app, account_id))[-1]["data"]["status"] == "past_due"


async def test_payment_failed_of_a_newer_invoice_api_reads_the_subscription_under_parent(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock)
    invoice = invoice_object(sid, subscription=None, parent={"subscription_details": {"subscription": sid}})

    response = await deliver(stripe_client, stripe_event("invoice.payment_failed", invoice))

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == "past_due"


async def test_payment_succeeded_moves_past_due_back_to_active(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock, status="past_due")

    response = await deliver(stripe_client, stripe_event("invoice.payment_succeeded", invoice_object(sid)))

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == "active"
    announced = (await changed_events(stripe_app, account_id))[-1]["data"]
    assert (announced["previous_status"], announced["status"]) == ("past_due", "active")


@pytest.mark.parametrize("status", ["canceled", "trialing"])
async def test_payment_succeeded_leaves_other_statuses_untouched(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock, status: str
) -> None:
    account_id, sid = await linked_account(stripe_app, clock, status=status)
    before = len(await changed_events(stripe_app, account_id))

    response = await deliver(stripe_client, stripe_event("invoice.payment_succeeded", invoice_object(sid)))

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == status
    assert len(await changed_events(stripe_app, account_id)) == before


async def test_other_event_types_are_recorded_as_ignored_and_applied(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock)
    event = stripe_event("invoice.created", invoice_object(sid))

    response = await deliver(stripe_client, event)

    assert response.json() == {"status": "ok", "applied": True}
    row = await stripe_event_row(stripe_app, event["id"])
    assert row is not None
    assert row.outcome == "ignored"
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == "active"


# ---------------------------------------------------------------- ordering watermark


async def test_an_older_update_after_a_newer_one_is_stale_and_changes_nothing(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock)
    newer = stripe_event("customer.subscription.updated", subscription_object(sid, quantity=7), created=2_000_000_100)
    older = stripe_event(
        "customer.subscription.updated",
        subscription_object(sid, quantity=3, status="past_due"),
        created=2_000_000_000,
    )
    assert (await deliver(stripe_client, newer)).json() == {"status": "ok", "applied": True}
    announced_before = len(await changed_events(stripe_app, account_id))

    response = await deliver(stripe_client, older)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "applied": False}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert (sub.status, sub.seat_limit, sub.last_stripe_event_at) == ("active", 7, ts(2_000_000_100))
    row = await stripe_event_row(stripe_app, older["id"])
    assert row is not None
    assert row.outcome == "stale"
    assert len(await changed_events(stripe_app, account_id)) == announced_before


async def test_an_event_as_old_as_the_watermark_applies(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock, last_stripe_event_at=ts(2_100_000_000))

    response = await deliver(
        stripe_client,
        stripe_event("customer.subscription.deleted", subscription_object(sid), created=2_100_000_000),
    )

    assert response.json() == {"status": "ok", "applied": True}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == "canceled"


async def test_a_stale_invoice_event_changes_nothing_and_announces_nothing(
    stripe_app: Any, stripe_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    account_id, sid = await linked_account(stripe_app, clock, last_stripe_event_at=ts(2_200_000_000))

    response = await deliver(
        stripe_client, stripe_event("invoice.payment_failed", invoice_object(sid), created=2_199_999_999)
    )

    assert response.json() == {"status": "ok", "applied": False}
    sub = await subscription_of(stripe_app, account_id)
    assert sub is not None
    assert sub.status == "active"
    assert await outbox_events(stripe_app, "billing.payment.failed", account_id) == []
