import time

import pytest
import stripe
from stripefake import FakeStripe, FakeStripeError


async def _subscription(client: stripe.StripeClient, fake: FakeStripe, quantity: int = 3) -> tuple[str, str]:
    customer = await client.v1.customers.create_async({"email": "x@example.com"})
    product = await client.v1.products.create_async({"name": "Team"})
    price = await client.v1.prices.create_async(
        {"product": product.id, "unit_amount": 800, "currency": "usd", "recurring": {"interval": "month"}}
    )
    session = await client.v1.checkout.sessions.create_async(
        {"mode": "subscription", "customer": customer.id, "line_items": [{"price": price.id, "quantity": quantity}]}
    )
    done = await fake.complete_checkout(session.id)
    return done["session"]["subscription"], product.id


async def test_set_subscription_renewal_and_dunning(client: stripe.StripeClient, fake: FakeStripe) -> None:
    sub_id, _ = await _subscription(client, fake)
    start = int(time.time()) + 30 * 86400
    end = start + 30 * 86400
    changed = await fake.set_subscription(sub_id, current_period_start=start, current_period_end=end)
    assert (changed["current_period_start"], changed["current_period_end"]) == (start, end)
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (start, end)

    await fake.set_subscription(sub_id, status="past_due")
    assert (await client.v1.subscriptions.retrieve_async(sub_id)).status == "past_due"


async def test_set_subscription_price_quantity_and_cancellation(client: stripe.StripeClient, fake: FakeStripe) -> None:
    sub_id, product = await _subscription(client, fake)
    yearly = await client.v1.prices.create_async(
        {"product": product, "unit_amount": 8000, "currency": "usd", "recurring": {"interval": "year"}}
    )
    await fake.set_subscription(sub_id, price=yearly.id, quantity=7, cancel_at_period_end=True)
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    assert sub["items"].data[0].price.id == yearly.id
    assert sub["items"].data[0].quantity == 7
    assert sub.cancel_at_period_end is True

    ended = int(time.time())
    await fake.set_subscription(sub_id, status="canceled", ended_at=ended, canceled_at=ended)
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    assert (sub.status, sub.ended_at) == ("canceled", ended)


async def test_sdk_updates_and_cancels_a_subscription(client: stripe.StripeClient, fake: FakeStripe) -> None:
    sub_id, _ = await _subscription(client, fake)
    sub = await client.v1.subscriptions.retrieve_async(sub_id)
    item_id = sub["items"].data[0].id

    updated = await client.v1.subscriptions.update_async(
        sub_id,
        {"items": [{"id": item_id, "quantity": 9}], "proration_behavior": "create_prorations"},
    )
    assert updated["items"].data[0].quantity == 9
    assert updated["items"].data[0].id == item_id  # Stripe keeps the item id

    flagged = await client.v1.subscriptions.update_async(sub_id, {"cancel_at_period_end": True})
    assert flagged.cancel_at_period_end is True

    canceled = await client.v1.subscriptions.cancel_async(sub_id)
    assert canceled.status == "canceled"


async def test_sdk_creates_a_trialing_subscription_with_a_price(client: stripe.StripeClient) -> None:
    customer = await client.v1.customers.create_async({"email": "t@example.com"})
    product = await client.v1.products.create_async({"name": "Team"})
    price = await client.v1.prices.create_async(
        {"product": product.id, "unit_amount": 800, "currency": "usd", "recurring": {"interval": "month"}}
    )
    sub = await client.v1.subscriptions.create_async(
        {
            "customer": customer.id,
            "items": [{"price": price.id, "quantity": 2}],
            "trial_period_days": 7,
            "expand": ["items.data.price.product"],
        }
    )
    assert sub.status == "trialing"
    assert sub.trial_end == sub.start_date + 7 * 86400
    item = sub["items"].data[0]
    assert item.price.id == price.id
    assert item.price.product.id == product.id
    assert item.quantity == 2
    assert item.current_period_end == sub.trial_end

    with pytest.raises(stripe.InvalidRequestError) as err:
        await client.v1.subscriptions.create_async({"customer": customer.id, "items": [{"price": "price_nope"}]})
    assert err.value.param == "items[0][price]"


async def test_set_subscription_refuses_unknown_status(client: stripe.StripeClient, fake: FakeStripe) -> None:
    sub_id, _ = await _subscription(client, fake)
    with pytest.raises(FakeStripeError) as err:
        await fake.set_subscription(sub_id, status="sleeping")
    assert err.value.status == 400


async def test_sdk_cancel_at_period_end_and_ending_a_trial(client: stripe.StripeClient) -> None:
    customer = await client.v1.customers.create_async({"email": "c@example.com"})
    product = await client.v1.products.create_async({"name": "Team"})
    price = await client.v1.prices.create_async(
        {"product": product.id, "unit_amount": 0, "currency": "usd", "recurring": {"interval": "month"}}
    )
    sub = await client.v1.subscriptions.create_async(
        {"customer": customer.id, "items": [{"price": price.id}], "trial_period_days": 3}
    )
    flagged = await client.v1.subscriptions.update_async(sub.id, {"cancel_at_period_end": True})
    assert flagged.cancel_at == flagged["items"].data[0].current_period_end == sub.trial_end
    assert flagged.canceled_at is not None
    resumed = await client.v1.subscriptions.update_async(sub.id, {"cancel_at_period_end": False})
    assert (resumed.cancel_at, resumed.canceled_at) == (None, None)

    ended = await client.v1.subscriptions.update_async(sub.id, {"trial_end": "now"})
    assert ended.status == "active"
    item = ended["items"].data[0]
    assert item.current_period_start == ended.trial_end
    assert 28 * 86400 <= item.current_period_end - item.current_period_start <= 31 * 86400

    canceled = await client.v1.subscriptions.cancel_async(sub.id)
    assert canceled.status == "canceled"
    assert canceled.canceled_at is not None
