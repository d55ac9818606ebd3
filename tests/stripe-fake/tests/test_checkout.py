import time

import httpx
import pytest
import stripe
from stripefake import FakeStripe, FakeStripeError


async def _catalog(client: stripe.StripeClient) -> tuple[stripe.Customer, stripe.Price]:
    customer = await client.v1.customers.create_async({"email": "owner@example.com"})
    product = await client.v1.products.create_async({"name": "Team"})
    price = await client.v1.prices.create_async(
        {"product": product.id, "unit_amount": 800, "currency": "usd", "recurring": {"interval": "month"}}
    )
    return customer, price


async def _session(
    client: stripe.StripeClient, customer: str, price: str, *, trial_end: int | None = None
) -> stripe.checkout.Session:
    params: dict[str, object] = {
        "mode": "subscription",
        "customer": customer,
        "client_reference_id": "org_123",
        "line_items": [{"price": price, "quantity": 5}],
        "allow_promotion_codes": True,
        "success_url": "https://app.example.com/billing/success?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example.com/billing/cancel",
        "metadata": {"org_id": "org_123"},
    }
    if trial_end is not None:
        params["subscription_data"] = {"trial_end": trial_end}
    return await client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]


async def test_checkout_with_trial_creates_trialing_subscription(client: stripe.StripeClient, fake: FakeStripe) -> None:
    customer, price = await _catalog(client)
    trial_end = int(time.time()) + 14 * 86400
    session = await _session(client, customer.id, price.id, trial_end=trial_end)

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.url == f"{fake.url}/checkout/{session.id}"
    assert (session.status, session.mode, session.customer) == ("open", "subscription", customer.id)
    assert session.client_reference_id == "org_123"
    assert session.allow_promotion_codes is True
    assert session.metadata is not None
    assert session.metadata.to_dict() == {"org_id": "org_123"}
    assert session.success_url is not None
    assert session.subscription is None
    assert session.amount_total == 800 * 5

    recorded = await fake.checkout_session(session.id)
    assert recorded["subscription_data"] == {"trial_end": trial_end}
    assert recorded["line_items"]["data"][0]["price"]["id"] == price.id
    assert recorded["line_items"]["data"][0]["quantity"] == 5
    expanded = await client.v1.checkout.sessions.retrieve_async(session.id, {"expand": ["line_items"]})
    assert expanded.line_items is not None
    assert expanded.line_items.data[0].quantity == 5

    done = await fake.complete_checkout(session.id)
    assert done["session"]["status"] == "complete"
    sub_id = done["session"]["subscription"]
    assert done["subscription"]["id"] == sub_id

    retrieved = await client.v1.checkout.sessions.retrieve_async(session.id)
    assert (retrieved.status, retrieved.subscription) == ("complete", sub_id)
    assert retrieved.payment_status == "no_payment_required"

    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    assert sub.status == "trialing"
    assert sub.customer == customer.id
    assert sub.trial_end == trial_end
    item = sub["items"].data[0]
    assert item.price.id == price.id
    assert item.price.recurring is not None
    assert item.quantity == 5
    assert item.current_period_end == trial_end
    assert item.current_period_start <= int(time.time())
    assert sub["current_period_end"] == trial_end
    assert sub["current_period_start"] == item.current_period_start


async def test_checkout_without_trial_is_active_for_a_month(client: stripe.StripeClient, fake: FakeStripe) -> None:
    customer, price = await _catalog(client)
    session = await _session(client, customer.id, price.id)
    done = await fake.complete_checkout(session.id)
    sub = await client.v1.subscriptions.retrieve_async(done["session"]["subscription"])
    assert sub.status == "active"
    item = sub["items"].data[0]
    assert 28 * 86400 <= item.current_period_end - item.current_period_start <= 31 * 86400
    assert done["session"]["payment_status"] == "paid"
    listed = await client.v1.subscriptions.list_async({"customer": customer.id})
    assert [s.id for s in listed.data] == [sub.id]


async def test_checkout_cannot_complete_twice(client: stripe.StripeClient, fake: FakeStripe) -> None:
    customer, price = await _catalog(client)
    session = await _session(client, customer.id, price.id)
    await fake.complete_checkout(session.id)
    with pytest.raises(FakeStripeError) as err:
        await fake.complete_checkout(session.id)
    assert err.value.status == 400


async def test_checkout_unknown_price_or_customer(client: stripe.StripeClient) -> None:
    customer, price = await _catalog(client)
    with pytest.raises(stripe.InvalidRequestError) as bad_price:
        await _session(client, customer.id, "price_doesnotexist")
    assert bad_price.value.code == "resource_missing"
    assert bad_price.value.param == "line_items[0][price]"
    assert "No such price" in str(bad_price.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as bad_customer:
        await _session(client, "cus_doesnotexist", price.id)
    assert bad_customer.value.param == "customer"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.checkout.sessions.retrieve_async("cs_test_nope")
    assert missing.value.http_status == 404


async def test_checkout_rejects_unknown_parameter(client: stripe.StripeClient) -> None:
    customer, price = await _catalog(client)
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter"):
        await client.v1.checkout.sessions.create_async(
            {"mode": "subscription", "customer": customer.id, "line_items": [{"price": price.id}], "bogus": 1}  # type: ignore[typeddict-unknown-key]
        )


async def test_hosted_checkout_page_pays_and_redirects(client: stripe.StripeClient, fake: FakeStripe) -> None:
    customer, price = await _catalog(client)
    session = await _session(client, customer.id, price.id)
    assert session.url is not None
    async with httpx.AsyncClient() as http:
        page = await http.get(session.url)
        assert page.status_code == 200
        assert session.id in page.text
        paid = await http.post(f"{session.url}/pay")
    assert paid.status_code == 303
    assert paid.headers["Location"].endswith(f"session={session.id}")
    assert (await client.v1.checkout.sessions.retrieve_async(session.id)).status == "complete"


async def test_portal_session(client: stripe.StripeClient, fake: FakeStripe) -> None:
    customer, _ = await _catalog(client)
    portal = await client.v1.billing_portal.sessions.create_async(
        {"customer": customer.id, "return_url": "https://app.example.com/billing"}
    )
    assert portal.id.startswith("bps_")
    assert portal.object == "billing_portal.session"
    assert portal.url == f"{fake.url}/portal/{portal.id}"
    assert (portal.customer, portal.return_url) == (customer.id, "https://app.example.com/billing")
    with pytest.raises(stripe.InvalidRequestError) as err:
        await client.v1.billing_portal.sessions.create_async({"customer": "cus_nope"})
    assert err.value.code == "resource_missing"
