import json
import time

import pytest
import stripe
from stripefake import FakeStripe, event, signed_event

SECRET = "whsec_test_secret"


async def test_fail_injection_raises_api_error(client: stripe.StripeClient, fake: FakeStripe) -> None:
    customer = await client.v1.customers.create_async({"email": "a@example.com"})
    await fake.fail_next("/v1/checkout", status=500, times=1)
    with pytest.raises(stripe.APIError) as err:
        await client.v1.checkout.sessions.create_async({"mode": "setup", "customer": customer.id, "currency": "usd"})
    assert err.value.http_status == 500
    # only `times` calls fail, and only under the prefix
    await client.v1.customers.retrieve_async(customer.id)
    session = await client.v1.checkout.sessions.create_async(
        {"mode": "setup", "customer": customer.id, "currency": "usd"}
    )
    assert session.status == "open"


async def test_fail_injection_with_sdk_retries(fake: FakeStripe, client: stripe.StripeClient) -> None:
    retrying = stripe.StripeClient(
        fake.api_key, base_addresses={"api": fake.url}, http_client=stripe.HTTPXClient(), max_network_retries=2
    )
    await fake.fail_next("/v1/customers", status=503, times=None)
    with pytest.raises(stripe.APIError):
        await retrying.v1.customers.create_async({"email": "a@example.com"})
    calls = [r for r in await fake.requests() if r["path"] == "/v1/customers"]
    assert len(calls) == 3  # the SDK retried twice
    assert len({c["idempotency_key"] for c in calls}) == 1
    await fake.clear_failures()
    await retrying.v1.customers.create_async({"email": "a@example.com"})


async def test_requests_log_records_params(client: stripe.StripeClient, fake: FakeStripe) -> None:
    await client.v1.customers.create_async({"email": "log@example.com", "metadata": {"org": "o1"}})
    [call] = [r for r in await fake.requests() if r["path"] == "/v1/customers"]
    assert call["params"] == {"email": "log@example.com", "metadata": {"org": "o1"}}


async def test_bad_api_key_is_refused(fake: FakeStripe) -> None:
    anonymous = stripe.StripeClient("pk_test_x", base_addresses={"api": fake.url}, http_client=stripe.HTTPXClient())
    with pytest.raises(stripe.AuthenticationError):
        await anonymous.v1.customers.list_async()


async def test_unimplemented_endpoint_answers_stripe_shape(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="stripefake does not implement"):
        await client.v1.billing_portal.configurations.list_async()


def test_event_envelope() -> None:
    evt = event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"}, created=123)
    assert evt["id"].startswith("evt_")
    assert (evt["object"], evt["type"], evt["created"], evt["livemode"]) == (
        "event",
        "checkout.session.completed",
        123,
        False,
    )
    assert evt["data"]["object"]["id"] == "cs_test_1"
    assert evt["api_version"] == stripe.api_version
    assert event("x", {}, id="evt_fixed")["id"] == "evt_fixed"


def test_signed_event_is_accepted_by_the_sdk() -> None:
    evt = event("customer.subscription.updated", {"id": "sub_1", "object": "subscription", "status": "active"})
    body, header = signed_event(evt, SECRET)
    assert header.startswith("t=")
    constructed = stripe.Webhook.construct_event(body, header, SECRET)
    assert constructed.id == evt["id"]
    assert constructed.type == "customer.subscription.updated"
    assert constructed.data.object["status"] == "active"
    # as text too, the way some frameworks hand the body over
    stripe.Webhook.construct_event(body.decode(), header, SECRET)


def test_tampered_or_stale_or_wrongly_signed_event_is_refused() -> None:
    evt = event("invoice.paid", {"id": "in_1", "object": "invoice"})
    body, header = signed_event(evt, SECRET)
    tampered = json.dumps({**json.loads(body), "type": "invoice.payment_failed"}).encode()
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, header, SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_other")
    old_body, old_header = signed_event(evt, SECRET, timestamp=int(time.time()) - 3600)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(old_body, old_header, SECRET)
