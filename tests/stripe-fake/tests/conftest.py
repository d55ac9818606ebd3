from collections.abc import AsyncIterator

import pytest
import stripe
from stripefake import FakeStripe


@pytest.fixture(scope="session")
async def fake() -> AsyncIterator[FakeStripe]:
    async with FakeStripe() as server:
        yield server


@pytest.fixture
async def client(fake: FakeStripe) -> stripe.StripeClient:
    """What billing builds, pointed at the fake (no retries, so injected failures surface at once)."""
    await fake.reset_async()
    return stripe.StripeClient(
        fake.api_key,
        base_addresses={"api": fake.url},
        http_client=stripe.HTTPXClient(),
        max_network_retries=0,
    )
