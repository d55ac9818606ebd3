import pytest
import stripe


async def _product(client: stripe.StripeClient, name: str = "Pro") -> stripe.Product:
    return await client.v1.products.create_async({"name": name})


async def test_create_and_retrieve_monthly_price(client: stripe.StripeClient) -> None:
    product = await _product(client)
    price = await client.v1.prices.create_async(
        {
            "product": product.id,
            "unit_amount": 1200,
            "currency": "usd",
            "recurring": {"interval": "month"},
            "nickname": "Pro monthly",
        }
    )
    assert price.id.startswith("price_")
    assert price.object == "price"
    assert price.type == "recurring"
    assert price.recurring is not None
    assert price.recurring.interval == "month"
    assert price.recurring.interval_count == 1
    assert (price.unit_amount, price.currency, price.product, price.active) == (1200, "usd", product.id, True)
    assert price.nickname == "Pro monthly"

    again = await client.v1.prices.retrieve_async(price.id)
    assert again.id == price.id
    assert again.unit_amount == 1200


async def test_yearly_price_with_interval_count_and_inactive(client: stripe.StripeClient) -> None:
    product = await _product(client)
    price = await client.v1.prices.create_async(
        {
            "product": product.id,
            "unit_amount": 10000,
            "currency": "eur",
            "recurring": {"interval": "year", "interval_count": 2},
            "active": False,
        }
    )
    assert price.recurring is not None
    assert (price.recurring.interval, price.recurring.interval_count, price.active) == ("year", 2, False)


async def test_update_price(client: stripe.StripeClient) -> None:
    product = await _product(client)
    price = await client.v1.prices.create_async(
        {"product": product.id, "unit_amount": 500, "currency": "usd", "recurring": {"interval": "month"}}
    )
    updated = await client.v1.prices.update_async(price.id, {"active": False, "nickname": "old"})
    assert (updated.active, updated.nickname) == (False, "old")
    assert (await client.v1.prices.retrieve_async(price.id)).active is False


async def test_list_prices_by_product_with_pagination(client: stripe.StripeClient) -> None:
    product = await _product(client)
    other = await _product(client, "Other")
    ids = []
    for amount in (100, 200, 300):
        price = await client.v1.prices.create_async(
            {"product": product.id, "unit_amount": amount, "currency": "usd", "recurring": {"interval": "month"}}
        )
        ids.append(price.id)
    await client.v1.prices.create_async(
        {"product": other.id, "unit_amount": 999, "currency": "usd", "recurring": {"interval": "month"}}
    )

    first = await client.v1.prices.list_async({"product": product.id, "limit": 2})
    assert len(first.data) == 2
    assert first.has_more is True
    second = await client.v1.prices.list_async({"product": product.id, "limit": 2, "starting_after": first.data[-1].id})
    assert len(second.data) == 1
    assert second.has_more is False
    seen = [p.id for p in first.data] + [p.id for p in second.data]
    assert sorted(seen) == sorted(ids)
    assert seen == list(reversed(ids))  # newest first, as Stripe

    every = [
        p.id async for p in (await client.v1.prices.list_async({"product": product.id, "limit": 1})).auto_paging_iter()
    ]
    assert sorted(every) == sorted(ids)


async def test_list_prices_filters_active_and_type(client: stripe.StripeClient) -> None:
    product = await _product(client)
    live = await client.v1.prices.create_async(
        {"product": product.id, "unit_amount": 100, "currency": "usd", "recurring": {"interval": "month"}}
    )
    await client.v1.prices.create_async(
        {
            "product": product.id,
            "unit_amount": 100,
            "currency": "usd",
            "recurring": {"interval": "month"},
            "active": False,
        }
    )
    one_time = await client.v1.prices.create_async({"product": product.id, "unit_amount": 50, "currency": "usd"})
    assert one_time.type == "one_time"
    assert one_time.recurring is None

    active = await client.v1.prices.list_async({"product": product.id, "active": True, "type": "recurring"})
    assert [p.id for p in active.data] == [live.id]
    expanded = await client.v1.prices.list_async({"product": product.id, "expand": ["data.product"]})
    assert all(p.product.id == product.id for p in expanded.data)  # type: ignore[union-attr]


async def test_unknown_price_and_product(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.prices.retrieve_async("price_nope")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as bad_product:
        await client.v1.prices.create_async(
            {"product": "prod_nope", "unit_amount": 1, "currency": "usd", "recurring": {"interval": "month"}}
        )
    assert bad_product.value.param == "product"


async def test_lookup_keys(client: stripe.StripeClient) -> None:
    product = await _product(client)
    price = await client.v1.prices.create_async(
        {
            "product": product.id,
            "unit_amount": 100,
            "currency": "usd",
            "recurring": {"interval": "month"},
            "lookup_key": "pro_monthly",
        }
    )
    found = await client.v1.prices.list_async({"lookup_keys": ["pro_monthly"]})
    assert [p.id for p in found.data] == [price.id]
